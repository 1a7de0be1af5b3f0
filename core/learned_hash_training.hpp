// Training HashAttention's mapping functions (core/learned_hash.hpp) on real or toy Q/K, on the CPU.
//
// Target: for each training query, its `top` keys by exact score q.k (the keys softmax weights most)
// are positives, every other key a negative. Following the paper's recommendation framing (and its
// repository's training loop), the code is relaxed to tanh(u), a query-key affinity is the relaxed
// bit agreement s = tanh(u_q) . tanh(u_k) = bits - 2 * relaxed Hamming distance, and the loss is a
// binary cross-entropy on sigmoid(s - threshold) with positives weighted by `positive_weight`:
//
//   L = mean over pairs (i, j) of  [ alpha * y_ij * softplus(threshold - s_ij) + (1 - y_ij) * softplus(s_ij - threshold) ]
//
// so pivotal keys are pulled toward a query in Hamming space and the rest pushed away. With `causal`
// (Q/K of one sequence, as a model's prefill sees them) query i's targets are its top keys among
// j <= i + (n_k - n_q), and pairs with a later key are left out of the loss altogether. Gradients are
// written out by hand (checked against finite differences in the tests) and applied with Adam.
//
// Each step takes a minibatch of `batch` queries against `keys_per_step` keys (all keys when there
// are no more, else a fresh uniform sample). Work is split into `threads` fixed shards whose partial
// gradients are summed in shard order, so a run is bit-for-bit repeatable for a fixed seed and
// thread count. Progress (loss, recall) is reported after every epoch, the loss also after every step;
// `cancel` stops at the next step.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/learned_hash.hpp"

namespace hashscope {

struct LearnProgress {
    int head = 0, heads = 1;
    int epoch = 0, epochs = 0;  // epoch counts from 1
    double loss = 0;            // mean training loss over the epoch's steps
    double recall = 0;          // recall@top of the codes on the last (up to 1024) training queries after the epoch
    double seconds = 0;         // since training started
};

// One optimiser step, for a live loss curve finer than epochs.
struct LearnStep {
    int head = 0, epoch = 0;
    int step = 0, steps = 0;  // step counts from 1 within the epoch
    double loss = 0;          // this minibatch's loss
};

struct LearnOptions {
    int bits = 32;
    int hidden = 128;
    int top = 32;
    int epochs = 20;
    int batch = 256;               // queries per step
    int keys_per_step = 4096;      // keys per step
    double learning_rate = 3e-3;   // Adam
    double positive_weight = 20;   // alpha
    double threshold = 0;          // s above which a pair counts as "near"
    bool causal = false;
    std::uint64_t seed = 0;
    int threads = 2;
    std::function<void(const LearnProgress&)> on_progress;  // after each epoch, on the training thread
    std::function<void(const LearnStep&)> on_step;          // after each step, on the training thread
    const std::atomic<bool>* cancel = nullptr;
};

struct LearnResult {
    LearnedHashModel model;
    std::vector<LearnProgress> curve;  // one entry per finished epoch, all heads in order
    bool cancelled = false;
};

// The affinity, loss and gradient for one minibatch, exposed for the gradient test: loss of
// mapping `weights` on standardised inputs zq [B, d], zk [M, d] with targets
// y [B, M] (0/1); `counted` [B, M] (0/1), when given, leaves out the pairs where it is 0 (the mean
// is still over all B x M pairs). When `grads` is given it receives dL/d(W1, b1, W2, b2) of both mappings.
template <class T>
double learned_hash_loss(const HashMappings<T>& weights, const Matrix<T>& zq, const Matrix<T>& zk, const Matrix<T>& y,
                         const LearnOptions& options, HashMappings<T>* grads = nullptr, int threads = 1,
                         const Matrix<T>* counted = nullptr);

void check_learn_options(const LearnOptions& options, int n_keys);

// q_heads[h] [n_q, d] and k_heads[h] [n_k, d] for each head h (one head: a vector of one).
template <class T>
LearnResult learn_hash(const std::vector<Matrix<T>>& q_heads, const std::vector<Matrix<T>>& k_heads,
                       const LearnOptions& options);

}  // namespace hashscope
