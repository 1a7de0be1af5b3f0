#include "core/model/model_weights.hpp"

#include <numeric>
#include <type_traits>

namespace hashscope {

const char* architecture_name(Architecture a) { return a == Architecture::llama ? "llama" : "gpt2"; }
const char* rope_layout_name(RopeLayout r) { return r == RopeLayout::interleaved ? "interleaved" : "halves"; }

std::int64_t Tensor::count() const {
    return std::accumulate(shape.begin(), shape.end(), std::int64_t(1), std::multiplies<>());
}

std::string Tensor::shape_string() const {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

std::string layer_tensor(int layer, const std::string& name) { return "blk." + std::to_string(layer) + "." + name; }

void ModelWeights::add(const std::string& name, Tensor tensor) {
    const auto bytes = tensor_bytes(tensor.type, std::uint64_t(tensor.count()));
    if (!bytes)
        throw InputError(source_ + ": tensor " + name + " " + tensor.shape_string() + " is not a whole number of " +
                         tensor_type_name(tensor.type) + " blocks");
    if (*bytes != tensor.data.size())
        throw InputError(source_ + ": tensor " + name + " holds " + std::to_string(tensor.data.size()) +
                         " bytes, its shape needs " + std::to_string(*bytes));
    if (!tensors_.emplace(name, std::move(tensor)).second) throw InputError(source_ + ": tensor " + name + " appears twice");
}

const Tensor& ModelWeights::tensor(const std::string& name) const {
    const auto it = tensors_.find(name);
    if (it == tensors_.end()) throw InputError(source_ + ": missing tensor " + name);
    return it->second;
}

namespace {

// Weights are data from a file: a NaN or infinity would spread through every later activation, so
// it is refused where the tensor is expanded, naming it (the file is mapped, never scanned whole).
void require_finite(std::span<const float> values, const std::string& source, const std::string& name) {
    if (!Eigen::Map<const Eigen::ArrayXf>(values.data(), Eigen::Index(values.size())).allFinite())
        throw InputError(source + ": tensor " + name + " holds a non-finite value (NaN or infinity)");
}

std::vector<float> values_of(const Tensor& t) {
    std::vector<float> values(std::size_t(t.count()));
    dequantise(t.type, t.data, values);
    return values;
}

std::string expected_shape(std::vector<std::int64_t> shape) {
    Tensor t;
    t.shape = std::move(shape);
    return t.shape_string();
}

}  // namespace

const Tensor& ModelWeights::checked_linear(const std::string& name, std::int64_t out, std::int64_t in) const {
    const Tensor& t = tensor(name);
    const std::vector<std::int64_t> stored = t.transposed ? std::vector{in, out} : std::vector{out, in};
    if (t.shape != stored)
        throw InputError(source_ + ": tensor " + name + " has shape " + t.shape_string() + ", the config needs " +
                         expected_shape(stored));
    return t;
}

const Tensor& ModelWeights::checked_vector(const std::string& name, std::int64_t n) const {
    const Tensor& t = tensor(name);
    if (t.count() != n || t.shape.empty() || t.shape.back() != n)
        throw InputError(source_ + ": tensor " + name + " has shape " + t.shape_string() + ", the config needs [" +
                         std::to_string(n) + "]");
    return t;
}

template <class T>
Matrix<T> ModelWeights::linear(const std::string& name, std::int64_t out, std::int64_t in) const {
    const Tensor& t = checked_linear(name, out, in);
    // Expanded straight into the matrix: large models' matrices are hundreds of megabytes.
    Matrix<float> m(t.shape[0], t.shape[1]);
    dequantise(t.type, t.data, std::span(m.data(), std::size_t(m.size())));
    require_finite(std::span<const float>(m.data(), std::size_t(m.size())), source_, name);
    if (t.transposed) return m.transpose().template cast<T>();
    if constexpr (std::is_same_v<T, float>) return m;
    else return m.template cast<T>();
}

template <class T>
Matrix<T> ModelWeights::rows(const std::string& name, std::int64_t out, std::int64_t in, std::span<const int> indices) const {
    const Tensor& t = checked_linear(name, out, in);
    const auto row_bytes = tensor_bytes(t.type, std::uint64_t(in));
    if (t.transposed || !row_bytes) {  // rows are not contiguous whole blocks: expand it all
        const Matrix<T> all = linear<T>(name, out, in);
        Matrix<T> picked(Eigen::Index(indices.size()), in);
        for (std::size_t i = 0; i < indices.size(); ++i) picked.row(Eigen::Index(i)) = all.row(indices[i]);
        return picked;
    }
    Matrix<float> picked(Eigen::Index(indices.size()), in);
    for (std::size_t i = 0; i < indices.size(); ++i) {
        if (indices[i] < 0 || indices[i] >= out)
            throw InputError(source_ + ": row " + std::to_string(indices[i]) + " of tensor " + name + " is outside [0, " +
                             std::to_string(out) + ")");
        dequantise(t.type, t.data.subspan(std::size_t(indices[i]) * *row_bytes, *row_bytes),
                   std::span(picked.data() + std::ptrdiff_t(i) * in, std::size_t(in)));
    }
    require_finite(std::span<const float>(picked.data(), std::size_t(picked.size())), source_, name);
    return picked.template cast<T>();
}

template <class T>
Vector<T> ModelWeights::vector(const std::string& name, std::int64_t n) const {
    const auto values = values_of(checked_vector(name, n));
    require_finite(values, source_, name);
    return Eigen::Map<const Vector<float>>(values.data(), n).template cast<T>();
}

template Matrix<float> ModelWeights::linear<float>(const std::string&, std::int64_t, std::int64_t) const;
template Matrix<double> ModelWeights::linear<double>(const std::string&, std::int64_t, std::int64_t) const;
template Matrix<float> ModelWeights::rows<float>(const std::string&, std::int64_t, std::int64_t, std::span<const int>) const;
template Matrix<double> ModelWeights::rows<double>(const std::string&, std::int64_t, std::int64_t, std::span<const int>) const;
template Vector<float> ModelWeights::vector<float>(const std::string&, std::int64_t) const;
template Vector<double> ModelWeights::vector<double>(const std::string&, std::int64_t) const;

void ModelWeights::validate() const {
    const ModelConfig& c = config;
    const auto positive = [&](int value, const char* field) {
        if (value <= 0) throw InputError(source_ + ": " + field + " must be positive, got " + std::to_string(value));
    };
    positive(c.dim, "dim");
    positive(c.hidden, "hidden");
    positive(c.layers, "layers");
    positive(c.heads, "heads");
    positive(c.kv_heads, "kv_heads");
    positive(c.head_dim, "head_dim");
    positive(c.vocab, "vocab");
    positive(c.context, "context");
    if (c.heads % c.kv_heads != 0)
        throw InputError(source_ + ": heads (" + std::to_string(c.heads) + ") is not a multiple of kv_heads (" +
                         std::to_string(c.kv_heads) + ")");
    if (c.head_dim % 2 != 0 && c.architecture == Architecture::llama)
        throw InputError(source_ + ": head_dim must be even for RoPE, got " + std::to_string(c.head_dim));

    const std::int64_t q = std::int64_t(c.heads) * c.head_dim, kv = std::int64_t(c.kv_heads) * c.head_dim;
    const auto need_linear = [&](const std::string& name, std::int64_t out, std::int64_t in) { checked_linear(name, out, in); };
    const auto need_vector = [&](const std::string& name, std::int64_t n) { checked_vector(name, n); };
    need_linear("token_embd.weight", c.vocab, c.dim);
    if (!c.tied_embeddings) need_linear("output.weight", c.vocab, c.dim);
    need_vector("output_norm.weight", c.dim);
    if (c.architecture == Architecture::gpt2) {
        need_linear("position_embd.weight", c.context, c.dim);
        need_vector("output_norm.bias", c.dim);
    }
    for (int l = 0; l < c.layers; ++l) {
        const auto name = [&](const char* n) { return layer_tensor(l, n); };
        need_vector(name("attn_norm.weight"), c.dim);
        need_vector(name("ffn_norm.weight"), c.dim);
        need_linear(name("attn_output.weight"), c.dim, q);
        need_linear(name("ffn_up.weight"), c.hidden, c.dim);
        need_linear(name("ffn_down.weight"), c.dim, c.hidden);
        if (c.architecture == Architecture::llama) {
            need_linear(name("attn_q.weight"), q, c.dim);
            need_linear(name("attn_k.weight"), kv, c.dim);
            need_linear(name("attn_v.weight"), kv, c.dim);
            need_linear(name("ffn_gate.weight"), c.hidden, c.dim);
            if (c.qkv_bias) {
                need_vector(name("attn_q.bias"), q);
                need_vector(name("attn_k.bias"), kv);
                need_vector(name("attn_v.bias"), kv);
            }
        } else {
            need_linear(name("attn_qkv.weight"), q + 2 * kv, c.dim);
            need_vector(name("attn_qkv.bias"), q + 2 * kv);
            need_vector(name("attn_norm.bias"), c.dim);
            need_vector(name("ffn_norm.bias"), c.dim);
            need_vector(name("attn_output.bias"), c.dim);
            need_vector(name("ffn_up.bias"), c.hidden);
            need_vector(name("ffn_down.bias"), c.dim);
        }
    }
}

}  // namespace hashscope
