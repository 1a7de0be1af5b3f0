// The File menu's dialogs: save a session, open a session, a lesson or a model by path (with the matching files
// of that folder listed to pick from), export a view (or the window) as a PNG or GIF at a chosen size,
// and — when a session's model is missing — pick the model instead. Also what a dropped file or a recent entry opens, by its extension, and a short notice
// after each (saved, opened, a checksum warning). Paths are typed or picked, never run.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/gui/capture.hpp"
#include "app/gui/recent_files.hpp"

namespace hashscope::gui {

class AppState;

class FileDialogs {
public:
    explicit FileDialogs(RecentFiles& recent) : recent_(recent) {}
    void ask_save_session() { ask(Mode::save); }
    void ask_open_session() { ask(Mode::open); }
    void ask_open_lesson() { ask(Mode::lesson); }
    void ask_export() { ask(Mode::export_view); }
    void ask_open_model() { ask(Mode::model); }
    // A session (.json), a lesson (.md), Q/K data (.npy, npy_data.hpp) or else a model file or folder.
    void open_path(const std::string& path, AppState& state);
    // Once per frame: the dialog asked for, if any, and the notice. `views`: (id, title) of the views
    // an export may show alone.
    void draw(AppState& state, const std::vector<std::pair<std::string, std::string>>& views);
    // The export the user confirmed, once (the shell renders it).
    std::optional<CaptureRequest> take_export() { return std::exchange(export_, std::nullopt); }
    // A line at the bottom of the window for a few seconds.
    void notify(std::string text);
    // What the user reads now: the last notice, and the error in the dialog on show (a session's
    // missing model, a path that did not open).
    const std::string& notice() const { return notice_; }
    const std::string& dialog_error() const { return error_; }

private:
    enum class Mode { none, save, open, lesson, pick_model, export_view, model };
    void ask(Mode mode);
    void open_session_file(const std::string& path, AppState& state, const std::string& model = {});
    bool confirm(AppState& state);  // OK pressed: true when the dialog may close
    void export_fields(const AppState& state, const std::vector<std::pair<std::string, std::string>>& views);

    RecentFiles& recent_;
    Mode mode_ = Mode::none, asked_ = Mode::none;
    char path_[1024] = {};
    std::string error_;
    std::string waiting_session_;  // pick_model: the session that names the missing model
    std::string notice_;
    double notice_until_ = 0.0;
    CaptureRequest draft_;                   // the export being set up
    std::optional<CaptureRequest> export_;   // confirmed, not yet taken
};

}  // namespace hashscope::gui
