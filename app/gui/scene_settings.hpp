// `key=value` settings of a scene, for `hashscope screenshot --set` and `bench-frames`: the same
// names the scene panel shows, so a slide or a test can pin any scene without a session file.
//   kind=clusters|induction|needle|uniform|llm_like  n=  d=  clusters=  spread=  seed=
//   method=dense|simhash|reformer  rounds=  buckets=  chunk=  causal=0|1  hash-seed=  bits=  top-k=
//   stage=hash|sort|chunk|attend|unsort|combine  progress=0..1   (where the animation starts, paused)
//   font-scale=1..3   (presenter scale)
//   learned.bits=8|16|32|64  learned.top=  learned.epochs=  learned.train=0|1   (Learned view; train=1
//   trains before the first frame, so a screenshot shows the trained state)
#pragma once

#include <string_view>

#include "app/gui/learned_lab.hpp"
#include "app/gui/playback.hpp"
#include "app/gui/scene.hpp"

namespace hashscope::gui {

// Where the app starts: the scene, the animation clock and the presenter font scale.
struct StartState {
    SceneParams params = default_scene();
    Playback playback;
    float font_scale = 1.0f;
    LearnedLabSettings learned;
    bool learned_train = false;
};

// Throws InputError naming the setting when the key is unknown or the value does not parse; scene
// ranges are checked later by compute_scene, with the same messages as the controls get.
void apply_setting(std::string_view key_value, StartState& start);

}  // namespace hashscope::gui
