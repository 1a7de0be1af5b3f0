#include "app/gui/gui_main.hpp"

// epoxy must come before GLFW, which must not include its own GL header.
#include <epoxy/gl.h>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

#include <imgui.h>
#include <imgui_impl_glfw.h>
#include <imgui_impl_opengl3.h>
#include <stb_image_write.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "app/gui/app_state.hpp"
#include "app/gui/view_buckets.hpp"
#include "app/gui/view_chunks.hpp"
#include "app/gui/view_compare.hpp"
#include "app/gui/view_scene.hpp"
#include "app/gui/view_sort.hpp"

namespace hashscope::gui {

namespace {

std::string g_glfw_error;

void on_glfw_error(int code, const char* description) {
    g_glfw_error = "GLFW error " + std::to_string(code) + ": " + (description ? description : "");
}

constexpr const char* kFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
constexpr float kSceneWidth = 380.0f;

// Reads the back buffer (before the swap), flips it to top-down rows and writes an RGB PNG.
bool write_screenshot(const std::string& path, int width, int height) {
    std::vector<std::uint8_t> pixels(std::size_t(width) * std::size_t(height) * 3);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadBuffer(GL_BACK);
    glReadPixels(0, 0, width, height, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
    const std::size_t stride = std::size_t(width) * 3;
    std::vector<std::uint8_t> flipped(pixels.size());
    for (int y = 0; y < height; ++y)
        std::copy_n(pixels.data() + std::size_t(height - 1 - y) * stride, stride, flipped.data() + std::size_t(y) * stride);
    // Written beside the target and renamed, so a failed write never leaves a partial PNG.
    const std::string partial = path + ".partial";
    if (stbi_write_png(partial.c_str(), width, height, 3, flipped.data(), int(stride)) == 0) {
        std::filesystem::remove(partial);
        return false;
    }
    std::error_code ec;
    std::filesystem::rename(partial, path, ec);
    if (ec) std::filesystem::remove(partial);
    return !ec;
}

// The one list of views. The one that is not a tab is the control panel on the left; the tabs
// share the right panel in this order.
struct ViewEntry {
    const char* id;
    bool tab;
    std::function<std::unique_ptr<View>()> make;
};

const std::vector<ViewEntry>& registry() {
    static const std::vector<ViewEntry> entries = {
        {"scene", false, [] { return std::unique_ptr<View>(new SceneView); }},
        {"buckets", true, [] { return std::unique_ptr<View>(new BucketsView); }},
        {"sort", true, [] { return std::unique_ptr<View>(new SortView); }},
        {"chunks", true, [] { return std::unique_ptr<View>(new ChunksView); }},
        {"compare", true, [] { return std::unique_ptr<View>(new CompareView); }},
    };
    return entries;
}

struct Views {
    std::vector<std::unique_ptr<View>> all;  // registry order
    View* controls = nullptr;
    std::vector<View*> tabs;
};

Views make_views() {
    Views views;
    for (const ViewEntry& entry : registry()) {
        views.all.push_back(entry.make());
        if (entry.tab)
            views.tabs.push_back(views.all.back().get());
        else
            views.controls = views.all.back().get();
    }
    return views;
}

constexpr ImGuiWindowFlags kFixed =
    ImGuiWindowFlags_NoMove | ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoCollapse | ImGuiWindowFlags_NoSavedSettings;

// Two fixed windows side by side that fill the viewport: controls on the left, the other views as
// tabs on the right.
void draw_layout(AppState& state, Views& views) {
    const ImGuiViewport* viewport = ImGui::GetMainViewport();
    const float left = std::min(kSceneWidth, viewport->WorkSize.x * 0.4f);

    ImGui::SetNextWindowPos(viewport->WorkPos);
    ImGui::SetNextWindowSize(ImVec2(left, viewport->WorkSize.y));
    if (ImGui::Begin(views.controls->name().c_str(), nullptr, kFixed)) views.controls->draw(state);
    ImGui::End();

    ImGui::SetNextWindowPos(ImVec2(viewport->WorkPos.x + left, viewport->WorkPos.y));
    ImGui::SetNextWindowSize(ImVec2(viewport->WorkSize.x - left, viewport->WorkSize.y));
    if (ImGui::Begin("Views", nullptr, kFixed | ImGuiWindowFlags_NoTitleBar)) {
        if (ImGui::BeginTabBar("views")) {
            for (View* view : views.tabs) {
                if (ImGui::BeginTabItem(view->name().c_str())) {
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

// One view alone, filling the viewport (screenshot --view).
void draw_single(AppState& state, View& view) {
    const ImGuiViewport* viewport = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(viewport->WorkPos);
    ImGui::SetNextWindowSize(viewport->WorkSize);
    if (ImGui::Begin(view.name().c_str(), nullptr, kFixed)) view.draw(state);
    ImGui::End();
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
            std::cerr << "hashscope: unknown view '" << options.view << "'\n";
            return 2;
        }
    }
    glfwSetErrorCallback(on_glfw_error);
    if (!glfwInit()) {
        std::cerr << "hashscope: cannot open a window (no display?)" << (g_glfw_error.empty() ? "" : ": ") << g_glfw_error
                  << "\n";
        return 2;
    }
    const bool screenshot = options.screenshot.has_value();
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 2);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    if (screenshot) glfwWindowHint(GLFW_RESIZABLE, GLFW_FALSE);
    GLFWwindow* window = glfwCreateWindow(options.width, options.height, "hashscope", nullptr, nullptr);
    if (!window) {
        std::cerr << "hashscope: cannot create an OpenGL 3.2 window" << (g_glfw_error.empty() ? "" : ": ")
                  << g_glfw_error << "\n";
        glfwTerminate();
        return 2;
    }
    glfwMakeContextCurrent(window);
    glfwSwapInterval(screenshot ? 0 : 1);

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;
    // A screenshot must not depend on where the display's pointer happens to be (no hover, no tooltip).
    if (screenshot) io.ConfigFlags |= ImGuiConfigFlags_NoMouse;
    ImGui::StyleColorsDark();
    if (std::filesystem::exists(kFont)) io.Fonts->AddFontFromFileTTF(kFont, 16.0f);
    ImGui_ImplGlfw_InitForOpenGL(window, true);
    ImGui_ImplOpenGL3_Init("#version 150");

    AppState state;

    int exit_code = 0;
    for (int frame = 0; !glfwWindowShouldClose(window); ++frame) {
        glfwPollEvents();
        ImGui_ImplOpenGL3_NewFrame();
        ImGui_ImplGlfw_NewFrame();
        ImGui::NewFrame();
        if (single)
            draw_single(state, *single);
        else
            draw_layout(state, views);
        ImGui::Render();

        int fb_w = 0, fb_h = 0;
        glfwGetFramebufferSize(window, &fb_w, &fb_h);
        glViewport(0, 0, fb_w, fb_h);
        glClearColor(0.10f, 0.10f, 0.12f, 1.0f);
        glClear(GL_COLOR_BUFFER_BIT);
        ImGui_ImplOpenGL3_RenderDrawData(ImGui::GetDrawData());

        if (screenshot && frame + 1 >= options.frames) {
            if (!write_screenshot(*options.screenshot, fb_w, fb_h)) {
                std::cerr << "hashscope screenshot: cannot write " << *options.screenshot << "\n";
                exit_code = 2;
            }
            break;
        }
        glfwSwapBuffers(window);
    }

    ImGui_ImplOpenGL3_Shutdown();
    ImGui_ImplGlfw_Shutdown();
    ImGui::DestroyContext();
    glfwDestroyWindow(window);
    glfwTerminate();
    return exit_code;
}

}  // namespace hashscope::gui
