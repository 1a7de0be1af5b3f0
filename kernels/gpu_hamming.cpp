// The host API of the Hamming top-k kernels (gpu.hpp): decode, prefill, and the selection alone,
// each checked the way core checks it, uploaded, launched on the default stream, downloaded.
#include <cuda_bf16.h>

#include <algorithm>
#include <string>

#include "kernels/device_buffer.hpp"
#include "kernels/gpu.hpp"
#include "kernels/gpu_host.hpp"
#include "kernels/hamming_decode_kernel.hpp"
#include "kernels/hamming_prefill_kernel.hpp"

namespace hashscope::gpu {
namespace {

// What the kernels take, not what the method allows: GpuError, so callers run the CPU twin.
void require_kernel_code_width(const SimHashCodes& codes) {
    if (codes.words_per_row > 2)
        throw GpuError("the GPU Hamming kernels take codes of at most 64 bits, not " + std::to_string(codes.bits));
}

}  // namespace

HammingDecodeResult hamming_decode(const Matrix<float>& q, const SimHashCodes& query_codes, const std::vector<Matrix<float>>& k,
                                   const std::vector<Matrix<float>>& v, const std::vector<SimHashCodes>& key_codes,
                                   const HammingDecodeOptions& o) {
    HammingDecodeShape s;
    s.q_heads = int(q.rows()), s.kv_heads = int(k.size()), s.d = int(q.cols());
    s.n = k.empty() ? 0 : int(k[0].rows());
    s.words = query_codes.words_per_row, s.k = o.k, s.sinks = o.sinks, s.window = o.window, s.shared = o.shared;
    if (s.kv_heads == 0 || v.size() != k.size() || key_codes.size() != k.size() || s.n == 0)
        throw InputError("hamming decode: need n >= 1 keys and one K, V and code set per KV head");
    if (s.q_heads % s.kv_heads != 0 || query_codes.rows != s.q_heads)
        throw InputError("hamming decode: " + std::to_string(s.q_heads) + " query heads (and query codes) must be a multiple of " +
                         std::to_string(s.kv_heads) + " KV heads");
    for (std::size_t h = 0; h < k.size(); ++h)
        if (k[h].rows() != s.n || v[h].rows() != s.n || k[h].cols() != s.d || v[h].cols() != s.d ||
            key_codes[h].rows != s.n || key_codes[h].bits != query_codes.bits)
            throw InputError("hamming decode: KV head " + std::to_string(h) + " does not match [n, d] and the code width");
    if (s.d % 4 != 0 || s.d > kHammingMaxDim)
        throw GpuError("the GPU Hamming decode takes head dimensions that are multiples of 4, at most 128, not " +
                       std::to_string(s.d));
    if (o.k < 0 || o.sinks < 0 || o.window < 0 || o.k + o.sinks + o.window == 0)
        throw InputError("hamming decode: --k, --sinks and --window must be >= 0 and select at least one token");
    require_device();
    // codes, bf16 q/k/v and the output, then the workspace
    require_device_memory("hamming decode", 4.0 * s.words * (double(s.kv_heads) * s.n + s.q_heads) +
                                                2.0 * s.d * (s.q_heads + 2.0 * s.kv_heads * s.n) + 4.0 * s.q_heads * s.d +
                                                HammingDecodeWorkspace::bytes_at_most(s));
    DeviceBuffer<std::uint32_t> dkey_codes(flatten_codes(key_codes)), dquery_codes(query_codes.words);
    DeviceBuffer<__nv_bfloat16> dq(flatten<__nv_bfloat16>({q})), dk(flatten<__nv_bfloat16>(k)), dv(flatten<__nv_bfloat16>(v));
    DeviceBuffer<float> out(std::size_t(s.q_heads) * s.d);
    HammingDecodeWorkspace w(s);
    launch_hamming_select(dkey_codes.get(), dquery_codes.get(), s, w, nullptr);
    launch_sparse_decode(dq.get(), dk.get(), dv.get(), out.get(), s, w, nullptr);
    check_cuda(cudaDeviceSynchronize(), "hamming decode kernels");
    const auto selected = w.selected.download();
    const auto count = w.count.download();
    HammingDecodeResult r;
    for (int h = 0; h < s.q_heads; ++h) {
        const int list = s.shared ? h / s.group() : h;
        const auto* first = selected.data() + std::size_t(list) * s.capacity();
        r.selected.emplace_back(first, first + count[std::size_t(list)]);  // ascending, as the kernel lists them
    }
    r.output = to_matrix(out.download().data(), s.q_heads, s.d);
    return r;
}

HammingPrefillResult hamming_prefill(const std::vector<Matrix<float>>& q, const std::vector<SimHashCodes>& query_codes,
                                     const std::vector<Matrix<float>>& k, const std::vector<Matrix<float>>& v,
                                     const std::vector<SimHashCodes>& key_codes, const HammingTopKOptions& o,
                                     Storage storage) {
    HammingPrefillShape s;
    s.q_heads = int(q.size()), s.kv_heads = int(k.size());
    if (s.q_heads == 0 || s.kv_heads == 0 || query_codes.size() != q.size() || v.size() != k.size() ||
        key_codes.size() != k.size())
        throw InputError("hamming prefill: need one Q and code set per query head, one K, V and code set per KV head");
    if (s.q_heads % s.kv_heads != 0)
        throw InputError("hamming prefill: " + std::to_string(s.q_heads) + " query heads must be a multiple of " +
                         std::to_string(s.kv_heads) + " KV heads");
    s.n_q = int(q[0].rows()), s.n_k = int(k[0].rows()), s.d = int(q[0].cols()), s.words = key_codes[0].words_per_row;
    s.top = o.top, s.sinks = o.sinks, s.window = o.window, s.causal = o.causal;
    const int group = s.q_heads / s.kv_heads;
    for (int h = 0; h < s.q_heads; ++h) {
        const auto kv = std::size_t(h / group);
        if (q[std::size_t(h)].rows() != s.n_q || q[std::size_t(h)].cols() != s.d || query_codes[std::size_t(h)].rows != s.n_q)
            throw InputError("hamming prefill: query head " + std::to_string(h) + " does not match [n_q, d] and its codes");
        check_hamming_topk(query_codes[std::size_t(h)], key_codes[kv], o);
    }
    for (std::size_t h = 0; h < k.size(); ++h)
        if (k[h].rows() != s.n_k || v[h].rows() != s.n_k || k[h].cols() != s.d || v[h].cols() != s.d ||
            key_codes[h].rows != s.n_k || key_codes[h].words_per_row != s.words)
            throw InputError("hamming prefill: KV head " + std::to_string(h) + " does not match [n_k, d] and the code width");
    require_kernel_code_width(key_codes[0]);
    if (s.d % 4 != 0 || s.d > kHammingPrefillMaxDim)
        throw GpuError("the GPU Hamming prefill takes head dimensions <= 128 that are multiples of 4, not " + std::to_string(s.d));
    require_device();
    // codes, q/k/v, the float output, and per query its kept positions (top) and their count.
    const double queries = double(s.q_heads) * s.n_q, e = storage == Storage::bf16 ? 2.0 : 4.0;
    require_device_memory("hamming prefill", 4.0 * s.words * (double(s.kv_heads) * s.n_k + queries) +
                                                 e * s.d * (queries + 2.0 * s.kv_heads * s.n_k) + 4.0 * queries * s.d +
                                                 4.0 * queries * (s.top + 1.0));
    DeviceBuffer<std::uint32_t> dkey_codes(flatten_codes(key_codes)), dquery_codes(flatten_codes(query_codes));
    DeviceBuffer<float> out(std::size_t(queries) * s.d);
    HammingPrefillWorkspace w(s);
    launch_hamming_prefill_select(dkey_codes.get(), dquery_codes.get(), s, w, nullptr);
    const auto attend = [&](auto element) {
        using T = decltype(element);
        DeviceBuffer<T> dq(flatten<T>(q)), dk(flatten<T>(k)), dv(flatten<T>(v));
        launch_hamming_prefill_attend(dq.get(), dk.get(), dv.get(), out.get(), s, w, nullptr);
        check_cuda(cudaDeviceSynchronize(), "hamming prefill kernels");
    };
    if (storage == Storage::bf16) attend(__nv_bfloat16{});
    else attend(float{});
    const auto selected = w.selected.download();
    const auto count = w.count.download();
    const auto output = out.download();
    HammingPrefillResult r;
    for (int h = 0; h < s.q_heads; ++h) {
        auto& head = r.selected.emplace_back();
        for (int i = 0; i < s.n_q; ++i) {
            const std::size_t row = std::size_t(h) * s.n_q + i;
            const auto* first = selected.data() + row * s.top;
            head.emplace_back(first, first + count[row]);
        }
        r.output.push_back(to_matrix(output.data() + std::size_t(h) * s.n_q * s.d, s.n_q, s.d));
    }
    return r;
}

std::vector<std::vector<std::int32_t>> hamming_topk(const SimHashCodes& queries, const SimHashCodes& keys,
                                                    const HammingTopKOptions& o) {
    check_hamming_topk(queries, keys, o);
    require_kernel_code_width(keys);
    require_device();
    HammingPrefillShape s;
    s.n_q = queries.rows, s.n_k = keys.rows, s.words = keys.words_per_row;
    s.top = o.top, s.sinks = o.sinks, s.window = o.window, s.causal = o.causal;
    require_device_memory("hamming top-k", 4.0 * s.words * (double(s.n_k) + s.n_q) + 4.0 * s.n_q * (s.top + 1.0));
    DeviceBuffer<std::uint32_t> dkeys(keys.words), dqueries(queries.words);
    HammingPrefillWorkspace w(s);
    launch_hamming_prefill_select(dkeys.get(), dqueries.get(), s, w, nullptr);
    check_cuda(cudaDeviceSynchronize(), "hamming top-k kernel");
    const auto selected = w.selected.download();
    const auto count = w.count.download();
    // The device keeps each row ascending; core lists it nearest first, by (distance, position).
    std::vector<std::vector<std::int32_t>> rows(std::size_t(s.n_q));
    for (int i = 0; i < s.n_q; ++i) {
        const auto* first = selected.data() + std::size_t(i) * s.top;
        auto& row = rows[std::size_t(i)];
        row.assign(first, first + count[std::size_t(i)]);
        const auto distance = [&](std::int32_t j) { return hamming_distance(queries.row(i), keys.row(j), s.words); };
        std::stable_sort(row.begin(), row.end(), [&](std::int32_t a, std::int32_t b) { return distance(a) < distance(b); });
    }
    return rows;
}

}  // namespace hashscope::gpu
