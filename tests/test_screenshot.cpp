// The app as a user sees it, under Xvfb (CTest runs under xvfb-run): `hashscope screenshot` writes a
// PNG of the requested size that shows a real picture (many distinct colours) for every view, each
// view changes when the scene does (--set), and a bad size, view or setting is refused with exit 2.
#include <gtest/gtest.h>
#include <stb_image.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "support/cli_run.hpp"

namespace {

// The app's exit code; what it printed is shown when it failed, so a failure under load says why.
int run(const std::string& args) {
    const hashscope_test::CliRun r = hashscope_test::run_cli(args);
    if (r.exit_code != 0) std::cerr << "hashscope " << args << " -> exit " << r.exit_code << ": " << r.output;
    return r.exit_code;
}

TEST(Screenshot, DefaultSceneIsRenderedAtTheRequestedSize) {
    const auto png = std::filesystem::temp_directory_path() / "hashscope_test_screenshot.png";
    std::filesystem::remove(png);
    ASSERT_EQ(run("screenshot --size 960x600 --frames 3 --out " + png.string()), 0);
    int width = 0, height = 0, channels = 0;
    unsigned char* pixels = stbi_load(png.string().c_str(), &width, &height, &channels, 3);
    ASSERT_NE(pixels, nullptr) << stbi_failure_reason();
    EXPECT_EQ(width, 960);
    EXPECT_EQ(height, 600);
    std::set<unsigned> colours;
    for (int i = 0; i < width * height; ++i)
        colours.insert(unsigned(pixels[3 * i]) << 16 | unsigned(pixels[3 * i + 1]) << 8 | pixels[3 * i + 2]);
    stbi_image_free(pixels);
    // Sixteen bucket colours, text and widgets: far more than a blank or single-colour frame.
    EXPECT_GT(colours.size(), 50u);
    std::filesystem::remove(png);
}

struct Image {
    int width = 0, height = 0;
    std::vector<unsigned char> rgb;
};

// Renders one view alone into a PNG and reads it back (empty on failure); `extra` adds flags.
Image shoot_view(const std::string& view, const std::string& extra = "") {
    // CTest runs these tests in parallel processes: the pid keeps their files apart.
    const auto png = std::filesystem::temp_directory_path() /
                     ("hashscope_test_view_" + view + "_" + std::to_string(getpid()) + ".png");
    std::filesystem::remove(png);
    Image image;
    // No model: these views show the toy scene, and loading the default model would only cost time.
    if (run("screenshot --view " + view + " --size 800x500 --frames 3 --set model=none " + extra + " --out " + png.string()) != 0)
        return image;
    int channels = 0;
    unsigned char* pixels = stbi_load(png.string().c_str(), &image.width, &image.height, &channels, 3);
    if (pixels) {
        image.rgb.assign(pixels, pixels + std::size_t(image.width) * std::size_t(image.height) * 3);
        stbi_image_free(pixels);
    }
    std::filesystem::remove(png);
    return image;
}

const char* const kViews[] = {"scene", "pipeline", "hyperplanes", "buckets", "sort", "chunks", "compare", "memory", "crypto"};

// The setting a view's picture must follow: the scene's bucket count, or the crypto view's own bits.
std::string changed_setting(const std::string& view) { return view == "crypto" ? "--set crypto-bits=9" : "--set buckets=32"; }

TEST(Screenshot, EachViewAloneIsRenderedAtTheRequestedSize) {
    for (const std::string view : kViews) {
        SCOPED_TRACE(view);
        const Image image = shoot_view(view);
        ASSERT_FALSE(image.rgb.empty());
        EXPECT_EQ(image.width, 800);
        EXPECT_EQ(image.height, 500);
        std::set<unsigned> colours;
        for (std::size_t i = 0; i + 2 < image.rgb.size(); i += 3)
            colours.insert(unsigned(image.rgb[i]) << 16 | unsigned(image.rgb[i + 1]) << 8 | image.rgb[i + 2]);
        EXPECT_GT(colours.size(), 50u);
    }
}

// Every view shows its numbers: with 32 buckets instead of 16 (crypto: 9 bits, not 6) each one draws differently.
TEST(Screenshot, EachViewChangesWithItsBucketCount) {
    for (const std::string view : kViews) {
        SCOPED_TRACE(view);
        const Image sixteen = shoot_view(view);
        const Image thirty_two = shoot_view(view, changed_setting(view));
        ASSERT_FALSE(sixteen.rgb.empty());
        ASSERT_FALSE(thirty_two.rgb.empty());
        EXPECT_TRUE(sixteen.rgb != thirty_two.rgb) << "identical pictures";
    }
}

std::size_t distinct_colours(const Image& image) {
    std::set<unsigned> colours;
    for (std::size_t i = 0; i + 2 < image.rgb.size(); i += 3)
        colours.insert(unsigned(image.rgb[i]) << 16 | unsigned(image.rgb[i + 1]) << 8 | image.rgb[i + 2]);
    return colours.size();
}

// The Learned view does not hash into buckets, so it is not in kViews: it shows SimHash alone until
// trained, and learned.train=1 trains before the first frame.
TEST(Screenshot, LearnedViewShowsSimHashThenTrainedCodes) {
    const Image before = shoot_view("learned", "--set kind=llm_like");
    const Image after = shoot_view("learned", "--set kind=llm_like --set learned.train=1 --set learned.epochs=10");
    ASSERT_FALSE(before.rgb.empty());
    ASSERT_FALSE(after.rgb.empty());
    EXPECT_EQ(after.width, 800);
    EXPECT_EQ(after.height, 500);
    EXPECT_GT(distinct_colours(before), 50u);
    EXPECT_GT(distinct_colours(after), 50u);
    EXPECT_TRUE(before.rgb != after.rgb) << "training changed nothing";
    EXPECT_TRUE(shoot_view("learned", "--set learned.bits=65").rgb.empty());
}

// Headless frames advance the animation by a fixed step and ignore the pointer: a PNG depends on its
// flags alone, so slides and bug reports can be regenerated.
TEST(Screenshot, SameFlagsGiveTheSamePicture) {
    const Image a = shoot_view("scene", "--set stage=sort --set progress=0.4");
    const Image b = shoot_view("scene", "--set stage=sort --set progress=0.4");
    ASSERT_FALSE(a.rgb.empty());
    EXPECT_TRUE(a.rgb == b.rgb) << "two runs with the same flags differ";
}

std::set<unsigned> colours_of(const Image& image) {
    std::set<unsigned> colours;
    for (std::size_t i = 0; i + 2 < image.rgb.size(); i += 3)
        colours.insert(unsigned(image.rgb[i]) << 16 | unsigned(image.rgb[i + 1]) << 8 | image.rgb[i + 2]);
    return colours;
}

// The Model view on the stories260K fixture (loaded before the first frame by --set model): the
// sensitivity grid and attention map make a real picture that changes with the prompt, and a head
// picked by --set head becomes the data of the hash views.
TEST(Screenshot, ModelViewShowsTheFixtureModel) {
    const std::string model = std::string(HASHSCOPE_MODELS_DIR) + "/stories260K/stories260K.bin";
    if (!std::filesystem::exists(model)) GTEST_SKIP() << "model fixture " << model << " is missing";
    const Image empty = shoot_view("model");
    const Image loaded = shoot_view("model", "--set model=" + model);
    const Image other_prompt = shoot_view("model", "--set model=" + model + " --set 'prompt=Lily saw a big dog'");
    ASSERT_FALSE(loaded.rgb.empty());
    ASSERT_FALSE(other_prompt.rgb.empty());
    EXPECT_GT(colours_of(loaded).size(), 50u);
    EXPECT_TRUE(empty.rgb != loaded.rgb);
    EXPECT_TRUE(loaded.rgb != other_prompt.rgb);
    const Image toy = shoot_view("buckets");
    const Image head = shoot_view("buckets", "--set model=" + model + " --set head=2.3");
    ASSERT_FALSE(head.rgb.empty());
    EXPECT_TRUE(toy.rgb != head.rgb);
}

TEST(Screenshot, BadModelExitsTwoAndWritesNothing) {
    const auto png = std::filesystem::temp_directory_path() / "hashscope_test_bad_model.png";
    std::filesystem::remove(png);
    EXPECT_EQ(run("screenshot --view model --set model=/nonexistent/model.bin --out " + png.string()), 2);
    EXPECT_EQ(run("screenshot --set model=none --set head=0.1 --out " + png.string()), 2);  // a head needs a model
    EXPECT_FALSE(std::filesystem::exists(png));
}

TEST(Screenshot, BadSettingExitsTwoAndWritesNothing) {
    const auto png = std::filesystem::temp_directory_path() / "hashscope_test_bad_setting.png";
    std::filesystem::remove(png);
    EXPECT_EQ(run("screenshot --set buckets=3 --out " + png.string()), 2);
    EXPECT_EQ(run("screenshot --set colour=red --out " + png.string()), 2);
    EXPECT_EQ(run("screenshot --view crypto --set crypto-bits=33 --out " + png.string()), 2);
    EXPECT_EQ(run("screenshot --view crypto --set crypto-route=lsh --out " + png.string()), 2);  // needs quantize sign
    EXPECT_FALSE(std::filesystem::exists(png));
}

TEST(Screenshot, UnknownViewExitsTwoAndWritesNothing) {
    const auto png = std::filesystem::temp_directory_path() / "hashscope_test_bad_view.png";
    std::filesystem::remove(png);
    EXPECT_EQ(run("screenshot --view nosuchview --out " + png.string()), 2);
    EXPECT_FALSE(std::filesystem::exists(png));
}

TEST(Screenshot, BadSizeExitsTwoAndWritesNothing) {
    const auto png = std::filesystem::temp_directory_path() / "hashscope_test_bad_size.png";
    EXPECT_EQ(run("screenshot --size 10xQ --out " + png.string()), 2);
    EXPECT_FALSE(std::filesystem::exists(png));
}

// Every lesson's first step, the Lesson panel beside the views it sets up: a real picture, with text in
// the panel's column (the right third) — not a blank or failed render.
TEST(Screenshot, EachLessonsFirstStepRenders) {
    std::vector<std::filesystem::path> lessons;
    for (const auto& entry : std::filesystem::directory_iterator(HASHSCOPE_TUTORIALS_DIR))
        if (entry.path().extension() == ".md" && entry.path().filename() != "README.md") lessons.push_back(entry.path());
    ASSERT_GE(lessons.size(), 7u);
    const auto png = std::filesystem::temp_directory_path() / ("hashscope_test_lesson_" + std::to_string(getpid()) + ".png");
    for (const auto& lesson : lessons) {
        SCOPED_TRACE(lesson.string());
        std::filesystem::remove(png);
        ASSERT_EQ(run("screenshot --lesson " + lesson.string() + " --size 960x600 --out " + png.string()), 0);
        int width = 0, height = 0, channels = 0;
        unsigned char* pixels = stbi_load(png.string().c_str(), &width, &height, &channels, 3);
        ASSERT_NE(pixels, nullptr);
        std::set<unsigned> all, panel;
        for (int y = 0; y < height; ++y)
            for (int x = 0; x < width; ++x) {
                const unsigned char* p = pixels + 3 * (std::size_t(y) * std::size_t(width) + std::size_t(x));
                const unsigned colour = unsigned(p[0]) << 16 | unsigned(p[1]) << 8 | p[2];
                all.insert(colour);
                if (x > width * 3 / 4) panel.insert(colour);
            }
        stbi_image_free(pixels);
        EXPECT_GT(all.size(), 50u);
        EXPECT_GT(panel.size(), 12u);  // anti-aliased text of the lesson
    }
    std::filesystem::remove(png);
}

TEST(Screenshot, BadLessonExitsTwoAndWritesNothing) {
    const auto png = std::filesystem::temp_directory_path() / "hashscope_test_bad_lesson.png";
    const std::string first = std::string(HASHSCOPE_TUTORIALS_DIR) + "/01-dense-is-quadratic.md";
    std::filesystem::remove(png);
    EXPECT_EQ(run("screenshot --lesson /nonexistent/lesson.md --out " + png.string()), 2);
    EXPECT_EQ(run("screenshot --lesson " + first + " --step 99 --out " + png.string()), 2);
    EXPECT_EQ(run("screenshot --lesson " + first + " --step 0 --out " + png.string()), 2);
    EXPECT_EQ(run("screenshot --step 2 --out " + png.string()), 2);
    EXPECT_FALSE(std::filesystem::exists(png));
    const hashscope_test::CliRun r = hashscope_test::run_cli("screenshot --lesson " + first + " --step 99 --out " + png.string());
    EXPECT_NE(r.output.find("--step 99: " + first + " has 5 steps"), std::string::npos) << r.output;
}

}  // namespace
