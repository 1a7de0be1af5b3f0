#include "app/gui/capture.hpp"

#include <cmath>
#include <exception>
#include <filesystem>

#include "app/gui/gif_writer.hpp"
#include "app/gui/png_file.hpp"

namespace hashscope::gui {

Capture::Capture(CaptureRequest request) : request_(std::move(request)), target_(request_.width, request_.height) {
    if (!target_.valid())
        error_ = "cannot render off-screen at " + std::to_string(request_.width) + "x" + std::to_string(request_.height);
}

bool Capture::gif() const { return std::filesystem::path(request_.path).extension() == ".gif"; }

double Capture::frame_seconds(Playback& playback, double warmup_step) {
    if (!gif() || frame_ < request_.warmup) return warmup_step;
    playback.playing = true;  // even when a setting paused it: the GIF plays from there
    // One whole cycle over the frames, whatever the speed; the first captured frame is where it is.
    gif_step_ = double(kStages) * Playback::kSecondsPerStage / playback.speed / double(std::max(request_.gif_frames, 1));
    return frame_ == request_.warmup ? 0.0 : gif_step_;
}

bool Capture::frame_drawn() {
    const int index = frame_++;
    if (index < request_.warmup - (gif() ? 0 : 1)) return false;
    if (!gif()) {
        if (!write_png(request_.path, target_.read(), request_.width, request_.height))
            error_ = "cannot write " + request_.path;
        return true;
    }
    frames_.push_back(target_.read());
    if (int(frames_.size()) < request_.gif_frames) return false;
    try {
        // Each frame stays as long as the animation took to move it: the GIF plays in real time.
        write_gif(request_.path, frames_, request_.width, request_.height, std::max(2, int(std::lround(gif_step_ * 100.0))));
    } catch (const std::exception& e) {
        error_ = e.what();
    }
    frames_.clear();
    return true;
}

}  // namespace hashscope::gui
