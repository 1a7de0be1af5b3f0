// CUDA plumbing every kernel's host side shares: a checked call that turns a CUDA error into
// GpuError (so callers fall back to the CPU instead of crashing), and an owning device buffer.
// Included by .cu files and by the host-side .cpp files that drive them; never by core/ or app/.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "kernels/gpu_error.hpp"

namespace hashscope::gpu {

inline void check_cuda(cudaError_t status, const char* what) {
    if (status != cudaSuccess) throw GpuError(std::string(what) + ": " + cudaGetErrorString(status));
}

// check_device_memory against what the device has free now.
inline void require_device_memory(const std::string& what, double need) {
    std::size_t free = 0, total = 0;
    check_cuda(cudaMemGetInfo(&free, &total), "cudaMemGetInfo");
    check_device_memory(what, need, free);
}

// After a launch: reports a bad configuration at once, and in debug builds a fault in the kernel.
inline void check_launch(const char* kernel) { check_cuda(cudaGetLastError(), kernel); }

template <class T>
class DeviceBuffer {
public:
    DeviceBuffer() = default;
    explicit DeviceBuffer(std::size_t count) : count_(count) {
        if (count) check_cuda(cudaMalloc(&data_, count * sizeof(T)), "cudaMalloc");
    }
    explicit DeviceBuffer(const std::vector<T>& host) : DeviceBuffer(host.size()) { upload(host.data()); }
    DeviceBuffer(const DeviceBuffer&) = delete;
    DeviceBuffer& operator=(const DeviceBuffer&) = delete;
    DeviceBuffer(DeviceBuffer&& o) noexcept : data_(std::exchange(o.data_, nullptr)), count_(std::exchange(o.count_, 0)) {}
    DeviceBuffer& operator=(DeviceBuffer&& o) noexcept {
        std::swap(data_, o.data_);
        std::swap(count_, o.count_);
        return *this;
    }
    ~DeviceBuffer() { cudaFree(data_); }

    T* get() const { return data_; }
    std::size_t size() const { return count_; }
    void upload(const T* host) { check_cuda(cudaMemcpy(data_, host, count_ * sizeof(T), cudaMemcpyHostToDevice), "upload"); }
    std::vector<T> download() const {
        std::vector<T> host(count_);
        check_cuda(cudaMemcpy(host.data(), data_, count_ * sizeof(T), cudaMemcpyDeviceToHost), "download");
        return host;
    }

private:
    T* data_ = nullptr;
    std::size_t count_ = 0;
};

}  // namespace hashscope::gpu
