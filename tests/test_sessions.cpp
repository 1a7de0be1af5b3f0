// Session files: the running app saved and read back to the same settings, model (path relative to
// the session, checksum) and lesson step; every malformed session refused with one line naming the
// file and the problem; and, through the real executable under Xvfb, a saved session rendering
// pixel for pixel what the app showed when it was saved.
#include <gtest/gtest.h>
#include <stb_image.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "app/gui/app_state.hpp"
#include "app/gui/lesson_player.hpp"
#include "app/gui/session.hpp"
#include "core/error.hpp"
#include "core/file_digest.hpp"
#include "core/npy.hpp"
#include "support/cli_run.hpp"

namespace {

using namespace hashscope;
using namespace hashscope::gui;
namespace fs = std::filesystem;

fs::path session_scratch(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("hashscope_sessions_" + std::to_string(getpid()));
    fs::create_directories(dir);
    return dir / name;
}

AppState& configure(AppState& state, const std::vector<std::string>& settings) {
    StartState start = start_state_of(state);
    for (const std::string& s : settings) apply_setting(s, start);
    apply_start_state(start, state);
    return state;
}

const std::vector<std::string> kSettings = {"n=128", "rounds=2", "buckets=8", "chunk=16", "stage=sort", "progress=0.4",
                                            "view=sort", "crypto-bits=5", "theme=projector", "font-scale=1.5"};

TEST(Session, SavedAndReadBackToTheSameSettings) {
    AppState state;
    configure(state, kSettings);
    const fs::path file = session_scratch("plain.json");
    save_session(state, file.string());
    const Session back = read_session(file.string());
    EXPECT_EQ(settings_of(back.start), settings_of(start_state_of(state)));
    EXPECT_EQ(back.start.model, "none");
    EXPECT_TRUE(back.lesson.empty());
    EXPECT_TRUE(back.warnings.empty());
    EXPECT_FALSE(fs::exists(file.string() + ".partial"));

    AppState other;
    open_session(back, other);
    EXPECT_EQ(settings_of(start_state_of(other)), settings_of(start_state_of(state)));
    EXPECT_EQ(other.result().trace.buckets, state.result().trace.buckets);
    fs::remove_all(file.parent_path());
}

TEST(Session, RecordsTheModelRelativelyWithItsChecksumAndTheLessonStep) {
    const fs::path dir = session_scratch("with_model");
    fs::create_directories(dir / "models");
    const fs::path model = fs::path(HASHSCOPE_ASSETS_DIR) / "models" / "kjv-llama";
    fs::copy_file(model / "model.bin", dir / "models" / "m.bin", fs::copy_options::overwrite_existing);
    fs::copy_file(model / "tokenizer.bin", dir / "models" / "tokenizer.bin", fs::copy_options::overwrite_existing);
    AppState state;
    state.model_lab.job.sensitivity = false;
    state.model_lab.job.prompt = "In the beginning";
    state.model_lab.load_now((dir / "models" / "m.bin").string());
    open_lesson(std::string(HASHSCOPE_TUTORIALS_DIR) + "/03-reformer-step-by-step.md", state);
    go_to_step(2, state);
    const fs::path file = dir / "s.json";
    save_session(state, file.string());
    std::ifstream in(file);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("\"path\": \"models/m.bin\""), std::string::npos) << text;
    EXPECT_NE(text.find(file_sha256((dir / "models" / "m.bin").string())), std::string::npos);
    EXPECT_NE(text.find("\"step\": 3"), std::string::npos) << text;

    const Session back = read_session(file.string());
    EXPECT_EQ(back.start.model, (dir / "models" / "m.bin").string());
    EXPECT_EQ(back.lesson_step, 3);
    EXPECT_TRUE(back.warnings.empty());

    // Another file at the same path: opened, with a warning naming the difference.
    std::ofstream(dir / "models" / "m.bin", std::ios::app) << "x";
    const Session changed = read_session(file.string());
    ASSERT_EQ(changed.warnings.size(), 1u);
    EXPECT_NE(changed.warnings[0].find("differs from the one saved"), std::string::npos);

    // The model gone: MissingModel names it; another file can stand in.
    fs::remove(dir / "models" / "m.bin");
    try {
        read_session(file.string());
        ADD_FAILURE() << "a missing model was accepted";
    } catch (const MissingModel& e) {
        EXPECT_EQ(e.model, (dir / "models" / "m.bin").string());
        EXPECT_NE(std::string(e.what()).find("is missing"), std::string::npos);
    }
    const Session replaced = read_session(file.string(), (model / "model.bin").string());
    EXPECT_EQ(replaced.start.model, (model / "model.bin").string());
    EXPECT_EQ(replaced.warnings.size(), 0u);  // the same bytes as the file saved
    fs::remove_all(dir);
}

// A .npy file as the scene's data travels with the session by relative path and checksum.
TEST(Session, RecordsTheDataFile) {
    const fs::path dir = session_scratch("with_data");
    fs::create_directories(dir);
    std::vector<double> values(64 * 4);
    for (std::size_t i = 0; i < values.size(); ++i) values[i] = std::sin(double(i));
    write_npy((dir / "qk.npy").string(), make_npy<double>(values, {64, 4}));
    AppState state;
    configure(state, {"data=" + (dir / "qk.npy").string(), "chunk=16", "rounds=2"});
    const fs::path file = dir / "s.json";
    save_session(state, file.string());
    std::ifstream in(file);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("\"data\": {"), std::string::npos) << text;
    EXPECT_NE(text.find("\"path\": \"qk.npy\""), std::string::npos) << text;
    const Session back = read_session(file.string());
    EXPECT_EQ(back.start.data, (dir / "qk.npy").string());
    AppState other;
    open_session(back, other);
    EXPECT_EQ(other.result().sequence.k, state.result().sequence.k);
    fs::remove(dir / "qk.npy");
    try {
        read_session(file.string());
        ADD_FAILURE() << "a missing data file was accepted";
    } catch (const MissingModel& e) {
        EXPECT_EQ(e.kind, "data");
        EXPECT_NE(std::string(e.what()).find("the data " + (dir / "qk.npy").string() + " is missing"), std::string::npos);
    }
    fs::remove_all(dir);
}

// One line naming the file and what is wrong, for each way a session can be broken.
TEST(Session, MalformedSessionsAreRefusedNamingTheProblem) {
    const std::string path = "/x/s.json";
    const auto message = [&](const std::string& text) {
        try {
            parse_session(text, path);
        } catch (const InputError& e) {
            return std::string(e.what());
        }
        return std::string("accepted");
    };
    EXPECT_NE(message("{not json").find("/x/s.json: not a JSON session"), std::string::npos);
    EXPECT_EQ(message("[1, 2]"), "/x/s.json: a session is a JSON object");
    EXPECT_EQ(message("{}"), "/x/s.json: no \"hashscope_session\"");
    EXPECT_EQ(message(R"({"hashscope_session": 2, "settings": {}})"),
              "/x/s.json: \"hashscope_session\" must be 1 (this version's format)");
    EXPECT_EQ(message(R"({"hashscope_session": 1})"), "/x/s.json: no \"settings\"");
    EXPECT_EQ(message(R"({"hashscope_session": 1, "settings": {"n": 12}})"), "/x/s.json: settings.n must be a string");
    EXPECT_EQ(message(R"({"hashscope_session": 1, "settings": {"colour": "red"}})"),
              "/x/s.json: settings.colour: --set: unknown key 'colour'");
    EXPECT_EQ(message(R"({"hashscope_session": 1, "settings": {"rounds": "x"}})"),
              "/x/s.json: settings.rounds: --set rounds: 'x' is not a number");
    EXPECT_EQ(message(R"({"hashscope_session": 1, "settings": {"head": "0.1"}})"),
              "/x/s.json: settings.head names a model head, but there is no \"model\"");
    EXPECT_EQ(message(R"({"hashscope_session": 1, "settings": {}, "model": {"path": "m.bin"}})"), "/x/s.json: no \"sha256\"");
    EXPECT_EQ(message(R"({"hashscope_session": 1, "settings": {}, "lesson": {"path": "l.md", "step": 0}})"),
              "/x/s.json: lesson.step must be a whole number from 1");
    EXPECT_EQ(message(R"({"hashscope_session": 1, "settings": {"n": "64"}})"), "accepted");
    EXPECT_THROW(read_session("/nonexistent/s.json"), InputError);
}

struct Png {
    int width = 0, height = 0;
    std::vector<unsigned char> rgb;
};

Png shoot(const std::string& args) {
    const fs::path png = session_scratch("shot.png");
    fs::remove(png);
    const hashscope_test::CliRun r = hashscope_test::run_cli("screenshot --size 900x560 " + args + " --out " + png.string());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    Png image;
    int channels = 0;
    unsigned char* pixels = stbi_load(png.string().c_str(), &image.width, &image.height, &channels, 3);
    if (pixels) {
        image.rgb.assign(pixels, pixels + std::size_t(image.width) * std::size_t(image.height) * 3);
        stbi_image_free(pixels);
    }
    return image;
}

// What the app showed, saved, renders the same pixels as those settings given on the command line.
TEST(Session, SaveThenScreenshotIsPixelIdentical) {
    AppState state;
    configure(state, kSettings);
    const fs::path file = session_scratch("pixels.json");
    save_session(state, file.string());
    std::string flags = "--set model=none";
    for (const std::string& s : kSettings) flags += " --set " + s;
    const Png direct = shoot(flags);
    const Png saved = shoot("--session " + file.string());
    ASSERT_FALSE(direct.rgb.empty());
    EXPECT_EQ(saved.width, direct.width);
    EXPECT_EQ(saved.height, direct.height);
    EXPECT_TRUE(saved.rgb == direct.rgb) << "the session's picture differs from the settings' picture";
    // A setting changes the picture, so equal pictures are not a blank-screen accident.
    EXPECT_FALSE(shoot("--session " + file.string() + " --set buckets=16").rgb == direct.rgb);
    fs::remove_all(file.parent_path());
}

TEST(Session, BadSessionFileExitsTwoNamingIt) {
    const fs::path file = session_scratch("broken.json");
    std::ofstream(file) << "{\"hashscope_session\": 1, \"settings\": {\"rounds\": \"x\"}}";
    const fs::path png = session_scratch("never.png");
    const hashscope_test::CliRun r = hashscope_test::run_cli("screenshot --session " + file.string() + " --out " + png.string());
    EXPECT_EQ(r.exit_code, 2);
    EXPECT_NE(r.output.find(file.string() + ": settings.rounds"), std::string::npos) << r.output;
    EXPECT_FALSE(fs::exists(png));
    fs::remove_all(file.parent_path());
}

}  // namespace
