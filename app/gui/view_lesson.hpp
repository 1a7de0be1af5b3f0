// Lesson: the step on show of the lesson being taught (lesson_player.hpp) as rich text, the task
// and whether its check holds, any broken action line with its line number, and Back / Next /
// Reset this step with the lesson's progress. Without a lesson: the bundled lessons to open.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "app/gui/plot.hpp"
#include "app/gui/view.hpp"

namespace hashscope::gui {

class LessonView final : public View {
public:
    LessonView() : View("Lesson") {}
    void draw(AppState& state) override;

private:
    struct Picture {
        plot::Texture texture;
        int width = 0, height = 0;
        std::string error;
    };
    void draw_catalog(AppState& state);
    void draw_image(const std::string& path, const std::string& alt);

    std::map<std::string, std::unique_ptr<Picture>> pictures_;  // by resolved path, loaded once
    std::vector<std::pair<std::string, std::string>> catalog_;   // bundled lessons: path, title
    bool catalog_read_ = false;
    int scrolled_step_ = -1;  // the step the content was last scrolled to the top for
};

}  // namespace hashscope::gui
