#include "app/gui/lesson_player.hpp"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <variant>

#include "app/gui/app_state.hpp"
#include "app/gui/lesson_metrics.hpp"
#include "app/gui/scene_settings.hpp"
#include "core/error.hpp"

namespace hashscope::gui {

namespace {

namespace fs = std::filesystem;

constexpr const char* kOperators[] = {">=", "<=", "==", "!=", ">", "<"};

std::optional<double> parse_number(const std::string& text) {
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
    return value;
}

// "recall >= 0.9" -> {recall, >=, 0.9}; the reason when it is not a check.
std::variant<LessonCheck, std::string> parse_check(const lesson::Action& action) {
    const std::string& text = action.value;
    for (const char* op : kOperators) {
        const auto at = text.find(op);
        if (at == std::string::npos) continue;
        LessonCheck check{action.line, text.substr(0, at), op, text.substr(at + std::char_traits<char>::length(op))};
        const auto strip = [](std::string& s) {
            s.erase(0, s.find_first_not_of(' '));
            s.erase(s.find_last_not_of(' ') + 1);
        };
        strip(check.metric);
        strip(check.value);
        if (!is_metric(check.metric)) {
            std::string known;
            for (const auto name : metric_names()) known += (known.empty() ? "" : ", ") + std::string(name);
            return "check: unknown metric '" + check.metric + "' (known: " + known + ")";
        }
        if (is_name_metric(check.metric)) {
            if (check.op != "==" && check.op != "!=") return "check: " + check.metric + " is a name: compare it with == or !=";
        } else if (!parse_number(check.value)) {
            return "check: '" + check.value + "' is not a number";
        }
        return check;
    }
    return "check expects METRIC OP VALUE with OP one of >= <= == != > <, got '" + text + "'";
}

bool compare(double a, const std::string& op, double b) {
    if (op == ">=") return a >= b;
    if (op == "<=") return a <= b;
    if (op == "==") return a == b;
    if (op == "!=") return a != b;
    if (op == ">") return a > b;
    return a < b;
}

PreparedStep prepare_step(const lesson::Step& step, const std::string& path) {
    PreparedStep prepared;
    prepared.problems = step.problems;
    StartState scratch;  // each setting is tried here first, so a bad one is caught at its line
    for (const lesson::Action& action : step.actions) {
        if (action.key == "task") {
            prepared.task = action.value;
            continue;
        }
        if (action.key == "check") {
            auto check = parse_check(action);
            if (auto* ok = std::get_if<LessonCheck>(&check)) prepared.check = *ok;
            else prepared.problems.push_back({action.line, std::get<std::string>(check)});
            continue;
        }
        std::string value = action.value;
        if (action.key == "model" && value != "none") {
            value = resolve_lesson_path(path, value);
            std::error_code ec;
            if (!fs::exists(value, ec)) {
                prepared.problems.push_back({action.line, "model: " + value + " does not exist"});
                continue;
            }
        }
        const std::string setting = action.key + "=" + value;
        try {
            apply_setting(setting, scratch);
            prepared.settings.push_back(setting);
        } catch (const InputError& e) {
            std::string message = e.what();
            if (message.starts_with("--set: ")) message.erase(0, 7);
            else if (message.starts_with("--set ")) message.erase(0, 6);
            prepared.problems.push_back({action.line, message});
        }
    }
    std::sort(prepared.problems.begin(), prepared.problems.end(),
              [](const lesson::Problem& a, const lesson::Problem& b) { return a.line < b.line; });
    return prepared;
}

}  // namespace

std::string resolve_lesson_path(const std::string& lesson_path, const std::string& written) {
    const fs::path p(written);
    if (p.is_absolute()) return p.lexically_normal().string();
    return (fs::path(lesson_path).parent_path() / p).lexically_normal().string();
}

std::vector<PreparedStep> prepare_steps(const lesson::Lesson& lesson, const std::string& path) {
    std::vector<PreparedStep> steps;
    for (const lesson::Step& step : lesson.steps) steps.push_back(prepare_step(step, path));
    return steps;
}

void open_lesson(const std::string& given, AppState& state) {
    // Absolute, so the paths it names stay right whatever the working directory becomes.
    std::error_code ec;
    const fs::path absolute = fs::absolute(given, ec);
    const std::string path = ec ? given : absolute.lexically_normal().string();
    lesson::Lesson parsed = lesson::load_lesson(path);
    LessonState& l = state.lesson;
    l.steps = prepare_steps(parsed, path);
    l.lesson = std::move(parsed);
    l.path = path;
    l.error.clear();
    l.origin = settings_of(start_state_of(state));
    l.step = -1;
    go_to_step(0, state);
}

void go_to_step(int index, AppState& state, bool wait) {
    LessonState& l = state.lesson;
    if (!l.open() || l.steps.empty()) return;
    const int target = std::clamp(index, 0, int(l.steps.size()) - 1);
    // Next builds on what the learner has done; any other move (Back, a jump, Reset this step) shows
    // the step as the lesson sets it up: the app as it was when the lesson opened, then every step's
    // actions up to this one.
    const bool next = target == l.step + 1;
    l.step = target;
    PreparedStep& step = l.steps[std::size_t(l.step)];
    // A problem from applying an earlier visit would repeat: only parse and validation ones stay.
    std::erase_if(step.problems, [](const lesson::Problem& p) { return p.line == 0; });
    try {
        StartState start;
        if (next) {
            start = start_state_of(state);
        } else {
            for (const std::string& setting : l.origin) apply_setting(setting, start);
            for (int s = 0; s < target; ++s)
                for (const std::string& setting : l.steps[std::size_t(s)].settings) apply_setting(setting, start);
        }
        start.learned_train = false;  // training runs only when this step asks for it
        for (const std::string& setting : step.settings) apply_setting(setting, start);
        apply_start_state(start, state);
        if (start.learned_train) {
            if (wait) state.learned.compute_now(state.result(), state.version(), true);
            else state.learned.train(state.result(), state.version());
        }
    } catch (const InputError& e) {
        step.problems.push_back({0, std::string("applying this step: ") + e.what()});
    }
}

void close_lesson(AppState& state) { state.lesson = LessonState(); }

std::optional<CheckStatus> check_step(const AppState& state) {
    const LessonState& l = state.lesson;
    if (!l.open() || l.steps.empty() || !l.steps[std::size_t(l.step)].check) return std::nullopt;
    const LessonCheck& check = *l.steps[std::size_t(l.step)].check;
    CheckStatus status;
    const auto actual = metric_text(check.metric, state);
    if (!actual) return status;
    status.actual = *actual;
    if (is_name_metric(check.metric)) {
        status.passed = (*actual == check.value) == (check.op == "==");
    } else {
        const auto value = metric_value(check.metric, state);
        status.passed = value && compare(*value, check.op, *parse_number(check.value));
    }
    return status;
}

std::string tutorials_dir() {
    const char* dir = std::getenv("HASHSCOPE_TUTORIALS");
    return dir && *dir ? std::string(dir) : std::string(HASHSCOPE_TUTORIALS_DIR);
}

std::vector<std::string> bundled_lessons() {
    std::vector<std::string> lessons;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(tutorials_dir(), ec))
        if (entry.path().extension() == ".md" && entry.path().filename() != "README.md")
            lessons.push_back(entry.path().string());
    std::sort(lessons.begin(), lessons.end());
    return lessons;
}

}  // namespace hashscope::gui
