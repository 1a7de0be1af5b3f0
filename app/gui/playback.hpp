// The animation clock of the app: where in the Reformer pipeline (hash -> sort -> chunk -> attend ->
// unsort -> combine) the picture is, and the easing that moves tokens and rotates hash rounds between
// frames. Plain arithmetic (no ImGui), so every view reads the same moment and tests need no window.
#pragma once

#include <array>

namespace hashscope::gui {

enum class Stage { hash, sort, chunk, attend, unsort, combine };
inline constexpr int kStages = 6;
inline constexpr std::array<Stage, kStages> kAllStages = {Stage::hash,   Stage::sort,   Stage::chunk,
                                                          Stage::attend, Stage::unsort, Stage::combine};
const char* stage_name(Stage stage);
// One line saying what the stage does, for the pipeline strip's tooltip.
const char* stage_description(Stage stage);

// Smoothstep on [0, 1] (clamped): starts and ends at rest, so travelling tokens do not jerk.
double ease(double t);
// A point moving from `from` to `to` as t goes 0 -> 1, eased.
double travel(double from, double to, double t);

// Two rounds and the blend between them: the picture shows round `from` until the last quarter of
// its time slice, then turns towards `to` (the next round, cyclically).
struct RoundBlend {
    int from = 0, to = 0;
    double t = 0.0;  // 0: all `from`; 1: all `to`
};
// `position` counts rounds (round r spans [r, r + 1)), cyclic over `rounds`.
RoundBlend round_blend(double position, int rounds);

class Playback {
public:
    static constexpr double kSecondsPerStage = 2.0;  // at speed 1

    bool playing = true;
    double speed = 1.0;  // 0.1 .. 4

    // Moves the clock on by `seconds` of wall time when playing; wraps after the last stage.
    void advance(double seconds);
    // Jumps to the start of the next (delta > 0) or previous stage and pauses, so a user can walk
    // through the pipeline one stage at a time.
    void step(int delta);
    void jump_to(Stage stage);
    // Sets the clock to `position` stages (wrapped into [0, kStages)).
    void seek(double position);

    Stage stage() const;
    double stage_progress() const;  // [0, 1) within the current stage
    double position() const { return position_; }  // [0, kStages)
    // How far the slots are from concatenated (0) to sorted (1) order: rising through `sort`, sorted
    // through `chunk` and `attend`, falling back through `unsort`.
    double sorted_fraction() const;
    // The hash round on show as a continuous position: one round per 1/rounds of the whole cycle.
    double round_position(int rounds) const;

private:
    double position_ = 0.0;
};

}  // namespace hashscope::gui
