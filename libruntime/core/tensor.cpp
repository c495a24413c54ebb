// SPDX-License-Identifier: MIT
#include "tensor.hpp"

#include "api_struct.hpp"
#include "context.hpp"
#include "runtime.hpp"
#include "status.hpp"

#include <drm/tern_accel.h>

#include <cstring>

namespace tern::rt {

uint32_t dtype_size(tern_dtype dtype) {
    switch (dtype) {
        case TERN_DTYPE_FLOAT32:
        case TERN_DTYPE_INT32:
            return 4;
        case TERN_DTYPE_BFLOAT16:
        case TERN_DTYPE_FLOAT16:
            return 2;
    }
    return 0;
}

Tensor* find_tensor(tern_tensor t, const char* what) {
    Tensor* p = lookup<Tensor>(t);
    if (p == nullptr)
        fail(TERN_ERROR_INVALID_HANDLE, "{} is not a live tensor handle", what);
    return p;
}

tern_status check_range(uint64_t offset, uint64_t size, uint64_t size_bytes, const char* what) {
    if (offset > size_bytes || size > size_bytes - offset)
        return fail(TERN_ERROR_OUT_OF_RANGE,
                    "{}: bytes [{}, {}+{}) are outside the tensor's {} bytes", what, offset, offset,
                    size, size_bytes);
    return TERN_OK;
}

Tensor::Tensor(Context* ctx, const tern_tensor_desc& desc, uint64_t size_bytes)
    : Object(kKind), ctx_(ctx), desc_(desc), size_bytes_(size_bytes) {}

Tensor::~Tensor() {
    bo_destroy(&bo_);
}

tern_status Tensor::init() {
    bool host = desc_.memory == TERN_MEMORY_HOST_PINNED;
    if (tern_status s = bo_create(ctx_->file(), size_bytes_,
                                  host ? DRM_TERN_BO_HOST : DRM_TERN_BO_DEVICE, &bo_);
        s != TERN_OK)
        return s;
    if (host) {
        if (tern_status s = bo_map(&bo_); s != TERN_OK)
            return s;
        map_.store(bo_.map, std::memory_order_release);
    }
    return TERN_OK;
}

void* Tensor::cpu_map() {
    if (void* p = map_.load(std::memory_order_acquire))
        return p;
    if (!ctx_->device()->device_mmap())
        return nullptr;
    std::lock_guard lk(map_mu_);
    if (!map_tried_) {
        map_tried_ = true;
        // Lazily: BAR space is scarcer than device memory.
        if (bo_map(&bo_) == TERN_OK)
            map_.store(bo_.map, std::memory_order_release);
    }
    return map_.load(std::memory_order_acquire);
}

void Tensor::info(tern_tensor_info* out) const {
    tern_tensor_info i{};
    i.struct_size = sizeof(i);
    i.dtype = desc_.dtype;
    i.rank = desc_.rank;
    i.memory = desc_.memory;
    std::memcpy(i.shape, desc_.shape, sizeof(uint64_t) * desc_.rank);
    i.size_bytes = size_bytes_;
    i.device_address = bo_.va;
    write_struct(out, i);
}

}  // namespace tern::rt

using namespace tern::rt;

extern "C" {

TERN_API tern_status tern_tensor_create(tern_context context, const tern_tensor_desc* desc,
                                        tern_tensor* tensor) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Context* c = lookup<Context>(context);
    if (c == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not a live context handle");
    tern_tensor_desc d{};
    if (tern_status s = read_struct(desc, &d, "desc"); s != TERN_OK)
        return s;
    if (tensor == nullptr)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "tensor is NULL");
    uint32_t dtype = raw_enum(d.dtype), memory = raw_enum(d.memory);
    uint32_t esize = dtype >= TERN_DTYPE_FLOAT32 && dtype <= TERN_DTYPE_INT32
                         ? dtype_size(tern_dtype(dtype))
                         : 0;
    if (esize == 0)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "unknown dtype {}", dtype);
    if (d.rank < 1 || d.rank > TERN_MAX_RANK)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "rank {} is not in 1..{}", d.rank, TERN_MAX_RANK);
    if (d.reserved != 0 || d.flags != 0)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "desc.reserved and desc.flags must be zero");
    if (memory != TERN_MEMORY_DEVICE && memory != TERN_MEMORY_HOST_PINNED)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "unknown memory kind {}", memory);
    uint64_t bytes = esize;
    for (uint32_t i = 0; i < d.rank; ++i) {
        if (d.shape[i] == 0)
            return fail(TERN_ERROR_INVALID_ARGUMENT, "shape[{}] is 0; dimensions must be >= 1", i);
        if (__builtin_mul_overflow(bytes, d.shape[i], &bytes))
            return fail(TERN_ERROR_INVALID_ARGUMENT, "the tensor's size overflows 64 bits");
    }
    for (uint32_t i = d.rank; i < TERN_MAX_RANK; ++i)
        d.shape[i] = 0;
    auto* t = new Tensor(c, d, bytes);
    if (tern_status s = t->init(); s != TERN_OK) {
        t->release();
        return s;
    }
    if (!Registry::instance().add(t)) {
        t->release();
        return fail(TERN_ERROR_OUT_OF_HOST_MEMORY, "too many handles");
    }
    *tensor = to_handle<tern_tensor>(t);
    return TERN_OK;
}

TERN_API tern_status tern_tensor_destroy(tern_tensor tensor) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Object* o = Registry::instance().remove(reinterpret_cast<uint64_t>(tensor), Kind::tensor);
    if (o == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not a live tensor handle");
    o->release();  // the device keeps the memory until queued work is done
    return TERN_OK;
}

TERN_API tern_status tern_tensor_get_info(tern_tensor tensor, tern_tensor_info* info) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Tensor* t = find_tensor(tensor, "tensor");
    if (t == nullptr)
        return TERN_ERROR_INVALID_HANDLE;
    if (tern_status s = check_out_struct(info, "info"); s != TERN_OK)
        return s;
    t->info(info);
    return TERN_OK;
}

TERN_API tern_status tern_tensor_host_pointer(tern_tensor tensor, void** pointer) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Tensor* t = find_tensor(tensor, "tensor");
    if (t == nullptr)
        return TERN_ERROR_INVALID_HANDLE;
    if (pointer == nullptr)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "pointer is NULL");
    if (t->memory() != TERN_MEMORY_HOST_PINNED)
        return fail(TERN_ERROR_INVALID_ARGUMENT,
                    "only TERN_MEMORY_HOST_PINNED tensors have a host pointer");
    *pointer = t->cpu_map();
    return TERN_OK;
}

TERN_API tern_status tern_tensor_write(tern_tensor tensor, uint64_t offset, const void* src,
                                       uint64_t size) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Tensor* t = find_tensor(tensor, "tensor");
    if (t == nullptr)
        return TERN_ERROR_INVALID_HANDLE;
    if (tern_status s = check_range(offset, size, t->size_bytes(), "write"); s != TERN_OK)
        return s;
    if (size == 0)
        return TERN_OK;
    if (src == nullptr)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "src is NULL");
    if (auto* p = static_cast<uint8_t*>(t->cpu_map())) {
        std::memcpy(p + offset, src, size);
        return TERN_OK;
    }
    return t->context()->sync_write(t->va() + offset, src, size);
}

TERN_API tern_status tern_tensor_read(tern_tensor tensor, uint64_t offset, void* dst,
                                      uint64_t size) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Tensor* t = find_tensor(tensor, "tensor");
    if (t == nullptr)
        return TERN_ERROR_INVALID_HANDLE;
    if (tern_status s = check_range(offset, size, t->size_bytes(), "read"); s != TERN_OK)
        return s;
    if (size == 0)
        return TERN_OK;
    if (dst == nullptr)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "dst is NULL");
    // CPU reads of device memory through the BAR are uncached and slow:
    // only small ones go that way, larger ones use the DMA engine.
    constexpr uint64_t kMaxBarRead = 64 << 10;
    bool host = t->memory() == TERN_MEMORY_HOST_PINNED;
    if (host || size <= kMaxBarRead) {
        if (auto* p = static_cast<const uint8_t*>(t->cpu_map())) {
            std::memcpy(dst, p + offset, size);
            return TERN_OK;
        }
    }
    return t->context()->sync_read(dst, t->va() + offset, size);
}

}  // extern "C"
