// SPDX-License-Identifier: MIT
// A queue: one UAPI context (a hardware queue in the context's address
// space) and its timeline syncobj. Submission is serialised by a per-queue
// lock and allocates nothing on the heap: commands, in-fences and binding
// tables live on the stack or in the queue's pinned rings.
#pragma once

#include "object.hpp"
#include "ring.hpp"

#include <tern/tern.h>

#include <drm/tern_accel.h>

#include <atomic>
#include <cstdint>
#include <mutex>

namespace tern::rt {

class Context;

class Queue final : public Object {
public:
    static constexpr Kind kKind = Kind::queue;

    // An internal queue (the context's own, for synchronous transfers)
    // holds no reference on its context, which owns it.
    Queue(Context* ctx, bool internal);
    ~Queue() override;
    tern_status init(tern_priority priority);
    void on_close() override;  // waits for the submitted work

    Context* context() const { return ctx_; }
    File* file() const { return file_; }
    uint32_t id() const { return ctx_id_; }
    uint32_t syncobj() const { return syncobj_; }
    bool internal() const { return internal_; }
    uint64_t last_submitted() const { return last_.load(std::memory_order_acquire); }
    uint64_t signaled_point() const { return signaled_.load(std::memory_order_acquire); }

    // ---- submission ----
    tern_status copy(uint64_t dst_va, uint64_t src_va, uint64_t size);
    // Pageable host memory through the staging ring; returns when `src`
    // has been copied into staging.
    tern_status write_from_host(uint64_t dst_va, const void* src, uint64_t size);
    // `dst` is written when each chunk's DMA completes (retire()).
    tern_status read_to_host(void* dst, uint64_t src_va, uint64_t size);
    // bindings: `count` pairs {va, size}.
    tern_status launch(uint64_t program_va, uint32_t program_size, const uint64_t (*bindings)[2],
                       uint32_t count, uint32_t core_mask);
    // The next job waits for `point` of `src`, whose syncobj is `handle`
    // in this queue's file (src's own, or imported from another file).
    tern_status depend_on(Queue* src, uint32_t handle, uint64_t point);
    // The point after everything submitted so far (in-fences included).
    tern_status record(uint64_t* point);

    // ---- completion ----
    // TERN_ERROR_TIMEOUT (no error recorded) if `timeout_ns` passes first;
    // else the status of job `point` after its host-side work is done.
    tern_status wait(uint64_t point, int64_t timeout_ns);
    tern_status synchronize(int64_t timeout_ns);
    // Status of a job known to be finished, with the error recorded.
    tern_status point_status(uint64_t point);
    // tern_queue_get_error.
    void get_error(tern_error_detail* d);
    // Retires host-side work (copy-outs, scratch space) of jobs <= signaled.
    void retire(uint64_t signaled);
    // Whether the context's worker has this queue in its wait set; only
    // the worker clears it (see Completion), producers set it.
    std::atomic<bool> watched{false};

    // The worker saw the timeline reach `point`.
    void on_signaled(uint64_t point);
    // Seqno of the oldest pending copy-out, 0 if none (for the worker).
    uint64_t oldest_copy_out();
    bool broken() const { return broken_.load(std::memory_order_acquire); }

private:
    struct Pending {
        Queue* src;  // retained
        uint32_t handle;
        uint64_t point;
    };

    tern_status submit_locked(const drm_tern_cmd* cmds, uint32_t count, uint64_t* seqno);
    tern_status submit_error(int r);
    // Waits for the syncobj point only.
    tern_status wait_signaled(uint64_t point, int64_t timeout_ns);
    // Learns whether jobs up to `signaled` succeeded (CTX_QUERY if needed).
    // `force`: query even if nothing new is known to have finished.
    void refresh(uint64_t signaled, bool force = false);
    void retire_now(uint64_t signaled);
    bool point_ok(uint64_t point) const;
    // Frees ring space by waiting for the ring's oldest job.
    tern_status make_room(Ring& ring);
    tern_status ensure_ring(Ring& ring, uint64_t bytes, uint32_t entries);
    // A staging ring suited to a copy of `copy_size` bytes (grown if it
    // can be), under mu_.
    tern_status ensure_staging(uint64_t copy_size);

    Context* ctx_;
    File* file_;
    bool internal_;
    uint32_t ctx_id_ = 0;
    uint32_t syncobj_ = 0;
    bool created_ = false;

    std::mutex mu_;  // submission order; guards pending_ and the rings' heads
    Pending pending_[DRM_TERN_MAX_IN_FENCES];
    uint32_t num_pending_ = 0;
    std::atomic<uint64_t> last_{0};

    std::mutex host_mu_;  // ring entries and tails; copy-outs run under it
    Ring staging_;
    Ring bindings_;
    bool staging_grow_failed_ = false;    // under mu_
    std::atomic<uint32_t> copy_outs_{0};  // staging entries pending

    std::atomic<uint64_t> signaled_{0};  // highest point known signalled
    std::atomic<uint64_t> ok_upto_{0};   // every job <= this succeeded
    std::atomic<bool> broken_{false};
    std::mutex fault_mu_;
    drm_tern_ctx_query fault_{};  // the first failure, once broken_
};

}  // namespace tern::rt
