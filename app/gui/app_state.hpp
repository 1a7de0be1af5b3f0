// The one shared state of the desktop app (ImHex/Tracy habit: compute apart from display). It owns
// the scene's parameters, the last computed SceneResult and a worker thread that computes the next
// one: a parameter change calls request(), the views keep drawing the last result (with a
// "computing" indicator) until poll() swaps the new one in; results of superseded requests are
// dropped; a failure becomes a message and the old result stays. Also the animation clock and the
// token under the pointer, which every view reads. No GL here: it builds and tests headless.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "app/gui/model_lab.hpp"
#include "app/gui/crypto_lab.hpp"
#include "app/gui/learned_lab.hpp"
#include "app/gui/lesson_player.hpp"
#include "app/gui/playback.hpp"
#include "app/gui/scene.hpp"

namespace hashscope::gui {

// How the app is shown, as a presenter sets it up; part of sessions and lessons.
struct DisplayState {
    float font_scale = 1.0f;  // presenter scale, 1..3; the shell rebuilds the font atlas
    bool projector = false;   // high-contrast theme, readable on a projector
    bool clean = false;       // the view in front alone fills the window (nothing else shown)
    bool cursor = false;      // a ring around the pointer, so a class can follow it
    std::string view;         // id of the view in front (view_ids.hpp); empty: the first tab
    bool operator==(const DisplayState&) const = default;
};

class AppState {
public:
    // Computes the first scene synchronously (views always have a result), then starts the worker.
    explicit AppState(const SceneParams& initial = default_scene());
    ~AppState();
    AppState(const AppState&) = delete;
    AppState& operator=(const AppState&) = delete;

    SceneParams params;  // what the controls edit; request() after changing it
    Playback playback;
    DisplayState display;
    ModelLab model_lab;  // the Model view's real model and its worker
    CryptoLab crypto;  // the Crypto buckets view's settings, analysis and attack (their own workers)
    LearnedLab learned;  // the Learned view's training and measurements, on its own thread
    LessonState lesson;  // the lesson being taught, if any, and its step on show

    // Head (layer, head) of model_lab's run becomes the scene's data for every hash view, causal as
    // the model is; then request(). InputError when there is no run or no such head.
    void use_model_head(int layer, int head);
    // Queues params for the worker; a request still queued is replaced, one under way is cancelled.
    void request();
    // Once per frame on the UI thread: takes a finished result (or error). True when the result changed.
    bool poll();
    // Blocks until the worker is idle and polls (screenshots and tests want the settled state).
    void wait_idle();
    bool computing() const;
    // Progress of the computation under way: the step's name and its fraction of the whole.
    const char* computing_step() const;
    float computing_fraction() const;

    const SceneResult& result() const { return *result_; }
    // Bumped whenever result() changes, so views can cache what they derive (textures).
    std::uint64_t version() const { return version_; }
    // Empty when the last request succeeded; else its one-line reason (the old result is kept).
    const std::string& error() const { return error_; }

    // Hover: a view calls hover(i) while drawing; hovered_token() is what was hovered in the last
    // frame (-1: none), so every view highlights the same token.
    void begin_frame();
    void hover(int token) { hover_next_ = token; }
    int hovered_token() const { return hovered_; }

private:
    void work(std::stop_token stop);

    std::shared_ptr<const SceneResult> result_;
    std::uint64_t version_ = 1;
    std::string error_;
    int hovered_ = -1, hover_next_ = -1;

    mutable std::mutex mutex_;
    std::condition_variable_any wake_;
    std::condition_variable_any idle_;
    std::optional<SceneParams> pending_;           // next request, not yet taken by the worker
    std::uint64_t requested_ = 0;                  // generation of the newest request
    bool busy_ = false;
    std::stop_source cancel_;                      // cancels the computation under way
    std::shared_ptr<const SceneResult> finished_;  // newest finished result, not yet polled
    std::optional<std::string> failed_;            // newest failure, not yet polled
    std::atomic<int> step_{0};
    // The worker's last two results: once the views hold neither (use_count 1), the older one's trace
    // lends its buffers to the next computation.
    std::shared_ptr<SceneResult> made_[2];
    std::jthread worker_;                          // last: it starts after the members it uses
};

}  // namespace hashscope::gui
