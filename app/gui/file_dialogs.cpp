#include "app/gui/file_dialogs.hpp"

#include <imgui.h>

#include <algorithm>
#include <cfloat>
#include <cstdio>
#include <filesystem>
#include <initializer_list>
#include <string_view>
#include <vector>

#include "app/gui/app_state.hpp"
#include "app/gui/lesson_player.hpp"
#include "app/gui/session.hpp"
#include "core/error.hpp"

namespace hashscope::gui {

namespace {

namespace fs = std::filesystem;

constexpr double kNoticeSeconds = 6.0;

const char* title_of(int mode) {
    static const char* const titles[] = {"", "Save session", "Open session", "Open lesson", "Pick the model", "Export",
                                         "Open model"};
    return titles[mode];
}

// The files of `folder` a dialog offers: its subfolders (to walk into, and model folders), then the
// files with one of `extensions` (a folder's README.md is not a lesson), sorted; at most 200: a
// dialog, not a file manager.
std::vector<fs::path> candidates(const fs::path& folder, std::initializer_list<std::string_view> extensions) {
    std::vector<fs::path> folders, files;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(folder.empty() ? fs::path(".") : folder, ec)) {
        if (folders.size() + files.size() >= 200) break;
        const std::string extension = entry.path().extension().string();
        if (entry.is_directory(ec) && entry.path().filename().string().front() != '.') folders.push_back(entry.path());
        else if (std::find(extensions.begin(), extensions.end(), extension) != extensions.end() &&
                 entry.path().filename() != "README.md")
            files.push_back(entry.path());
    }
    std::sort(folders.begin(), folders.end());
    std::sort(files.begin(), files.end());
    folders.insert(folders.end(), files.begin(), files.end());
    return folders;
}

}  // namespace

void FileDialogs::ask(Mode mode) {
    asked_ = mode;
    error_.clear();
    std::error_code ec;
    const fs::path here = fs::current_path(ec);
    const std::string bundled = default_model_path();
    const fs::path suggestion = mode == Mode::save          ? here / "hashscope-session.json"
                                : mode == Mode::model && !bundled.empty() ? fs::path(bundled).parent_path() / ""
                                : mode == Mode::export_view ? here / "hashscope.png"
                                : mode == Mode::lesson      ? fs::path(tutorials_dir()) / ""
                                                            : here / "";
    std::snprintf(path_, sizeof path_, "%s", suggestion.string().c_str());
}

void FileDialogs::notify(std::string text) {
    notice_ = std::move(text);
    notice_until_ = ImGui::GetTime() + kNoticeSeconds;
}

void FileDialogs::open_session_file(const std::string& path, AppState& state, const std::string& model) {
    try {
        const Session session = read_session(path, model);
        open_session(session, state);
        if (session.start.learned_train) state.learned.train(state.result(), state.version());
        recent_.add(path);
        std::string text = "opened " + path;
        for (const std::string& warning : session.warnings) text += "\n" + warning;
        notify(text);
    } catch (const MissingModel& e) {
        if (e.kind != "model") {
            notify(e.what());
            return;
        }
        waiting_session_ = path;
        asked_ = Mode::pick_model;
        error_ = e.what();
        std::snprintf(path_, sizeof path_, "%s", e.model.c_str());
    } catch (const std::exception& e) {
        notify(e.what());
    }
}

void FileDialogs::open_path(const std::string& path, AppState& state) {
    const std::string extension = fs::path(path).extension().string();
    if (extension == ".json") {
        open_session_file(path, state);
    } else if (extension == ".md") {
        try {
            open_lesson(path, state);
            recent_.add(path);
        } catch (const std::exception& e) {
            notify(e.what());
        }
    } else if (extension == ".npy") {
        try {
            StartState start = start_state_of(state);
            start.head = -1;
            start.data = path;
            apply_start_state(start, state);
            notify("the scene's data is now " + path);
        } catch (const std::exception& e) {
            notify(e.what());
        }
    } else {
        state.model_lab.load(path);
        state.display.view = "model";
    }
}

bool FileDialogs::confirm(AppState& state) {
    const std::string path = path_;
    try {
        switch (mode_) {
        case Mode::save:
            save_session(state, path);
            recent_.add(path);
            notify("saved " + path);
            return true;
        case Mode::open:
            if (fs::is_directory(path)) throw InputError(path + " is a folder: pick a session file");
            open_session_file(path, state);
            return asked_ != Mode::pick_model;
        case Mode::lesson:
            open_lesson(path, state);
            recent_.add(path);
            return true;
        case Mode::model:
            if (!fs::exists(path)) throw InputError(path + ": no such file or folder");
            state.model_lab.load(path);  // on the model's worker: a failure shows in the Model view
            state.display.view = "model";
            return true;
        case Mode::pick_model:
            open_session_file(waiting_session_, state, path);
            return asked_ != Mode::pick_model;
        case Mode::export_view: {
            const std::string extension = fs::path(path).extension().string();
            if (extension != ".png" && extension != ".gif") throw InputError(path + ": the name must end in .png or .gif");
            if (!fs::is_directory(fs::path(path).parent_path().empty() ? fs::path(".") : fs::path(path).parent_path()))
                throw InputError(path + ": no such folder");
            draft_.path = path;
            export_ = draft_;
            return true;
        }
        case Mode::none: return true;
        }
    } catch (const std::exception& e) {
        error_ = e.what();
    }
    return false;
}

// What to export and how large: the view (or the whole window), the size, and a GIF's frames.
void FileDialogs::export_fields(const AppState& state, const std::vector<std::pair<std::string, std::string>>& views) {
    if (ImGui::IsWindowAppearing()) draft_.view = state.display.clean ? state.display.view : std::string();
    std::string shown = "the whole window";
    for (const auto& [id, title] : views)
        if (id == draft_.view) shown = title;
    if (ImGui::BeginCombo("view", shown.c_str())) {
        if (ImGui::Selectable("the whole window", draft_.view.empty())) draft_.view.clear();
        for (const auto& [id, title] : views)
            if (ImGui::Selectable(title.c_str(), id == draft_.view)) draft_.view = id;
        ImGui::EndCombo();
    }
    int size[2] = {draft_.width, draft_.height};
    if (ImGui::InputInt2("width x height", size)) {
        draft_.width = std::clamp(size[0], 64, 8192);
        draft_.height = std::clamp(size[1], 64, 8192);
    }
    if (fs::path(path_).extension() == ".gif") {
        ImGui::SliderInt("frames", &draft_.gif_frames, 2, 240);
        ImGui::TextDisabled("A .gif plays one whole pipeline cycle from where the animation is.");
    } else {
        ImGui::TextDisabled("Name the file .gif for an animation.");
    }
}

void FileDialogs::draw(AppState& state, const std::vector<std::pair<std::string, std::string>>& views) {
    if (asked_ != Mode::none) {
        mode_ = asked_;
        asked_ = Mode::none;
        ImGui::OpenPopup(title_of(int(mode_)));
    }
    if (mode_ != Mode::none) {
        const ImGuiViewport* viewport = ImGui::GetMainViewport();
        ImGui::SetNextWindowPos(ImVec2(viewport->WorkPos.x + viewport->WorkSize.x * 0.5f, viewport->WorkPos.y + 60.0f),
                                ImGuiCond_Appearing, ImVec2(0.5f, 0.0f));
        ImGui::SetNextWindowSize(ImVec2(std::min(viewport->WorkSize.x * 0.9f, ImGui::GetFontSize() * 40.0f), 0.0f));
        if (ImGui::BeginPopupModal(title_of(int(mode_)), nullptr, ImGuiWindowFlags_NoSavedSettings)) {
            if (mode_ == Mode::pick_model) ImGui::TextWrapped("%s. Pick the model file (or folder) to use instead:", error_.c_str());
            if (mode_ == Mode::model)
                ImGui::TextWrapped("A llama2.c .bin (its tokenizer beside it), a .gguf, a .safetensors or a Hugging Face folder:");
            if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
            ImGui::SetNextItemWidth(-FLT_MIN);
            bool ok = ImGui::InputText("##path", path_, sizeof path_, ImGuiInputTextFlags_EnterReturnsTrue);
            if (mode_ == Mode::export_view) export_fields(state, views);
            if (mode_ != Mode::export_view && mode_ != Mode::save) {
                const fs::path typed(path_);
                const fs::path folder = fs::is_directory(typed) ? typed : typed.parent_path();
                const auto files = mode_ == Mode::lesson ? candidates(folder, {".md"})
                                   : mode_ == Mode::open ? candidates(folder, {".json"})
                                                         : candidates(folder, {".gguf", ".bin", ".safetensors"});
                ImGui::BeginChild("files", ImVec2(0, ImGui::GetTextLineHeightWithSpacing() * 8.0f), true);
                if (folder.has_parent_path() && folder != folder.root_path() && ImGui::Selectable("../"))
                    std::snprintf(path_, sizeof path_, "%s/", folder.parent_path().string().c_str());
                for (const fs::path& file : files) {
                    const bool is_folder = fs::is_directory(file);
                    const std::string label = file.filename().string() + (is_folder ? "/" : "");
                    if (ImGui::Selectable(label.c_str(), file.string() == path_, ImGuiSelectableFlags_AllowDoubleClick)) {
                        std::snprintf(path_, sizeof path_, "%s%s", file.string().c_str(), is_folder ? "/" : "");
                        ok |= !is_folder && ImGui::IsMouseDoubleClicked(0);
                    }
                }
                if (files.empty()) ImGui::TextDisabled("nothing to open here");
                ImGui::EndChild();
            }
            if (!error_.empty() && mode_ != Mode::pick_model) ImGui::TextColored(ImVec4(1.0f, 0.45f, 0.4f, 1.0f), "%s", error_.c_str());
            ok |= ImGui::Button(mode_ == Mode::save ? "Save" : mode_ == Mode::export_view ? "Export" : "Open");
            ImGui::SameLine();
            const bool cancel = ImGui::Button("Cancel") || ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape));
            if ((ok && confirm(state)) || cancel) {
                ImGui::CloseCurrentPopup();
                mode_ = Mode::none;
                error_.clear();
            }
            ImGui::EndPopup();
        } else {
            mode_ = Mode::none;
        }
    }
    if (!notice_.empty() && ImGui::GetTime() < notice_until_) {
        const ImGuiViewport* viewport = ImGui::GetMainViewport();
        ImGui::SetNextWindowPos(ImVec2(viewport->WorkPos.x + viewport->WorkSize.x * 0.5f,
                                       viewport->WorkPos.y + viewport->WorkSize.y - 20.0f),
                                ImGuiCond_Always, ImVec2(0.5f, 1.0f));
        ImGui::SetNextWindowBgAlpha(0.9f);
        ImGui::Begin("notice", nullptr,
                     ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoSavedSettings |
                         ImGuiWindowFlags_NoFocusOnAppearing | ImGuiWindowFlags_NoNav);
        ImGui::TextUnformatted(notice_.c_str());
        ImGui::End();
    }
}

}  // namespace hashscope::gui
