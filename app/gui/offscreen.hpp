// An OpenGL framebuffer object of a chosen size that headless renders (screenshot, export) draw
// into, so a picture's size never depends on the window's or the display's; and reading it back as
// top-down RGB rows.
#pragma once

#include <cstdint>
#include <vector>

namespace hashscope::gui {

class Offscreen {
public:
    Offscreen(int width, int height);  // needs a current GL context; valid() says whether it worked
    ~Offscreen();
    Offscreen(const Offscreen&) = delete;
    Offscreen& operator=(const Offscreen&) = delete;

    bool valid() const { return valid_; }
    void bind() const;  // draw into it (and read from it)
    // The pixels drawn so far, RGB, top row first.
    std::vector<std::uint8_t> read() const;

private:
    int width_, height_;
    unsigned framebuffer_ = 0, colour_ = 0;
    bool valid_ = false;
};

}  // namespace hashscope::gui
