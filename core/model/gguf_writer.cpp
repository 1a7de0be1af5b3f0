#include "core/model/gguf_writer.hpp"

#include <bit>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/error.hpp"
#include "core/model/gguf_reader.hpp"

namespace hashscope {
namespace {

static_assert(std::endian::native == std::endian::little, "GGUF is little-endian; written in host order");

constexpr std::uint64_t kAlignment = 32;

// Nearest binary16, ties to even (values past the half range become infinity).
std::uint16_t float_to_half(float value) {
    std::uint32_t u;
    std::memcpy(&u, &value, 4);
    const std::uint32_t sign = (u >> 16) & 0x8000, mantissa = u & 0x7fffff;
    const int exponent = int((u >> 23) & 0xff) - 112;  // rebiased from 127 to 15
    if (exponent >= 31) return std::uint16_t(sign | 0x7c00);
    if (exponent <= 0) {
        const int shift = 14 - exponent;
        if (shift > 24) return std::uint16_t(sign);
        const std::uint32_t significand = mantissa | 0x800000, kept = significand >> shift;
        const std::uint32_t rest = significand & ((1u << shift) - 1), halfway = 1u << (shift - 1);
        return std::uint16_t(sign | (kept + (rest > halfway || (rest == halfway && (kept & 1)))));
    }
    const std::uint32_t kept = std::uint32_t(exponent) << 10 | mantissa >> 13, rest = mantissa & 0x1fff;
    return std::uint16_t(sign | (kept + (rest > 0x1000 || (rest == 0x1000 && (kept & 1)))));
}

class Buffer {
public:
    template <class T>
    void put(T value) {
        const auto* p = reinterpret_cast<const std::uint8_t*>(&value);
        bytes.insert(bytes.end(), p, p + sizeof(T));
    }
    void put_string(const std::string& s) {
        put<std::uint64_t>(s.size());
        bytes.insert(bytes.end(), s.begin(), s.end());
    }
    std::vector<std::uint8_t> bytes;
};

// The metadata table: key, type, value, as the specification lays them out.
class Metadata {
public:
    void u32(const std::string& key, std::uint32_t v) { head(key, GgufType::u32), b.put(v), ++count; }
    void f32(const std::string& key, float v) { head(key, GgufType::f32), b.put(v), ++count; }
    void boolean(const std::string& key, bool v) { head(key, GgufType::boolean), b.put<std::uint8_t>(v), ++count; }
    void string(const std::string& key, const std::string& v) { head(key, GgufType::string), b.put_string(v), ++count; }
    void strings(const std::string& key, const std::vector<std::string>& v) {
        head(key, GgufType::array), b.put(GgufType::string), b.put<std::uint64_t>(v.size());
        for (const auto& s : v) b.put_string(s);
        ++count;
    }
    void i32s(const std::string& key, const std::vector<std::int32_t>& v) {
        head(key, GgufType::array), b.put(GgufType::i32), b.put<std::uint64_t>(v.size());
        for (auto x : v) b.put(x);
        ++count;
    }
    Buffer b;
    std::uint64_t count = 0;

private:
    void head(const std::string& key, GgufType type) { b.put_string(key), b.put(type); }
};

// Rows of a Llama Q/K projection [heads * head_dim, in] from rotate-half order (i, i + head_dim/2)
// to interleaved pairs (2i, 2i + 1).
Matrix<float> interleave_rope_rows(const Matrix<float>& w, int head_dim) {
    Matrix<float> out(w.rows(), w.cols());
    for (Eigen::Index h = 0; h < w.rows() / head_dim; ++h)
        for (int i = 0; i < head_dim / 2; ++i)
            for (int half = 0; half < 2; ++half)
                out.row(h * head_dim + 2 * i + half) = w.row(h * head_dim + half * head_dim / 2 + i);
    return out;
}

std::vector<std::uint8_t> encode(const Matrix<float>& m, TensorType type, const std::string& name) {
    const std::size_t n = std::size_t(m.size());
    std::vector<float> values(n);
    for (Eigen::Index r = 0; r < m.rows(); ++r)
        for (Eigen::Index c = 0; c < m.cols(); ++c) values[std::size_t(r * m.cols() + c)] = m(r, c);  // row-major
    Buffer b;
    if (type == TensorType::f32) {
        for (float v : values) b.put(v);
    } else if (type == TensorType::f16) {
        for (float v : values) b.put(float_to_half(v));
    } else {
        if (m.cols() % 32 != 0)
            throw InputError(name + ": rows of " + std::to_string(m.cols()) + " values do not split into Q8_0 blocks of 32");
        for (std::size_t at = 0; at < n; at += 32) {
            float peak = 0;
            for (int j = 0; j < 32; ++j) peak = std::max(peak, std::abs(values[at + j]));
            const float d = peak / 127.0f, inverse = d ? 1.0f / d : 0.0f;
            b.put(float_to_half(d));
            for (int j = 0; j < 32; ++j) b.put(std::int8_t(std::lround(values[at + j] * inverse)));
        }
    }
    return b.bytes;
}

struct Written {
    std::string name;
    std::vector<std::int64_t> shape;  // outermost first
    TensorType type;
    std::vector<std::uint8_t> data;
};

std::uint32_t ggml_type(TensorType t) { return t == TensorType::f32 ? 0 : t == TensorType::f16 ? 1 : 8; }

}  // namespace

void write_gguf(const ModelWeights& model, const ByteLevelBpeTokenizer& tokenizer, const std::string& path,
                TensorType matrix_type, const std::string& name) {
    if (matrix_type != TensorType::f32 && matrix_type != TensorType::f16 && matrix_type != TensorType::q8_0)
        throw InputError("--type: GGUF matrices are written as f32, f16 or q8_0");
    model.validate();
    const ModelConfig& c = model.config;
    const bool llama = c.architecture == Architecture::llama;
    const std::string arch = llama ? "llama" : "gpt2";
    if (tokenizer.vocab_size() != c.vocab)
        throw InputError(tokenizer.source() + ": " + std::to_string(tokenizer.vocab_size()) + " tokens for a model of " +
                         std::to_string(c.vocab));

    Metadata m;
    m.string("general.architecture", arch);
    m.string("general.name", name);
    m.u32("general.alignment", kAlignment);
    m.u32(arch + ".context_length", std::uint32_t(c.context));
    m.u32(arch + ".embedding_length", std::uint32_t(c.dim));
    m.u32(arch + ".feed_forward_length", std::uint32_t(c.hidden));
    m.u32(arch + ".block_count", std::uint32_t(c.layers));
    m.u32(arch + ".attention.head_count", std::uint32_t(c.heads));
    m.u32(arch + ".vocab_size", std::uint32_t(c.vocab));
    if (llama) {
        m.u32(arch + ".attention.head_count_kv", std::uint32_t(c.kv_heads));
        m.u32(arch + ".rope.dimension_count", std::uint32_t(c.head_dim));
        m.f32(arch + ".rope.freq_base", float(c.rope_theta));
        m.f32(arch + ".attention.layer_norm_rms_epsilon", float(c.norm_eps));
    } else {
        m.f32(arch + ".attention.layer_norm_epsilon", float(c.norm_eps));
    }
    std::vector<std::string> tokens;
    std::vector<std::int32_t> types;
    for (int id = 0; id < tokenizer.vocab_size(); ++id) {
        tokens.push_back(tokenizer.piece(id));
        types.push_back(id == tokenizer.bos() || id == tokenizer.eos() ? 3 : 1);  // control : normal
    }
    std::vector<std::string> merges;
    for (const auto& [a, b] : tokenizer.merges()) merges.push_back(a + " " + b);
    m.string("tokenizer.ggml.model", "gpt2");
    m.string("tokenizer.ggml.pre", "gpt-2");
    m.strings("tokenizer.ggml.tokens", tokens);
    m.i32s("tokenizer.ggml.token_type", types);
    m.strings("tokenizer.ggml.merges", merges);
    m.u32("tokenizer.ggml.bos_token_id", std::uint32_t(tokenizer.bos()));
    m.u32("tokenizer.ggml.eos_token_id", std::uint32_t(tokenizer.eos()));
    m.boolean("tokenizer.ggml.add_bos_token", true);
    // Written only when set, so a tokenizer without it gives the same file as before the key was known.
    if (tokenizer.adds_prefix_space()) m.boolean("tokenizer.ggml.add_space_prefix", true);

    std::vector<Written> tensors;
    for (const auto& [tensor_name, t] : model.tensors()) {
        Written w{tensor_name, {}, TensorType::f32, {}};
        if (t.shape.size() == 1) {
            const Vector<float> v = model.vector<float>(tensor_name, t.shape[0]);
            w.shape = {t.shape[0]};
            w.data = encode(Matrix<float>(v.transpose()), TensorType::f32, tensor_name);
        } else {
            const std::int64_t out = t.transposed ? t.shape[1] : t.shape[0], in = t.transposed ? t.shape[0] : t.shape[1];
            Matrix<float> linear = model.linear<float>(tensor_name, out, in);
            const bool rotary = llama && c.rope_layout == RopeLayout::halves &&
                                (tensor_name.ends_with(".attn_q.weight") || tensor_name.ends_with(".attn_k.weight"));
            if (rotary) linear = interleave_rope_rows(linear, c.head_dim);
            w.shape = {out, in};
            w.type = matrix_type;
            w.data = encode(linear, matrix_type, tensor_name);
        }
        tensors.push_back(std::move(w));
    }

    Buffer header;
    header.bytes = {'G', 'G', 'U', 'F'};
    header.put<std::uint32_t>(3);
    header.put<std::uint64_t>(tensors.size());
    header.put<std::uint64_t>(m.count);
    header.bytes.insert(header.bytes.end(), m.b.bytes.begin(), m.b.bytes.end());
    std::uint64_t offset = 0;
    for (const Written& w : tensors) {
        header.put_string(w.name);
        header.put<std::uint32_t>(std::uint32_t(w.shape.size()));
        for (auto d = w.shape.rbegin(); d != w.shape.rend(); ++d) header.put<std::uint64_t>(std::uint64_t(*d));  // innermost first
        header.put<std::uint32_t>(ggml_type(w.type));
        header.put<std::uint64_t>(offset);
        offset += (w.data.size() + kAlignment - 1) / kAlignment * kAlignment;
    }
    header.bytes.resize((header.bytes.size() + kAlignment - 1) / kAlignment * kAlignment, 0);

    const std::string temporary = path + ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        out.write(reinterpret_cast<const char*>(header.bytes.data()), std::streamsize(header.bytes.size()));
        for (const Written& w : tensors) {
            std::vector<std::uint8_t> padded = w.data;
            padded.resize((padded.size() + kAlignment - 1) / kAlignment * kAlignment, 0);
            out.write(reinterpret_cast<const char*>(padded.data()), std::streamsize(padded.size()));
        }
        if (!out.flush()) {
            std::filesystem::remove(temporary);
            throw InputError(path + ": cannot write the GGUF file");
        }
    }
    std::error_code error;
    std::filesystem::rename(temporary, path, error);
    if (error) {
        std::filesystem::remove(temporary);
        throw InputError(path + ": cannot write the GGUF file (" + error.message() + ")");
    }
}

}  // namespace hashscope
