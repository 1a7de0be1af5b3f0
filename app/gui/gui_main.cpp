// The shell of the desktop app (imgui example_glfw_opengl3's loop): window, fonts and HiDPI, the one
// list of views and their layout, keyboard shortcuts, imgui.ini in the user's config directory,
// and the headless modes (screenshot, frame bench).
#include "app/gui/gui_main.hpp"

// epoxy must come before GLFW, which must not include its own GL header.
#include <epoxy/gl.h>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cfloat>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <utility>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "app/gui/actions.hpp"
#include "app/gui/capture.hpp"
#include "app/gui/app_state.hpp"
#include "app/gui/command_palette.hpp"
#include "app/gui/display_settings.hpp"
#include "app/gui/file_dialogs.hpp"
#include "app/gui/fonts.hpp"
#include "app/gui/lesson_player.hpp"
#include "app/gui/presenter.hpp"
#include "app/gui/recent_files.hpp"
#include "app/gui/session.hpp"
#include "app/gui/scene_settings.hpp"
#include "app/gui/view_buckets.hpp"
#include "app/gui/view_chunks.hpp"
#include "app/gui/view_compare.hpp"
#include "app/gui/view_crypto.hpp"
#include "app/gui/view_hyperplanes.hpp"
#include "app/gui/view_learned.hpp"
#include "app/gui/view_lesson.hpp"
#include "app/gui/view_memory.hpp"
#include "app/gui/view_model.hpp"
#include "app/gui/view_pipeline.hpp"
#include "app/gui/view_scene.hpp"
#include "app/gui/view_sort.hpp"
#include "core/error.hpp"

namespace hashscope::gui {

namespace {

std::string g_glfw_error;
std::vector<std::string> g_dropped;  // GLFW's drop callback has no user data of ours: the loop takes them

void on_glfw_error(int code, const char* description) {
    g_glfw_error = "GLFW error " + std::to_string(code) + ": " + (description ? description : "");
}

// A display that is named but busy can refuse a connection for a moment (seen under Xvfb while other
// clients come and go): it gets three more tries, 250 ms apart. With no display named, no retry.
bool init_glfw() {
    const bool display_named = std::getenv("DISPLAY") != nullptr || std::getenv("WAYLAND_DISPLAY") != nullptr;
    for (int attempt = 0;; ++attempt) {
        if (glfwInit()) return true;
        if (!display_named || attempt == 3) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
}

constexpr float kSceneWidth = 390.0f;
constexpr float kLessonShare = 0.3f;  // of the window's width, for the Lesson panel beside the views
// Headless modes advance the animation by a fixed step, so a screenshot does not depend on speed.
constexpr double kFixedFrameSeconds = 1.0 / 60.0;

void on_drop(GLFWwindow*, int count, const char** paths) {
    for (int i = 0; i < count; ++i) g_dropped.emplace_back(paths[i]);
}

// imgui.ini in the config folder; empty when there is none (then the layout is not persisted).
std::string ini_path() {
    const std::string dir = config_dir();
    return dir.empty() ? dir : dir + "/imgui.ini";
}

// The one list of views (ImHex's registerViews): where each one lives in the layout.
enum class Place { controls, strip, tab, lesson };
struct ViewEntry {
    const char* id;
    Place place;
    std::function<std::unique_ptr<View>()> make;
};

template <class V>
std::unique_ptr<View> make() { return std::make_unique<V>(); }

const std::vector<ViewEntry>& registry() {
    static const std::vector<ViewEntry> entries = {
        {"scene", Place::controls, make<SceneView>},     {"pipeline", Place::strip, make<PipelineView>},
        {"hyperplanes", Place::tab, make<HyperplanesView>}, {"buckets", Place::tab, make<BucketsView>},
        {"sort", Place::tab, make<SortView>},             {"chunks", Place::tab, make<ChunksView>},
        {"compare", Place::tab, make<CompareView>},       {"memory", Place::tab, make<MemoryView>},
        {"model", Place::tab, make<ModelView>},
        {"crypto", Place::tab, make<CryptoView>},
        {"learned", Place::tab, make<LearnedView>},
        {"lesson", Place::lesson, make<LessonView>},
    };
    return entries;
}

struct Views {
    std::vector<std::unique_ptr<View>> all;  // registry order
    View* controls = nullptr;
    View* strip = nullptr;
    View* lesson = nullptr;
    std::vector<View*> tabs;
    std::vector<std::string> tab_ids;
    std::string selected;  // the tab ImGui shows in front, as of the last frame
    View* by_id(std::string_view id) const {
        for (std::size_t i = 0; i < registry().size(); ++i)
            if (registry()[i].id == id) return all[i].get();
        return nullptr;
    }
};

Views make_views() {
    Views views;
    for (const ViewEntry& entry : registry()) {
        views.all.push_back(entry.make());
        View* view = views.all.back().get();
        if (entry.place == Place::controls) views.controls = view;
        else if (entry.place == Place::strip) views.strip = view;
        else if (entry.place == Place::lesson) views.lesson = view;
        else {
            views.tabs.push_back(view);
            views.tab_ids.emplace_back(entry.id);
        }
    }
    return views;
}

constexpr ImGuiWindowFlags kFixed = ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse;

// The fixed windows tile the viewport, so the frame's clear already paints their background:
// without it Mesa's software rasteriser would blend one more full-window pass per frame.
bool begin_tiled(const char* name, ImGuiWindowFlags flags) {
    ImGui::PushStyleColor(ImGuiCol_WindowBg, ImVec4(0, 0, 0, 0));
    const bool open = ImGui::Begin(name, nullptr, kFixed | flags);
    ImGui::PopStyleColor();
    return open;
}

void fixed_window(View& view, ImVec2 pos, ImVec2 size, AppState& state, ImGuiWindowFlags extra = 0) {
    ImGui::SetNextWindowPos(pos);
    ImGui::SetNextWindowSize(size);
    if (begin_tiled(view.name().c_str(), extra)) view.draw(state);
    ImGui::End();
}

// Controls on the left; on the right the pipeline strip above the other views, as tabs or (bench:
// every view open) tiled in a grid; with a lesson open, the Lesson panel on the far right.
void draw_layout(AppState& state, Views& views, bool tile_all) {
    const ImGuiViewport* viewport = ImGui::GetMainViewport();
    const ImVec2 p = viewport->WorkPos;
    ImVec2 s = viewport->WorkSize;
    if (state.lesson.open() && !tile_all) {
        const float lesson_w = std::max(s.x * kLessonShare, std::min(s.x * 0.5f, ImGui::GetFontSize() * 22.0f));
        s.x -= lesson_w;
        fixed_window(*views.lesson, ImVec2(p.x + s.x, p.y), ImVec2(lesson_w, s.y), state);
    }
    const float left = std::min(kSceneWidth * ImGui::GetFontSize() / kFontSize, s.x * 0.4f);
    fixed_window(*views.controls, p, ImVec2(left, s.y), state);
    const float strip_h = ImGui::GetTextLineHeightWithSpacing() * 6.6f;
    fixed_window(*views.strip, ImVec2(p.x + left, p.y), ImVec2(s.x - left, strip_h), state);
    const ImVec2 area(p.x + left, p.y + strip_h), area_size(s.x - left, s.y - strip_h);
    if (tile_all) {
        const int cols = 3, rows = int(views.tabs.size() + cols - 1) / cols;
        const ImVec2 cell(area_size.x / float(cols), area_size.y / float(rows));
        for (std::size_t i = 0; i < views.tabs.size(); ++i)
            fixed_window(*views.tabs[i], ImVec2(area.x + cell.x * float(i % cols), area.y + cell.y * float(i / cols)),
                         cell, state);
        return;
    }
    ImGui::SetNextWindowPos(area);
    ImGui::SetNextWindowSize(area_size);
    if (begin_tiled("Views", ImGuiWindowFlags_NoTitleBar)) {
        if (ImGui::BeginTabBar("views")) {
            // display.view names the tab in front: set from outside (a lesson, a session), it is
            // selected once; a click on a tab sets it back.
            const bool requested = state.display.view != views.selected &&
                                   std::find(views.tab_ids.begin(), views.tab_ids.end(), state.display.view) != views.tab_ids.end();
            for (std::size_t i = 0; i < views.tabs.size(); ++i) {
                View* view = views.tabs[i];
                const ImGuiTabItemFlags flags =
                    requested && state.display.view == views.tab_ids[i] ? ImGuiTabItemFlags_SetSelected : 0;
                if (ImGui::BeginTabItem(view->name().c_str(), nullptr, flags)) {
                    if (!requested || flags) state.display.view = views.selected = views.tab_ids[i];
                    ImGui::BeginChild(view->name().c_str());
                    view->draw(state);
                    ImGui::EndChild();
                    ImGui::EndTabItem();
                }
            }
            ImGui::EndTabBar();
        }
    }
    ImGui::End();
}

// Presenter's clean layout: the view in front alone fills the window.
void draw_clean(AppState& state, Views& views) {
    View* view = views.by_id(state.display.view);
    if (!view) view = views.tabs.front();
    const ImGuiViewport* viewport = ImGui::GetMainViewport();
    fixed_window(*view, viewport->WorkPos, viewport->WorkSize, state);
}

// One view alone, filling the viewport (screenshot --view).
void draw_single(AppState& state, View& view) {
    const ImGuiViewport* viewport = ImGui::GetMainViewport();
    fixed_window(view, viewport->WorkPos, viewport->WorkSize, state);
}

// Where the window was before F11 made it full screen: x, y, width, height.
struct WindowedPlacement {
    int x = 100, y = 100, width = 1600, height = 1000;
};

// F11: full screen on the primary monitor and back.
void toggle_full_screen(GLFWwindow* window, WindowedPlacement& windowed) {
    if (glfwGetWindowMonitor(window)) {
        glfwSetWindowMonitor(window, nullptr, windowed.x, windowed.y, windowed.width, windowed.height, 0);
    } else if (GLFWmonitor* monitor = glfwGetPrimaryMonitor()) {
        glfwGetWindowPos(window, &windowed.x, &windowed.y);
        glfwGetWindowSize(window, &windowed.width, &windowed.height);
        const GLFWvidmode* mode = glfwGetVideoMode(monitor);
        glfwSetWindowMonitor(window, monitor, 0, 0, mode->width, mode->height, mode->refreshRate);
    }
}

}  // namespace

std::vector<std::string> view_ids() {
    std::vector<std::string> ids;
    for (const ViewEntry& entry : registry()) ids.emplace_back(entry.id);
    return ids;
}

int run_gui(const GuiOptions& options) {
    View* single = nullptr;
    Views views = make_views();
    if (!options.view.empty()) {
        for (std::size_t i = 0; i < registry().size(); ++i)
            if (options.view == registry()[i].id) single = views.all[i].get();
        if (!single) {
            std::cerr << options.command << ": unknown view '" << options.view << "'\n";
            return 2;
        }
    }
    // The first scene is computed before the window opens: a bad setting fails here, with its message.
    std::unique_ptr<AppState> state_owner;
    try {
        std::optional<Session> session;
        if (!options.session.empty()) session = read_session(options.session);
        if (session)
            for (const std::string& warning : session->warnings) std::cerr << options.command << ": warning: " << warning << "\n";
        StartState start = session ? session->start : StartState();
        for (const std::string& setting : options.settings) apply_setting(setting, start);
        // A lesson loads the model it needs; the default one would only cost time.
        if (!options.lesson.empty() && start.model.empty()) start.model = "none";
        state_owner = std::make_unique<AppState>(start.params);
        if (session && !session->lesson.empty()) {
            open_lesson(session->lesson, *state_owner);
            state_owner->lesson.step = std::clamp(session->lesson_step - 1, 0, int(state_owner->lesson.steps.size()) - 1);
        }
        apply_start_state(start, *state_owner);
        state_owner->crypto.start(state_owner->result().sequence, state_owner->result().params.config.causal,
                                  state_owner->version());
        // The Learned view alone, or a trained start, is measured before the first frame (screenshots).
        state_owner->learned.settings = start.learned;
        if (start.learned_train || options.view == "learned" || start.display.view == "learned")
            state_owner->learned.compute_now(state_owner->result(), state_owner->version(), start.learned_train);
        if (!options.lesson.empty()) {
            open_lesson(options.lesson, *state_owner);
            const int steps = int(state_owner->lesson.steps.size());
            if (options.lesson_step < 1 || options.lesson_step > steps)
                throw InputError("--step " + std::to_string(options.lesson_step) + ": " + options.lesson + " has " +
                                 std::to_string(steps) + " step" + (steps == 1 ? "" : "s") + " (1.." +
                                 std::to_string(steps) + ")");
            go_to_step(options.lesson_step - 1, *state_owner, true);
            state_owner->crypto.start(state_owner->result().sequence, state_owner->result().params.config.causal,
                                      state_owner->version());
        }
    } catch (const std::exception& e) {
        std::cerr << options.command << ": " << e.what() << "\n";
        return 2;
    }
    // Captures (a PNG, a GIF) render off-screen at exactly the requested size, in a hidden window.
    const bool capture = options.screenshot.has_value() || options.gif.has_value();
    const bool headless = capture || options.bench != nullptr;

    glfwSetErrorCallback(on_glfw_error);
    if (!init_glfw()) {
        std::cerr << options.command << ": cannot open a window (no display?)" << (g_glfw_error.empty() ? "" : ": ") << g_glfw_error
                  << "\n";
        return 2;
    }
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 2);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    if (headless) glfwWindowHint(GLFW_RESIZABLE, GLFW_FALSE);
    if (capture) glfwWindowHint(GLFW_VISIBLE, GLFW_FALSE);
    GLFWwindow* window = glfwCreateWindow(options.width, options.height, "hashscope", nullptr, nullptr);
    if (!window) {
        std::cerr << options.command << ": cannot create an OpenGL 3.2 window" << (g_glfw_error.empty() ? "" : ": ")
                  << g_glfw_error << "\n";
        glfwTerminate();
        return 2;
    }
    glfwMakeContextCurrent(window);
    glfwSwapInterval(headless ? 0 : 1);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    // The user's layout persists in their config directory; headless runs neither read nor write it.
    const std::string ini = headless ? std::string() : ini_path();
    io.IniFilename = ini.empty() ? nullptr : ini.c_str();
    // A screenshot must not depend on where the display's pointer happens to be (no hover, no tooltip).
    if (headless) io.ConfigFlags |= ImGuiConfigFlags_NoMouse;
    // HiDPI: the monitor's content scale sizes fonts and widgets (1 under Xvfb).
    // A capture's --scale plays the monitor's part.
    float content_scale = options.scale;
    if (!capture) {
        float sx = 1.0f, sy = 1.0f;
        glfwGetWindowContentScale(window, &sx, &sy);
        content_scale = std::clamp(std::max(sx, sy), 1.0f, 4.0f);
    }
    ImGui_ImplGlfw_InitForOpenGL(window, true);
    ImGui_ImplOpenGL3_Init("#version 150");

    // Headless captures start at once; File -> Export makes one later.
    int exit_code = 0;
    std::optional<Capture> capturing;
    if (capture) {
        capturing.emplace(CaptureRequest{options.gif ? *options.gif : *options.screenshot, options.width, options.height,
                                         options.frames, options.gif_frames, {}});
        if (!capturing->error().empty()) {
            std::cerr << options.command << ": " << capturing->error() << "\n";
            exit_code = 2;  // no frame is drawn
        }
    }
    Playback before_export;  // the user's animation, given back when an in-app export ends

    AppState& state = *state_owner;
    glfwSetDropCallback(window, on_drop);
    register_display_settings(state);
    double saved_speed = state.playback.speed;
    float built_font_scale = -1.0f;
    int built_theme = -1;
    WindowedPlacement windowed;
    CommandPalette palette;
    // Headless runs neither read nor write the user's recent files.
    RecentFiles recent(headless || config_dir().empty() ? std::string() : config_dir() + "/recent.txt");
    FileDialogs dialogs(recent);
    std::vector<std::pair<std::string, std::string>> tabs;
    for (std::size_t i = 0; i < views.tabs.size(); ++i) tabs.emplace_back(views.tab_ids[i], views.tabs[i]->name());
    const ShellHooks hooks{[&] { toggle_full_screen(window, windowed); },
                           [&] { palette.open(); },
                           [&] { dialogs.ask_save_session(); },
                           [&] { dialogs.ask_open_session(); },
                           [&] { dialogs.ask_open_lesson(); },
                           [&] { dialogs.ask_export(); },
                           [&] { dialogs.ask_open_model(); },
                           [&](const std::string& path, AppState& s) { dialogs.open_path(path, s); }};
    std::vector<Action> actions = make_actions(hooks, tabs, recent.paths());
    std::vector<std::string> listed_recent = recent.paths();

    ImTextureID filtered_font = nullptr;
    auto last = std::chrono::steady_clock::now();
    for (int frame = 0; exit_code == 0 && !glfwWindowShouldClose(window); ++frame) {
        const auto frame_start = std::chrono::steady_clock::now();
        glfwPollEvents();
        // The atlas is rebuilt between frames; the backend makes its texture on the first frame.
        if (state.display.font_scale != built_font_scale) {
            const bool first = built_font_scale < 0.0f;
            built_font_scale = state.display.font_scale;
            build_fonts(content_scale * built_font_scale);
            filtered_font = nullptr;  // the new texture may reuse the old one's name
            if (!first) {
                ImGui_ImplOpenGL3_DestroyFontsTexture();
                ImGui_ImplOpenGL3_CreateFontsTexture();
                mark_display_settings_dirty();
            }
        }
        if (int(state.display.projector) != built_theme) {
            built_theme = int(state.display.projector);
            apply_theme(state.display.projector, content_scale);
        }
        if (state.playback.speed != saved_speed) {
            saved_speed = state.playback.speed;
            mark_display_settings_dirty();
        }
        for (const std::string& path : std::exchange(g_dropped, {})) dialogs.open_path(path, state);
        if (recent.paths() != listed_recent) {
            listed_recent = recent.paths();
            actions = make_actions(hooks, tabs, listed_recent);
        }
        state.poll();
        state.model_lab.poll();
        state.begin_frame();
        if (!capturing) {
            if (auto request = dialogs.take_export()) {
                before_export = state.playback;
                capturing.emplace(std::move(*request));
                if (!capturing->error().empty()) {
                    dialogs.notify(capturing->error());
                    capturing.reset();
                }
            }
        }
        const double real_dt = std::chrono::duration<double>(frame_start - last).count();
        last = frame_start;
        state.playback.advance(capturing ? capturing->frame_seconds(state.playback, kFixedFrameSeconds)
                                         : headless ? kFixedFrameSeconds : real_dt);
        if (options.bench && frame > 0 && frame % 100 == 0) {
            state.params.hash_seed = state.params.hash_seed % 1000 + 1;
            state.request();
        }

        ImGui_ImplOpenGL3_NewFrame();
        if (io.Fonts->TexID != filtered_font) {
            // The atlas holds glyphs at whole pixels (fonts.cpp): nearest sampling draws them exactly, cheaper.
            filtered_font = io.Fonts->TexID;
            glBindTexture(GL_TEXTURE_2D, GLuint(reinterpret_cast<std::intptr_t>(filtered_font)));
            glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
            glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
        }
        ImGui_ImplGlfw_NewFrame();
        if (capturing) {
            io.DisplaySize = ImVec2(float(capturing->request().width), float(capturing->request().height));
            io.DisplayFramebufferScale = ImVec2(1.0f, 1.0f);
        }
        // The backend reads the pointer even with NoMouse; captured frames must not see it.
        if (headless || capturing) io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
        ImGui::NewFrame();
        View* alone = capturing && !capturing->request().view.empty() ? views.by_id(capturing->request().view) : single;
        if (!capturing) run_shortcuts(actions, state);
        if (alone) {
            draw_single(state, *alone);
        } else if (state.display.clean) {
            draw_clean(state, views);
        } else {
            draw_menu_bar(actions, state);
            draw_layout(state, views, options.bench != nullptr);
        }
        if (!capturing) {
            palette.draw(actions, state);
            dialogs.draw(state, tabs);
            if (state.display.cursor) draw_cursor_ring();
        }
        ImGui::Render();
        const auto ui_done = std::chrono::steady_clock::now();

        int fb_w = 0, fb_h = 0;
        if (capturing) {
            capturing->bind();
            fb_w = capturing->request().width;
            fb_h = capturing->request().height;
        } else {
            glBindFramebuffer(GL_FRAMEBUFFER, 0);
            glfwGetFramebufferSize(window, &fb_w, &fb_h);
        }
        glViewport(0, 0, fb_w, fb_h);
        const ImVec4 background = ImGui::GetStyleColorVec4(ImGuiCol_WindowBg);
        glClearColor(background.x, background.y, background.z, 1.0f);
        glClear(GL_COLOR_BUFFER_BIT);
        ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());

        if (capturing) {
            if (!capturing->frame_drawn()) continue;
            const std::string error = capturing->error(), path = capturing->request().path;
            capturing.reset();
            if (headless) {
                if (!error.empty()) {
                    std::cerr << options.command << ": " << error << "\n";
                    exit_code = 2;
                }
                break;
            }
            state.playback = before_export;
            dialogs.notify(error.empty() ? "exported " + path : error);
            continue;
        }
        glfwSwapBuffers(window);
        if (options.bench) {
            glFinish();
            options.bench->frame_ms.push_back(
                std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - frame_start).count());
            options.bench->ui_ms.push_back(std::chrono::duration<double, std::milli>(ui_done - frame_start).count());
            if (frame + 1 >= options.frames) break;
        }
    }

    capturing.reset();
    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(window);
    glfwTerminate();
    return exit_code;
}

}  // namespace hashscope::gui
