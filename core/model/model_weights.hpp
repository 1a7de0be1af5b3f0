// A loaded model, whatever file it came from: the architecture's hyper-parameters (ModelConfig) and
// its tensors under one canonical naming (GGUF's: token_embd.weight, blk.N.attn_q.weight, ...),
// each a typed view into the mapped file. Loaders translate their format's names and layout into
// this; the forward pass reads only this. validate() checks every tensor the architecture needs is
// present with the shape the config implies, so a bad file fails at load, naming the tensor.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/matrix.hpp"
#include "core/model/tensor_types.hpp"

namespace hashscope {

enum class Architecture { llama, gpt2 };
// Which dimensions RoPE rotates together: (2i, 2i+1) as llama2.c and GGUF llama do, or
// (i, i + head_dim/2) as Hugging Face's rotate_half does.
enum class RopeLayout { interleaved, halves };

const char* architecture_name(Architecture a);
const char* rope_layout_name(RopeLayout r);

struct ModelConfig {
    Architecture architecture = Architecture::llama;
    int dim = 0;       // residual width
    int hidden = 0;    // feed-forward width
    int layers = 0;
    int heads = 0;
    int kv_heads = 0;  // < heads for grouped-query attention
    int head_dim = 0;
    int vocab = 0;
    int context = 0;   // longest sequence the model takes
    double rope_theta = 10000.0;
    RopeLayout rope_layout = RopeLayout::interleaved;
    double norm_eps = 1e-5;
    bool tied_embeddings = false;  // the classifier is the token embedding
    bool qkv_bias = false;         // Llama family with q/k/v biases (Qwen2); GPT-2 always has biases
};

// One tensor: element type, shape (outermost first, so a linear layer is [out, in]) and its bytes,
// which stay in the mapped file (`owner` keeps the mapping alive).
struct Tensor {
    TensorType type = TensorType::f32;
    std::vector<std::int64_t> shape = {};
    std::span<const std::byte> data = {};
    std::shared_ptr<const void> owner = {};
    // Stored as [in, out] (Hugging Face GPT-2's Conv1D); linear() transposes it to [out, in].
    bool transposed = false;

    std::int64_t count() const;
    std::string shape_string() const;
};

class ModelWeights {
public:
    ModelWeights(std::string source, std::string format) : source_(std::move(source)), format_(std::move(format)) {}

    ModelConfig config;

    const std::string& source() const { return source_; }  // file path, named in every error
    const std::string& format() const { return format_; }   // "llama2.c", "GGUF v3", "safetensors"
    const std::map<std::string, Tensor>& tensors() const { return tensors_; }

    // Adds a tensor; its data must hold exactly tensor_bytes(type, count) bytes.
    void add(const std::string& name, Tensor tensor);
    bool has(const std::string& name) const { return tensors_.count(name) != 0; }
    const Tensor& tensor(const std::string& name) const;  // InputError "<source>: missing tensor NAME"

    // The tensor as float values in T, its shape checked against `shape`.
    template <class T>
    Matrix<T> linear(const std::string& name, std::int64_t out, std::int64_t in) const;  // [out, in]
    // Only the listed rows of a [out, in] tensor (an embedding lookup), expanded row by row.
    template <class T>
    Matrix<T> rows(const std::string& name, std::int64_t out, std::int64_t in, std::span<const int> indices) const;
    template <class T>
    Vector<T> vector(const std::string& name, std::int64_t n) const;

    // Checks the config is sane and every tensor the architecture needs has the config's shape.
    void validate() const;

private:
    // The tensor, after checking its shape is [out, in] (or [in, out] when stored transposed) / [n].
    const Tensor& checked_linear(const std::string& name, std::int64_t out, std::int64_t in) const;
    const Tensor& checked_vector(const std::string& name, std::int64_t n) const;

    std::string source_, format_;
    std::map<std::string, Tensor> tensors_;
};

// Canonical tensor names.
std::string layer_tensor(int layer, const std::string& name);  // "blk.<layer>.<name>"

}  // namespace hashscope
