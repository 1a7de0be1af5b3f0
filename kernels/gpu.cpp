// The host API over the launchers: checks inputs the way core does (same InputError messages),
// uploads, launches on the default stream, downloads. Plain C++ with the CUDA runtime API; the
// device code lives in the *_kernel.cu files, the Hamming top-k calls in gpu_hamming.cpp.
#include "kernels/gpu.hpp"

#include <cuda_bf16.h>

#include <algorithm>
#include <string>

#include "kernels/blake3_kernel.hpp"
#include "kernels/dense_attention_kernel.hpp"
#include "kernels/device_buffer.hpp"
#include "kernels/gpu_host.hpp"
#include "kernels/reformer_kernel.hpp"
#include "kernels/sha256_kernel.hpp"
#include "kernels/simhash_kernel.hpp"

namespace hashscope::gpu {
namespace {

template <class T>
std::vector<ReformerResult> run_reformer(const std::vector<Matrix<float>>& x, const std::vector<Matrix<float>>& v,
                                         const std::vector<std::vector<Matrix<float>>>& rotations,
                                         const ReformerConfig& c) {
    ReformerShape s;
    s.heads = int(x.size()), s.n = int(x[0].rows()), s.d = int(x[0].cols()), s.dv = int(v[0].cols());
    s.rounds = c.n_hashes, s.buckets = c.n_buckets, s.chunk = c.chunk, s.causal = c.causal;
    const double e = sizeof(T), slots = double(s.slots());
    // x, v, out, rotations (f32, and split into hi/lo bf16 for the tensor-core hash); per slot
    // buckets, sort keys twice, concat, sorted and the radix sort's double buffers (about as much
    // again), the round outputs and logsumexps; key scales.
    require_device_memory("reformer", double(s.heads) * s.n * ((s.d + 2.0 * s.dv) * e + 4.0) +
                                          double(s.heads) * s.rounds * s.d * reformer_rotation_columns(s) * 8.0 +
                                          slots * (5 * 4.0 + 4 * 4.0 + s.dv * e + 4.0));
    std::vector<Matrix<float>> flat_rotations;
    for (const auto& head : rotations) flat_rotations.insert(flat_rotations.end(), head.begin(), head.end());
    DeviceBuffer<T> dx(flatten<T>(x)), dv(flatten<T>(v)), out(std::size_t(s.heads) * s.n * s.dv);
    DeviceBuffer<float> drot(flatten<float>(flat_rotations));
    ReformerWorkspace<T> w(s);
    launch_reformer(dx.get(), dv.get(), drot.get(), out.get(), s, w, nullptr);
    check_cuda(cudaDeviceSynchronize(), "reformer kernels");

    const auto buckets = w.buckets.download();
    const auto sorted = w.sorted.download();
    const auto output = out.download();
    std::vector<ReformerResult> results(std::size_t(s.heads));
    const std::size_t per_head = std::size_t(s.rounds) * s.n;
    for (int h = 0; h < s.heads; ++h) {
        ReformerResult& r = results[std::size_t(h)];
        r.standard_attention = s.standard_attention();
        for (int round = 0; round < s.rounds; ++round) {
            const auto* first = buckets.data() + h * per_head + std::size_t(round) * s.n;
            r.buckets.emplace_back(first, first + s.n);
        }
        for (std::size_t slot = 0; slot < per_head; ++slot)
            r.sorted_to_concat.push_back(sorted[h * per_head + slot] - std::int32_t(h * per_head));
        r.output = to_matrix(output.data() + std::size_t(h) * s.n * s.dv, s.n, s.dv);
    }
    return results;
}

template <class T>
DenseResult run_dense(const Matrix<float>& q, const Matrix<float>& k, const Matrix<float>& v, bool causal) {
    DenseShape s;
    s.n = int(q.rows()), s.m = int(k.rows()), s.d = int(q.cols()), s.dv = int(v.cols()), s.causal = causal;
    require_device_memory("dense attention", (double(s.n) * (s.d + s.dv) + double(s.m) * (s.d + s.dv)) * sizeof(T) + 4.0 * s.n);
    DeviceBuffer<T> dq(flatten<T>({q})), dk(flatten<T>({k})), dv(flatten<T>({v})), out(std::size_t(s.n) * s.dv);
    DeviceBuffer<float> lse(std::size_t(s.n));
    launch_dense_attention(dq.get(), dk.get(), dv.get(), out.get(), lse.get(), s, nullptr);
    check_cuda(cudaDeviceSynchronize(), "dense_attention_kernel");
    DenseResult r;
    r.output = to_matrix(out.download().data(), s.n, s.dv);
    const auto l = lse.download();
    r.logsumexp = Eigen::Map<const Vector<float>>(l.data(), s.n);
    return r;
}

}  // namespace

bool built_with_cuda() { return true; }

bool gpu_available() {
    int count = 0;
    return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
}

std::string device_description() {
    int count = 0;
    const cudaError_t status = cudaGetDeviceCount(&count);
    if (status != cudaSuccess) return cudaGetErrorString(status);
    if (count == 0) return "no CUDA device";
    cudaDeviceProp p{};
    check_cuda(cudaGetDeviceProperties(&p, 0), "cudaGetDeviceProperties");
    return std::string(p.name) + " (sm_" + std::to_string(p.major) + std::to_string(p.minor) + ", " +
           std::to_string(p.multiProcessorCount) + " SMs, " + std::to_string(p.totalGlobalMem >> 20) + " MiB)";
}

Matrix<float> round_to_bf16(const Matrix<float>& x) {
    Matrix<float> r(x.rows(), x.cols());
    for (Eigen::Index i = 0; i < x.size(); ++i) r.data()[i] = __bfloat162float(__float2bfloat16(x.data()[i]));
    return r;
}

SimHashCodes simhash_codes(const Matrix<float>& x, const Matrix<float>& planes, Storage storage) {
    if (x.cols() != planes.rows())
        throw InputError("planes have d = " + std::to_string(planes.rows()) + " but the vectors have d = " +
                         std::to_string(x.cols()));
    if (planes.cols() < 1) throw InputError("planes: need at least one hyperplane (column)");
    require_device();
    SimHashShape s;
    s.rows = int(x.rows()), s.d = int(x.cols()), s.bits = int(planes.cols());
    const double key_bytes = storage == Storage::bf16 ? 2.0 : 4.0;
    require_device_memory("simhash", double(s.rows) * (s.d * key_bytes + 4.0 * s.words()) + 4.0 * s.d * s.bits);
    DeviceBuffer<float> dplanes(flatten<float>({planes}));
    DeviceBuffer<std::uint32_t> codes(std::size_t(s.rows) * s.words());
    if (storage == Storage::bf16) {
        DeviceBuffer<__nv_bfloat16> keys(flatten<__nv_bfloat16>({x}));
        launch_simhash(keys.get(), dplanes.get(), codes.get(), s, nullptr);
    } else {
        DeviceBuffer<float> keys(flatten<float>({x}));
        launch_simhash(keys.get(), dplanes.get(), codes.get(), s, nullptr);
    }
    SimHashCodes c;
    c.rows = s.rows, c.bits = s.bits, c.words_per_row = s.words();
    c.words = codes.download();
    return c;
}

std::vector<ReformerResult> reformer_attention(const std::vector<Matrix<float>>& x, const std::vector<Matrix<float>>& v,
                                               const std::vector<std::vector<Matrix<float>>>& rotations,
                                               const ReformerConfig& config, Storage storage) {
    if (x.empty() || x.size() != v.size() || x.size() != rotations.size())
        throw InputError("reformer: need one x, v and rotation set per head (got " + std::to_string(x.size()) + ", " +
                         std::to_string(v.size()) + ", " + std::to_string(rotations.size()) + ")");
    for (std::size_t h = 0; h < x.size(); ++h) {
        check_reformer_inputs(x[h], v[h], rotations[h], config);
        if (x[h].rows() != x[0].rows() || x[h].cols() != x[0].cols() || v[h].cols() != v[0].cols())
            throw InputError("reformer: head " + std::to_string(h) + " has a different shape from head 0");
    }
    require_device();
    return storage == Storage::bf16 ? run_reformer<__nv_bfloat16>(x, v, rotations, config)
                                    : run_reformer<float>(x, v, rotations, config);
}

DenseResult dense_attention(const Matrix<float>& q, const Matrix<float>& k, const Matrix<float>& v, bool causal,
                            Storage storage) {
    check_attention_shapes(q, k, v);
    if (causal && q.rows() > k.rows())
        throw InputError("dense attention: causal mask needs at least as many keys (" + std::to_string(k.rows()) +
                         ") as queries (" + std::to_string(q.rows()) + ")");
    require_device();
    return storage == Storage::bf16 ? run_dense<__nv_bfloat16>(q, k, v, causal) : run_dense<float>(q, k, v, causal);
}

namespace {

// Buckets of a row-per-thread digest kernel (SHA-256, BLAKE3) over x's float32 bytes.
using BucketLauncher = void (*)(const float*, std::uint32_t*, long long, int, int, cudaStream_t);
std::vector<std::uint32_t> digest_buckets(const Matrix<float>& x, int bits, const char* name, BucketLauncher launch) {
    if (bits < 1 || bits > 32)
        throw InputError(std::string("--bits must be in 1..32 for ") + name + " buckets, got " + std::to_string(bits));
    require_device();
    require_device_memory(std::string(name) + " buckets", 4.0 * double(x.rows()) * (x.cols() + 1.0));
    DeviceBuffer<float> rows(flatten<float>({x}));
    DeviceBuffer<std::uint32_t> buckets(std::size_t(x.rows()));
    launch(rows.get(), buckets.get(), x.rows(), int(x.cols()), bits, nullptr);
    check_cuda(cudaDeviceSynchronize(), name);
    return buckets.download();
}

}  // namespace

std::vector<std::uint32_t> sha256_buckets(const Matrix<float>& x, int bits) {
    return digest_buckets(x, bits, "SHA-256", launch_sha256_buckets);
}

std::vector<std::uint32_t> blake3_buckets(const Matrix<float>& x, int bits) {
    if (x.cols() > kBlake3MaxWords) throw GpuError("the GPU BLAKE3 kernel hashes rows of at most 1024 bytes (d <= 256)");
    return digest_buckets(x, bits, "BLAKE3", launch_blake3_buckets);
}

}  // namespace hashscope::gpu
