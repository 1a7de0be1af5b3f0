#include "app/gui/session.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "app/gui/lesson_player.hpp"
#include "core/error.hpp"
#include "core/file_digest.hpp"

namespace hashscope::gui {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

constexpr int kFormat = 1;
constexpr std::size_t kMaxSessionBytes = 4 << 20;

// Relative to the session's folder when the file is below or beside it, so a folder of sessions and
// models can travel together; absolute otherwise.
std::string portable(const std::string& file, const std::string& session_path) {
    std::error_code ec;
    const fs::path absolute = fs::absolute(file, ec).lexically_normal();
    const fs::path base = fs::absolute(session_path, ec).parent_path();
    const fs::path relative = absolute.lexically_relative(base);
    if (!relative.empty() && *relative.begin() != "..") return relative.generic_string();
    return absolute.string();
}

std::string resolve(const std::string& written, const std::string& session_path) {
    const fs::path p(written);
    if (p.is_absolute()) return p.lexically_normal().string();
    return (fs::path(session_path).parent_path() / p).lexically_normal().string();
}

[[noreturn]] void bad(const std::string& path, const std::string& why) { throw InputError(path + ": " + why); }

const Json& member(const Json& object, const char* key, const std::string& path) {
    const auto it = object.find(key);
    if (it == object.end()) bad(path, std::string("no \"") + key + "\"");
    return *it;
}

std::string text_of(const Json& value, const std::string& what, const std::string& path) {
    if (!value.is_string()) bad(path, what + " must be a string");
    return value.get<std::string>();
}

// A file the session records by path and checksum ("model", "data"): its resolved path (or
// `override`), nullopt when the session has none. MissingModel when it is not there; a checksum that
// differs is a warning.
std::optional<std::string> recorded_file(const Json& j, const char* key, const std::string& path,
                                         const std::string& override, std::vector<std::string>& warnings) {
    const auto it = j.find(key);
    if (it == j.end()) return std::nullopt;
    const std::string what(key);
    if (!it->is_object()) bad(path, "\"" + what + "\" must be an object with \"path\" and \"sha256\"");
    const std::string written = text_of(member(*it, "path", path), what + ".path", path);
    const std::string recorded = text_of(member(*it, "sha256", path), what + ".sha256", path);
    const std::string file = override.empty() ? resolve(written, path) : override;
    std::error_code ec;
    if (!fs::exists(file, ec)) throw MissingModel(path, file, what);
    const std::string actual = file_sha256(file);
    if (actual != recorded)
        warnings.push_back("the " + what + " " + file + " differs from the one saved (SHA-256 " + actual.substr(0, 12) +
                           "… instead of " + recorded.substr(0, 12) + "…): the picture may differ");
    return file;
}

}  // namespace

std::string session_json(const AppState& state, const std::string& session_path) {
    const StartState start = start_state_of(state);
    Json j;
    j["hashscope_session"] = kFormat;
    Json settings = Json::object();
    for (const std::string& setting : settings_of(start)) {
        const auto eq = setting.find('=');
        const std::string key = setting.substr(0, eq);
        if (key == "model" || key == "data") continue;  // recorded below with their checksums
        settings[key] = setting.substr(eq + 1);
    }
    j["settings"] = settings;
    if (start.model != "none")
        j["model"] = {{"path", portable(start.model, session_path)}, {"sha256", file_sha256(start.model)}};
    if (!start.data.empty())
        j["data"] = {{"path", portable(start.data, session_path)}, {"sha256", file_sha256(start.data)}};
    if (state.lesson.open())
        j["lesson"] = {{"path", portable(state.lesson.path, session_path)}, {"step", state.lesson.step + 1}};
    return j.dump(2) + "\n";
}

void save_session(const AppState& state, const std::string& path) {
    const std::string text = session_json(state, path);
    const std::string partial = path + ".partial";
    {
        std::ofstream out(partial, std::ios::binary);
        out << text;
        if (!out.flush()) {
            std::error_code ec;
            fs::remove(partial, ec);
            throw InputError(path + ": cannot write the session");
        }
    }
    std::error_code ec;
    fs::rename(partial, path, ec);
    if (ec) {
        fs::remove(partial, ec);
        throw InputError(path + ": cannot write the session");
    }
}

Session parse_session(std::string_view text, const std::string& path, const std::string& model_override) {
    Json j;
    try {
        j = Json::parse(text);
    } catch (const Json::exception& e) {
        bad(path, std::string("not a JSON session (") + e.what() + ")");
    }
    if (!j.is_object()) bad(path, "a session is a JSON object");
    const Json& format = member(j, "hashscope_session", path);
    if (!format.is_number_integer() || format.get<long long>() != kFormat)
        bad(path, "\"hashscope_session\" must be " + std::to_string(kFormat) + " (this version's format)");
    Session session;
    const Json& settings = member(j, "settings", path);
    if (!settings.is_object()) bad(path, "\"settings\" must be an object of \"key\": \"value\"");
    for (const auto& [key, value] : settings.items()) {
        if (key == "model" || key == "data") bad(path, "the " + key + " file goes in \"" + key + "\", not in \"settings\"");
        const std::string setting = key + "=" + text_of(value, "settings." + key, path);
        try {
            apply_setting(setting, session.start);
        } catch (const InputError& e) {
            bad(path, "settings." + key + ": " + e.what());
        }
    }
    session.start.model = "none";
    if (const auto model = recorded_file(j, "model", path, model_override, session.warnings)) {
        session.start.model = *model;
        session.model_sha256 = j["model"]["sha256"].get<std::string>();
    } else if (session.start.head >= 0) {
        bad(path, "settings.head names a model head, but there is no \"model\"");
    }
    if (const auto data = recorded_file(j, "data", path, {}, session.warnings)) session.start.data = *data;
    if (const auto it = j.find("lesson"); it != j.end()) {
        if (!it->is_object()) bad(path, "\"lesson\" must be an object with \"path\" and \"step\"");
        session.lesson = resolve(text_of(member(*it, "path", path), "lesson.path", path), path);
        const Json& step = member(*it, "step", path);
        if (!step.is_number_integer() || step.get<long long>() < 1 || step.get<long long>() > 10000)
            bad(path, "lesson.step must be a whole number from 1");
        session.lesson_step = int(step.get<long long>());
    }
    return session;
}

Session read_session(const std::string& path, const std::string& model_override) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path + ": cannot read the session");
    std::ostringstream text;
    text << in.rdbuf();
    if (text.str().size() > kMaxSessionBytes) throw InputError(path + ": a session is at most 4 MiB");
    return parse_session(text.str(), path, model_override);
}

void open_session(const Session& session, AppState& state) {
    // The lesson first (it applies its step), then the saved settings over it: they are what was shown.
    if (!session.lesson.empty()) {
        open_lesson(session.lesson, state);
        state.lesson.step = std::clamp(session.lesson_step - 1, 0, int(state.lesson.steps.size()) - 1);
    } else {
        close_lesson(state);
    }
    apply_start_state(session.start, state);
}

}  // namespace hashscope::gui
