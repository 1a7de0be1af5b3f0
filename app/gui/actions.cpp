#include "app/gui/actions.hpp"

#include <epoxy/gl.h>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>
#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <exception>

#include "app/gui/app_state.hpp"
#include "app/gui/lesson_player.hpp"
#include "core/error.hpp"

namespace hashscope::gui {

namespace {

bool lesson_open(const AppState& s) { return s.lesson.open(); }

void open_bundled(const std::string& path, AppState& state) {
    try {
        open_lesson(path, state);
    } catch (const std::exception& e) {
        state.lesson.error = e.what();
    }
}

bool pressed(const Shortcut& s) {
    const ImGuiIO& io = ImGui::GetIO();
    return s.key != 0 && io.KeyCtrl == s.ctrl && io.KeyShift == s.shift && ImGui::IsKeyPressed(s.key, s.key != GLFW_KEY_SPACE);
}

}  // namespace

std::string Shortcut::text() const {
    if (key == 0) return {};
    std::string out = std::string(ctrl ? "Ctrl+" : "") + (shift ? "Shift+" : "");
    switch (key) {
    case GLFW_KEY_SPACE: return out + "Space";
    case GLFW_KEY_LEFT: return out + "Left";
    case GLFW_KEY_RIGHT: return out + "Right";
    case GLFW_KEY_PAGE_UP: return out + "Page Up";
    case GLFW_KEY_PAGE_DOWN: return out + "Page Down";
    case GLFW_KEY_EQUAL: return out + "=";
    case GLFW_KEY_MINUS: return out + "-";
    default: break;
    }
    if (key >= GLFW_KEY_F1 && key <= GLFW_KEY_F12) return out + "F" + std::to_string(key - GLFW_KEY_F1 + 1);
    if (key >= GLFW_KEY_A && key <= GLFW_KEY_Z) return out + char('A' + (key - GLFW_KEY_A));
    if (key >= GLFW_KEY_0 && key <= GLFW_KEY_9) return out + char('0' + (key - GLFW_KEY_0));
    return out + "?";
}

std::vector<Action> make_actions(const ShellHooks& hooks, const std::vector<std::pair<std::string, std::string>>& tabs,
                                 const std::vector<std::string>& recent) {
    std::vector<Action> a;
    a.push_back({"File", "Save session...", {GLFW_KEY_S, true}, [hooks](AppState&) { hooks.save_session(); }, {}, {}});
    a.push_back({"File", "Open session...", {GLFW_KEY_O, true}, [hooks](AppState&) { hooks.open_session(); }, {}, {}});
    a.push_back({"File", "Open lesson file...", {}, [hooks](AppState&) { hooks.open_lesson_file(); }, {}, {}});
    a.push_back({"File", "Open model...", {GLFW_KEY_M, true}, [hooks](AppState&) { hooks.open_model(); }, {}, {}});
    a.push_back({"File", "Export PNG or GIF...", {GLFW_KEY_E, true}, [hooks](AppState&) { hooks.export_view(); }, {}, {}});
    for (const std::string& path : recent)
        a.push_back({"File", "Recent: " + path, {}, [hooks, path](AppState& s) { hooks.open_path(path, s); }, {}, {}});
    const auto font_step = [](AppState& s, float delta) {
        s.display.font_scale = std::clamp(std::round((s.display.font_scale + delta) * 4.0f) / 4.0f, 1.0f, 3.0f);
    };
    for (const std::string& path : bundled_lessons()) {
        std::string title;
        try {
            title = lesson::load_lesson(path).title;
        } catch (const InputError&) {
        }
        if (title.empty()) title = path;
        a.push_back({"Lessons", "Open lesson: " + title, {}, [path](AppState& s) { open_bundled(path, s); }, {}, {}});
    }
    a.push_back({"Lessons", "Next page", {GLFW_KEY_PAGE_DOWN}, [](AppState& s) { go_to_step(s.lesson.step + 1, s); }, {}, lesson_open});
    a.push_back({"Lessons", "Previous page", {GLFW_KEY_PAGE_UP}, [](AppState& s) { go_to_step(s.lesson.step - 1, s); }, {}, lesson_open});
    a.push_back({"Lessons", "Reset this step", {GLFW_KEY_R, true}, [](AppState& s) { go_to_step(s.lesson.step, s); }, {}, lesson_open});
    a.push_back({"Lessons", "Close the lesson", {}, [](AppState& s) { close_lesson(s); }, {}, lesson_open});

    a.push_back({"Animation", "Play / pause", {GLFW_KEY_SPACE}, [](AppState& s) { s.playback.playing = !s.playback.playing; },
                 [](const AppState& s) { return s.playback.playing; }, {}});
    a.push_back({"Animation", "Previous stage", {GLFW_KEY_LEFT}, [](AppState& s) { s.playback.step(-1); }, {}, {}});
    a.push_back({"Animation", "Next stage", {GLFW_KEY_RIGHT}, [](AppState& s) { s.playback.step(+1); }, {}, {}});

    a.push_back({"Presenter", "Bigger text", {GLFW_KEY_EQUAL, true}, [font_step](AppState& s) { font_step(s, 0.25f); }, {}, {}});
    a.push_back({"Presenter", "Smaller text", {GLFW_KEY_MINUS, true}, [font_step](AppState& s) { font_step(s, -0.25f); }, {}, {}});
    a.push_back({"Presenter", "Projector theme", {GLFW_KEY_F9}, [](AppState& s) { s.display.projector = !s.display.projector; },
                 [](const AppState& s) { return s.display.projector; }, {}});
    a.push_back({"Presenter", "Clean layout (the view in front alone)", {GLFW_KEY_F10},
                 [](AppState& s) { s.display.clean = !s.display.clean; }, [](const AppState& s) { return s.display.clean; }, {}});
    a.push_back({"Presenter", "Highlight the pointer", {GLFW_KEY_F8}, [](AppState& s) { s.display.cursor = !s.display.cursor; },
                 [](const AppState& s) { return s.display.cursor; }, {}});
    a.push_back({"Presenter", "Full screen", {GLFW_KEY_F11}, [hooks](AppState&) { hooks.toggle_full_screen(); }, {}, {}});

    for (std::size_t i = 0; i < tabs.size(); ++i) {
        const std::string id = tabs[i].first;
        const Shortcut key = i < 9 ? Shortcut{GLFW_KEY_1 + int(i), true} : Shortcut{};
        a.push_back({"Views", "Show " + tabs[i].second, key, [id](AppState& s) { s.display.view = id; },
                     [id](const AppState& s) { return s.display.view == id; }, {}});
    }
    a.push_back({"Views", "Command palette", {GLFW_KEY_P, true, true}, [hooks](AppState&) { hooks.open_palette(); }, {}, {}});
    return a;
}

void run_shortcuts(const std::vector<Action>& actions, AppState& state) {
    if (ImGui::GetIO().WantTextInput) return;
    for (const Action& action : actions)
        if (pressed(action.shortcut) && (!action.enabled || action.enabled(state))) {
            action.run(state);
            return;
        }
}

void draw_menu_bar(const std::vector<Action>& actions, AppState& state) {
    if (!ImGui::BeginMainMenuBar()) return;
    std::vector<std::string> menus;
    for (const Action& action : actions)
        if (std::find(menus.begin(), menus.end(), action.menu) == menus.end()) menus.push_back(action.menu);
    for (const std::string& menu : menus) {
        if (!ImGui::BeginMenu(menu.c_str())) continue;
        for (const Action& action : actions) {
            if (action.menu != menu) continue;
            const std::string shortcut = action.shortcut.text();
            const bool checked = action.checked && action.checked(state);
            const bool enabled = !action.enabled || action.enabled(state);
            if (ImGui::MenuItem(action.name.c_str(), shortcut.empty() ? nullptr : shortcut.c_str(), checked, enabled))
                action.run(state);
        }
        ImGui::EndMenu();
    }
    // Right-aligned: what the app computes on (the GPU toggle's status).
    const ComputeStatus& status = compute_status();
    const ImGuiStyle& style = ImGui::GetStyle();
    ImGui::SameLine(ImGui::GetWindowWidth() - ImGui::CalcTextSize(status.label.c_str()).x - 2.0f * style.ItemSpacing.x);
    ImGui::TextDisabled("%s", status.label.c_str());
    if (ImGui::IsItemHovered()) ImGui::SetTooltip("%s", status.detail.c_str());
    ImGui::EndMainMenuBar();
}

}  // namespace hashscope::gui
