// SPDX-License-Identifier: MIT
#include "queue.hpp"

#include "completion.hpp"
#include "context.hpp"
#include "fault.hpp"
#include "log.hpp"
#include "status.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <ctime>

namespace tern::rt {

namespace {

// Pageable copies stage through a pinned ring per queue, copied in chunks of
// a quarter ring: several chunks in flight keep the DMA engine busy while the
// CPU copies. The ring starts small and grows with the copies (up to 16 MiB)
// because pinned memory counts against RLIMIT_MEMLOCK (8 MiB by default).
constexpr uint64_t kStagingMin = 256ull << 10;
constexpr uint64_t kStagingMax = 16ull << 20;
constexpr uint32_t kStagingEntries = 1024;
// Binding tables: up to 4 KiB each, typically tens of bytes.
constexpr uint64_t kBindingBytes = 256ull << 10;
constexpr uint32_t kBindingEntries = 4096;

uint64_t pow2_ceil(uint64_t v) {
    uint64_t p = 1;
    while (p < v && p < (1ull << 62))
        p <<= 1;
    return p;
}

int64_t deadline(int64_t timeout_ns) {
    if (timeout_ns < 0)
        return INT64_MAX;
    if (timeout_ns == 0)
        return 0;  // already passed: the kernel only polls
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t now = int64_t(ts.tv_sec) * 1000000000 + ts.tv_nsec;
    return timeout_ns > INT64_MAX - now ? INT64_MAX : now + timeout_ns;
}

void atomic_max(std::atomic<uint64_t>& a, uint64_t v) {
    uint64_t cur = a.load(std::memory_order_relaxed);
    while (cur < v && !a.compare_exchange_weak(cur, v, std::memory_order_acq_rel)) {
    }
}

drm_tern_cmd dma_cmd(uint64_t src, uint64_t dst, uint64_t size) {
    drm_tern_cmd c{};
    c.type = DRM_TERN_CMD_DMA_COPY;
    c.dma.src_va = src;
    c.dma.dst_va = dst;
    c.dma.size = size;
    return c;
}

}  // namespace

Queue::Queue(Context* ctx, bool internal)
    : Object(kKind), ctx_(ctx), file_(ctx->file()), internal_(internal) {
    if (!internal_)
        ctx_->retain();
}

Queue::~Queue() {
    if (created_) {
        drm_tern_ctx_destroy d{};
        d.ctx_id = ctx_id_;
        if (int r = file_->ioctl(DRM_IOCTL_TERN_CTX_DESTROY, &d); r != 0)
            TERN_LOG(warn, "CTX_DESTROY of queue {} failed ({})", ctx_id_, errno_name(r));
    }
    staging_.destroy();
    bindings_.destroy();
    for (uint32_t i = 0; i < num_pending_; ++i)
        pending_[i].src->release();
    if (!internal_)
        ctx_->release();
}

tern_status Queue::init(tern_priority priority) {
    drm_tern_ctx_create c{};
    c.priority = uint32_t(priority);
    int r = file_->ioctl(DRM_IOCTL_TERN_CTX_CREATE, &c);
    if (r == -EPERM)
        return fail(TERN_ERROR_PERMISSION, "TERN_PRIORITY_REALTIME needs CAP_SYS_NICE");
    if (r == -ENOSPC)
        return fail(TERN_ERROR_BUSY,
                    "no free hardware queue: the device's queues are all in use (ENOSPC)");
    if (r == -ECANCELED)
        return fail(TERN_ERROR_DEVICE_FAULT,
                    "the driver banned this context after repeated faults; create a new "
                    "context");
    if (r != 0)
        return fail(status_from_errno(r), "CTX_CREATE failed ({})", errno_name(r));
    ctx_id_ = c.ctx_id;
    syncobj_ = c.syncobj_handle;
    created_ = true;
    return TERN_OK;
}

void Queue::on_close() {
    (void)synchronize(-1);
    if (Completion* c = internal_ ? nullptr : ctx_->started_completion())
        c->release_queue(this);
}

// ---- submission -------------------------------------------------------

tern_status Queue::submit_locked(const drm_tern_cmd* cmds, uint32_t count, uint64_t* seqno) {
    drm_tern_fence fences[DRM_TERN_MAX_IN_FENCES];
    for (uint32_t i = 0; i < num_pending_; ++i)
        fences[i] = drm_tern_fence{pending_[i].handle, 0, pending_[i].point};
    drm_tern_submit s{};
    s.ctx_id = ctx_id_;
    s.cmd_count = count;
    s.cmds_ptr = reinterpret_cast<uintptr_t>(cmds);
    s.in_fence_count = num_pending_;
    s.in_fences_ptr = reinterpret_cast<uintptr_t>(fences);
    int r = file_->ioctl(DRM_IOCTL_TERN_SUBMIT, &s);
    if (r != 0)
        return submit_error(r);
    for (uint32_t i = 0; i < num_pending_; ++i)
        pending_[i].src->release();
    num_pending_ = 0;
    last_.store(s.seqno, std::memory_order_release);
    *seqno = s.seqno;
    TERN_LOG(trace, "queue {}: job {} ({} commands, {} in-fences)", ctx_id_, s.seqno, count,
             s.in_fence_count);
    return TERN_OK;
}

tern_status Queue::submit_error(int r) {
    if (r == -ECANCELED) {
        refresh(signaled_.load(std::memory_order_acquire), true);
        if (broken()) {
            tern_error_detail d;
            describe_fault(
                fault_, ctx_id_, TERN_ERROR_QUEUE_BROKEN,
                "queue unusable since a job failed (destroy it, create a new one): ", &d);
            return set_error_detail(d);
        }
        return fail(TERN_ERROR_QUEUE_BROKEN, "queue {} was stopped by the driver", ctx_id_);
    }
    return fail(status_from_errno(r, ErrnoOp::submit), "SUBMIT on queue {} failed ({})", ctx_id_,
                errno_name(r));
}

tern_status Queue::ensure_ring(Ring& ring, uint64_t bytes, uint32_t entries) {
    if (ring.ready())
        return TERN_OK;
    std::lock_guard hl(host_mu_);
    return ring.create(file_, bytes, entries);
}

tern_status Queue::ensure_staging(uint64_t copy_size) {
    uint64_t want = std::clamp(pow2_ceil(copy_size), kStagingMin, kStagingMax);
    if (staging_.ready() && (staging_.capacity() >= want || staging_grow_failed_))
        return TERN_OK;
    if (staging_.ready()) {
        // Grow: wait for the jobs using the old ring, then replace it.
        for (;;) {
            {
                std::lock_guard hl(host_mu_);
                if (staging_.empty())
                    break;
            }
            if (tern_status s = make_room(staging_); s != TERN_OK)
                return s;
        }
        uint64_t old = staging_.capacity();
        std::lock_guard hl(host_mu_);
        staging_.destroy();
        if (staging_.create(file_, want, kStagingEntries) == TERN_OK)
            return TERN_OK;
        staging_grow_failed_ = true;  // e.g. RLIMIT_MEMLOCK: keep what worked
        want = old;
    }
    std::lock_guard hl(host_mu_);
    for (;; want /= 2) {
        tern_status s = staging_.create(file_, want, kStagingEntries);
        if (s == TERN_OK || want <= kStagingMin)
            return s;
        staging_grow_failed_ = true;
    }
}

tern_status Queue::make_room(Ring& ring) {
    uint64_t oldest;
    {
        std::lock_guard hl(host_mu_);
        oldest = ring.oldest_seqno();
    }
    if (oldest == 0)
        return fail(TERN_ERROR_INTERNAL, "staging ring of queue {} is full but idle", ctx_id_);
    if (tern_status s = wait_signaled(oldest, -1); s != TERN_OK)
        return s;
    retire_now(oldest);
    return TERN_OK;
}

tern_status Queue::copy(uint64_t dst_va, uint64_t src_va, uint64_t size) {
    // One command moves at most DRM_TERN_MAX_DMA_SIZE; tensors never need
    // more than a few.
    drm_tern_cmd cmds[8];
    uint32_t n = 0;
    for (uint64_t done = 0; done < size; ++n) {
        if (n == 8)
            return fail(TERN_ERROR_INVALID_ARGUMENT, "copy of {} bytes is too large", size);
        uint64_t len = std::min<uint64_t>(size - done, DRM_TERN_MAX_DMA_SIZE);
        cmds[n] = dma_cmd(src_va + done, dst_va + done, len);
        done += len;
    }
    std::lock_guard lk(mu_);
    uint64_t seqno;
    return submit_locked(cmds, n, &seqno);
}

tern_status Queue::write_from_host(uint64_t dst_va, const void* src, uint64_t size) {
    std::lock_guard lk(mu_);
    if (tern_status s = ensure_staging(size); s != TERN_OK)
        return s;
    const uint64_t chunk = staging_.capacity() / 4;
    const auto* p = static_cast<const uint8_t*>(src);
    for (uint64_t done = 0; done < size;) {
        uint64_t n = std::min(size - done, chunk);
        uint64_t off;
        for (;;) {
            {
                std::lock_guard hl(host_mu_);
                if (staging_.reserve(n, 64, &off))
                    break;
            }
            if (tern_status s = make_room(staging_); s != TERN_OK)
                return s;
        }
        std::memcpy(staging_.cpu(off), p + done, n);
        drm_tern_cmd cmd = dma_cmd(staging_.va(off), dst_va + done, n);
        uint64_t seqno;
        tern_status s = submit_locked(&cmd, 1, &seqno);
        std::lock_guard hl(host_mu_);
        if (s != TERN_OK) {
            staging_.unreserve();
            return s;
        }
        staging_.commit(seqno, nullptr, off, n);
        done += n;
    }
    return TERN_OK;
}

tern_status Queue::read_to_host(void* dst, uint64_t src_va, uint64_t size) {
    std::unique_lock lk(mu_);
    if (tern_status s = ensure_staging(size); s != TERN_OK)
        return s;
    const uint64_t chunk = staging_.capacity() / 4;
    auto* p = static_cast<uint8_t*>(dst);
    bool queued = false;
    tern_status status = TERN_OK;
    for (uint64_t done = 0; done < size;) {
        uint64_t n = std::min(size - done, chunk);
        uint64_t off;
        for (;;) {
            {
                std::lock_guard hl(host_mu_);
                if (staging_.reserve(n, 64, &off))
                    break;
            }
            status = make_room(staging_);
            if (status != TERN_OK)
                break;
        }
        if (status != TERN_OK)
            break;
        drm_tern_cmd cmd = dma_cmd(src_va + done, staging_.va(off), n);
        uint64_t seqno;
        status = submit_locked(&cmd, 1, &seqno);
        std::lock_guard hl(host_mu_);
        if (status != TERN_OK) {
            staging_.unreserve();
            break;
        }
        staging_.commit(seqno, p + done, off, n);
        copy_outs_.fetch_add(1, std::memory_order_release);
        queued = true;
        done += n;
    }
    lk.unlock();
    // The context's worker copies each chunk out as its DMA completes; the
    // internal queue's callers wait and copy out themselves.
    if (queued && !internal_ && !watched.exchange(true))
        ctx_->completion().watch(this);
    return status;
}

tern_status Queue::launch(uint64_t program_va, uint32_t program_size, const uint64_t (*bindings)[2],
                          uint32_t count, uint32_t core_mask) {
    std::lock_guard lk(mu_);
    uint64_t table_va = 0, off = 0, bytes = uint64_t(count) * 16;
    if (count != 0) {
        if (tern_status s = ensure_ring(bindings_, kBindingBytes, kBindingEntries); s != TERN_OK)
            return s;
        for (;;) {
            {
                std::lock_guard hl(host_mu_);
                if (bindings_.reserve(bytes, 16, &off))
                    break;
            }
            if (tern_status s = make_room(bindings_); s != TERN_OK)
                return s;
        }
        std::memcpy(bindings_.cpu(off), bindings, bytes);
        table_va = bindings_.va(off);
    }
    drm_tern_cmd cmd{};
    cmd.type = DRM_TERN_CMD_EXECUTE;
    cmd.exec.program_va = program_va;
    cmd.exec.bindings_va = table_va;
    cmd.exec.program_size = program_size;
    cmd.exec.binding_count = count;
    cmd.exec.core_mask = core_mask;
    uint64_t seqno;
    tern_status s = submit_locked(&cmd, 1, &seqno);
    if (count != 0) {
        std::lock_guard hl(host_mu_);
        if (s != TERN_OK)
            bindings_.unreserve();
        else
            bindings_.commit(seqno, nullptr, off, bytes);
    }
    return s;
}

tern_status Queue::depend_on(Queue* src, uint32_t handle, uint64_t point) {
    if (src == this || point == 0 || point <= src->signaled_.load(std::memory_order_acquire))
        return TERN_OK;
    std::lock_guard lk(mu_);
    for (uint32_t i = 0; i < num_pending_; ++i) {
        if (pending_[i].src == src) {
            pending_[i].point = std::max(pending_[i].point, point);
            return TERN_OK;
        }
    }
    if (num_pending_ == DRM_TERN_MAX_IN_FENCES) {
        // Attach the fences so far to an empty job to make room.
        uint64_t seqno;
        if (tern_status s = submit_locked(nullptr, 0, &seqno); s != TERN_OK)
            return s;
    }
    src->retain();
    pending_[num_pending_++] = Pending{src, handle, point};
    return TERN_OK;
}

tern_status Queue::record(uint64_t* point) {
    std::lock_guard lk(mu_);
    if (num_pending_ != 0) {
        // The point must include the waits: an empty job carries them.
        uint64_t seqno;
        if (tern_status s = submit_locked(nullptr, 0, &seqno); s != TERN_OK)
            return s;
    }
    *point = last_.load(std::memory_order_relaxed);
    return TERN_OK;
}

// ---- completion -------------------------------------------------------

tern_status Queue::wait_signaled(uint64_t point, int64_t timeout_ns) {
    if (point == 0 || point <= signaled_.load(std::memory_order_acquire))
        return TERN_OK;
    uint32_t handle = syncobj_;
    uint64_t p = point;
    drm_syncobj_timeline_wait w{};
    w.handles = reinterpret_cast<uintptr_t>(&handle);
    w.points = reinterpret_cast<uintptr_t>(&p);
    w.timeout_nsec = deadline(timeout_ns);
    w.count_handles = 1;
    w.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL;
    int r = file_->ioctl(DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT, &w);
    if (r == -ETIME || r == -ETIMEDOUT)
        return TERN_ERROR_TIMEOUT;
    if (r != 0)
        return fail(status_from_errno(r, ErrnoOp::wait),
                    "waiting for job {} of queue {} failed ({})", point, ctx_id_, errno_name(r));
    atomic_max(signaled_, point);
    return TERN_OK;
}

void Queue::refresh(uint64_t signaled, bool force) {
    if (broken_.load(std::memory_order_acquire) ||
        (!force && signaled <= ok_upto_.load(std::memory_order_acquire)))
        return;
    drm_tern_ctx_query q{};
    q.ctx_id = ctx_id_;
    if (int r = file_->ioctl(DRM_IOCTL_TERN_CTX_QUERY, &q); r != 0) {
        // The device is gone (ENODEV) or the driver misbehaves: report
        // every unconfirmed job as lost rather than as done.
        TERN_LOG(warn, "CTX_QUERY on queue {} failed ({})", ctx_id_, errno_name(r));
        q = drm_tern_ctx_query{};
        q.state = DRM_TERN_CTX_STATE_RESET;
        q.error = DRM_TERN_ERR_DEVICE_RESET;
        q.failed_seqno = ok_upto_.load() + 1;
        q.op_index = q.cmd_index = DRM_TERN_INDEX_NONE;
    }
    if (q.state == DRM_TERN_CTX_STATE_OK) {
        // Jobs <= signaled finished; the context being OK after that
        // means none of them failed.
        atomic_max(ok_upto_, std::min(signaled, last_.load(std::memory_order_acquire)));
        atomic_max(ok_upto_, q.completed_seqno);
        return;
    }
    std::lock_guard lk(fault_mu_);
    if (!broken_.load(std::memory_order_relaxed)) {
        fault_ = q;
        broken_.store(true, std::memory_order_release);
        TERN_LOG(info, "queue {}: job {} failed (device error {}, fault VA {:#x})", ctx_id_,
                 q.failed_seqno, q.error, q.fault_va);
    }
}

bool Queue::point_ok(uint64_t point) const {
    if (point <= ok_upto_.load(std::memory_order_acquire))
        return true;
    if (!broken_.load(std::memory_order_acquire))
        return false;
    return fault_.failed_seqno != 0 ? point < fault_.failed_seqno : point <= fault_.completed_seqno;
}

tern_status Queue::point_status(uint64_t point) {
    refresh(point);
    if (point_ok(point))
        return TERN_OK;
    if (!broken())
        return fail(TERN_ERROR_INTERNAL, "queue {}: job {} finished in an unknown state", ctx_id_,
                    point);
    tern_error_detail d;
    describe_fault(fault_, ctx_id_, fault_status(fault_), "", &d);
    return set_error_detail(d);
}

tern_status Queue::wait(uint64_t point, int64_t timeout_ns) {
    if (tern_status s = wait_signaled(point, timeout_ns); s != TERN_OK)
        return s;
    retire(point);
    return point_status(point);
}

tern_status Queue::synchronize(int64_t timeout_ns) {
    uint64_t point;
    if (tern_status s = record(&point); s != TERN_OK)
        return s;
    return wait(point, timeout_ns);
}

void Queue::retire(uint64_t signaled) {
    if (copy_outs_.load(std::memory_order_acquire) != 0)
        retire_now(signaled);
}

void Queue::retire_now(uint64_t signaled) {
    refresh(signaled);
    std::lock_guard hl(host_mu_);
    bindings_.retire(signaled, [](Ring::Entry&) {});
    staging_.retire(signaled, [&](Ring::Entry& e) {
        if (e.dst == nullptr)
            return;
        // A failed job leaves `dst` alone rather than filling it with junk.
        if (point_ok(e.seqno))
            std::memcpy(e.dst, staging_.cpu(e.off), e.size);
        copy_outs_.fetch_sub(1, std::memory_order_release);
    });
}

void Queue::on_signaled(uint64_t point) {
    atomic_max(signaled_, point);
    retire(point);
}

uint64_t Queue::oldest_copy_out() {
    if (copy_outs_.load(std::memory_order_acquire) == 0)
        return 0;
    std::lock_guard hl(host_mu_);
    return staging_.oldest_seqno();
}

void Queue::get_error(tern_error_detail* d) {
    refresh(signaled_.load(std::memory_order_acquire), true);
    if (broken()) {
        describe_fault(fault_, ctx_id_, fault_status(fault_), "", d);
        return;
    }
    std::memset(d, 0, sizeof(*d));
    d->struct_size = sizeof(*d);
    d->status = TERN_OK;
    d->queue_id = ctx_id_;
    d->op_index = DRM_TERN_INDEX_NONE;
}

}  // namespace tern::rt

using namespace tern::rt;

#include "api_struct.hpp"
#include "runtime.hpp"

extern "C" {

TERN_API tern_status tern_queue_create(tern_context context, const tern_queue_desc* desc,
                                       tern_queue* queue) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Context* c = lookup<Context>(context);
    if (c == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not a live context handle");
    tern_queue_desc d{};
    d.priority = TERN_PRIORITY_NORMAL;
    if (desc != nullptr) {
        if (tern_status s = read_struct(desc, &d, "desc"); s != TERN_OK)
            return s;
    }
    if (raw_enum(d.priority) > TERN_PRIORITY_REALTIME)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "unknown priority {}", raw_enum(d.priority));
    if (queue == nullptr)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "queue is NULL");
    auto* q = new Queue(c, false);
    if (tern_status s = q->init(d.priority); s != TERN_OK) {
        q->release();
        return s;
    }
    if (!Registry::instance().add(q)) {
        q->release();
        return fail(TERN_ERROR_OUT_OF_HOST_MEMORY, "too many handles");
    }
    *queue = to_handle<tern_queue>(q);
    return TERN_OK;
}

TERN_API tern_status tern_queue_destroy(tern_queue queue) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Object* o = Registry::instance().remove(reinterpret_cast<uint64_t>(queue), Kind::queue);
    if (o == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not a live queue handle");
    o->on_close();
    o->release();
    return TERN_OK;
}

TERN_API tern_status tern_queue_synchronize(tern_queue queue, int64_t timeout_ns) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Queue* q = lookup<Queue>(queue);
    if (q == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not a live queue handle");
    tern_status s = q->synchronize(timeout_ns);
    if (s == TERN_ERROR_TIMEOUT)
        return fail(s, "queue {} did not finish its work within {} ns", q->id(), timeout_ns);
    return s;
}

TERN_API tern_status tern_queue_get_error(tern_queue queue, tern_error_detail* detail) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Queue* q = lookup<Queue>(queue);
    if (q == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not a live queue handle");
    if (tern_status s = check_out_struct(detail, "detail"); s != TERN_OK)
        return s;
    tern_error_detail d;
    q->get_error(&d);
    write_struct(detail, d);
    return TERN_OK;
}

}  // extern "C"
