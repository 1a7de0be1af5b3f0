// The app as a user sees it, under Xvfb (CTest runs under xvfb-run): `hashscope screenshot` writes a
// PNG of the requested size that shows a real picture (many distinct colours), and a bad size is
// refused with exit 2.
#include <gtest/gtest.h>
#include <stb_image.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <set>
#include <string>

namespace {

int run(const std::string& args) {
    return WEXITSTATUS(std::system((std::string(HASHSCOPE_EXE) + " " + args + " >/dev/null 2>&1").c_str()));
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

TEST(Screenshot, BadSizeExitsTwoAndWritesNothing) {
    const auto png = std::filesystem::temp_directory_path() / "hashscope_test_bad_size.png";
    EXPECT_EQ(run("screenshot --size 10xQ --out " + png.string()), 2);
    EXPECT_FALSE(std::filesystem::exists(png));
}

}  // namespace
