// Learned hash codes (HashAttention, Desai et al., 2024): per head, a query mapping and a separate
// key mapping send a d-vector to b bits so that a query's pivotal keys lie near it in Hamming
// space. Each mapping is a small MLP whose sign is the code:
//
//   x -> z = (x - mean) * inv_std -> h = z W1 + b1 -> a = SiLU(h) -> u = a W2 + b2 -> bit = (u >= 0)
//
// mean/inv_std standardise each input channel with statistics of the training data. They are part
// of the mapping because real keys carry a large shared mean and a few outlier channels; without
// them the first layer would spend its training undoing that offset. Training lives in
// core/learned_hash_training.hpp.
//
// File format (".hslh", all little-endian, written and read by save/load below; bit-exact):
//   bytes 0-7   magic "HSLHASH1"
//   u32         format version (1)
//   u32 x 4     heads, d, hidden, bits     (1 <= bits <= 64)
//   then for each head, the query mapping followed by the key mapping, each as float64 arrays:
//               mean[d], inv_std[d], W1[d][hidden] (row-major), b1[hidden], W2[hidden][bits], b2[bits]
//   nothing after the last array (a longer or shorter file is refused).
#pragma once

#include <string>
#include <vector>

#include "core/matrix.hpp"
#include "core/packed_codes.hpp"

namespace hashscope {

inline constexpr int kMaxLearnedBits = 64;

template <class T>
struct HashMlp {
    Vector<T> mean, inv_std;  // [d]
    Matrix<T> w1;             // [d, hidden]
    Vector<T> b1;             // [hidden]
    Matrix<T> w2;             // [hidden, bits]
    Vector<T> b2;             // [bits]

    template <class U>
    HashMlp<U> cast() const {
        return {mean.template cast<U>(), inv_std.template cast<U>(), w1.template cast<U>(),
                b1.template cast<U>(),   w2.template cast<U>(),      b2.template cast<U>()};
    }
};

// What the forward pass leaves behind for back-propagation.
template <class T>
struct HashMlpActivations {
    Matrix<T> pre;     // [n, hidden] h
    Matrix<T> hidden;  // [n, hidden] SiLU(h)
};

// z = (x - mean) * inv_std, the mapping's first step (training applies it once to all its data).
template <class T>
Matrix<T> hash_mlp_standardise(const HashMlp<T>& mlp, const Matrix<T>& x);

// u [n, bits], the real-valued outputs whose signs are the code. `keep`, when given, receives the
// activations. `x` must already be standardised when `standardised` is true (training does that once).
template <class T>
Matrix<T> hash_mlp_forward(const HashMlp<T>& mlp, const Matrix<T>& x, HashMlpActivations<T>* keep = nullptr,
                           bool standardised = false);

// One head's pair of mappings (also the shape of their gradients during training).
template <class T>
struct HashMappings {
    HashMlp<T> query, key;
};
using LearnedHashHead = HashMappings<double>;

enum class HashSide { query, key };

struct LearnedHashModel {
    int d = 0;
    int hidden = 128;
    int bits = 32;
    std::vector<LearnedHashHead> heads;
};

// Codes of `x` [n, d] for one head's query or key mapping; refuses a d that is not the model's.
template <class T>
PackedCodes learned_codes(const LearnedHashModel& model, int head, HashSide side, const Matrix<T>& x);

// Refuses (InputError naming `what`) a model whose d or bit count differs from the expected ones;
// pass bits = 0 to accept any bit count.
void check_learned_model(const LearnedHashModel& model, int d, int bits, const std::string& what);

void save_learned_hash(const LearnedHashModel& model, const std::string& path);
LearnedHashModel load_learned_hash(const std::string& path);

}  // namespace hashscope
