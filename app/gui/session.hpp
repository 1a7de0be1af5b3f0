// Session files: what the app shows, saved so that opening the file reproduces the same picture —
// on this machine or another. JSON (README, "Session files"):
//   {"hashscope_session": 1,
//    "settings": {"kind": "clusters", "n": "256", ...},      every setting (scene_settings.hpp), as text
//    "model": {"path": "...", "sha256": "..."},              when a model is loaded: path relative to the
//                                                            session's folder (else absolute) and checksum
//    "data": {"path": "...", "sha256": "..."},               when a .npy file is the scene's data, likewise
//    "lesson": {"path": "...", "step": 3}}                   when a lesson is open (step from 1)
// Sessions hold settings only: they cannot run commands, and every path in them is shown before use.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "app/gui/scene_settings.hpp"

namespace hashscope::gui {

struct Session {
    StartState start;                // model resolved to a path that exists, or "none"
    std::string model_sha256;        // as recorded
    std::string lesson;              // resolved path; empty: none
    int lesson_step = 1;
    std::vector<std::string> warnings;  // e.g. the model's checksum differs from the recorded one
};

// The running app as a session's JSON text; paths relative to `session_path`'s folder where possible.
std::string session_json(const AppState& state, const std::string& session_path);
// Writes it to `path` (through a temporary file and a rename: never half a file). InputError naming
// the file when it cannot be written.
void save_session(const AppState& state, const std::string& path);

// A session that names a model (or data) file that is not there: says which, so the app can offer
// to pick another.
struct MissingModel : InputError {
    MissingModel(const std::string& session, std::string model_path, const std::string& what = "model")
        : InputError(session + ": the " + what + " " + model_path + " is missing"), model(std::move(model_path)), kind(what) {}
    std::string model;
    std::string kind;  // "model" or "data"
};

// Parses a session's text (`path` names it in messages and anchors its relative paths). InputError
// with one line naming the file and the problem; MissingModel when its model is not found (unless
// `model_override` names the file to use instead). A checksum that differs is a warning.
Session parse_session(std::string_view text, const std::string& path, const std::string& model_override = {});
Session read_session(const std::string& path, const std::string& model_override = {});

// Shows the session in the running app: settings, model, view, lesson and step. InputError as
// apply_start_state and open_lesson give them.
void open_session(const Session& session, AppState& state);

}  // namespace hashscope::gui
