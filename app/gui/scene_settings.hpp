// `key=value` settings of the app: for `hashscope screenshot --set`, `bench-frames`, lesson action
// blocks and session files. One table reads and writes them, so every setting that can be applied can
// also be saved (settings_of is the inverse of apply_setting). The keys:
//   kind=clusters|induction|needle|uniform|llm_like  n=  d=  clusters=  spread=  seed=
//   method=dense|simhash|reformer  rounds=  buckets=  chunk=  causal=0|1  hash-seed=  bits=  top-k=
//   compute=cpu|gpu   (gpu: Reformer and the Learned view's top-k also run on the device, beside their CPU twins)
//   stage=hash|sort|chunk|attend|unsort|combine  progress=0..1   (where the animation is; pauses it)
//   playing=0|1  speed=0.1..4   (the animation clock)
//   font-scale=1..3  theme=dark|projector  clean=0|1  cursor=0|1  view=NAME   (presenter: text size,
//                    high-contrast theme, the view in front alone, a ring at the pointer, view in front)
//   model=PATH|none  prompt=TEXT  head=L.H   (a real model loaded before the first frame; head L.H of it
//                                        as the scene's data)
//   data=PATH.npy   (the scene's data from a file: npy_data.hpp)
//   crypto-algo= crypto-bits= crypto-route= crypto-aggregate=mean|softmax|projection crypto-rounds=
//   crypto-salt=HEX crypto-quantize= crypto-load-cap= crypto-page=buckets|attack|claims
//   learned.bits=8|16|32|64  learned.top=  learned.epochs=  learned.train=0|1   (Learned view; train=1
//   trains before the first frame, so a screenshot shows the trained state)
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "app/gui/app_state.hpp"
#include "app/gui/crypto_lab.hpp"
#include "app/gui/learned_lab.hpp"
#include "app/gui/playback.hpp"
#include "app/gui/scene.hpp"

namespace hashscope::gui {

// Everything the settings describe: the scene, the animation clock, the presenter's display, the
// model and head, and the Crypto and Learned views' settings.
struct StartState {
    SceneParams params = default_scene();
    Playback playback;
    DisplayState display;
    std::string model, prompt;        // model: empty = default_model_path(), "none" = none; prompt: empty = the default
    int head_layer = -1, head = -1;   // head=L.H; -1: the toy stays the data
    std::string data;                 // data=PATH.npy; empty: the toy (or the head)
    CryptoSettings crypto;
    LearnedLabSettings learned;
    bool learned_train = false;
};

// Throws InputError naming the setting when the key is unknown or the value does not parse; scene
// ranges are checked later by compute_scene, with the same messages as the controls get.
void apply_setting(std::string_view key_value, StartState& start);
// The keys apply_setting knows, in the order settings_of writes them.
std::vector<std::string_view> setting_keys();
// `start` as key=value settings which, applied in order to a fresh StartState, give `start` back
// (model, prompt and head only when set).
std::vector<std::string> settings_of(const StartState& start);

// What the running app shows, as settings: the scene (without its data), clock, display, the model
// loaded (its path, or none), the head in use, the Crypto and Learned settings (train when trained).
StartState start_state_of(const AppState& state);

// Makes the running app show `start` (a lesson step, an opened session): every setting, the model
// (loaded on this thread only when it is not the one loaded already; model=none keeps a loaded one,
// unused) and its head; then the scene is recomputed and waited for. Training (learned_train) is the
// caller's: the shell trains in the background, a screenshot before its first frame. InputError,
// with nothing changed, when the model does not load; InputError when the head is bad.
void apply_start_state(const StartState& start, AppState& state);

}  // namespace hashscope::gui
