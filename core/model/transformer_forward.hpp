// The forward pass of a decoder-only transformer over a whole prompt at once (prefill, batch 1) on
// the CPU, capturing what the app steps through: per layer and head the post-RoPE queries and keys,
// the values, the attention probabilities (on request: they are n x n per head), the attention
// output, and the final logits. Two families:
//   llama: RMSNorm, RoPE (theta, either pair layout), grouped-query attention (head h reads KV head
//          h / (heads / kv_heads)), SwiGLU feed-forward, optional q/k/v biases;
//   gpt2:  LayerNorm, learned positions, fused QKV with biases, GELU (tanh form).
// Any (layer, head) can run another attention method through `attention`: the hook gets that
// head's causal q [n, d], k [n, d], v [n, d] and returns its output [n, d] (or nullopt: dense), and
// the rest of the model runs on that result. Heads run on several threads, so the hook must be
// safe to call concurrently. Safe to run off the UI thread; `progress` reports layers done on the
// calling thread, and an exception it throws cancels the pass (and propagates).
#pragma once

#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "core/matrix.hpp"
#include "core/model/model_weights.hpp"

namespace hashscope {

template <class T>
struct LayerCapture {
    std::vector<Matrix<T>> q;                 // [heads] of [n, head_dim], after RoPE
    std::vector<Matrix<T>> k;                 // [kv_heads] of [n, head_dim], after RoPE
    std::vector<Matrix<T>> v;                 // [kv_heads] of [n, head_dim]
    std::vector<Matrix<T>> probabilities;     // [heads] of [n, n] when requested; empty for hooked heads
    std::vector<Matrix<T>> attention_output;  // [heads] of [n, head_dim], before the output projection
    std::vector<bool> hooked;                 // [heads]: the hook replaced dense attention
};

template <class T>
struct ForwardTrace {
    std::vector<int> tokens;
    std::vector<LayerCapture<T>> layers;  // empty unless ForwardOptions::capture
    Matrix<T> logits;                     // [n, vocab]
};

template <class T>
using AttentionHook = std::function<std::optional<Matrix<T>>(int layer, int head, const Matrix<T>& q,
                                                             const Matrix<T>& k, const Matrix<T>& v)>;

template <class T>
struct ForwardOptions {
    bool capture = true;                 // keep q, k, v and attention outputs
    bool capture_probabilities = false;  // also the n x n probabilities of every dense head
    int threads = 2;
    // What the trace may keep (forward_trace_bytes); more is refused before anything is computed.
    std::size_t memory_budget_bytes = std::size_t(4) << 30;  // 4 GiB
    AttentionHook<T> attention = {};     // empty: dense everywhere
    std::function<void(int layers_done, int layers_total)> progress = {};
};

// Bytes of the trace a pass over n tokens keeps with these options: per layer the captured q, k, v
// and attention outputs, the n x n probabilities of every head when asked, and the logits. Counted
// in double so that any config and n give a finite answer.
template <class T>
double forward_trace_bytes(const ModelConfig& config, std::int64_t n, const ForwardOptions<T>& options);

// Throws InputError for an empty prompt, a token outside the vocabulary, a prompt longer than the
// model's context, or a trace over options.memory_budget_bytes (saying what it needs), naming the
// model file.
template <class T>
ForwardTrace<T> transformer_forward(const ModelWeights& model, std::span<const int> tokens,
                                    const ForwardOptions<T>& options = {});

}  // namespace hashscope
