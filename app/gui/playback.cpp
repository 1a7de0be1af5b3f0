#include "app/gui/playback.hpp"

#include <algorithm>
#include <cmath>

namespace hashscope::gui {

const char* stage_name(Stage stage) {
    static constexpr const char* kNames[kStages] = {"hash", "sort", "chunk", "attend", "unsort", "combine"};
    return kNames[int(stage)];
}

const char* stage_description(Stage stage) {
    static constexpr const char* kText[kStages] = {
        "each round rotates the vectors and takes the argmax over [xR, -xR]: the bucket",
        "the rounds are concatenated and stably sorted by (round, bucket, position)",
        "the sorted slots are cut into chunks of equal size",
        "each chunk attends to itself and to the chunk before it",
        "each slot's output goes back to its original (round, position)",
        "the rounds' outputs are combined with weights softmax(logsumexp)",
    };
    return kText[int(stage)];
}

double ease(double t) {
    t = std::clamp(t, 0.0, 1.0);
    return t * t * (3.0 - 2.0 * t);
}

double travel(double from, double to, double t) { return from + (to - from) * ease(t); }

RoundBlend round_blend(double position, int rounds) {
    RoundBlend blend;
    if (rounds <= 1) return blend;
    const double wrapped = position - std::floor(position / double(rounds)) * double(rounds);
    blend.from = std::min(int(wrapped), rounds - 1);
    blend.to = (blend.from + 1) % rounds;
    blend.t = ease((wrapped - double(blend.from) - 0.75) / 0.25);
    return blend;
}

void Playback::advance(double seconds) {
    if (!playing || !(seconds > 0.0)) return;
    seek(position_ + seconds * speed / kSecondsPerStage);
}

void Playback::step(int delta) {
    playing = false;
    const int current = int(stage());
    const int next = ((current + (delta > 0 ? 1 : delta < 0 ? -1 : 0)) % kStages + kStages) % kStages;
    seek(double(next));
}

void Playback::jump_to(Stage stage) { seek(double(int(stage))); }

void Playback::seek(double position) {
    position_ = position - std::floor(position / double(kStages)) * double(kStages);
}

Stage Playback::stage() const { return Stage(std::clamp(int(position_), 0, kStages - 1)); }

double Playback::stage_progress() const { return position_ - std::floor(position_); }

double Playback::sorted_fraction() const {
    switch (stage()) {
        case Stage::hash: return 0.0;
        case Stage::sort: return ease(stage_progress());
        case Stage::chunk:
        case Stage::attend: return 1.0;
        case Stage::unsort: return 1.0 - ease(stage_progress());
        case Stage::combine: return 0.0;
    }
    return 0.0;
}

double Playback::round_position(int rounds) const { return position_ / double(kStages) * double(std::max(rounds, 1)); }

}  // namespace hashscope::gui
