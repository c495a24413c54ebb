// SPDX-License-Identifier: MIT
// Programs: an ISA image in a device BO; launch builds the binding table in
// the queue's pinned binding ring and submits one EXECUTE job.
#include "api_struct.hpp"
#include "bo.hpp"
#include "context.hpp"
#include "isa_check.hpp"
#include "object.hpp"
#include "queue.hpp"
#include "runtime.hpp"
#include "status.hpp"
#include "tensor.hpp"

#include <drm/tern_accel.h>

#include <cstring>

namespace tern::rt {

class Program final : public Object {
public:
    static constexpr Kind kKind = Kind::program;

    Program(Context* ctx, uint32_t size) : Object(kKind), ctx_(ctx), size_(size) {}
    ~Program() override { bo_destroy(&bo_); }

    tern_status upload(const void* image) {
        File* f = ctx_->file();
        if (ctx_->device()->device_mmap()) {
            // CPU-written through the BAR, so the device may only read it.
            if (tern_status s =
                    bo_create(f, size_, DRM_TERN_BO_DEVICE | DRM_TERN_BO_READ_ONLY, &bo_);
                s != TERN_OK)
                return s;
            if (bo_map(&bo_) == TERN_OK) {
                std::memcpy(bo_.map, image, size_);
                f->munmap(bo_.map, bo_.size);
                bo_.map = nullptr;
                return TERN_OK;
            }
            bo_destroy(&bo_);
        }
        // Written by the DMA engine, so not read-only to the device.
        if (tern_status s = bo_create(f, size_, DRM_TERN_BO_DEVICE, &bo_); s != TERN_OK)
            return s;
        return ctx_->sync_write(bo_.va, image, size_);
    }

    Context* context() const { return ctx_.get(); }
    uint64_t va() const { return bo_.va; }
    uint32_t size() const { return size_; }

private:
    Ref<Context> ctx_;
    uint32_t size_;
    Bo bo_;
};

}  // namespace tern::rt

using namespace tern::rt;

extern "C" {

TERN_API tern_status tern_program_create(tern_context context, const void* image, size_t size,
                                         tern_program* program) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Context* c = lookup<Context>(context);
    if (c == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not a live context handle");
    if (image == nullptr || program == nullptr || size == 0)
        return fail(TERN_ERROR_INVALID_ARGUMENT,
                    "image and program must not be NULL, size must not be 0");
    std::string why;
    if (!check_program_header(image, size, &why))
        return fail(TERN_ERROR_INVALID_PROGRAM, "{}", why);
    auto* p = new Program(c, uint32_t(size));
    if (tern_status s = p->upload(image); s != TERN_OK) {
        p->release();
        return s;
    }
    if (!Registry::instance().add(p)) {
        p->release();
        return fail(TERN_ERROR_OUT_OF_HOST_MEMORY, "too many handles");
    }
    *program = to_handle<tern_program>(p);
    return TERN_OK;
}

TERN_API tern_status tern_program_destroy(tern_program program) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Object* o = Registry::instance().remove(reinterpret_cast<uint64_t>(program), Kind::program);
    if (o == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not a live program handle");
    o->release();
    return TERN_OK;
}

TERN_API tern_status tern_program_launch(tern_queue queue, tern_program program,
                                         const tern_tensor* bindings, uint32_t binding_count,
                                         const tern_launch_desc* desc) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Queue* q = lookup<Queue>(queue);
    if (q == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not a live queue handle");
    Program* p = lookup<Program>(program);
    if (p == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not a live program handle");
    if (p->context() != q->context())
        return fail(TERN_ERROR_INVALID_HANDLE,
                    "the program belongs to another context than the queue");
    tern_launch_desc d{};
    if (desc != nullptr) {
        if (tern_status s = read_struct(desc, &d, "desc"); s != TERN_OK)
            return s;
    }
    uint32_t cores = q->context()->device()->num_cores();
    if (cores < 32 && (d.core_mask >> cores) != 0)
        return fail(TERN_ERROR_INVALID_ARGUMENT,
                    "core_mask {:#x} names cores beyond the device's {}", d.core_mask, cores);
    if (binding_count > DRM_TERN_MAX_BINDINGS)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "{} bindings, at most {}", binding_count,
                    DRM_TERN_MAX_BINDINGS);
    if (binding_count != 0 && bindings == nullptr)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "bindings is NULL");
    uint64_t table[DRM_TERN_MAX_BINDINGS][2];
    for (uint32_t i = 0; i < binding_count; ++i) {
        if (bindings[i] == nullptr) {
            table[i][0] = table[i][1] = 0;  // an empty slot
            continue;
        }
        Tensor* t = lookup<Tensor>(bindings[i]);
        if (t == nullptr)
            return fail(TERN_ERROR_INVALID_HANDLE, "bindings[{}] is not a live tensor handle", i);
        if (t->context() != q->context())
            return fail(TERN_ERROR_INVALID_HANDLE,
                        "bindings[{}] belongs to another context than the queue", i);
        table[i][0] = t->va();
        table[i][1] = t->size_bytes();
    }
    return q->launch(p->va(), p->size(), table, binding_count, d.core_mask);
}

}  // extern "C"
