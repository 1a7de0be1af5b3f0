// `key=value` settings of a scene, for `hashscope screenshot --set` and `bench-frames`: the same
// names the scene panel shows, so a slide or a test can pin any scene without a session file.
//   kind=clusters|induction|needle|uniform|llm_like  n=  d=  clusters=  spread=  seed=
//   method=dense|simhash|reformer  rounds=  buckets=  chunk=  causal=0|1  hash-seed=  bits=  top-k=
//   compute=cpu|gpu   (gpu: Reformer also runs on the device, compared with its CPU twin)
//   stage=hash|sort|chunk|attend|unsort|combine  progress=0..1   (where the animation starts, paused)
//   font-scale=1..3   (presenter scale)
//   model=PATH  prompt=TEXT  head=L.H   (a real model loaded before the first frame; head L.H of it
//                                        as the scene's data)
//   crypto-algo= crypto-bits= crypto-route= crypto-aggregate= crypto-rounds= crypto-salt= crypto-quantize=
//   learned.bits=8|16|32|64  learned.top=  learned.epochs=  learned.train=0|1   (Learned view; train=1
//   trains before the first frame, so a screenshot shows the trained state)
#pragma once

#include <string>
#include <string_view>

#include "app/gui/app_state.hpp"
#include "app/gui/crypto_lab.hpp"
#include "app/gui/learned_lab.hpp"
#include "app/gui/playback.hpp"
#include "app/gui/scene.hpp"

namespace hashscope::gui {

// Where the app starts: the scene, the animation clock and the presenter font scale.
struct StartState {
    SceneParams params = default_scene();
    Playback playback;
    float font_scale = 1.0f;
    std::string model, prompt;        // model: empty = default_model_path(), "none" = none; prompt: empty = the default
    int head_layer = -1, head = -1;   // head=L.H; -1: the toy stays the data
    CryptoSettings crypto;  // crypto-* keys (crypto_lab.hpp)
    LearnedLabSettings learned;
    bool learned_train = false;
};

// Throws InputError naming the setting when the key is unknown or the value does not parse; scene
// ranges are checked later by compute_scene, with the same messages as the controls get.
void apply_setting(std::string_view key_value, StartState& start);

// Loads model=PATH (or the default model, unless model=none) into state.model_lab on this thread, so
// a screenshot shows it, and with head=L.H computes the scene on that head. InputError when the
// model or the head is bad.
void load_start_model(const StartState& start, AppState& state);

}  // namespace hashscope::gui
