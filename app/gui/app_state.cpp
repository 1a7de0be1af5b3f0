#include "app/gui/app_state.hpp"

#include <algorithm>
#include <atomic>
#include <exception>
#include <utility>

#include "app/gui/background_priority.hpp"
#include "core/error.hpp"

namespace hashscope::gui {

AppState::AppState(const SceneParams& initial)
    : params(initial), result_(std::make_shared<const SceneResult>(compute_scene(initial))),
      worker_([this](std::stop_token stop) { work(stop); }) {}

AppState::~AppState() {
    {
        std::lock_guard lock(mutex_);
        cancel_.request_stop();
    }
    worker_.request_stop();
    wake_.notify_all();
}

void AppState::use_model_head(int layer, int head) {
    if (!model_lab.run()) throw InputError("no model loaded: open a model file first");
    params.data = std::make_shared<const ToySequence>(head_sequence(*model_lab.run(), layer, head));
    params.data_file.clear();
    params.config.causal = true;
    model_lab.layer = layer;
    model_lab.head = head;
    request();
}

void AppState::request() {
    std::lock_guard lock(mutex_);
    pending_ = params;
    ++requested_;
    cancel_.request_stop();  // the one under way (if any) is stale now
    wake_.notify_all();
}

void AppState::work(std::stop_token stop) {
    lower_this_thread_priority();
    while (true) {
        SceneParams job;
        std::uint64_t generation = 0;
        std::stop_token cancel;
        {
            std::unique_lock lock(mutex_);
            if (!wake_.wait(lock, stop, [this] { return pending_.has_value(); })) return;
            job = std::move(*pending_);
            pending_.reset();
            generation = requested_;
            cancel_ = std::stop_source();
            cancel = cancel_.get_token();
            busy_ = true;
        }
        std::shared_ptr<const SceneResult> done;
        std::optional<std::string> failure;
        try {
            ReformerTrace<double> reuse;
            for (auto& old : made_)
                if (old && old.use_count() == 1) {
                    // Pairs with the release of the views' last reference: their reads come before our writes.
                    std::atomic_thread_fence(std::memory_order_acquire);
                    reuse = std::move(old->trace);
                    old.reset();
                    break;
                }
            auto result = std::make_shared<SceneResult>(compute_scene(job, cancel, &step_, std::move(reuse)));
            if (!cancel.stop_requested()) {
                made_[1] = std::exchange(made_[0], result);
                done = std::move(result);
            }
        } catch (const std::exception& e) {
            failure = e.what();
        }
        std::lock_guard lock(mutex_);
        // Only the newest request may land; an older one finishing late is dropped.
        if (generation == requested_) {
            if (done) {
                finished_ = std::move(done);
                failed_.reset();
            } else if (failure) {
                failed_ = std::move(failure);
            }
        }
        busy_ = pending_.has_value();
        idle_.notify_all();
    }
}

bool AppState::poll() {
    std::lock_guard lock(mutex_);
    if (failed_) {
        error_ = std::move(*failed_);
        failed_.reset();
    }
    if (!finished_) return false;
    result_ = std::move(finished_);
    finished_.reset();
    error_.clear();
    ++version_;
    return true;
}

void AppState::wait_idle() {
    {
        std::unique_lock lock(mutex_);
        idle_.wait(lock, [this] { return !busy_ && !pending_.has_value(); });
    }
    poll();
}

bool AppState::computing() const {
    std::lock_guard lock(mutex_);
    return busy_ || pending_.has_value();
}

const char* AppState::computing_step() const { return kComputeSteps[std::clamp(step_.load(), 0, kComputeStepCount - 1)]; }

float AppState::computing_fraction() const { return float(step_.load()) / float(kComputeStepCount - 1); }

void AppState::begin_frame() {
    hovered_ = hover_next_;
    hover_next_ = -1;
}

}  // namespace hashscope::gui
