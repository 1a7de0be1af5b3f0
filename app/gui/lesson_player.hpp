// A lesson being taught: the parsed lesson (app/lesson), each step's actions checked once when the
// lesson opens, and the step on show. Going to a step applies its settings to the running app
// through the same settings table as `--set` and sessions (scene_settings.hpp); a broken line is
// reported at its line in that step and skipped, so the rest of the lesson still works. The panel
// (view_lesson.cpp) only draws this state. No GL here: tests drive lessons headless.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/lesson/lesson.hpp"

namespace hashscope::gui {

class AppState;

// `check = METRIC OP VALUE` (lesson_metrics.hpp names the metrics).
struct LessonCheck {
    int line = 0;
    std::string metric, op, value;
};

// One step's actions, validated: the settings that apply, the learner's task and its check.
struct PreparedStep {
    std::vector<std::string> settings;       // key=value, paths resolved against the lesson's folder
    std::string task;
    std::optional<LessonCheck> check;
    std::vector<lesson::Problem> problems;   // parse and validation problems, then any from applying
};

struct LessonState {
    std::string path;              // empty: no lesson open
    lesson::Lesson lesson;
    std::vector<PreparedStep> steps;
    int step = 0;                  // index of the step on show
    std::vector<std::string> origin;  // the app's settings when the lesson opened (steps apply over them)
    std::string error;             // why the last lesson asked for did not open (the current one stays)
    bool open() const { return !path.empty(); }
};

// Validates every step of `lesson` (read from `path`) without touching any app state.
std::vector<PreparedStep> prepare_steps(const lesson::Lesson& lesson, const std::string& path);

// Reads, parses and validates the lesson and shows its first step. InputError naming the file when
// it cannot be read (the lesson open before stays).
void open_lesson(const std::string& path, AppState& state);
// Shows step `index` (clamped to the lesson). The next step applies its settings over the app as the
// learner left it; any other step (Back, a jump, Reset this step) is set up afresh: the settings from
// when the lesson opened, then every step's up to it. A setting that fails to apply becomes a problem
// of the step. `wait`: training a step asks for runs before returning (headless
// screenshots); otherwise in the background.
void go_to_step(int index, AppState& state, bool wait = false);
void close_lesson(AppState& state);

struct CheckStatus {
    bool passed = false;
    std::string actual;  // the metric's current value as text; empty until it has one
};
// The step's check against the app as it is now; nullopt when the step has no check.
std::optional<CheckStatus> check_step(const AppState& state);

// A path written in a lesson (model, image), relative to the lesson's folder unless absolute.
std::string resolve_lesson_path(const std::string& lesson_path, const std::string& written);

// The folder of the bundled lessons: $HASHSCOPE_TUTORIALS when set, else the source tree's tutorials/.
std::string tutorials_dir();
// The bundled lessons (*.md except README.md), sorted by name.
std::vector<std::string> bundled_lessons();

}  // namespace hashscope::gui
