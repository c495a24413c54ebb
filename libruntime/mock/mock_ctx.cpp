// SPDX-License-Identifier: MIT
#include "mock/mock_ctx.hpp"

#include <cerrno>
#include <chrono>
#include <shared_mutex>
#include <thread>

#include "mock/mock_device.hpp"
#include "mock/mock_util.hpp"

namespace tern::rt::mock {

namespace {

constexpr uint32_t kRingMask = kRingEntries - 1;
constexpr uint64_t kEnableTimeoutNs = 1000000000ull;

bool is_exec_error(uint32_t qerr) {
    return qerr == TERN_QERR_PAGE_FAULT || qerr == TERN_QERR_PROGRAM || qerr == TERN_QERR_INDEX ||
           qerr == TERN_QERR_ASID;
}

}  // namespace

// ---- CtxGroup ---------------------------------------------------------------

void CtxGroup::add(const std::shared_ptr<MockCtx>& ctx) {
    std::lock_guard lock(mu_);
    std::erase_if(ctxs_, [](const auto& w) { return w.expired(); });
    ctxs_.push_back(ctx);
}

void CtxGroup::charge_hang() {
    const uint32_t n = hangs_.fetch_add(1, std::memory_order_acq_rel) + 1;
    if (threshold_ == 0 || n < threshold_ || banned_.exchange(true)) {
        return;
    }
    log(LogLevel::kWarn, "file banned after " + std::to_string(n) + " faults/timeouts");
    std::vector<std::shared_ptr<MockCtx>> all;
    {
        std::lock_guard lock(mu_);
        for (auto& w : ctxs_) {
            if (auto c = w.lock()) {
                all.push_back(std::move(c));
            }
        }
    }
    for (auto& c : all) {
        c->ban();
    }
}

// ---- Creation and teardown ---------------------------------------------------

void MockCtx::KickWaker::wake() {
    dev->kick();
}

MockCtx::MockCtx(MockDevice* dev, uint32_t q, std::shared_ptr<CtxGroup> group)
    : dev_(dev),
      q_(q),
      hq_(dev_->hw_queue(q)),
      group_(std::move(group)),
      tl_(std::make_shared<Timeline>()),
      syncobj_(std::make_shared<Syncobj>(tl_)),
      slots_(kRingEntries) {
    waker_.dev = dev_;
}

int MockCtx::create(const std::shared_ptr<MockDevice>& dev, uint32_t asid,
                    const std::shared_ptr<CtxGroup>& group, uint32_t priority,
                    std::shared_ptr<MockCtx>* out) {
    std::shared_lock reset(dev->reset_lock());
    uint32_t q = 0;
    bool nomem = false;
    if (!dev->alloc_queue(&q, &nomem)) {
        return nomem ? -ENOMEM : -ENOSPC;
    }
    std::shared_ptr<MockCtx> c(new MockCtx(dev.get(), q, group));
    HwQueue& hq = c->hq_;
    hq.wb()->store(0, std::memory_order_relaxed);
    dev->bind_queue(q, c);

    // hw-spec 5.11 queue bring-up; the queue was reset when last released.
    sim::Function& f = dev->fn();
    f.write64(TERN_QREG(q, TERN_Q_RING_BASE), hq.ring_bus());
    f.write32(TERN_QREG(q, TERN_Q_RING_ORDER), kRingOrder);
    f.write32(TERN_QREG(q, TERN_Q_ASID), asid);
    f.write64(TERN_QREG(q, TERN_Q_WB_ADDR), hq.wb_bus());
    std::atomic_thread_fence(std::memory_order_release);
    f.write32(TERN_QREG(q, TERN_Q_CTRL),
              TERN_Q_CTRL_ENABLE | ((priority << TERN_Q_CTRL_PRIO_SHIFT) & TERN_Q_CTRL_PRIO));
    const uint64_t deadline = monotonic_ns() + kEnableTimeoutNs;
    uint32_t status = 0;
    for (;;) {
        status = f.read32(TERN_QREG(q, TERN_Q_STATUS));
        if ((status & (TERN_Q_STATUS_ENABLED | TERN_Q_STATUS_HALTED)) != 0 ||
            monotonic_ns() >= deadline) {
            break;
        }
        std::this_thread::yield();
    }
    if ((status & TERN_Q_STATUS_ENABLED) == 0 || (status & TERN_Q_STATUS_HALTED) != 0) {
        log(LogLevel::kError, dev->path() + ": queue " + std::to_string(q) +
                                  " did not start, status " + std::to_string(status));
        reset.unlock();
        c->destroy();
        return -EIO;
    }
    c->tail_ = c->head_cache_ = f.read32(TERN_QREG(q, TERN_Q_HEAD));
    group->add(c);
    *out = std::move(c);
    return 0;
}

MockCtx::~MockCtx() {
    destroy();
}

void MockCtx::clear_pending_locked() {
    pending_.clear();
    has_pending_.store(false, std::memory_order_release);
    if (waiting_on_) {
        waiting_on_->waiters().remove(&waker_);
        waiting_on_.reset();
    }
}

bool MockCtx::stop_hw() {
    std::lock_guard hw(hw_mu_);
    if (hw_stopped_ || dev_->removed()) {
        hw_stopped_ = true;  // a removed function has no queue left to stop
        return true;
    }
    sim::Function& f = dev_->fn();
    if (!disabled_) {
        // hw-spec 5.8: disable, let the running descriptor finish (a program
        // or a DMA runs to its end), then reset: the reset is then immediate
        // and the queue can be handed to the next context at once.
        f.write32(TERN_QREG(q_, TERN_Q_CTRL), 0);
        disabled_ = true;
    }
    const uint32_t status = f.read32(TERN_QREG(q_, TERN_Q_STATUS));
    if ((status & (TERN_Q_STATUS_BUSY | TERN_Q_STATUS_WAITING)) != 0) {
        return false;
    }
    dev_->queue_reset(q_);
    hw_stopped_ = true;
    return true;
}

void MockCtx::signal_all(int fence_err) {
    std::lock_guard lock(mu_);
    if (released_) {
        return;  // destroy() signalled everything and gave the queue (and WB slot) back
    }
    dead_.store(true, std::memory_order_release);
    draining_.store(false, std::memory_order_release);
    const uint64_t done = hq_.wb()->load(std::memory_order_acquire);
    tl_->signal(done);  // completions that raced the stop
    if (failed_seqno_ == 0 && submitted_ > tl_->signalled()) {
        failed_seqno_ = tl_->signalled() + 1;
    }
    tl_->set_error(tl_->signalled() + 1, fence_err);  // no-op if a failure set it already
    tl_->signal(submitted_);
}

void MockCtx::quiesce(int fence_err) {
    for (unsigned i = 0; !stop_hw(); ++i) {
        std::this_thread::sleep_for(std::chrono::microseconds(i < 20 ? 50 : 1000));
    }
    signal_all(fence_err);
}

void MockCtx::quiesce_async(int fence_err) {
    if (stop_hw()) {
        signal_all(fence_err);
        return;
    }
    // The worker finishes the stop once the program has ended.
    stop_err_.store(fence_err, std::memory_order_relaxed);
    stopping_.store(true, std::memory_order_release);
}

void MockCtx::destroy() {
    {
        std::lock_guard lock(mu_);
        if (destroyed_) {
            return;
        }
        destroyed_ = true;
        clear_pending_locked();
    }
    quiesce(-ECANCELED);
    dev_->unbind_queue(q_);
    {
        // From here on the device (and this queue) may go away while the
        // worker still holds us: nothing may touch them any more.
        std::lock_guard lock(mu_);
        released_ = true;
    }
    dev_->free_queue(q_);
}

void MockCtx::ban() {
    {
        std::lock_guard lock(mu_);
        if (destroyed_) {
            return;
        }
        if (state_ == DRM_TERN_CTX_STATE_OK) {
            error_ = DRM_TERN_ERR_BANNED;
        }
        state_ = DRM_TERN_CTX_STATE_BANNED;
        dead_.store(true, std::memory_order_release);
        clear_pending_locked();
    }
    quiesce_async(-ECANCELED);
}

void MockCtx::stop_for_reset() {
    std::lock_guard lock(mu_);
    if (destroyed_) {
        return;
    }
    set_failure_locked(DRM_TERN_CTX_STATE_RESET, DRM_TERN_ERR_DEVICE_RESET, tl_->signalled() + 1);
    clear_pending_locked();
    tl_->set_error(tl_->signalled() + 1, -EIO);
}

void MockCtx::finish_reset() {
    {
        // The function reset cleared the queue: nothing left to stop.
        std::lock_guard hw(hw_mu_);
        hw_stopped_ = true;
    }
    signal_all(-EIO);
}

void MockCtx::set_failure_locked(uint32_t state, uint32_t error, uint64_t seqno) {
    if (state_ != DRM_TERN_CTX_STATE_OK) {
        return;  // the first failure is the one reported
    }
    state_ = state;
    error_ = error;
    failed_seqno_ = seqno > submitted_ ? 0 : seqno;
    dead_.store(true, std::memory_order_release);
}

// ---- Submission -------------------------------------------------------------

bool MockCtx::ring_space_locked(uint32_t n) {
    if (tail_ - head_cache_ + n <= kRingEntries) {
        return true;
    }
    head_cache_ = dev_->fn().read32(TERN_QREG(q_, TERN_Q_HEAD));
    return tail_ - head_cache_ + n <= kRingEntries;
}

void MockCtx::push_locked(const tern_desc* descs, uint32_t n, uint64_t seqno, bool empty) {
    tern_desc* ring = hq_.ring();
    for (uint32_t i = 0; i < n; ++i) {
        const uint32_t idx = (tail_ + i) & kRingMask;
        tern_desc& d = ring[idx];
        d = descs[i];
        const bool last = i + 1 == n;
        // Only the last descriptor completes the job; the others carry the
        // previous seqno, so COMPLETED_SEQ always names a finished job.
        d.hdr.seqno = last ? seqno : seqno - 1;
        d.hdr.flags = last ? (TERN_DESC_F_WB | TERN_DESC_F_IRQ) : 0;
        slots_[idx] = {seqno, empty ? DRM_TERN_INDEX_NONE : i, d.hdr.opcode};
    }
    tail_ += n;
    pushed_.store(seqno, std::memory_order_release);
    std::atomic_thread_fence(std::memory_order_release);  // descriptors before TAIL
    dev_->fn().write32(TERN_QREG(q_, TERN_Q_TAIL), tail_);
}

int MockCtx::submit(const tern_desc* descs, uint32_t n, const Fence* fences, uint32_t num_fences,
                    uint64_t* seqno) {
    static const tern_desc kNop{};
    const bool empty = n == 0;
    if (empty) {
        descs = &kNop;  // an empty job still orders and signals
        n = 1;
    }
    bool kick = false;
    {
        std::lock_guard lock(mu_);
        if (destroyed_) {
            return -ENOENT;
        }
        if (state_ != DRM_TERN_CTX_STATE_OK) {
            return -ECANCELED;
        }
        const uint64_t seq = submitted_ + 1;
        bool ready = pending_.empty();
        for (uint32_t i = 0; ready && i < num_fences; ++i) {
            ready = fences[i].signalled() && fences[i].error() == 0;
        }
        if (ready && ring_space_locked(n)) {
            push_locked(descs, n, seq, empty);
        } else {
            Job j;
            j.seqno = seq;
            j.empty = empty;
            j.descs.assign(descs, descs + n);
            j.fences.assign(fences, fences + num_fences);
            pending_.push_back(std::move(j));
            has_pending_.store(true, std::memory_order_release);
            kick = true;
        }
        submitted_ = seq;
        syncobj_->context_attach(seq);
        *seqno = seq;
    }
    if (kick) {
        dev_->kick();
    }
    return 0;
}

Fence MockCtx::last_fence() {
    std::lock_guard lock(mu_);
    return Fence{submitted_ == 0 ? nullptr : tl_, submitted_};
}

void MockCtx::query(drm_tern_ctx_query* q) {
    std::lock_guard lock(mu_);
    q->state = state_;
    q->error = error_;
    q->fault_va = fault_va_;
    q->fault_reason = fault_reason_;
    q->fault_access = fault_access_;
    q->engine = engine_;
    q->op_index = op_index_;
    q->cmd_index = cmd_index_;
    q->pad = 0;
    q->failed_seqno = failed_seqno_;
    q->submitted_seqno = submitted_;
    const uint64_t sig = std::min(tl_->signalled(), submitted_);
    q->completed_seqno = failed_seqno_ != 0 ? std::min(sig, failed_seqno_ - 1) : sig;
    if (state_ != DRM_TERN_CTX_STATE_OK && failed_seqno_ == 0) {
        q->completed_seqno = std::min(sig, tl_->error_from() - 1);
    }
}

// ---- Completion and the worker --------------------------------------------------

void MockCtx::irq() {
    // The WB slot, not COMPLETED_SEQ: it survives a queue reset, so a
    // completion racing a reset is not lost.
    tl_->signal(hq_.wb()->load(std::memory_order_acquire));
    const uint32_t status = dev_->fn().read32(TERN_QREG(q_, TERN_Q_STATUS));
    if ((status & TERN_Q_STATUS_HALTED) != 0) {
        halted_.store(true, std::memory_order_release);
        dev_->kick();
        return;
    }
    if (has_pending_.load(std::memory_order_relaxed) || draining_.load(std::memory_order_relaxed)) {
        dev_->kick();  // ring space freed, or the last earlier job is done
    }
}

bool MockCtx::service(uint64_t now_ns, uint64_t timeout_ns) {
    if (stopping_.load(std::memory_order_acquire)) {
        if (!stop_hw()) {
            return true;  // still running its program: look again soon
        }
        stopping_.store(false, std::memory_order_release);
        signal_all(stop_err_.load(std::memory_order_relaxed));
    }
    if (halted_.exchange(false, std::memory_order_acq_rel)) {
        handle_halt();
    }
    if (has_pending_.load(std::memory_order_acquire)) {
        schedule();
    }
    if (draining_.load(std::memory_order_acquire)) {
        drain();
    }
    if (dead_.load(std::memory_order_acquire) && !draining_.load(std::memory_order_acquire)) {
        return stopping_.load(std::memory_order_acquire);  // a draining context is still watched
    }
    // drm_sched-style timeout: no progress for timeout_ns while jobs are on
    // the hardware. Counted from the first scan that saw them busy.
    const uint64_t sig = tl_->signalled();
    if (pushed_.load(std::memory_order_acquire) <= sig) {
        busy_seen_ = false;
        return false;
    }
    if (!busy_seen_ || sig != progress_seen_) {
        busy_seen_ = true;
        progress_seen_ = sig;
        progress_ns_ = now_ns;
        return false;
    }
    if (now_ns - progress_ns_ >= timeout_ns) {
        handle_timeout();
    }
    return stopping_.load(std::memory_order_acquire);
}

void MockCtx::handle_halt() {
    bool guilty = false;
    {
        std::lock_guard lock(mu_);
        if (destroyed_) {
            return;
        }
        sim::Function& f = dev_->fn();
        const uint32_t status = f.read32(TERN_QREG(q_, TERN_Q_STATUS));
        if ((status & TERN_Q_STATUS_HALTED) == 0) {
            return;
        }
        const uint32_t qerr = (status & TERN_Q_STATUS_ERR) >> TERN_Q_STATUS_ERR_SHIFT;
        const uint32_t index = f.read32(TERN_QREG(q_, TERN_Q_ERR_INDEX));
        const SlotInfo s = slots_[index & kRingMask];
        // Everything before the failing job completed (in-order queue).
        tl_->signal(hq_.wb()->load(std::memory_order_acquire));
        if (state_ == DRM_TERN_CTX_STATE_OK) {
            set_failure_locked(DRM_TERN_CTX_STATE_FAULTED, qerr, s.seqno);
            cmd_index_ = s.cmd_index;
            if (s.opcode == TERN_OP_EXECUTE && is_exec_error(qerr)) {
                op_index_ = f.read32(TERN_QREG(q_, TERN_Q_ERR_OP));
            }
            if (qerr == TERN_QERR_PAGE_FAULT) {
                const uint32_t info = f.read32(TERN_QREG(q_, TERN_Q_FAULT_INFO));
                fault_va_ = f.read64(TERN_QREG(q_, TERN_Q_FAULT_VA));
                fault_reason_ = info & TERN_FAULT_REASON;
                fault_access_ = (info & TERN_FAULT_WRITE_ACCESS) != 0 ? DRM_TERN_ACCESS_WRITE
                                                                      : DRM_TERN_ACCESS_READ;
                engine_ = (info & TERN_FAULT_ENGINE) >> TERN_FAULT_ENGINE_SHIFT;
            }
            guilty = true;
            log(LogLevel::kDebug, dev_->path() + ": queue " + std::to_string(q_) +
                                      " halted, error " + std::to_string(qerr) + " in job " +
                                      std::to_string(s.seqno));
        }
        tl_->set_error(s.seqno, -EIO);
        clear_pending_locked();
    }
    quiesce(-EIO);
    if (guilty) {
        group_->charge_hang();
    }
}

void MockCtx::handle_timeout() {
    {
        std::lock_guard lock(mu_);
        const bool draining = draining_.load(std::memory_order_acquire);
        if (destroyed_ || (state_ != DRM_TERN_CTX_STATE_OK && !draining)) {
            return;
        }
        const uint32_t head = dev_->fn().read32(TERN_QREG(q_, TERN_Q_HEAD));
        if (head == tail_) {
            return;  // it finished meanwhile
        }
        const SlotInfo s = slots_[head & kRingMask];
        if (s.seqno <= tl_->signalled()) {
            return;
        }
        if (state_ == DRM_TERN_CTX_STATE_OK) {
            set_failure_locked(DRM_TERN_CTX_STATE_TIMED_OUT, DRM_TERN_ERR_TIMEOUT, s.seqno);
            cmd_index_ = s.cmd_index;
        }
        tl_->set_error(s.seqno, -ETIMEDOUT);
        clear_pending_locked();
        log(LogLevel::kWarn, dev_->path() + ": job " + std::to_string(s.seqno) + " on queue " +
                                 std::to_string(q_) + " timed out, stopping its context");
    }
    quiesce_async(-ETIMEDOUT);
    group_->charge_hang();
}

void MockCtx::schedule() {
    std::lock_guard lock(mu_);
    if (destroyed_ || state_ != DRM_TERN_CTX_STATE_OK) {
        clear_pending_locked();
        return;
    }
    while (!pending_.empty()) {
        Job& j = pending_.front();
        const Fence* blocking = nullptr;
        int err = 0;
        for (const Fence& f : j.fences) {
            if (!f.signalled()) {
                blocking = &f;
                break;
            }
            if (err == 0) {
                err = f.error();
            }
        }
        if (err != 0) {
            // hw-spec has no say here: the driver refuses to run a job on
            // failed inputs and stops the context (docs/uapi.md).
            set_failure_locked(DRM_TERN_CTX_STATE_FAULTED, DRM_TERN_ERR_DEPENDENCY, j.seqno);
            tl_->set_error(j.seqno, -ECANCELED);
            clear_pending_locked();
            if (tl_->signalled() >= pushed_.load(std::memory_order_relaxed)) {
                tl_->signal(submitted_);
            } else {
                draining_.store(true, std::memory_order_release);  // earlier jobs still run
            }
            return;
        }
        if (blocking != nullptr) {
            if (waiting_on_) {
                waiting_on_->waiters().remove(&waker_);
            }
            waiting_on_ = blocking->tl;
            waiting_on_->waiters().add(&waker_, blocking->seq);
            if (!blocking->signalled()) {
                break;  // the waker kicks the worker when it signals
            }
            continue;
        }
        const uint32_t n = static_cast<uint32_t>(j.descs.size());
        if (!ring_space_locked(n)) {
            break;  // the next completion interrupt kicks us
        }
        push_locked(j.descs.data(), n, j.seqno, j.empty);
        pending_.pop_front();
    }
    has_pending_.store(!pending_.empty(), std::memory_order_release);
}

void MockCtx::drain() {
    std::lock_guard lock(mu_);
    if (tl_->signalled() >= pushed_.load(std::memory_order_acquire)) {
        draining_.store(false, std::memory_order_release);
        tl_->signal(submitted_);
    }
}

}  // namespace tern::rt::mock
