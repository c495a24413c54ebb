// SPDX-License-Identifier: MIT
#include "queue_engine.hpp"

#include <bit>
#include <chrono>
#include <cstring>

#include "card_impl.hpp"
#include "dma_engine.hpp"
#include "function.hpp"
#include "tern/hw/tern_isa.h"
#include "tern/hw/tern_mmu.h"

namespace tern::sim {

namespace {

constexpr uint64_t kRingAlign = TERN_PAGE_SIZE;
constexpr uint64_t kWbAlign = sizeof(uint64_t);
constexpr uint64_t kProgramAlign = 64;
constexpr uint64_t kBindingAlign = sizeof(tern_isa_binding);
constexpr uint64_t kTimestampAlign = sizeof(uint64_t);
// Long enough to catch the next submission of a tight submit/wait loop,
// short enough not to burn a core for an idle queue.
constexpr auto kSpin = std::chrono::microseconds(50);

void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

// Orders the descriptor's memory writes before the write-back. TSan does
// not model fences (and rejects them), so it gets the compiler barrier only.
void release_fence() {
#if defined(__SANITIZE_THREAD__)
    std::atomic_signal_fence(std::memory_order_release);
#else
    std::atomic_thread_fence(std::memory_order_release);
#endif
}

bool all_zero(const __u64* words, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        if (words[i] != 0) {
            return false;
        }
    }
    return true;
}

template <size_t N>
bool all_zero(const __u64 (&words)[N]) {
    return all_zero(words, N);
}

// Memory of one queue's address space, for the compute engine.
class QueueVaSpace final : public VaSpace {
public:
    QueueVaSpace(Mmu& mmu, uint32_t asid) : mmu_(mmu), asid_(asid) {}
    bool read(uint64_t va, void* dst, size_t len, Fault* fault) override {
        return mmu_.read(asid_, va, dst, len, fault);
    }
    bool write(uint64_t va, const void* src, size_t len, Fault* fault) override {
        return mmu_.write(asid_, va, src, len, fault);
    }

private:
    Mmu& mmu_;
    uint32_t asid_;
};

}  // namespace

QueueEngine::QueueEngine(FunctionImpl& fn, uint32_t index) : fn_(fn), index_(index) {}

QueueEngine::~QueueEngine() {
    shutdown();
}

void QueueEngine::ensure_thread() {
    if (!thread_.joinable()) {
        {
            std::lock_guard lock(mu_);
            stop_ = false;
        }
        thread_ = std::thread([this] { run(); });
    }
}

void QueueEngine::shutdown() {
    {
        std::lock_guard lock(mu_);
        stop_ = true;
        abort_.store(true, std::memory_order_release);
    }
    kick();
    if (thread_.joinable()) {
        thread_.join();
    }
    std::lock_guard lock(mu_);
    abort_.store(false, std::memory_order_release);
}

void QueueEngine::kick() {
    kick_.fetch_add(1, std::memory_order_release);
    kick_.notify_all();
}

void QueueEngine::kick_if_waiting() {
    if (waiting_flag_.load(std::memory_order_acquire)) {
        kick();
    }
}

void QueueEngine::wait_kick(uint32_t seen) {
    const auto spin_end = std::chrono::steady_clock::now() + kSpin;
    for (unsigned i = 1; kick_.load(std::memory_order_acquire) == seen; ++i) {
        // Reading the clock costs more than a pause; look every 64 rounds.
        if (i % 64 == 0 && std::chrono::steady_clock::now() >= spin_end) {
            kick_.wait(seen, std::memory_order_acquire);
            return;
        }
        cpu_relax();
    }
}

bool QueueEngine::enabled() const {
    std::lock_guard lock(mu_);
    return enabled_;
}

bool QueueEngine::can_fetch_locked() const {
    return !stop_ && enabled_ && !halted_ && !reset_pending_ && head_ != tail_ &&
           !abort_.load(std::memory_order_relaxed) && !fn_.fatal();
}

void QueueEngine::publish_status_locked() {
    uint32_t s = (err_ << TERN_Q_STATUS_ERR_SHIFT) & TERN_Q_STATUS_ERR;
    s |= enabled_ ? TERN_Q_STATUS_ENABLED : 0;
    s |= running_ && !waiting_ ? TERN_Q_STATUS_BUSY : 0;
    s |= waiting_ ? TERN_Q_STATUS_WAITING : 0;
    s |= halted_ ? TERN_Q_STATUS_HALTED : 0;
    fn_.regs().store32(reg(TERN_Q_STATUS), s);
}

void QueueEngine::halt_locked(uint32_t qerr, uint32_t index, uint32_t err_op, const Fault* f,
                              uint32_t engine) {
    RegisterFile& regs = fn_.regs();
    halted_ = true;
    err_ = qerr;
    regs.store32(reg(TERN_Q_ERR_INDEX), index);
    regs.store32(reg(TERN_Q_ERR_OP), err_op);
    if (f != nullptr) {
        const uint32_t info = (f->reason & TERN_FAULT_REASON) |
                              (f->write ? TERN_FAULT_WRITE_ACCESS : 0) |
                              ((engine << TERN_FAULT_ENGINE_SHIFT) & TERN_FAULT_ENGINE) |
                              ((f->level << TERN_FAULT_LEVEL_SHIFT) & TERN_FAULT_LEVEL);
        regs.store64(reg(TERN_Q_FAULT_VA), f->va);
        regs.store32(reg(TERN_Q_FAULT_INFO), info);
        fn_.mmu().count_fault();
    }
    publish_status_locked();
}

uint32_t QueueEngine::check_config_locked() const {
    if (ring_base_ % kRingAlign != 0 || order_ < TERN_RING_ORDER_MIN ||
        order_ > TERN_RING_ORDER_MAX || wb_addr_ % kWbAlign != 0) {
        return TERN_QERR_RING;
    }
    const uint64_t ring_bytes = uint64_t{TERN_DESC_SIZE} << order_;
    if (ring_base_ + ring_bytes < ring_base_) {
        return TERN_QERR_RING;
    }
    if (asid_ >= fn_.resources().num_asids ||
        (fn_.regs().load64(TERN_REG_MMU_ROOT(asid_)) & TERN_MMU_ROOT_VALID) == 0) {
        return TERN_QERR_ASID;
    }
    return TERN_QERR_NONE;
}

void QueueEngine::evaluate_ctrl() {
    RegisterFile& regs = fn_.regs();
    const bool en = (regs.load32(reg(TERN_Q_CTRL)) & TERN_Q_CTRL_ENABLE) != 0;
    if (en) {
        ensure_thread();
    }
    bool irq = false;
    {
        std::lock_guard lock(mu_);
        if (en == last_enable_ || reset_pending_) {
            return;  // no edge, or the pending reset clears CTRL anyway
        }
        last_enable_ = en;
        if (en) {
            enabled_ = true;
            wait_enabled_.store(true, std::memory_order_release);
            if (!halted_) {
                ring_base_ = regs.load64(reg(TERN_Q_RING_BASE));
                order_ = regs.load32(reg(TERN_Q_RING_ORDER));
                asid_ = regs.load32(reg(TERN_Q_ASID));
                wb_addr_ = regs.load64(reg(TERN_Q_WB_ADDR));
                head_ = tail_;  // the ring starts empty
                ++epoch_;
                regs.store32(reg(TERN_Q_HEAD), head_);
                const uint32_t qerr = check_config_locked();
                if (qerr != TERN_QERR_NONE) {
                    halt_locked(qerr, head_, 0, nullptr, TERN_ENGINE_QUEUE);
                    irq = true;
                }
            }
        } else {
            enabled_ = false;
            wait_enabled_.store(false, std::memory_order_release);
        }
        publish_status_locked();
    }
    kick();
    if (irq) {
        fn_.post_irq(TERN_MSIX_QUEUE(index_));  // on the driver's thread: deferred
    }
}

void QueueEngine::evaluate_tail() {
    const uint32_t tail = fn_.regs().load32(reg(TERN_Q_TAIL));
    {
        std::lock_guard lock(mu_);
        if (tail == tail_ || reset_pending_) {
            return;
        }
        tail_ = tail;
    }
    kick();
}

void QueueEngine::evaluate_reset() {
    const uint32_t req = fn_.regs().load32(reg(TERN_Q_RESET_REQ));
    std::lock_guard lock(mu_);
    if (req == last_reset_) {
        return;
    }
    last_reset_ = req;
    if (running_) {
        // The running descriptor finishes first (a semaphore wait is
        // abandoned); the engine then resets and acknowledges.
        reset_pending_ = true;
        reset_req_ = req;
        wait_enabled_.store(false, std::memory_order_release);
        kick();
        return;
    }
    reset_locked(true, req);
}

void QueueEngine::clear() {
    std::unique_lock lock(mu_);
    abort_.store(true, std::memory_order_release);
    kick();
    idle_cv_.wait(lock, [this] { return !running_; });
    abort_.store(false, std::memory_order_release);
    last_reset_ = 0;
    reset_locked(false, 0);
}

void QueueEngine::reset_locked(bool keep_req, uint32_t req) {
    enabled_ = halted_ = waiting_ = false;
    wait_enabled_.store(false, std::memory_order_release);
    waiting_flag_.store(false, std::memory_order_release);
    last_enable_ = false;
    reset_pending_ = false;
    reset_req_ = 0;
    ++epoch_;
    err_ = TERN_QERR_NONE;
    head_ = tail_ = 0;
    ring_base_ = wb_addr_ = 0;
    order_ = asid_ = 0;
    desc_count_ = busy_ns_ = 0;
    RegisterFile& regs = fn_.regs();
    regs.clear(reg(0), reg(TERN_REG_QUEUE_STRIDE));
    if (keep_req) {
        regs.store32(reg(TERN_Q_RESET_REQ), req);
        regs.store32(reg(TERN_Q_RESET_ACK), req);  // last: the driver polls it
    }
}

void QueueEngine::run() {
    std::unique_lock lock(mu_);
    while (!stop_) {
        const uint32_t seen = kick_.load(std::memory_order_acquire);
        if (!can_fetch_locked()) {
            lock.unlock();
            wait_kick(seen);
            lock.lock();
            continue;
        }
        const Work w{epoch_, head_, ring_base_, order_, asid_, wb_addr_};
        running_ = true;
        publish_status_locked();
        lock.unlock();
        const Outcome o = process(w);
        lock.lock();
        bool irq = finish_locked(w, o);
        if (reset_pending_) {
            reset_locked(true, reset_req_);
            irq = false;  // the queue the vector would report on is gone
        }
        if (irq) {
            // Outside the lock: the handler may take its own locks.
            lock.unlock();
            fn_.raise_irq(TERN_MSIX_QUEUE(index_));
            lock.lock();
        }
    }
}

bool QueueEngine::finish_locked(const Work& w, const Outcome& o) {
    RegisterFile& regs = fn_.regs();
    running_ = false;
    waiting_ = false;
    waiting_flag_.store(false, std::memory_order_release);
    bool irq = false;
    switch (o.kind) {
        case Kind::kAborted:
            break;
        case Kind::kError:
            halt_locked(o.qerr, w.index, o.err_op, o.fault ? &o.f : nullptr, o.engine);
            irq = true;
            break;
        case Kind::kDone: {
            // The descriptor's own writes are complete; the release stores
            // below (and the fence before the write-back) order them first.
            regs.store64(reg(TERN_Q_COMPLETED_SEQ), o.seqno);
            if ((o.flags & TERN_DESC_F_WB) != 0) {
                release_fence();
                if (!fn_.card().host().write(w.wb_addr, &o.seqno, sizeof(o.seqno))) {
                    halt_locked(TERN_QERR_WB, w.index, 0, nullptr, TERN_ENGINE_QUEUE);
                    irq = true;
                    break;
                }
            }
            if (w.epoch == epoch_) {
                head_ = w.index + 1;  // else re-enabled meanwhile: HEAD was re-based
            }
            ++desc_count_;
            busy_ns_ += o.busy_ns;
            regs.store64(reg(TERN_Q_BUSY_NS), busy_ns_);
            regs.store64(reg(TERN_Q_DESC_COUNT), desc_count_);
            regs.store32(reg(TERN_Q_HEAD), head_);
            irq = (o.flags & TERN_DESC_F_IRQ) != 0;
            break;
        }
    }
    publish_status_locked();
    idle_cv_.notify_all();
    return irq;
}

QueueEngine::Outcome QueueEngine::process(const Work& w) {
    const uint64_t t0 = fn_.card().now_ns();
    Outcome o;
    tern_desc d;
    const uint64_t slot = w.index & ((1U << w.order) - 1);
    if (!fn_.card().host().read(w.ring_base + slot * TERN_DESC_SIZE, &d, sizeof(d))) {
        o.kind = Kind::kError;
        o.qerr = TERN_QERR_RING;
        return o;
    }
    uint64_t waited_ns = 0;
    o = execute(w, d, &waited_ns);
    o.seqno = d.hdr.seqno;
    o.flags = d.hdr.flags;
    const uint64_t elapsed = fn_.card().now_ns() - t0;
    o.busy_ns = elapsed > waited_ns ? elapsed - waited_ns : 0;
    return o;
}

QueueEngine::Outcome QueueEngine::execute(const Work& w, const tern_desc& d, uint64_t* waited_ns) {
    Outcome o;
    auto error = [&o](uint32_t qerr) {
        o.kind = Kind::kError;
        o.qerr = qerr;
        return o;
    };
    auto fault = [&o](const Fault& f, uint32_t engine, uint32_t err_op) {
        o.kind = Kind::kError;
        o.qerr = TERN_QERR_PAGE_FAULT;
        o.fault = true;
        o.f = f;
        o.engine = engine;
        o.err_op = err_op;
        return o;
    };

    if (d.hdr.rsvd0 != 0 || d.hdr.rsvd1 != 0 || (d.hdr.flags & ~TERN_DESC_F_VALID_MASK) != 0) {
        return error(TERN_QERR_BAD_DESC);
    }
    // Descriptor-level validation, before any side effect.
    switch (d.hdr.opcode) {
        case TERN_OP_NOP:
            if (!all_zero(&d.raw[sizeof(d.hdr) / sizeof(uint64_t)],
                          TERN_DESC_SIZE / sizeof(uint64_t) - sizeof(d.hdr) / sizeof(uint64_t))) {
                return error(TERN_QERR_BAD_DESC);
            }
            break;
        case TERN_OP_DMA_COPY:
            if (!all_zero(d.dma.rsvd) || d.dma.size == 0 || d.dma.size > TERN_DMA_MAX_SIZE) {
                return error(TERN_QERR_BAD_DESC);
            }
            break;
        case TERN_OP_EXECUTE: {
            const tern_desc_exec& e = d.exec;
            if (e.rsvd0 != 0 || !all_zero(e.rsvd) || e.program_va % kProgramAlign != 0 ||
                e.bindings_va % kBindingAlign != 0 || e.program_size == 0 ||
                e.program_size > TERN_ISA_MAX_PROGRAM_SIZE ||
                e.binding_count > TERN_ISA_MAX_BINDINGS) {
                return error(TERN_QERR_BAD_DESC);
            }
            const uint32_t cores = std::popcount(fn_.resources().core_mask);
            if (cores < TERN_MAX_CORES && (e.core_mask >> cores) != 0) {
                return error(TERN_QERR_NO_CORES);
            }
            break;
        }
        case TERN_OP_SEM_SIGNAL:
        case TERN_OP_SEM_WAIT: {
            const tern_desc_sem& s = d.sem;
            if (!all_zero(s.rsvd)) {
                return error(TERN_QERR_BAD_DESC);
            }
            if (s.index >= TERN_NUM_SEMAPHORES) {
                return error(TERN_QERR_BAD_SEMAPHORE);
            }
            const bool op_ok = d.hdr.opcode == TERN_OP_SEM_WAIT
                                   ? s.op == 0
                                   : (s.op == TERN_SEM_SET || s.op == TERN_SEM_ADD);
            if (!op_ok) {
                return error(TERN_QERR_BAD_DESC);
            }
            break;
        }
        case TERN_OP_TIMESTAMP:
            if (!all_zero(d.ts.rsvd) || d.ts.dst_va % kTimestampAlign != 0) {
                return error(TERN_QERR_BAD_DESC);
            }
            break;
        default:
            return error(TERN_QERR_BAD_OPCODE);
    }
    // Write-back address 0 means "none allowed": refuse before executing.
    if ((d.hdr.flags & TERN_DESC_F_WB) != 0 && w.wb_addr == 0) {
        return error(TERN_QERR_WB);
    }

    Mmu& mmu = fn_.mmu();
    switch (d.hdr.opcode) {
        case TERN_OP_NOP:
            break;
        case TERN_OP_DMA_COPY: {
            const DmaResult r = dma_copy(mmu, fn_.card().host(), w.asid, d.dma.src_va, d.dma.dst_va,
                                         d.dma.size, abort_);
            if (r.status == DmaStatus::kAborted) {
                o.kind = Kind::kAborted;
            } else if (r.status == DmaStatus::kFault) {
                return fault(r.fault, TERN_ENGINE_DMA, 0);
            }
            break;
        }
        case TERN_OP_EXECUTE: {
            const uint32_t phys = fn_.physical_cores(d.exec.core_mask);
            Telemetry& telem = fn_.card().telemetry();
            telem.cores_begin(phys, fn_.card().now_ns());
            QueueVaSpace mem(mmu, w.asid);
            const ExecRequest req{d.exec.program_va, d.exec.program_size, d.exec.bindings_va,
                                  d.exec.binding_count};
            const ExecResult r = execute_program(mem, req);
            telem.cores_end(phys, fn_.card().now_ns());
            if (r.qerr == TERN_QERR_PAGE_FAULT) {
                return fault(r.fault, TERN_ENGINE_COMPUTE, r.op_index);
            }
            if (r.qerr != TERN_QERR_NONE) {
                error(r.qerr);
                o.err_op = r.op_index;
                return o;
            }
            break;
        }
        case TERN_OP_SEM_SIGNAL: {
            const uint32_t off = TERN_REG_SEM(d.sem.index);
            if (d.sem.op == TERN_SEM_SET) {
                fn_.regs().store64(off, d.sem.value);
            } else {
                fn_.regs().fetch_add64(off, d.sem.value);
            }
            fn_.kick_waiters();
            break;
        }
        case TERN_OP_SEM_WAIT:
            return sem_wait(d, waited_ns);
        case TERN_OP_TIMESTAMP: {
            const uint64_t now = fn_.card().now_ns();
            Fault f;
            if (!mmu.write(w.asid, d.ts.dst_va, &now, sizeof(now), &f)) {
                return fault(f, TERN_ENGINE_SYNC, 0);
            }
            break;
        }
    }
    return o;
}

QueueEngine::Outcome QueueEngine::sem_wait(const tern_desc& d, uint64_t* waited_ns) {
    Outcome o;
    const uint32_t off = TERN_REG_SEM(d.sem.index);
    bool marked = false;
    uint64_t start = 0;
    for (;;) {
        const uint32_t seen = kick_.load(std::memory_order_acquire);
        if (abort_.load(std::memory_order_acquire) ||
            !wait_enabled_.load(std::memory_order_acquire)) {
            o.kind = Kind::kAborted;
            break;
        }
        if (fn_.regs().load64(off) >= d.sem.value) {
            break;
        }
        if (!marked) {
            marked = true;
            start = fn_.card().now_ns();
            std::lock_guard lock(mu_);
            waiting_ = true;
            waiting_flag_.store(true, std::memory_order_release);
            publish_status_locked();
            continue;  // re-check: a signal may have landed before the flag was up
        }
        wait_kick(seen);
    }
    if (marked) {
        *waited_ns = fn_.card().now_ns() - start;
        std::lock_guard lock(mu_);
        waiting_ = false;
        waiting_flag_.store(false, std::memory_order_release);
        publish_status_locked();
    }
    return o;
}

}  // namespace tern::sim
