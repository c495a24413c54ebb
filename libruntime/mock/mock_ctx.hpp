// SPDX-License-Identifier: MIT
// Execution contexts: one hardware queue bound to the file's ASID, a
// timeline whose point N is job N, and the job life cycle around it:
// descriptors on the ring (hot path) or a pending list while in-fences or
// ring space are missing, completion from the queue's interrupt, and the
// failure paths (device halt, job timeout, dependency error, ban, function
// reset) that stop the context for good and signal every point.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

#include "drm/tern_accel.h"
#include "mock/mock_fence.hpp"
#include "mock/mock_syncobj.hpp"
#include "tern/hw/tern_desc.h"

namespace tern::rt::mock {

class MockCtx;
class MockDevice;
struct HwQueue;

// Per-file ban accounting shared by the file's contexts.
class CtxGroup {
public:
    explicit CtxGroup(uint32_t threshold) : threshold_(threshold) {}
    bool banned() const { return banned_.load(std::memory_order_acquire); }
    void add(const std::shared_ptr<MockCtx>& ctx);
    // A context faulted or timed out; at the threshold every context of the
    // file is banned. Call without context locks held.
    void charge_hang();

private:
    const uint32_t threshold_;
    std::atomic<uint32_t> hangs_{0};
    std::atomic<bool> banned_{false};
    std::mutex mu_;
    std::vector<std::weak_ptr<MockCtx>> ctxs_;
};

class MockCtx : public std::enable_shared_from_this<MockCtx> {
public:
    // Takes a hardware queue, binds it to `asid` and enables it. 0, or
    // -ENOSPC (no free queue), -ENOMEM, -EIO (the queue refused to start).
    static int create(const std::shared_ptr<MockDevice>& dev, uint32_t asid,
                      const std::shared_ptr<CtxGroup>& group, uint32_t priority,
                      std::shared_ptr<MockCtx>* out);
    ~MockCtx();
    MockCtx(const MockCtx&) = delete;
    MockCtx& operator=(const MockCtx&) = delete;

    const std::shared_ptr<Syncobj>& syncobj() const { return syncobj_; }
    const std::shared_ptr<Timeline>& timeline() const { return tl_; }

    // Queues a job of n validated descriptors (n == 0: an empty job) after
    // `fences`. Returns 0 with *seqno, or -ECANCELED / -ENOENT / -ENOMEM.
    int submit(const tern_desc* descs, uint32_t n, const Fence* fences, uint32_t num_fences,
               uint64_t* seqno);
    void query(drm_tern_ctx_query* q);
    // The fence of the last job submitted so far (for BO retirement).
    Fence last_fence();
    // CTX_DESTROY / close(): cancels what has not started, stops the queue,
    // signals everything and gives the queue back. Idempotent.
    void destroy();
    // The file was banned.
    void ban();

    // ---- Called by the device ----
    void irq();  // vector 1 + q, on the model's thread
    // The worker's pass; true if it wants to look again soon (a stop waits
    // for a running program).
    bool service(uint64_t now_ns, uint64_t timeout_ns);
    void stop_for_reset();  // before a function reset
    void finish_reset();    // after it

private:
    struct SlotInfo {
        uint64_t seqno = 0;
        uint32_t cmd_index = 0;
        uint8_t opcode = 0;
    };
    struct Job {
        uint64_t seqno = 0;
        bool empty = false;
        std::vector<tern_desc> descs;
        std::vector<Fence> fences;
    };
    // Wakes the device worker when an in-fence signals.
    struct KickWaker final : Waker {
        MockDevice* dev = nullptr;
        void wake() override;
    };

    MockCtx(MockDevice* dev, uint32_t q, std::shared_ptr<CtxGroup> group);

    bool ring_space_locked(uint32_t n);
    void push_locked(const tern_desc* descs, uint32_t n, uint64_t seqno, bool empty);
    void handle_halt();
    void handle_timeout();
    void schedule();
    void drain();
    void clear_pending_locked();
    // Marks the first failure (later ones keep it) in state/error.
    void set_failure_locked(uint32_t state, uint32_t error, uint64_t seqno);
    // Disables the queue and, unless an EXECUTE is still running, resets it.
    // True once the queue is stopped for good.
    bool stop_hw();
    // Signals every point; points not completed carry `fence_err`.
    void signal_all(int fence_err);
    // stop_hw() until it succeeds, then signal_all(). Call without mu_.
    void quiesce(int fence_err);
    // The same without blocking: the worker completes it (service()).
    void quiesce_async(int fence_err);

    // Not owning: the file keeps the device alive until it has destroyed its
    // contexts, and the device worker (which may hold the last reference to
    // a context) must never be the one to destroy the device.
    MockDevice* dev_;
    const uint32_t q_;
    HwQueue& hq_;
    std::shared_ptr<CtxGroup> group_;
    std::shared_ptr<Timeline> tl_;
    std::shared_ptr<Syncobj> syncobj_;

    std::mutex mu_;  // submission order and state
    uint32_t state_ = DRM_TERN_CTX_STATE_OK;
    uint32_t error_ = DRM_TERN_ERR_NONE;
    uint64_t failed_seqno_ = 0;
    uint64_t fault_va_ = 0;
    uint32_t fault_reason_ = 0;
    uint32_t fault_access_ = 0;
    uint32_t engine_ = 0;
    uint32_t op_index_ = DRM_TERN_INDEX_NONE;
    uint32_t cmd_index_ = DRM_TERN_INDEX_NONE;
    uint64_t submitted_ = 0;
    uint32_t tail_ = 0;
    uint32_t head_cache_ = 0;
    std::vector<SlotInfo> slots_;
    std::deque<Job> pending_;
    KickWaker waker_;
    std::shared_ptr<Timeline> waiting_on_;
    bool destroyed_ = false;
    bool released_ = false;  // queue given back: no device access any more

    std::mutex hw_mu_;  // queue disable/reset vs. other stoppers
    bool disabled_ = false;
    bool hw_stopped_ = false;
    std::atomic<bool> stopping_{false};
    std::atomic<int> stop_err_{0};

    std::atomic<uint64_t> pushed_{0};
    std::atomic<bool> has_pending_{false};
    std::atomic<bool> halted_{false};
    std::atomic<bool> draining_{false};
    std::atomic<bool> dead_{false};

    // Worker-only timeout bookkeeping.
    bool busy_seen_ = false;
    uint64_t progress_seen_ = 0;
    uint64_t progress_ns_ = 0;
};

}  // namespace tern::rt::mock
