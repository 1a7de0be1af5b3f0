// An animated GIF from rendered frames (giflib): one 256-colour palette shared by all frames, chosen
// by popularity of 15-bit colours (the app's pictures are flat colours and anti-aliased text, which
// this keeps exact where it matters), each pixel mapped to its nearest palette colour; after the
// first frame only the rectangle that changed is stored; the animation loops (NETSCAPE2.0). No GL
// here: tests write and decode GIFs headless.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hashscope::gui {

// `frames` are width x height x 3 bytes (RGB, top row first), at least one. `delay_cs` is each
// frame's time on screen in hundredths of a second. Written through a temporary file and a rename;
// InputError naming the file when it cannot be written.
void write_gif(const std::string& path, const std::vector<std::vector<std::uint8_t>>& frames, int width, int height,
               int delay_cs);

}  // namespace hashscope::gui
