// SPDX-License-Identifier: MIT
// Asynchronous copies: tensor to tensor (one DMA job) and between pageable
// host memory and a tensor (staged through the queue's pinned ring).
#include "context.hpp"
#include "queue.hpp"
#include "runtime.hpp"
#include "status.hpp"
#include "tensor.hpp"

using namespace tern::rt;

namespace {

// A tensor of another context is a foreign handle there (tern.h).
tern_status same_context(const Queue* q, const Tensor* t, const char* what) {
    if (t->context() != q->context())
        return fail(TERN_ERROR_INVALID_HANDLE,
                    "{} belongs to another context than the queue (device addresses are per "
                    "context)",
                    what);
    return TERN_OK;
}

}  // namespace

extern "C" {

TERN_API tern_status tern_copy_async(tern_queue queue, tern_tensor dst, uint64_t dst_offset,
                                     tern_tensor src, uint64_t src_offset, uint64_t size) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Queue* q = lookup<Queue>(queue);
    if (q == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not a live queue handle");
    Tensor* d = find_tensor(dst, "dst");
    if (d == nullptr)
        return TERN_ERROR_INVALID_HANDLE;
    Tensor* s = find_tensor(src, "src");
    if (s == nullptr)
        return TERN_ERROR_INVALID_HANDLE;
    if (tern_status st = same_context(q, d, "dst"); st != TERN_OK)
        return st;
    if (tern_status st = same_context(q, s, "src"); st != TERN_OK)
        return st;
    if (tern_status st = check_range(dst_offset, size, d->size_bytes(), "dst"); st != TERN_OK)
        return st;
    if (tern_status st = check_range(src_offset, size, s->size_bytes(), "src"); st != TERN_OK)
        return st;
    if (size == 0)
        return TERN_OK;
    return q->copy(d->va() + dst_offset, s->va() + src_offset, size);
}

TERN_API tern_status tern_write_async(tern_queue queue, tern_tensor dst, uint64_t dst_offset,
                                      const void* src, uint64_t size) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Queue* q = lookup<Queue>(queue);
    if (q == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not a live queue handle");
    Tensor* d = find_tensor(dst, "dst");
    if (d == nullptr)
        return TERN_ERROR_INVALID_HANDLE;
    if (tern_status st = same_context(q, d, "dst"); st != TERN_OK)
        return st;
    if (tern_status st = check_range(dst_offset, size, d->size_bytes(), "dst"); st != TERN_OK)
        return st;
    if (size == 0)
        return TERN_OK;
    if (src == nullptr)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "src is NULL");
    return q->write_from_host(d->va() + dst_offset, src, size);
}

TERN_API tern_status tern_read_async(tern_queue queue, void* dst, tern_tensor src,
                                     uint64_t src_offset, uint64_t size) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Queue* q = lookup<Queue>(queue);
    if (q == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not a live queue handle");
    Tensor* s = find_tensor(src, "src");
    if (s == nullptr)
        return TERN_ERROR_INVALID_HANDLE;
    if (tern_status st = same_context(q, s, "src"); st != TERN_OK)
        return st;
    if (tern_status st = check_range(src_offset, size, s->size_bytes(), "src"); st != TERN_OK)
        return st;
    if (size == 0)
        return TERN_OK;
    if (dst == nullptr)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "dst is NULL");
    return q->read_to_host(dst, s->va() + src_offset, size);
}

}  // extern "C"
