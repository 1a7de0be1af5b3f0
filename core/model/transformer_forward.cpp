#include "core/model/transformer_forward.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "core/dense_attention.hpp"
#include "core/parallel_for.hpp"
#include "core/model/rotary_embedding.hpp"

namespace hashscope {
namespace {

// y = x W^T (+ b): x [n, in], W [out, in]; fixed blocks of rows of x shared out over threads. Eigen
// sums a product in an order that depends on its shape, so blocks that do not depend on the thread
// count keep the result bit-identical on any number of threads (tests/test_determinism.cpp).
template <class T>
Matrix<T> project(const Matrix<T>& x, const Matrix<T>& w, const Vector<T>* bias, int threads) {
    constexpr int kRowBlock = 64;
    const int rows = int(x.rows()), blocks = (rows + kRowBlock - 1) / kRowBlock;
    Matrix<T> y(rows, w.rows());
    parallel_for(blocks, threads, [&](int first, int last) {
        for (int block = first; block < last; ++block) {
            const int begin = block * kRowBlock, count = std::min(kRowBlock, rows - begin);
            y.middleRows(begin, count).noalias() = x.middleRows(begin, count) * w.transpose();
            if (bias) y.middleRows(begin, count).rowwise() += bias->transpose();
        }
    });
    return y;
}

template <class T>
Matrix<T> rms_norm(const Matrix<T>& x, const Vector<T>& weight, double eps) {
    Matrix<T> y(x.rows(), x.cols());
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
        const T scale = T(1) / std::sqrt(x.row(i).squaredNorm() / T(x.cols()) + T(eps));
        y.row(i) = (x.row(i) * scale).cwiseProduct(weight.transpose());
    }
    return y;
}

template <class T>
Matrix<T> layer_norm(const Matrix<T>& x, const Vector<T>& weight, const Vector<T>& bias, double eps) {
    Matrix<T> y(x.rows(), x.cols());
    for (Eigen::Index i = 0; i < x.rows(); ++i) {
        const T mean = x.row(i).mean();
        const auto centred = (x.row(i).array() - mean).matrix();
        const T scale = T(1) / std::sqrt(centred.squaredNorm() / T(x.cols()) + T(eps));
        y.row(i) = (centred * scale).cwiseProduct(weight.transpose()) + bias.transpose();
    }
    return y;
}

template <class T>
T gelu_tanh(T x) {
    const T k = T(0.7978845608028654);  // sqrt(2 / pi)
    return T(0.5) * x * (T(1) + std::tanh(k * (x + T(0.044715) * x * x * x)));
}

template <class T>
class Forward {
public:
    Forward(const ModelWeights& model, std::span<const int> tokens, const ForwardOptions<T>& options)
        : m_(model), c_(model.config), o_(options), n_(int(tokens.size())) {
        trace_.tokens.assign(tokens.begin(), tokens.end());
        check_tokens();
        check_memory();
        if (c_.architecture == Architecture::llama) rope_ = rope_table<T>(n_, c_.head_dim, c_.rope_theta);
    }

    ForwardTrace<T> run() {
        Matrix<T> x = embed();
        for (int l = 0; l < c_.layers; ++l) {
            x += attention_block(l, x);
            x += feed_forward_block(l, x);
            if (o_.progress) o_.progress(l + 1, c_.layers);
        }
        const Matrix<T> h = c_.architecture == Architecture::llama
                                ? rms_norm(x, vec("output_norm.weight", c_.dim), c_.norm_eps)
                                : layer_norm(x, vec("output_norm.weight", c_.dim), vec("output_norm.bias", c_.dim), c_.norm_eps);
        const char* classifier = c_.tied_embeddings ? "token_embd.weight" : "output.weight";
        trace_.logits = project<T>(h, m_.linear<T>(classifier, c_.vocab, c_.dim), nullptr, o_.threads);
        return std::move(trace_);
    }

private:
    void check_tokens() const {
        if (n_ == 0) throw InputError(m_.source() + ": the prompt has no tokens");
        if (n_ > c_.context)
            throw InputError(m_.source() + ": prompt of " + std::to_string(n_) + " tokens is longer than the model's context of " +
                             std::to_string(c_.context));
        for (int i = 0; i < n_; ++i)
            if (trace_.tokens[std::size_t(i)] < 0 || trace_.tokens[std::size_t(i)] >= c_.vocab)
                throw InputError(m_.source() + ": token " + std::to_string(trace_.tokens[std::size_t(i)]) + " at position " +
                                 std::to_string(i) + " is outside the vocabulary of " + std::to_string(c_.vocab));
    }

    void check_memory() const {
        const double need = forward_trace_bytes(c_, n_, o_);
        if (need <= double(o_.memory_budget_bytes)) return;
        const auto mib = [](double bytes) {
            char text[32];
            std::snprintf(text, sizeof text, "%.1f MiB", bytes / 1048576.0);
            return std::string(text);
        };
        std::string what = "q, k, v and outputs of " + std::to_string(c_.layers) + " layers";
        if (o_.capture_probabilities) what += ", the " + std::to_string(n_) + " x " + std::to_string(n_) + " probabilities of every head";
        throw InputError(m_.source() + ": the forward pass over " + std::to_string(n_) + " tokens would keep " + mib(need) + " (" +
                         what + "), over the budget of " + mib(double(o_.memory_budget_bytes)) + ": use a shorter prompt");
    }

    Vector<T> vec(const std::string& name, int size) const { return m_.vector<T>(name, size); }
    Vector<T> layer_vec(int l, const char* name, int size) const { return vec(layer_tensor(l, name), size); }
    Matrix<T> layer_linear(int l, const char* name, std::int64_t out, std::int64_t in) const {
        return m_.linear<T>(layer_tensor(l, name), out, in);
    }

    Matrix<T> embed() const {
        Matrix<T> x = m_.rows<T>("token_embd.weight", c_.vocab, c_.dim, trace_.tokens);
        if (c_.architecture == Architecture::gpt2)
            x += m_.linear<T>("position_embd.weight", c_.context, c_.dim).topRows(n_);
        return x;
    }

    // Q [n, heads * d], K and V [n, kv_heads * d] for layer l.
    void qkv(int l, const Matrix<T>& x, Matrix<T>& q, Matrix<T>& k, Matrix<T>& v) const {
        const int d = c_.head_dim, qw = c_.heads * d, kvw = c_.kv_heads * d;
        if (c_.architecture == Architecture::gpt2) {
            const Matrix<T> h = layer_norm(x, layer_vec(l, "attn_norm.weight", c_.dim), layer_vec(l, "attn_norm.bias", c_.dim), c_.norm_eps);
            const Vector<T> bias = layer_vec(l, "attn_qkv.bias", qw + 2 * kvw);
            const Matrix<T> fused = project<T>(h, layer_linear(l, "attn_qkv.weight", qw + 2 * kvw, c_.dim), &bias, o_.threads);
            q = fused.leftCols(qw);
            k = fused.middleCols(qw, kvw);
            v = fused.rightCols(kvw);
            return;
        }
        const Matrix<T> h = rms_norm(x, layer_vec(l, "attn_norm.weight", c_.dim), c_.norm_eps);
        std::optional<Vector<T>> bq, bk, bv;
        if (c_.qkv_bias) {
            bq = layer_vec(l, "attn_q.bias", qw);
            bk = layer_vec(l, "attn_k.bias", kvw);
            bv = layer_vec(l, "attn_v.bias", kvw);
        }
        q = project<T>(h, layer_linear(l, "attn_q.weight", qw, c_.dim), bq ? &*bq : nullptr, o_.threads);
        k = project<T>(h, layer_linear(l, "attn_k.weight", kvw, c_.dim), bk ? &*bk : nullptr, o_.threads);
        v = project<T>(h, layer_linear(l, "attn_v.weight", kvw, c_.dim), bv ? &*bv : nullptr, o_.threads);
    }

    Matrix<T> attention_block(int l, const Matrix<T>& x) {
        const int d = c_.head_dim, group = c_.heads / c_.kv_heads;
        Matrix<T> q, k, v;
        qkv(l, x, q, k, v);

        LayerCapture<T> cap;
        cap.k.resize(std::size_t(c_.kv_heads));
        cap.v.resize(std::size_t(c_.kv_heads));
        for (int h = 0; h < c_.kv_heads; ++h) {
            cap.k[std::size_t(h)] = k.middleCols(h * d, d);
            cap.v[std::size_t(h)] = v.middleCols(h * d, d);
            if (c_.architecture == Architecture::llama) apply_rope(cap.k[std::size_t(h)], rope_, c_.rope_layout);
        }
        cap.q.resize(std::size_t(c_.heads));
        cap.attention_output.resize(std::size_t(c_.heads));
        cap.probabilities.resize(o_.capture_probabilities ? std::size_t(c_.heads) : 0);
        cap.hooked.assign(std::size_t(c_.heads), false);
        parallel_for(c_.heads, o_.threads, [&](int begin, int end) {
            for (int h = begin; h < end; ++h) head(l, h, q.middleCols(h * d, d), cap, h / group);
        });

        Matrix<T> concatenated(n_, c_.heads * d);
        for (int h = 0; h < c_.heads; ++h) concatenated.middleCols(h * d, d) = cap.attention_output[std::size_t(h)];
        std::optional<Vector<T>> bias;
        if (c_.architecture == Architecture::gpt2) bias = layer_vec(l, "attn_output.bias", c_.dim);
        Matrix<T> out = project<T>(concatenated, layer_linear(l, "attn_output.weight", c_.dim, c_.heads * d),
                                   bias ? &*bias : nullptr, o_.threads);
        if (o_.capture) trace_.layers.push_back(std::move(cap));
        return out;
    }

    void head(int l, int h, Matrix<T> q, LayerCapture<T>& cap, int kv) const {
        if (c_.architecture == Architecture::llama) apply_rope(q, rope_, c_.rope_layout);
        const Matrix<T>& k = cap.k[std::size_t(kv)];
        const Matrix<T>& v = cap.v[std::size_t(kv)];
        std::optional<Matrix<T>> hooked;
        if (o_.attention) hooked = o_.attention(l, h, q, k, v);
        if (hooked) {
            if (hooked->rows() != n_ || hooked->cols() != c_.head_dim)
                throw InputError("attention method for layer " + std::to_string(l) + " head " + std::to_string(h) +
                                 " returned [" + std::to_string(hooked->rows()) + ", " + std::to_string(hooked->cols()) +
                                 "], expected [" + std::to_string(n_) + ", " + std::to_string(c_.head_dim) + "]");
            cap.attention_output[std::size_t(h)] = std::move(*hooked);
            cap.hooked[std::size_t(h)] = true;
        } else {
            DenseTrace<T> dense = dense_attention(q, k, v, {.causal = true});
            cap.attention_output[std::size_t(h)] = std::move(dense.output);
            if (o_.capture_probabilities) cap.probabilities[std::size_t(h)] = std::move(dense.probabilities);
        }
        cap.q[std::size_t(h)] = std::move(q);
    }

    Matrix<T> feed_forward_block(int l, const Matrix<T>& x) const {
        if (c_.architecture == Architecture::gpt2) {
            const Matrix<T> h = layer_norm(x, layer_vec(l, "ffn_norm.weight", c_.dim), layer_vec(l, "ffn_norm.bias", c_.dim), c_.norm_eps);
            const Vector<T> up_bias = layer_vec(l, "ffn_up.bias", c_.hidden), down_bias = layer_vec(l, "ffn_down.bias", c_.dim);
            Matrix<T> up = project<T>(h, layer_linear(l, "ffn_up.weight", c_.hidden, c_.dim), &up_bias, o_.threads);
            up = up.unaryExpr([](T value) { return gelu_tanh(value); });
            return project<T>(up, layer_linear(l, "ffn_down.weight", c_.dim, c_.hidden), &down_bias, o_.threads);
        }
        const Matrix<T> h = rms_norm(x, layer_vec(l, "ffn_norm.weight", c_.dim), c_.norm_eps);
        const Matrix<T> gate = project<T>(h, layer_linear(l, "ffn_gate.weight", c_.hidden, c_.dim), nullptr, o_.threads);
        const Matrix<T> up = project<T>(h, layer_linear(l, "ffn_up.weight", c_.hidden, c_.dim), nullptr, o_.threads);
        // SwiGLU: silu(gate) * up.
        const Matrix<T> activated = (gate.array() / (T(1) + (-gate.array()).exp()) * up.array()).matrix();
        return project<T>(activated, layer_linear(l, "ffn_down.weight", c_.dim, c_.hidden), nullptr, o_.threads);
    }

    const ModelWeights& m_;
    const ModelConfig& c_;
    const ForwardOptions<T>& o_;
    int n_;
    RopeTable<T> rope_;
    ForwardTrace<T> trace_;
};

}  // namespace

template <class T>
double forward_trace_bytes(const ModelConfig& c, std::int64_t n, const ForwardOptions<T>& o) {
    const double rows = double(n), d = double(c.head_dim), layers = double(c.layers);
    double per_layer = 0.0;
    if (o.capture) {
        per_layer += 2.0 * double(c.heads) * rows * d + 2.0 * double(c.kv_heads) * rows * d;  // q, outputs; k, v
        if (o.capture_probabilities) per_layer += double(c.heads) * rows * rows;
    }
    return (layers * per_layer + rows * double(c.vocab)) * double(sizeof(T));
}

template <class T>
ForwardTrace<T> transformer_forward(const ModelWeights& model, std::span<const int> tokens, const ForwardOptions<T>& options) {
    return Forward<T>(model, tokens, options).run();
}

template double forward_trace_bytes<float>(const ModelConfig&, std::int64_t, const ForwardOptions<float>&);
template double forward_trace_bytes<double>(const ModelConfig&, std::int64_t, const ForwardOptions<double>&);
template ForwardTrace<float> transformer_forward<float>(const ModelWeights&, std::span<const int>, const ForwardOptions<float>&);
template ForwardTrace<double> transformer_forward<double>(const ModelWeights&, std::span<const int>, const ForwardOptions<double>&);

}  // namespace hashscope
