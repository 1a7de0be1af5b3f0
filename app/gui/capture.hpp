// Rendering frames off-screen into a file: a PNG after a few warm-up frames, or an animated GIF of
// N frames that play one whole pipeline cycle. The same capture serves `hashscope screenshot` and
// `export` (headless) and File -> Export in the running app, which renders the capture's frames
// between two of its own and then carries on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/gui/offscreen.hpp"
#include "app/gui/playback.hpp"

namespace hashscope::gui {

struct CaptureRequest {
    std::string path;            // .gif: an animation; anything else: a PNG
    int width = 1600, height = 1000;
    int warmup = 3;              // frames rendered before the first captured one
    int gif_frames = 24;
    std::string view;            // a view alone; empty: the whole window (capture.hpp's caller draws it)
};

class Capture {
public:
    // Needs a current GL context; error() says why when the framebuffer could not be made.
    explicit Capture(CaptureRequest request);
    const CaptureRequest& request() const { return request_; }
    const std::string& error() const { return error_; }

    // Before a frame is drawn: the seconds the animation moves on this frame (warm-up frames move
    // `warmup_step`; GIF frames step through one cycle at `playback`'s speed, which is set playing).
    double frame_seconds(Playback& playback, double warmup_step);
    // Binds the framebuffer to draw the frame into.
    void bind() const { target_.bind(); }
    // After the frame is drawn: true when the capture is complete and its file written (or failed:
    // error() then names the file and the problem).
    bool frame_drawn();

private:
    bool gif() const;

    CaptureRequest request_;
    Offscreen target_;
    int frame_ = 0;
    double gif_step_ = 0.0;
    std::vector<std::vector<std::uint8_t>> frames_;
    std::string error_;
};

}  // namespace hashscope::gui
