// Everything a user can do from the keyboard, the menu bar or the command palette, in one list: a
// new action appears in all three at once (ImHex's shortcut and menu registry, in small).
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace hashscope::gui {

class AppState;

struct Shortcut {
    int key = 0;  // a GLFW key code; 0: none
    bool ctrl = false, shift = false;
    std::string text() const;  // "Ctrl+Shift+P", "Page Down", ""
};

struct Action {
    std::string menu;   // the menu bar's menu it sits in
    std::string name;
    Shortcut shortcut;
    std::function<void(AppState&)> run;
    std::function<bool(const AppState&)> checked;  // toggles: whether it is on; empty otherwise
    std::function<bool(const AppState&)> enabled;  // empty: always
};

// What only the shell can do, handed to the actions.
struct ShellHooks {
    std::function<void()> toggle_full_screen;
    std::function<void()> open_palette;
    std::function<void()> save_session, open_session, open_lesson_file, export_view, open_model;
    std::function<void(const std::string&, AppState&)> open_path;  // a recent file
};

// The app's actions; the view entries name `tabs` (id, title pairs of the tabbed views), the File
// menu the `recent` sessions and lessons.
std::vector<Action> make_actions(const ShellHooks& hooks, const std::vector<std::pair<std::string, std::string>>& tabs,
                                 const std::vector<std::string>& recent);

// Once per frame, outside text input: runs the action whose shortcut was pressed.
void run_shortcuts(const std::vector<Action>& actions, AppState& state);
// The main menu bar, one menu per distinct Action::menu, in order of first appearance.
void draw_menu_bar(const std::vector<Action>& actions, AppState& state);

}  // namespace hashscope::gui
