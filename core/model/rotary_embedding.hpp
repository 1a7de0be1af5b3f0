// Rotary position embedding (RoPE, Su et al. 2021) applied in place to one head's rows: row p
// (position p) rotates pair i by the angle p * theta^(-2i / head_dim). The pairs are adjacent
// dimensions (2i, 2i+1) in the interleaved layout (llama2.c, GGUF llama) or (i, i + head_dim / 2) in
// the halves layout (Hugging Face rotate_half); the same weights permuted give the same model.
// The cos/sin table is computed once per sequence (in double) and shared by every head and layer.
#pragma once

#include "core/matrix.hpp"
#include "core/model/model_weights.hpp"

namespace hashscope {

template <class T>
struct RopeTable {
    Matrix<T> cos, sin;  // [n, head_dim / 2]
};

template <class T>
RopeTable<T> rope_table(int n, int head_dim, double theta, int first_position = 0);

template <class T>
void apply_rope(Matrix<T>& x, const RopeTable<T>& table, RopeLayout layout);

}  // namespace hashscope
