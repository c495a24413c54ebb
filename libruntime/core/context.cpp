// SPDX-License-Identifier: MIT
#include "context.hpp"

#include "completion.hpp"
#include "queue.hpp"
#include "runtime.hpp"
#include "status.hpp"

#include <drm/tern_accel.h>
#include <unistd.h>

namespace tern::rt {

Context::Context(Device* device) : Object(kKind), device_(device) {}

Context::~Context() {
    if (sync_queue_ != nullptr) {
        (void)sync_queue_->synchronize(-1);
        sync_queue_->release();
    }
    // Joins the thread (or detaches it if it is dropping the last reference).
    completion_.reset();
    file_.reset();  // the driver frees whatever is left of the address space
}

tern_status Context::init() {
    return device_->open_file(&file_);
}

Completion& Context::completion() {
    if (Completion* c = completion_ptr_.load(std::memory_order_acquire))
        return *c;
    std::lock_guard lk(mu_);
    if (!completion_) {
        completion_ = std::make_unique<Completion>(file_.get(), device_->numa_node());
        completion_ptr_.store(completion_.get(), std::memory_order_release);
    }
    return *completion_;
}

tern_status Context::import_syncobj(Queue* src, uint32_t* handle) {
    std::lock_guard lk(mu_);
    for (auto& [key, h] : imported_) {
        if (key == src->handle()) {
            *handle = h;
            return TERN_OK;
        }
    }
    drm_syncobj_handle ex{};
    ex.handle = src->syncobj();
    if (int r = src->file()->ioctl(DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &ex); r != 0)
        return fail(status_from_errno(r), "SYNCOBJ_HANDLE_TO_FD failed ({})", errno_name(r));
    drm_syncobj_handle im{};
    im.fd = ex.fd;
    int r = file_->ioctl(DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &im);
    ::close(ex.fd);
    if (r != 0)
        return fail(status_from_errno(r), "SYNCOBJ_FD_TO_HANDLE failed ({})", errno_name(r));
    imported_.emplace_back(src->handle(), im.handle);
    *handle = im.handle;
    return TERN_OK;
}

tern_status Context::sync_queue(Queue** out) {
    if (sync_queue_ != nullptr && sync_queue_->broken()) {
        // A fault in an earlier transfer stops that queue for good.
        sync_queue_->release();
        sync_queue_ = nullptr;
    }
    if (sync_queue_ == nullptr) {
        auto* q = new Queue(this, true);
        if (tern_status s = q->init(TERN_PRIORITY_HIGH); s != TERN_OK) {
            q->release();
            return s;
        }
        sync_queue_ = q;
    }
    *out = sync_queue_;
    return TERN_OK;
}

tern_status Context::sync_write(uint64_t dst_va, const void* src, uint64_t size) {
    std::lock_guard lk(sync_mu_);
    Queue* q;
    if (tern_status s = sync_queue(&q); s != TERN_OK)
        return s;
    if (tern_status s = q->write_from_host(dst_va, src, size); s != TERN_OK)
        return s;
    return q->synchronize(-1);
}

tern_status Context::sync_read(void* dst, uint64_t src_va, uint64_t size) {
    std::lock_guard lk(sync_mu_);
    Queue* q;
    if (tern_status s = sync_queue(&q); s != TERN_OK)
        return s;
    if (tern_status s = q->read_to_host(dst, src_va, size); s != TERN_OK)
        return s;
    return q->synchronize(-1);
}

}  // namespace tern::rt

using namespace tern::rt;

extern "C" {

TERN_API tern_status tern_context_create(tern_device device, tern_context* context) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Device* d = lookup<Device>(device);
    if (d == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not an open device handle");
    if (context == nullptr)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "context is NULL");
    auto* c = new Context(d);
    if (tern_status s = c->init(); s != TERN_OK) {
        c->release();
        return s;
    }
    if (!Registry::instance().add(c)) {
        c->release();
        return fail(TERN_ERROR_OUT_OF_HOST_MEMORY, "too many handles");
    }
    *context = to_handle<tern_context>(c);
    return TERN_OK;
}

TERN_API tern_status tern_context_destroy(tern_context context) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Object* o = Registry::instance().remove(reinterpret_cast<uint64_t>(context), Kind::context);
    if (o == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not a live context handle");
    o->on_close();
    o->release();  // its queues, tensors, events and programs keep it alive
    return TERN_OK;
}

}  // extern "C"
