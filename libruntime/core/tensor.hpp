// SPDX-License-Identifier: MIT
// A tensor: one BO in its context's address space, with dtype and shape.
#pragma once

#include "bo.hpp"
#include "object.hpp"

#include <tern/tern.h>

#include <atomic>
#include <mutex>

namespace tern::rt {

class Context;

class Tensor final : public Object {
public:
    static constexpr Kind kKind = Kind::tensor;

    Tensor(Context* ctx, const tern_tensor_desc& desc, uint64_t size_bytes);
    ~Tensor() override;
    tern_status init();

    Context* context() const { return ctx_.get(); }
    uint64_t va() const { return bo_.va; }
    uint64_t size_bytes() const { return size_bytes_; }
    tern_memory memory() const { return desc_.memory; }
    void info(tern_tensor_info* out) const;
    // A CPU mapping: always for pinned host tensors, for device tensors when
    // the device maps its memory (DRM_TERN_CAP_DEVICE_MMAP), else nullptr.
    void* cpu_map();

private:
    Ref<Context> ctx_;
    tern_tensor_desc desc_;
    uint64_t size_bytes_;
    Bo bo_;
    std::mutex map_mu_;
    std::atomic<void*> map_{nullptr};
    bool map_tried_ = false;
};

// Bytes per element; 0 for an unknown dtype.
uint32_t dtype_size(tern_dtype dtype);

// Resolves a tensor handle or records TERN_ERROR_INVALID_HANDLE naming it.
Tensor* find_tensor(tern_tensor t, const char* what);

// offset + size within size_bytes, else records TERN_ERROR_OUT_OF_RANGE.
tern_status check_range(uint64_t offset, uint64_t size, uint64_t size_bytes, const char* what);

}  // namespace tern::rt
