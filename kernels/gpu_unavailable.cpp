// The host API in a build without a CUDA compiler: no device, and every kernel call says so, so
// callers take the CPU path with that message.
#include "kernels/gpu.hpp"
#include "kernels/gpu_benchmark.hpp"

namespace hashscope::gpu {
namespace {

[[noreturn]] void unavailable() { throw GpuError("hashscope was built without CUDA; the CPU path runs"); }

}  // namespace

bool built_with_cuda() { return false; }
bool gpu_available() { return false; }
std::string device_description() { return "built without CUDA"; }
Matrix<float> round_to_bf16(const Matrix<float>&) { unavailable(); }
SimHashCodes simhash_codes(const Matrix<float>&, const Matrix<float>&, Storage) { unavailable(); }
std::vector<ReformerResult> reformer_attention(const std::vector<Matrix<float>>&, const std::vector<Matrix<float>>&,
                                               const std::vector<std::vector<Matrix<float>>>&, const ReformerConfig&,
                                               Storage) {
    unavailable();
}
DenseResult dense_attention(const Matrix<float>&, const Matrix<float>&, const Matrix<float>&, bool, Storage) {
    unavailable();
}
std::vector<std::uint32_t> sha256_buckets(const Matrix<float>&, int) { unavailable(); }
std::vector<std::uint32_t> blake3_buckets(const Matrix<float>&, int) { unavailable(); }
HammingDecodeResult hamming_decode(const Matrix<float>&, const SimHashCodes&, const std::vector<Matrix<float>>&,
                                   const std::vector<Matrix<float>>&, const std::vector<SimHashCodes>&,
                                   const HammingDecodeOptions&) {
    unavailable();
}
HammingPrefillResult hamming_prefill(const std::vector<Matrix<float>>&, const std::vector<SimHashCodes>&,
                                     const std::vector<Matrix<float>>&, const std::vector<Matrix<float>>&,
                                     const std::vector<SimHashCodes>&, const HammingTopKOptions&, Storage) {
    unavailable();
}
std::vector<std::vector<std::int32_t>> hamming_topk(const SimHashCodes&, const SimHashCodes&, const HammingTopKOptions&) {
    unavailable();
}
BenchReport run_gpu_benchmarks(const BenchOptions&) { unavailable(); }

}  // namespace hashscope::gpu
