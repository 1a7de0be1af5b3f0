#include "app/gui/png_file.hpp"

#include <stb_image_write.h>

#include <filesystem>

namespace hashscope::gui {

bool write_png(const std::string& path, const std::vector<std::uint8_t>& rgb, int width, int height) {
    const std::string partial = path + ".partial";
    std::error_code ec;
    if (stbi_write_png(partial.c_str(), width, height, 3, rgb.data(), width * 3) == 0) {
        std::filesystem::remove(partial, ec);
        return false;
    }
    std::filesystem::rename(partial, path, ec);
    if (ec) std::filesystem::remove(partial, ec);
    return !ec;
}

}  // namespace hashscope::gui
