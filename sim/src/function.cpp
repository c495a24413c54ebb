// SPDX-License-Identifier: MIT
#include "function.hpp"

#include <bit>

#include "card_impl.hpp"
#include "partition.hpp"
#include "tern/hw/tern_emu.h"

namespace tern::sim {

namespace {

constexpr uint32_t kHwVersion = 1U << 16;  // T1 v1.0
constexpr uint32_t kFwVersion = 1U << 16;  // model firmware 0.1.0
constexpr uint32_t kPfCaps = TERN_CAP_FP32 | TERN_CAP_BF16 | TERN_CAP_FP16 | TERN_CAP_INT32 |
                             TERN_CAP_SEMAPHORES | TERN_CAP_TIMESTAMP | TERN_CAP_LARGE_PAGES |
                             TERN_CAP_PARTITIONING | TERN_CAP_ERR_INJECT;
constexpr uint32_t kVfCaps = kPfCaps & ~(TERN_CAP_PARTITIONING | TERN_CAP_ERR_INJECT);
// The partition block (PF only) spans 0x4000-0x4fff; a VF reads it as 0.
constexpr uint32_t kPartBlockEnd = TERN_REG_PART_NUM_VFS + 0x1000;
constexpr uint32_t kQueueBlockEnd = TERN_QREG(TERN_MAX_QUEUES, 0);
constexpr uint32_t kRootBlockEnd = TERN_REG_MMU_ROOT(TERN_MAX_ASIDS);
constexpr uint32_t kSemBlockEnd = TERN_REG_SEM(TERN_NUM_SEMAPHORES);
constexpr uint32_t kPartEntryStride = TERN_REG_PART_ENTRY(1) - TERN_REG_PART_ENTRY(0);
constexpr uint32_t kPartEntryEnd = TERN_REG_PART_ENTRY(TERN_MAX_VFS);
// Driver-writable state cleared by a function reset: queues, MMU, semaphores
// (0x1000-0x37ff) and error injection, partition table and everything up to
// the emulation block, which belongs to the transport.
constexpr uint32_t kClearLowBegin = TERN_REG_QUEUE_BASE;
constexpr uint32_t kClearLowEnd = TERN_REG_TELEM_VALID;
constexpr uint32_t kClearHighBegin = TERN_REG_ERR_INJECT;
constexpr uint32_t kClearHighEnd = TERN_REG_EMU_MAGIC;

}  // namespace

FunctionImpl::FunctionImpl(CardImpl& card, bool is_vf, unsigned vf_index)
    : card_(card), is_vf_(is_vf), vf_index_(vf_index), mmu_(card.host(), regs_) {
    for (uint32_t q = 0; q < TERN_MAX_QUEUES; ++q) {
        queues_[q] = std::make_unique<QueueEngine>(*this, q);
    }
}

FunctionImpl::~FunctionImpl() {
    shutdown();
}

// ---- Register access ---------------------------------------------------

FunctionImpl::RegClass FunctionImpl::classify(uint32_t off) const {
    const bool pf = !is_vf_;
    switch (off) {
        case TERN_REG_DEV_RESET_REQ:
            return {true, Trigger::kDevReset, 0};
        case TERN_REG_IRQ_MASK:
            return {true, Trigger::kIrqMask, 0};
        case TERN_REG_SCRATCH:
        case TERN_REG_MMU_INV_ASID:
        case TERN_REG_MMU_INV_FLAGS:
        case TERN_REG_MMU_INV_VA:
        case TERN_REG_MMU_INV_VA + 4:
        case TERN_REG_MMU_INV_SIZE:
        case TERN_REG_MMU_INV_SIZE + 4:
            return {true, Trigger::kNone, 0};
        case TERN_REG_MMU_INV_REQ:
            return {true, Trigger::kMmuInv, 0};
        case TERN_REG_ERR_INJECT:
            return {pf, pf ? Trigger::kErrInject : Trigger::kNone, 0};
        case TERN_REG_PART_NUM_VFS:
            return {pf, Trigger::kNone, 0};
        case TERN_REG_PART_APPLY_REQ:
            return {pf, pf ? Trigger::kPartApply : Trigger::kNone, 0};
        default:
            break;
    }
    if (off >= TERN_REG_QUEUE_BASE && off < kQueueBlockEnd) {
        const uint32_t q = (off - TERN_REG_QUEUE_BASE) / TERN_REG_QUEUE_STRIDE;
        const uint32_t r = (off - TERN_REG_QUEUE_BASE) % TERN_REG_QUEUE_STRIDE;
        if (q >= num_queues_.load(std::memory_order_relaxed)) {
            return {};
        }
        switch (r) {
            case TERN_Q_RING_BASE:
            case TERN_Q_RING_BASE + 4:
            case TERN_Q_RING_ORDER:
            case TERN_Q_ASID:
            case TERN_Q_WB_ADDR:
            case TERN_Q_WB_ADDR + 4:
                return {true, Trigger::kNone, q};
            case TERN_Q_CTRL:
                return {true, Trigger::kQueueCtrl, q};
            case TERN_Q_TAIL:
                return {true, Trigger::kQueueTail, q};
            case TERN_Q_RESET_REQ:
                return {true, Trigger::kQueueReset, q};
            default:
                return {};
        }
    }
    if (off >= TERN_REG_MMU_ROOT(0) && off < kRootBlockEnd) {
        const uint32_t asid = (off - TERN_REG_MMU_ROOT(0)) / sizeof(uint64_t);
        return {asid < num_asids_.load(std::memory_order_relaxed), Trigger::kNone, 0};
    }
    if (off >= TERN_REG_SEM(0) && off < kSemBlockEnd) {
        return {true, Trigger::kSemaphore, 0};
    }
    if (pf && off >= TERN_REG_PART_ENTRY(0) && off < kPartEntryEnd) {
        switch ((off - TERN_REG_PART_ENTRY(0)) % kPartEntryStride) {
            case TERN_PART_MEM_BASE:
            case TERN_PART_MEM_BASE + 4:
            case TERN_PART_MEM_SIZE:
            case TERN_PART_MEM_SIZE + 4:
            case TERN_PART_CORE_MASK:
            case TERN_PART_NUM_QUEUES:
            case TERN_PART_NUM_ASIDS:
                return {true, Trigger::kNone, 0};
            default:
                return {};
        }
    }
    return {};
}

uint32_t FunctionImpl::read32(uint32_t offset) {
    if (!RegisterFile::valid32(offset)) {
        return 0;
    }
    if (offset == TERN_REG_TIMESTAMP || offset == TERN_REG_TIMESTAMP + 4) {
        // The device clock runs between housekeeping ticks.
        const uint64_t now = card_.now_ns();
        return static_cast<uint32_t>(offset == TERN_REG_TIMESTAMP ? now : now >> 32);
    }
    if (is_vf_ && offset >= TERN_REG_PART_NUM_VFS && offset < kPartBlockEnd) {
        return 0;
    }
    return regs_.load32(offset);
}

uint64_t FunctionImpl::read64(uint32_t offset) {
    if (!RegisterFile::valid64(offset)) {
        return 0;
    }
    if (offset == TERN_REG_TIMESTAMP) {
        return card_.now_ns();
    }
    if (is_vf_ && offset >= TERN_REG_PART_NUM_VFS && offset < kPartBlockEnd) {
        return 0;
    }
    return regs_.load64(offset);
}

void FunctionImpl::write32(uint32_t offset, uint32_t value) {
    if (!RegisterFile::valid32(offset) || !present()) {
        return;
    }
    const RegClass c = classify(offset);
    if (!c.writable) {
        return;  // RO or nonexistent: dropped
    }
    regs_.store32(offset, value);
    if (c.trigger != Trigger::kNone) {
        std::lock_guard lock(trigger_mu_);
        evaluate(c.trigger, c.index);
    }
}

void FunctionImpl::write64(uint32_t offset, uint64_t value) {
    if (!RegisterFile::valid64(offset) || !present()) {
        return;
    }
    const RegClass lo = classify(offset);
    const RegClass hi = classify(offset + 4);
    if (lo.writable && hi.writable) {
        regs_.store64(offset, value);  // one atomic store for 64-bit registers
    } else if (lo.writable) {
        regs_.store32(offset, static_cast<uint32_t>(value));
    } else if (hi.writable) {
        regs_.store32(offset + 4, static_cast<uint32_t>(value >> 32));
    } else {
        return;
    }
    if ((lo.writable && lo.trigger != Trigger::kNone) ||
        (hi.writable && hi.trigger != Trigger::kNone)) {
        std::lock_guard lock(trigger_mu_);
        if (lo.writable) {
            evaluate(lo.trigger, lo.index);
        }
        if (hi.writable) {
            evaluate(hi.trigger, hi.index);
        }
    }
}

void FunctionImpl::doorbell() {
    std::lock_guard lock(trigger_mu_);
    evaluate_all();
}

// ---- Triggers ----------------------------------------------------------

void FunctionImpl::evaluate(Trigger t, uint32_t index) {
    if (!present()) {
        return;  // removed while the write was in flight
    }
    switch (t) {
        case Trigger::kNone:
            break;
        case Trigger::kDevReset: {
            const uint32_t req = regs_.load32(TERN_REG_DEV_RESET_REQ);
            if (req != last_dev_reset_) {
                function_reset(req);
            }
            break;
        }
        case Trigger::kIrqMask:
            set_irq_mask(regs_.load32(TERN_REG_IRQ_MASK));
            break;
        case Trigger::kQueueCtrl:
            queues_[index]->evaluate_ctrl();
            break;
        case Trigger::kQueueTail:
            queues_[index]->evaluate_tail();
            break;
        case Trigger::kQueueReset:
            queues_[index]->evaluate_reset();
            break;
        case Trigger::kMmuInv: {
            const uint32_t req = regs_.load32(TERN_REG_MMU_INV_REQ);
            if (req != last_mmu_inv_) {
                last_mmu_inv_ = req;
                mmu_.invalidate(
                    regs_.load32(TERN_REG_MMU_INV_FLAGS), regs_.load32(TERN_REG_MMU_INV_ASID),
                    regs_.load64(TERN_REG_MMU_INV_VA), regs_.load64(TERN_REG_MMU_INV_SIZE));
                regs_.store32(TERN_REG_MMU_INV_ACK, req);
            }
            break;
        }
        case Trigger::kPartApply: {
            const uint32_t req = regs_.load32(TERN_REG_PART_APPLY_REQ);
            if (is_vf_ || req == last_part_apply_) {
                break;
            }
            last_part_apply_ = req;
            const uint32_t code = apply_partition(card_);
            regs_.store32(TERN_REG_PART_STATUS, code);
            regs_.store32(TERN_REG_PART_APPLY_ACK, req);
            device_event();
            break;
        }
        case Trigger::kErrInject:
            if (!is_vf_) {
                error_inject(regs_.load32(TERN_REG_ERR_INJECT));
            }
            break;
        case Trigger::kSemaphore:
            kick_waiters();
            break;
    }
}

void FunctionImpl::evaluate_all() {
    if (!present()) {
        return;
    }
    // Reset first (it clears everything else); MMU invalidation before the
    // queues so that a batch "update tables, invalidate, submit" works.
    evaluate(Trigger::kDevReset, 0);
    evaluate(Trigger::kIrqMask, 0);
    evaluate(Trigger::kMmuInv, 0);
    if (!is_vf_) {
        evaluate(Trigger::kPartApply, 0);
        evaluate(Trigger::kErrInject, 0);
    }
    for (uint32_t q = 0; q < res_.num_queues; ++q) {
        // CTRL before TAIL: an enable latches HEAD at the TAIL acted on so
        // far, so descriptors submitted in the same batch are not skipped.
        evaluate(Trigger::kQueueReset, q);
        evaluate(Trigger::kQueueCtrl, q);
        evaluate(Trigger::kQueueTail, q);
    }
    evaluate(Trigger::kSemaphore, 0);
}

// ---- Interrupts --------------------------------------------------------

void FunctionImpl::set_irq_handler(IrqHandler handler) {
    auto h = handler ? std::make_shared<const IrqHandler>(std::move(handler)) : nullptr;
    std::lock_guard lock(irq_mu_);
    irq_handler_ = std::move(h);
}

void FunctionImpl::raise_irq(unsigned vector) {
    if (vector >= TERN_MSIX_COUNT) {
        return;
    }
    std::shared_ptr<const IrqHandler> h;
    {
        std::lock_guard lock(irq_mu_);
        if ((irq_mask_ >> vector & 1) != 0) {
            irq_pending_ |= 1U << vector;
            return;
        }
        h = irq_handler_;
    }
    // Called without model locks held, so the handler may take its own.
    if (h) {
        (*h)(vector);
    }
}

void FunctionImpl::post_irq(unsigned vector) {
    if (vector < TERN_MSIX_COUNT) {
        posted_[vector].fetch_add(1, std::memory_order_release);
        card_.wake_housekeeping();
    }
}

void FunctionImpl::deliver_posted_irqs() {
    const bool live = present();  // a removed VF interrupts nobody
    for (unsigned v = 0; v < TERN_MSIX_COUNT; ++v) {
        for (uint32_t n = posted_[v].exchange(0, std::memory_order_acquire); live && n > 0; --n) {
            raise_irq(v);  // re-checks the mask at delivery time
        }
    }
}

void FunctionImpl::set_irq_mask(uint32_t mask) {
    uint32_t deliver = 0;
    {
        std::lock_guard lock(irq_mu_);
        if (mask == irq_mask_) {
            return;
        }
        irq_mask_ = mask;
        deliver = irq_pending_ & ~mask;
        irq_pending_ &= mask;
    }
    for (unsigned v = 0; deliver != 0; ++v, deliver >>= 1) {
        if ((deliver & 1) != 0) {
            post_irq(v);
        }
    }
}

void FunctionImpl::device_event() {
    {
        std::lock_guard lock(state_mu_);
        regs_.store32(TERN_REG_EVENT_SEQ, ++event_seq_);
    }
    post_irq(TERN_MSIX_DEVICE);
}

// ---- State -------------------------------------------------------------

void FunctionImpl::update_status(uint32_t set, uint32_t clear) {
    std::lock_guard lock(state_mu_);
    status_ = (status_ & ~clear) | set;
    regs_.store32(TERN_REG_DEV_STATUS, status_);
}

void FunctionImpl::set_throttled(bool throttled) {
    update_status(throttled ? TERN_DEV_STATUS_THROTTLED : 0,
                  throttled ? 0 : TERN_DEV_STATUS_THROTTLED);
    device_event();
}

void FunctionImpl::set_part_active(bool active) {
    update_status(active ? TERN_DEV_STATUS_PART_ACTIVE : 0,
                  active ? 0 : TERN_DEV_STATUS_PART_ACTIVE);
}

void FunctionImpl::publish_telemetry() {
    std::lock_guard lock(state_mu_);
    if (present()) {
        card_.telemetry().publish(regs_, res_.core_mask, card_.now_ns());
    }
}

void FunctionImpl::kick_waiters() {
    // All slots: queues beyond num_queues never wait, and this way the
    // housekeeping thread does not read res_ (which a VF change rewrites).
    for (auto& q : queues_) {
        q->kick_if_waiting();
    }
}

uint32_t FunctionImpl::physical_cores(uint32_t relative_mask) const {
    if (relative_mask == 0) {
        return res_.core_mask;
    }
    uint32_t phys = 0;
    uint32_t rel = 0;
    for (uint32_t c = 0; c < TERN_MAX_CORES; ++c) {
        if ((res_.core_mask >> c & 1) != 0) {
            if ((relative_mask >> rel & 1) != 0) {
                phys |= 1U << c;
            }
            ++rel;
        }
    }
    return phys;
}

bool FunctionImpl::any_queue_enabled() const {
    for (const auto& q : queues_) {
        if (q->enabled()) {
            return true;
        }
    }
    return false;
}

void FunctionImpl::write_identity() {
    regs_.store32(TERN_REG_ID, TERN_ID_MAGIC);
    regs_.store32(TERN_REG_HW_VERSION, kHwVersion);
    regs_.store32(TERN_REG_FW_VERSION, kFwVersion);
    regs_.store32(
        TERN_REG_FUNC_INFO,
        is_vf_ ? TERN_FUNC_IS_VF | ((vf_index_ << TERN_FUNC_VF_INDEX_SHIFT) & TERN_FUNC_VF_INDEX)
               : 0);
    regs_.store32(TERN_REG_CAPS, is_vf_ ? kVfCaps : kPfCaps);
    regs_.store32(TERN_REG_NUM_CORES, static_cast<uint32_t>(std::popcount(res_.core_mask)));
    regs_.store32(TERN_REG_NUM_QUEUES, res_.num_queues);
    regs_.store32(TERN_REG_NUM_ASIDS, res_.num_asids);
    regs_.store64(TERN_REG_MEM_SIZE, res_.mem_size);
    regs_.store32(TERN_REG_CORE_MASK, res_.core_mask);
    regs_.store32(TERN_REG_NUM_SEMAPHORES, TERN_NUM_SEMAPHORES);
}

void FunctionImpl::clear_state() {
    regs_.store32(TERN_REG_IRQ_MASK, 0);
    regs_.store32(TERN_REG_SCRATCH, 0);
    regs_.store32(TERN_REG_FATAL_CODE, TERN_FATAL_NONE);
    regs_.clear(kClearLowBegin, kClearLowEnd);
    regs_.clear(kClearHighBegin, kClearHighEnd);
    {
        std::lock_guard lock(irq_mu_);
        irq_mask_ = 0;
        irq_pending_ = 0;
    }
    for (auto& p : posted_) {
        p.store(0, std::memory_order_relaxed);  // a reset drops undelivered vectors
    }
    last_mmu_inv_ = 0;
    last_part_apply_ = 0;
    last_inject_seq_ = 0;
    fatal_.store(false, std::memory_order_release);
    write_identity();
    const uint32_t throttled = card_.telemetry().throttled() ? TERN_DEV_STATUS_THROTTLED : 0;
    {
        std::lock_guard lock(state_mu_);
        status_ = TERN_DEV_STATUS_READY | throttled;
        regs_.store32(TERN_REG_DEV_STATUS, status_);
    }
}

void FunctionImpl::power_on(const FunctionResources& res, uint8_t* storage) {
    for (auto& q : queues_) {
        q->clear();
    }
    {
        // Under state_mu_: publish_telemetry() reads res_ and the storage.
        std::lock_guard lock(state_mu_);
        present_.store(false, std::memory_order_release);
        regs_.bind(storage);
        event_seq_ = 0;
        res_ = res;
        num_queues_.store(res.num_queues, std::memory_order_relaxed);
        num_asids_.store(res.num_asids, std::memory_order_relaxed);
    }
    mmu_.configure(card_.memory() + res.mem_base, res.mem_size);
    mmu_.reset();
    // Every register to its reset value; the emulation block is the transport's.
    regs_.clear(0, kClearHighEnd);
    last_dev_reset_ = 0;
    clear_state();
    present_.store(true, std::memory_order_release);
    publish_telemetry();
}

void FunctionImpl::remove() {
    for (auto& q : queues_) {
        q->clear();
        q->shutdown();
    }
    std::lock_guard lock(state_mu_);
    present_.store(false, std::memory_order_release);
}

void FunctionImpl::shutdown() {
    for (auto& q : queues_) {
        q->shutdown();
    }
}

void FunctionImpl::function_reset(uint32_t req) {
    last_dev_reset_ = req;
    update_status(TERN_DEV_STATUS_RESETTING, TERN_DEV_STATUS_READY);
    for (auto& q : queues_) {
        q->clear();  // aborts waits and DMA, lets a running program finish
    }
    if (is_vf_) {
        card_.zero_memory(res_.mem_base, res_.mem_size);
    } else {
        card_.disable_vfs();
        card_.zero_memory(0, card_.config().mem_size);
    }
    mmu_.reset();
    clear_state();  // also READY, no FATAL/RESETTING/PART_ACTIVE
    publish_telemetry();
    regs_.store32(TERN_REG_DEV_RESET_ACK, req);
    device_event();
}

void FunctionImpl::error_inject(uint32_t value) {
    const uint32_t seq = (value & TERN_INJECT_SEQ) >> TERN_INJECT_SEQ_SHIFT;
    if (seq == last_inject_seq_) {
        return;
    }
    last_inject_seq_ = seq;
    switch (value & TERN_INJECT_KIND) {
        case TERN_INJECT_ECC_CORRECTED:
            card_.telemetry().inject_ecc_corrected();
            card_.publish_telemetry_all();
            break;
        case TERN_INJECT_ECC_UNCORRECTED:
            card_.telemetry().inject_ecc_uncorrected();
            card_.publish_telemetry_all();
            fatal_.store(true, std::memory_order_release);
            regs_.store32(TERN_REG_FATAL_CODE, TERN_FATAL_ECC_UNCORRECTED);
            update_status(TERN_DEV_STATUS_FATAL, 0);
            device_event();
            break;
        default:
            break;  // unknown kinds do nothing
    }
}

}  // namespace tern::sim
