// Writing a rendered picture as a PNG (stb_image_write), all or nothing.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hashscope::gui {

// `rgb` is width x height x 3 bytes, top row first. Written beside the target and renamed, so a
// failed write never leaves a partial PNG. False when it cannot be written.
bool write_png(const std::string& path, const std::vector<std::uint8_t>& rgb, int width, int height);

}  // namespace hashscope::gui
