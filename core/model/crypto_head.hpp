// The news piece's crypto-hash attention as a --swap method (`method=crypto`), so its "replace
// 50-75% of heads" claim can be measured on a real model's loss: the chosen heads run
// core/crypto_attention (always causal) on their own q, k, v; the rest stay dense. Pair it with
// the swap's `fraction=F` to mix crypto and dense heads in every layer.
//
// Parameters (default): algo (sha256) | sha512_256 | blake2s | blake2b | blake3 | xxh3; bits (16,
// 1..32); route (key) | query | lsh; aggregate (mean) | softmax; rounds (1); salt (none, hex);
// quantize (none; sign when route=lsh) | sign | int8; load_cap (0: no hierarchical splits);
// planes (0: the coordinates' own signs; P > 0: P Gaussian planes for the sign code, drawn from
// seed + 1000 layer + head); seed (0).
#pragma once

#include "core/model/head_swap.hpp"

namespace hashscope {

template <class T>
HeadMethod<T> crypto_head_method(const HeadSwap& swap);

}  // namespace hashscope
