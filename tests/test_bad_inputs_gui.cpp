// The GUI half of the bad-input catalog (tests/bad_inputs/catalog.json): each case with a "gui"
// entry is given to the running app the way a user would give it — a file dropped on the window or
// opened from the File menu (FileDialogs::open_path: sessions, lessons, .npy data, models), or a
// setting written in a lesson's action block (the only way past the controls' own ranges). The app
// must show the message ("expect", or the entry's own when the GUI words it without the CLI's flag)
// and keep its state: the scene's settings and result, the model on show and its run. One app runs
// every case in turn, so a case that broke the state would show in the next one too. (A lesson step
// applies its settings afresh, so after one the scene is recomputed with the same settings.) Headless: an
// ImGui context without a window, as the app's logic needs no GL.
#include <imgui.h>

#include <chrono>
#include <thread>

#include "app/gui/app_state.hpp"
#include "app/gui/file_dialogs.hpp"
#include "app/gui/model_lab.hpp"
#include "app/gui/scene_settings.hpp"
#include "support/bad_input_catalog.hpp"

namespace hashscope::gui {
namespace {

using namespace hashscope_test::bad_inputs;

// What "the app's state" means here: every setting but the view on show (opening a model shows the
// Model view, where its progress and error appear), and the objects the views draw.
struct Snapshot {
    std::vector<std::string> settings;
    const ModelRun* run;
    std::uint64_t model_version;
    std::string lesson;
    bool operator==(const Snapshot&) const = default;
};

Snapshot snapshot(const AppState& state) {
    Snapshot s{{}, state.model_lab.run().get(), state.model_lab.version(), state.lesson.path};
    for (std::string& setting : settings_of(start_state_of(state)))
        if (setting.rfind("view=", 0) != 0) s.settings.push_back(std::move(setting));
    return s;
}

void wait_for_model(ModelLab& lab) {
    for (int i = 0; i < 6000 && lab.busy(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    lab.poll();
}

// A one-step lesson whose action block holds `setting` (key = value).
std::string lesson_with(const std::string& setting) {
    return "# Bad setting\n\n## The step\n\nText.\n\n```hashscope\n" + setting + "\n```\n";
}

class BadInputsInTheApp : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("hashscope_gui_bad_" + std::to_string(::getpid()));
        fs::remove_all(dir);
        fs::create_directories(dir);
        ImGui::CreateContext();
    }
    void TearDown() override {
        ImGui::DestroyContext();
        fs::remove_all(dir);
    }
    fs::path dir;
};

TEST_F(BadInputsInTheApp, ShowTheMessageAndKeepTheState) {
    AppState state;
    // A state worth keeping: the shipped model on show and a scene away from the defaults.
    state.model_lab.job.sensitivity = false;
    state.model_lab.load(default_model_path());
    wait_for_model(state.model_lab);
    ASSERT_TRUE(state.model_lab.run()) << state.model_lab.error();
    StartState start = start_state_of(state);
    for (const char* setting : {"rounds=2", "buckets=8", "chunk=16", "crypto-bits=12"}) apply_setting(setting, start);
    apply_start_state(start, state);
    ASSERT_TRUE(state.error().empty()) << state.error();

    RecentFiles recent((dir / "recent.txt").string());
    int checked = 0;
    const json cases = catalog()["cases"];
    for (const json& c : cases) {
        if (!c.contains("gui")) continue;
        SCOPED_TRACE(case_name(c));
        const fs::path case_dir = dir / case_name(c);
        fs::create_directories(case_dir);
        build_files(c, case_dir);
        const json& gui = c["gui"];
        const std::string expected = in_dir(gui.value("expect", c["expect"].get<std::string>()), case_dir);
        const Snapshot before = snapshot(state);
        const SceneResult* result = &state.result();
        const std::string view = state.display.view;
        FileDialogs dialogs(recent);

        std::string shown;
        if (gui.contains("lesson")) {
            const fs::path lesson = case_dir / "bad.md";
            std::ofstream(lesson) << lesson_with(gui["lesson"].get<std::string>());
            dialogs.open_path(lesson.string(), state);
            ASSERT_EQ(state.lesson.steps.size(), 1u) << state.lesson.error;
            for (const auto& problem : state.lesson.steps[0].problems) shown += problem.message + "\n";
            close_lesson(state);
        } else {
            const std::string file = (case_dir / gui["open"].get<std::string>()).lexically_normal().string();
            const std::uint64_t model_version = state.model_lab.version();
            dialogs.open_path(file, state);
            wait_for_model(state.model_lab);
            EXPECT_EQ(state.model_lab.version(), model_version);  // no model run landed
            EXPECT_EQ(&state.result(), result);                   // the scene was not recomputed
            shown = state.model_lab.busy() ? "" : state.model_lab.error() + "\n" + dialogs.notice() + "\n" + dialogs.dialog_error();
        }
        EXPECT_NE(shown.find(expected), std::string::npos) << "expected: " << expected << "\nshown: " << shown;
        state.wait_idle();
        EXPECT_TRUE(snapshot(state) == before) << "the app's state changed";
        state.display.view = view;
        ++checked;
    }
    // Every catalog case that a user can give the app: files of every format and settings.
    EXPECT_GE(checked, 50);
}

}  // namespace
}  // namespace hashscope::gui
