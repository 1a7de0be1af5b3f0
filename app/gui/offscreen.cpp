#include "app/gui/offscreen.hpp"

#include <epoxy/gl.h>

#include <algorithm>

namespace hashscope::gui {

Offscreen::Offscreen(int width, int height) : width_(width), height_(height) {
    GLuint framebuffer = 0, colour = 0;
    glGenFramebuffers(1, &framebuffer);
    glGenRenderbuffers(1, &colour);
    framebuffer_ = framebuffer;
    colour_ = colour;
    glBindRenderbuffer(GL_RENDERBUFFER, colour);
    glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, width, height);
    glBindFramebuffer(GL_FRAMEBUFFER, framebuffer);
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER, colour);
    valid_ = glCheckFramebufferStatus(GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE;
}

Offscreen::~Offscreen() {
    glBindFramebuffer(GL_FRAMEBUFFER, 0);
    const GLuint framebuffer = framebuffer_, colour = colour_;
    glDeleteFramebuffers(1, &framebuffer);
    glDeleteRenderbuffers(1, &colour);
}

void Offscreen::bind() const { glBindFramebuffer(GL_FRAMEBUFFER, framebuffer_); }

std::vector<std::uint8_t> Offscreen::read() const {
    std::vector<std::uint8_t> pixels(std::size_t(width_) * std::size_t(height_) * 3), rows(pixels.size());
    glBindFramebuffer(GL_READ_FRAMEBUFFER, framebuffer_);
    glReadBuffer(GL_COLOR_ATTACHMENT0);
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, width_, height_, GL_RGB, GL_UNSIGNED_BYTE, pixels.data());
    // OpenGL's rows run bottom-up.
    const std::size_t stride = std::size_t(width_) * 3;
    for (int y = 0; y < height_; ++y)
        std::copy_n(pixels.data() + std::size_t(height_ - 1 - y) * stride, stride, rows.data() + std::size_t(y) * stride);
    return rows;
}

}  // namespace hashscope::gui
