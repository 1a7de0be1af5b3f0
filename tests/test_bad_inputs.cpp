// The bad-input catalog (tests/bad_inputs/catalog.json): every malformed file and out-of-range flag
// is run through the real `hashscope` executable, which must refuse it the way every subcommand
// promises: exit 2, exactly one line naming the problem, and nothing written (no output, no
// temporary). The manifest describes how each input is built, from checked-in seeds (tests/fuzz/
// corpus, tests/data) patched at byte offsets, generated arrays, or literal bytes, so each case is
// small and readable.
#include <nlohmann/json.hpp>

#include <fstream>
#include <iterator>
#include <set>

#include "support/cli_fixture.hpp"

namespace hashscope_test {
namespace {

using nlohmann::json;

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (std::size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
    return s;
}

std::string from_hex(const std::string& hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out.push_back(char(std::stoi(hex.substr(i, 2), nullptr, 16)));
    return out;
}

std::string read_bytes(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    EXPECT_TRUE(in) << file;
    return {std::istreambuf_iterator<char>(in), {}};
}

// A .npy file written by hand: version 1.0, the given header dict padded to 64 bytes, zero data.
std::string npy_raw(const std::string& header, std::size_t data_bytes) {
    std::string dict = header;
    while ((10 + dict.size() + 1) % 64 != 0) dict += ' ';
    dict += '\n';
    std::string out = "\x93NUMPY";
    out += char(1);
    out += char(0);
    out += char(dict.size() & 0xff);
    out += char(dict.size() >> 8);
    return out + dict + std::string(data_bytes, '\0');
}

// A safetensors file: {name: [dtype, shape, begin, end]} and `pad` zero data bytes.
std::string safetensors(const json& spec) {
    json header = json::object();
    for (const auto& [name, t] : spec.items())
        if (name != "pad") header[name] = {{"dtype", t[0]}, {"shape", t[1]}, {"data_offsets", {t[2], t[3]}}};
    const std::string text = header.dump();
    std::string out(8, '\0');
    for (int i = 0; i < 8; ++i) out[std::size_t(i)] = char((std::uint64_t(text.size()) >> (8 * i)) & 0xff);
    return out + text + std::string(spec.value("pad", 0), '\0');
}

// Builds one input file from its manifest entry (see the manifest's "about").
void build_file(const fs::path& file, const json& spec) {
    if (spec.contains("npy")) {
        const json& a = spec["npy"];
        const auto shape = a["shape"].get<std::vector<std::int64_t>>();
        std::size_t count = 1;
        for (auto d : shape) count *= std::size_t(d);
        hashscope::Rng rng(a.value("seed", 1));
        std::vector<double> values(count);
        for (auto& x : values) x = rng.normal();
        if (a.contains("poison")) {
            const std::string what = a["poison"][1];
            values.at(a["poison"][0].get<std::size_t>()) = what == "nan" ? std::nan("") : what == "inf" ? HUGE_VAL : -HUGE_VAL;
        }
        hashscope::write_npy(file.string(), hashscope::make_npy<double>(values, shape));
        return;
    }
    std::string bytes;
    if (spec.contains("from")) bytes = read_bytes(fs::path(HASHSCOPE_TESTS_DIR) / spec["from"].get<std::string>());
    if (spec.contains("text")) bytes = spec["text"];
    if (spec.contains("hex")) bytes = from_hex(spec["hex"]);
    if (spec.contains("npy_raw")) bytes = npy_raw(spec["npy_raw"]["header"], spec["npy_raw"]["data_bytes"]);
    if (spec.contains("safetensors")) bytes = safetensors(spec["safetensors"]);
    bytes = bytes.substr(std::min(bytes.size(), spec.value("skip", std::size_t(0))));
    if (spec.contains("truncate")) bytes.resize(spec["truncate"].get<std::size_t>());
    for (const auto& p : spec.value("patch", json::array())) bytes.replace(p[0].get<std::size_t>(), p[1].get<std::string>().size() / 2, from_hex(p[1]));
    const std::string then = spec.contains("then_hex") ? from_hex(spec["then_hex"]) : spec.value("then_text", "");
    const int repeat = spec.value("repeat", 1);
    for (int i = 0; i < repeat; ++i) bytes += then;
    for (int i = 0; i < repeat; ++i) bytes += spec.value("close_text", "");
    std::ofstream(file, std::ios::binary) << bytes;
}

json catalog() {
    std::ifstream in(fs::path(HASHSCOPE_TESTS_DIR) / "bad_inputs" / "catalog.json");
    return json::parse(in);
}

class BadInputs : public CliTest, public ::testing::WithParamInterface<json> {
protected:
    // A parameterised test's name has a '/', so CliTest's scratch folder sits in a folder of its own.
    void TearDown() override {
        CliTest::TearDown();
        std::error_code ignored;
        fs::remove(dir.parent_path(), ignored);
    }
};

TEST_P(BadInputs, RefusedWithOneLineAndNoOutput) {
    const json& c = GetParam();
    std::set<fs::path> inputs;
    for (const auto& [name, spec] : c["files"].items()) {
        build_file(dir / name, spec);
        inputs.insert(dir / name);
    }
    const std::string args = replace_all(c["args"].get<std::string>(), "{dir}", dir.string());
    const std::string expected = replace_all(c["expect"].get<std::string>(), "{dir}", dir.string());
    const CliRun r = run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(expected), std::string::npos) << "expected: " << expected << "\nmessage: " << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
    EXPECT_EQ(r.output.rfind("hashscope ", 0), 0u) << r.output;  // the CLI's own refusal, not a crash report
    for (const auto& entry : fs::directory_iterator(dir)) EXPECT_TRUE(inputs.count(entry.path())) << "left behind: " << entry.path();
}

INSTANTIATE_TEST_SUITE_P(Catalog, BadInputs, ::testing::ValuesIn(catalog()["cases"].get<std::vector<json>>()),
                         [](const auto& info) { return info.param["name"].template get<std::string>(); });

TEST(BadInputCatalog, HasAtLeastFortyCases) { EXPECT_GE(catalog()["cases"].size(), 40u); }

}  // namespace
}  // namespace hashscope_test
