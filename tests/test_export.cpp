// Export: the GIF writer against giflib's own decoder (frame count, size, loop extension, colours),
// and `hashscope export` under Xvfb — a GIF of the requested frames and size whose frames move, PNGs
// of the requested size (and --scale times it), and bad flags refused with exit 2 and no file.
#include <gif_lib.h>
#include <gtest/gtest.h>
#include <stb_image.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "app/gui/gif_writer.hpp"
#include "core/error.hpp"
#include "support/cli_run.hpp"

namespace {

using namespace hashscope;
namespace fs = std::filesystem;

fs::path scratch(const std::string& name) {
    const fs::path dir = fs::temp_directory_path() / ("hashscope_export_" + std::to_string(getpid()));
    fs::create_directories(dir);
    return dir / name;
}

struct Decoded {
    int width = 0, height = 0;
    bool loops = false;
    std::vector<std::vector<std::uint8_t>> frames;  // composited RGB, as a viewer shows them
};

// Decodes with giflib's DGifSlurp and paints each frame's rectangle over the one before.
Decoded decode(const fs::path& path) {
    Decoded d;
    int error = 0;
    GifFileType* gif = DGifOpenFileName(path.c_str(), &error);
    if (!gif) return d;
    if (DGifSlurp(gif) != GIF_OK) {
        DGifCloseFile(gif, &error);
        return d;
    }
    d.width = gif->SWidth;
    d.height = gif->SHeight;
    std::vector<std::uint8_t> canvas(std::size_t(d.width) * std::size_t(d.height) * 3, 0);
    for (int i = 0; i < gif->ImageCount; ++i) {
        const SavedImage& image = gif->SavedImages[i];
        for (int e = 0; e < image.ExtensionBlockCount; ++e)
            if (image.ExtensionBlocks[e].Function == APPLICATION_EXT_FUNC_CODE && image.ExtensionBlocks[e].ByteCount == 11 &&
                std::memcmp(image.ExtensionBlocks[e].Bytes, "NETSCAPE2.0", 11) == 0)
                d.loops = true;
        const ColorMapObject* map = image.ImageDesc.ColorMap ? image.ImageDesc.ColorMap : gif->SColorMap;
        const GifImageDesc& r = image.ImageDesc;
        for (int y = 0; y < r.Height; ++y)
            for (int x = 0; x < r.Width; ++x) {
                const GifColorType c = map->Colors[image.RasterBits[std::size_t(y) * std::size_t(r.Width) + std::size_t(x)]];
                std::uint8_t* p = &canvas[3 * (std::size_t(r.Top + y) * std::size_t(d.width) + std::size_t(r.Left + x))];
                p[0] = c.Red, p[1] = c.Green, p[2] = c.Blue;
            }
        d.frames.push_back(canvas);
    }
    for (int e = 0; e < gif->ExtensionBlockCount; ++e)
        if (gif->ExtensionBlocks[e].Function == APPLICATION_EXT_FUNC_CODE && gif->ExtensionBlocks[e].ByteCount == 11 &&
            std::memcmp(gif->ExtensionBlocks[e].Bytes, "NETSCAPE2.0", 11) == 0)
            d.loops = true;
    DGifCloseFile(gif, &error);
    return d;
}

TEST(GifWriter, FramesDecodeWithTheirColoursAndLoop) {
    const int w = 37, h = 21;  // odd sizes: no row padding hides a stride bug
    const std::vector<std::array<int, 3>> colours = {{255, 0, 0}, {0, 128, 255}, {26, 26, 31}, {255, 255, 255}, {90, 160, 230}};
    std::vector<std::vector<std::uint8_t>> frames;
    for (const auto& c : colours) {
        std::vector<std::uint8_t> f(std::size_t(w) * h * 3);
        for (std::size_t i = 0; i < f.size(); i += 3) f[i] = std::uint8_t(c[0]), f[i + 1] = std::uint8_t(c[1]), f[i + 2] = std::uint8_t(c[2]);
        frames.push_back(f);
    }
    frames[4][3 * (5 * w + 7)] = 0;  // one odd pixel in the last frame
    const fs::path gif = scratch("solid.gif");
    gui::write_gif(gif.string(), frames, w, h, 10);
    const Decoded d = decode(gif);
    ASSERT_EQ(d.frames.size(), colours.size());
    EXPECT_EQ(d.width, w);
    EXPECT_EQ(d.height, h);
    EXPECT_TRUE(d.loops);
    for (std::size_t k = 0; k < colours.size(); ++k)
        for (int c = 0; c < 3; ++c) EXPECT_NEAR(d.frames[k][std::size_t(c)], colours[k][std::size_t(c)], 4) << k;
    EXPECT_NEAR(d.frames[4][3 * (5 * w + 7)], 0, 4);
    EXPECT_NEAR(d.frames[4][3 * (5 * w + 8)], 90, 4);
    EXPECT_FALSE(fs::exists(gif.string() + ".partial"));
    EXPECT_THROW(gui::write_gif(gif.string(), {}, w, h, 10), InputError);
    EXPECT_THROW(gui::write_gif("/nonexistent/dir/x.gif", frames, w, h, 10), InputError);
    fs::remove_all(gif.parent_path());
}

int run_hashscope(const std::string& args) {
    const hashscope_test::CliRun r = hashscope_test::run_cli(args);
    if (r.exit_code != 0) std::cerr << "hashscope " << args << " -> " << r.exit_code << ": " << r.output;
    return r.exit_code;
}

TEST(Export, GifHasTheRequestedFramesAndTheyMove) {
    const fs::path gif = scratch("sort.gif");
    ASSERT_EQ(run_hashscope("export --view sort --frames 6 --size 480x320 --set model=none --out " + gif.string()), 0);
    const Decoded d = decode(gif);
    ASSERT_EQ(d.frames.size(), 6u);
    EXPECT_EQ(d.width, 480);
    EXPECT_EQ(d.height, 320);
    EXPECT_TRUE(d.loops);
    int changes = 0;  // the slots travel: most frames differ from the one before
    for (std::size_t k = 1; k < d.frames.size(); ++k) changes += d.frames[k] != d.frames[k - 1];
    EXPECT_GE(changes, 3);
    fs::remove_all(gif.parent_path());
}

TEST(Export, PngHasTheRequestedSizeAndScale) {
    const fs::path png = scratch("compare.png");
    for (const auto& [flags, w, h] : std::vector<std::tuple<std::string, int, int>>{
             {"--size 800x500", 800, 500}, {"--size 400x300 --scale 2", 800, 600}}) {
        SCOPED_TRACE(flags);
        fs::remove(png);
        ASSERT_EQ(run_hashscope("export --view compare " + flags + " --set model=none --out " + png.string()), 0);
        int width = 0, height = 0, channels = 0;
        unsigned char* pixels = stbi_load(png.c_str(), &width, &height, &channels, 3);
        ASSERT_NE(pixels, nullptr);
        std::set<unsigned> colours;
        for (int i = 0; i < width * height; ++i)
            colours.insert(unsigned(pixels[3 * i]) << 16 | unsigned(pixels[3 * i + 1]) << 8 | pixels[3 * i + 2]);
        stbi_image_free(pixels);
        EXPECT_EQ(width, w);
        EXPECT_EQ(height, h);
        EXPECT_GT(colours.size(), 50u);
    }
    fs::remove_all(png.parent_path());
}

TEST(Export, BadFlagsExitTwoAndWriteNothing) {
    const fs::path dir = scratch("");
    EXPECT_EQ(run_hashscope("export --view sort --out " + (dir / "x.bmp").string()), 2);
    EXPECT_EQ(run_hashscope("export --view nowhere --out " + (dir / "x.png").string()), 2);
    EXPECT_EQ(run_hashscope("export --view sort --frames 0 --out " + (dir / "x.gif").string()), 2);
    EXPECT_EQ(run_hashscope("export --view sort --scale 5 --out " + (dir / "x.png").string()), 2);
    EXPECT_EQ(run_hashscope("export --session /nonexistent/s.json --out " + (dir / "x.gif").string()), 2);
    EXPECT_EQ(run_hashscope("export --view sort --frames 2 --set model=none --out /nonexistent/dir/x.gif"), 2);
    EXPECT_TRUE(fs::is_empty(dir));
    fs::remove_all(dir);
}

}  // namespace
