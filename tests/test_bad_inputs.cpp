// The bad-input catalog (tests/bad_inputs/catalog.json): every malformed file and out-of-range flag
// is run through the real `hashscope` executable, which must refuse it the way every subcommand
// promises: exit 2, exactly one line naming the problem, and nothing written (no output, no
// temporary). The manifest describes how each input is built, from checked-in seeds (tests/fuzz/
// corpus, tests/data) patched at byte offsets, generated arrays, or literal bytes, so each case is
// small and readable.
#include <set>

#include "support/bad_input_catalog.hpp"
#include "support/cli_fixture.hpp"

namespace hashscope_test {
namespace {

using namespace bad_inputs;

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
    const std::vector<fs::path> built = build_files(c, dir);
    const std::set<fs::path> inputs(built.begin(), built.end());
    const std::string args = in_dir(c["args"], dir);
    const std::string expected = in_dir(c["expect"], dir);
    const CliRun r = run_cli(args);
    EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.output;
    EXPECT_NE(r.output.find(expected), std::string::npos) << "expected: " << expected << "\nmessage: " << r.output;
    EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << r.output;
    EXPECT_EQ(r.output.rfind("hashscope ", 0), 0u) << r.output;  // the CLI's own refusal, not a crash report
    for (const auto& entry : fs::directory_iterator(dir)) EXPECT_TRUE(inputs.count(entry.path())) << "left behind: " << entry.path();
}

INSTANTIATE_TEST_SUITE_P(Catalog, BadInputs, ::testing::ValuesIn(catalog()["cases"].get<std::vector<json>>()),
                         [](const auto& info) { return case_name(info.param); });

TEST(BadInputCatalog, HasAtLeastFortyCases) { EXPECT_GE(catalog()["cases"].size(), 40u); }

}  // namespace
}  // namespace hashscope_test
