// The File menu's dialogs: save a session, open a session or a lesson by path (with the matching files
// of that folder listed to pick from), and — when a session's model is missing — pick the model
// instead. Also what a dropped file or a recent entry opens, by its extension, and a short notice
// after each (saved, opened, a checksum warning). Paths are typed or picked, never run.
#pragma once

#include <string>

#include "app/gui/recent_files.hpp"

namespace hashscope::gui {

class AppState;

class FileDialogs {
public:
    explicit FileDialogs(RecentFiles& recent) : recent_(recent) {}
    void ask_save_session() { ask(Mode::save); }
    void ask_open_session() { ask(Mode::open); }
    void ask_open_lesson() { ask(Mode::lesson); }
    // A session (.json), a lesson (.md) or else a model file or folder.
    void open_path(const std::string& path, AppState& state);
    // Once per frame: the dialog asked for, if any, and the notice.
    void draw(AppState& state);

private:
    enum class Mode { none, save, open, lesson, pick_model };
    void ask(Mode mode);
    void open_session_file(const std::string& path, AppState& state, const std::string& model = {});
    bool confirm(AppState& state);  // OK pressed: true when the dialog may close
    void notify(std::string text);

    RecentFiles& recent_;
    Mode mode_ = Mode::none, asked_ = Mode::none;
    char path_[1024] = {};
    std::string error_;
    std::string waiting_session_;  // pick_model: the session that names the missing model
    std::string notice_;
    double notice_until_ = 0.0;
};

}  // namespace hashscope::gui
