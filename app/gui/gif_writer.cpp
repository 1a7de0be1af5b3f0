#include "app/gui/gif_writer.hpp"

#include <fcntl.h>
#include <gif_lib.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <numeric>

#include "core/error.hpp"

namespace hashscope::gui {

namespace {

constexpr int kColours = 256;
constexpr int kBins = 1 << 15;

int bin_of(const std::uint8_t* p) { return (p[0] >> 3) << 10 | (p[1] >> 3) << 5 | (p[2] >> 3); }

struct Palette {
    std::array<GifColorType, kColours> colours{};
    std::vector<std::uint8_t> index_of_bin = std::vector<std::uint8_t>(kBins, 0);
};

// The most frequent 15-bit colours (each the mean of the pixels in it); every bin maps to the palette
// entry nearest its centre.
Palette choose_palette(const std::vector<std::vector<std::uint8_t>>& frames) {
    std::vector<std::uint64_t> count(kBins, 0);
    std::vector<std::array<std::uint64_t, 3>> sum(kBins, {0, 0, 0});
    for (const auto& frame : frames)
        for (std::size_t i = 0; i + 2 < frame.size(); i += 3) {
            const int b = bin_of(&frame[i]);
            ++count[std::size_t(b)];
            for (int c = 0; c < 3; ++c) sum[std::size_t(b)][std::size_t(c)] += frame[i + std::size_t(c)];
        }
    std::vector<int> bins(kBins);
    std::iota(bins.begin(), bins.end(), 0);
    const auto used = std::partition(bins.begin(), bins.end(), [&](int b) { return count[std::size_t(b)] > 0; });
    const std::size_t kept = std::min<std::size_t>(kColours, std::size_t(used - bins.begin()));
    std::partial_sort(bins.begin(), bins.begin() + std::ptrdiff_t(kept), used,
                      [&](int a, int b) { return count[std::size_t(a)] > count[std::size_t(b)] || (count[std::size_t(a)] == count[std::size_t(b)] && a < b); });
    Palette p;
    for (std::size_t k = 0; k < kept; ++k) {
        const auto b = std::size_t(bins[k]);
        p.colours[k] = {GifByteType(sum[b][0] / count[b]), GifByteType(sum[b][1] / count[b]), GifByteType(sum[b][2] / count[b])};
    }
    for (int b = 0; b < kBins; ++b) {
        const int r = ((b >> 10) & 31) * 8 + 4, g = ((b >> 5) & 31) * 8 + 4, bl = (b & 31) * 8 + 4;
        int best = 0, best_d = 1 << 30;
        for (std::size_t k = 0; k < std::max<std::size_t>(kept, 1); ++k) {
            const int dr = r - p.colours[k].Red, dg = g - p.colours[k].Green, db = bl - p.colours[k].Blue;
            const int d = 3 * dr * dr + 4 * dg * dg + 2 * db * db;  // green weighs most to the eye
            if (d < best_d) best_d = d, best = int(k);
        }
        p.index_of_bin[std::size_t(b)] = std::uint8_t(best);
    }
    return p;
}

class GifFile {
public:
    // Opened here (giflib would create the file readable by its owner only); giflib closes it.
    GifFile(const std::string& path, const std::string& shown) : shown_(shown) {
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0666);
        if (fd < 0) fail();
        int error = 0;
        gif_ = EGifOpenFileHandle(fd, &error);
        if (!gif_) {
            ::close(fd);
            fail();
        }
    }
    ~GifFile() {
        if (gif_) EGifCloseFile(gif_, nullptr);
    }
    GifFile(const GifFile&) = delete;
    GifFile& operator=(const GifFile&) = delete;
    GifFileType* operator->() { return gif_; }
    GifFileType* get() { return gif_; }
    void check(int status) {
        if (status != GIF_OK) fail();
    }
    void close() {
        GifFileType* gif = gif_;
        gif_ = nullptr;
        if (EGifCloseFile(gif, nullptr) != GIF_OK) fail();
    }
    [[noreturn]] void fail() const { throw InputError(shown_ + ": cannot write the GIF"); }

private:
    GifFileType* gif_ = nullptr;
    std::string shown_;
};

}  // namespace

void write_gif(const std::string& path, const std::vector<std::vector<std::uint8_t>>& frames, int width, int height,
               int delay_cs) {
    if (frames.empty() || width <= 0 || height <= 0) throw InputError(path + ": no frames to write");
    const std::size_t pixels = std::size_t(width) * std::size_t(height);
    for (const auto& frame : frames)
        if (frame.size() != pixels * 3) throw InputError(path + ": a frame is not " + std::to_string(width) + "x" + std::to_string(height));
    const Palette palette = choose_palette(frames);
    const std::string partial = path + ".partial";
    try {
        GifFile gif(partial, path);
        ColorMapObject* map = GifMakeMapObject(kColours, palette.colours.data());
        const int screen = EGifPutScreenDesc(gif.get(), width, height, 8, 0, map);
        GifFreeMapObject(map);
        gif.check(screen);
        EGifSetGifVersion(gif.get(), true);
        // NETSCAPE2.0 application block: loop forever.
        const GifByteType netscape[] = {'N', 'E', 'T', 'S', 'C', 'A', 'P', 'E', '2', '.', '0'};
        const GifByteType loop[] = {1, 0, 0};
        gif.check(EGifPutExtensionLeader(gif.get(), APPLICATION_EXT_FUNC_CODE));
        gif.check(EGifPutExtensionBlock(gif.get(), sizeof netscape, netscape));
        gif.check(EGifPutExtensionBlock(gif.get(), sizeof loop, loop));
        gif.check(EGifPutExtensionTrailer(gif.get()));

        std::vector<std::uint8_t> previous, indices(pixels);
        for (const auto& frame : frames) {
            for (std::size_t i = 0; i < pixels; ++i) indices[i] = palette.index_of_bin[std::size_t(bin_of(&frame[3 * i]))];
            // The rectangle that differs from the frame before (the whole first frame).
            int x0 = 0, y0 = 0, x1 = width - 1, y1 = height - 1;
            if (!previous.empty()) {
                x0 = width, y0 = height, x1 = -1, y1 = -1;
                for (int y = 0; y < height; ++y)
                    for (int x = 0; x < width; ++x) {
                        const std::size_t i = std::size_t(y) * std::size_t(width) + std::size_t(x);
                        if (indices[i] != previous[i]) x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
                    }
                if (x1 < 0) x0 = y0 = x1 = y1 = 0;  // unchanged: one pixel, so the frame still counts
            }
            GraphicsControlBlock gcb{DISPOSE_DO_NOT, false, delay_cs, NO_TRANSPARENT_COLOR};
            GifByteType extension[4];
            const std::size_t length = EGifGCBToExtension(&gcb, extension);
            gif.check(EGifPutExtension(gif.get(), GRAPHICS_EXT_FUNC_CODE, int(length), extension));
            gif.check(EGifPutImageDesc(gif.get(), x0, y0, x1 - x0 + 1, y1 - y0 + 1, false, nullptr));
            for (int y = y0; y <= y1; ++y)
                gif.check(EGifPutLine(gif.get(), indices.data() + std::size_t(y) * std::size_t(width) + std::size_t(x0), x1 - x0 + 1));
            previous = indices;
        }
        gif.close();
    } catch (...) {
        std::error_code ec;
        std::filesystem::remove(partial, ec);
        throw;
    }
    std::error_code ec;
    std::filesystem::rename(partial, path, ec);
    if (ec) {
        std::filesystem::remove(partial, ec);
        throw InputError(path + ": cannot write the GIF");
    }
}

}  // namespace hashscope::gui
