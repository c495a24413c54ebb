// SPDX-License-Identifier: MIT
// Queue driver: a descriptor ring and a write-back slot in host memory, the
// queue's registers, and completion waits fed by the queue's MSI-X vector.
#pragma once

#include <cstdint>

#include "harness/host_arena.hpp"
#include "harness/irq.hpp"
#include "harness/poll.hpp"
#include "tern/hw/tern_desc.h"
#include "tern/hw/tern_regs.h"
#include "tern/sim/card.hpp"

namespace tern::test {

// A snapshot of one queue's registers.
struct QueueRegs {
    uint64_t ring_base = 0;
    uint32_t ring_order = 0;
    uint32_t ctrl = 0;
    uint32_t asid = 0;
    uint32_t tail = 0;
    uint32_t head = 0;
    uint32_t status = 0;
    uint64_t wb_addr = 0;
    uint64_t completed_seq = 0;
    uint64_t fault_va = 0;
    uint32_t fault_info = 0;
    uint32_t err_index = 0;
    uint32_t err_op = 0;
    uint64_t busy_ns = 0;
    uint64_t desc_count = 0;

    bool halted() const { return (status & TERN_Q_STATUS_HALTED) != 0; }
    bool waiting() const { return (status & TERN_Q_STATUS_WAITING) != 0; }
    uint32_t err() const { return (status & TERN_Q_STATUS_ERR) >> TERN_Q_STATUS_ERR_SHIFT; }
    uint32_t fault_reason() const { return fault_info & TERN_FAULT_REASON; }
    bool fault_write() const { return (fault_info & TERN_FAULT_WRITE_ACCESS) != 0; }
    uint32_t fault_engine() const {
        return (fault_info & TERN_FAULT_ENGINE) >> TERN_FAULT_ENGINE_SHIFT;
    }
    uint32_t fault_level() const {
        return (fault_info & TERN_FAULT_LEVEL) >> TERN_FAULT_LEVEL_SHIFT;
    }
};

class QueueDriver {
public:
    // Allocates a ring able to hold 2^max_order entries and a write-back slot.
    // Touches no register until program()/start().
    QueueDriver(sim::Function& fn, HostArena& arena, IrqMonitor& irq, unsigned index,
                unsigned order = 6);
    QueueDriver(const QueueDriver&) = delete;
    QueueDriver& operator=(const QueueDriver&) = delete;

    unsigned index() const { return index_; }
    unsigned vector() const { return TERN_MSIX_QUEUE(index_); }
    uint32_t entries() const { return 1u << order_; }
    const HostBuffer& ring() const { return ring_; }
    const HostBuffer& wb() const { return wb_; }
    uint32_t tail() const { return tail_; }
    uint64_t last_seq() const { return next_seq_ - 1; }

    // Register access relative to this queue's block.
    uint32_t reg32(uint32_t r) { return fn_.read32(TERN_QREG(index_, r)); }
    uint64_t reg64(uint32_t r) { return fn_.read64(TERN_QREG(index_, r)); }
    void write_reg32(uint32_t r, uint32_t v) { fn_.write32(TERN_QREG(index_, r), v); }
    void write_reg64(uint32_t r, uint64_t v) { fn_.write64(TERN_QREG(index_, r), v); }

    // Writes RING_BASE, RING_ORDER, ASID and WB_ADDR (0 without write-back).
    void program(unsigned asid, bool with_wb = true);
    void enable();
    void disable();
    // program() + enable(); true if the queue came up without halting.
    bool start(unsigned asid, bool with_wb = true);

    // Writes `d` into the next ring slot with the next seqno (returned) and
    // does not ring the doorbell. Waits (bounded) for a free slot.
    uint64_t push(tern_desc d);
    // Writes `d` verbatim (seqno included) into the next slot.
    void push_raw(const tern_desc& d);
    // TAIL := producer index.
    void kick();
    uint64_t submit(const tern_desc& d) {
        const uint64_t seq = push(d);
        kick();
        return seq;
    }

    // Waits until COMPLETED_SEQ >= seq; false on timeout or if the queue
    // halted first.
    bool wait_seq(uint64_t seq, Millis timeout = kTimeout);
    // Waits until HEAD == TAIL or the queue halted or waits on a semaphore.
    bool wait_settled(Millis timeout = kTimeout);
    bool wait_halted(Millis timeout = kTimeout);
    bool wait_waiting(Millis timeout = kTimeout);
    // submit() + wait_seq().
    bool run(const tern_desc& d, Millis timeout = kTimeout) { return wait_seq(submit(d), timeout); }

    // Queue reset through RESET_REQ/ACK; the producer index restarts at 0.
    bool reset(Millis timeout = kTimeout);

    QueueRegs regs();
    uint32_t head() { return reg32(TERN_Q_HEAD); }
    uint32_t status() { return reg32(TERN_Q_STATUS); }
    bool halted() { return (status() & TERN_Q_STATUS_HALTED) != 0; }
    uint32_t err() { return (status() & TERN_Q_STATUS_ERR) >> TERN_Q_STATUS_ERR_SHIFT; }
    uint64_t completed_seq() { return reg64(TERN_Q_COMPLETED_SEQ); }
    uint64_t wb_value() const;

private:
    sim::Function& fn_;
    IrqMonitor& irq_;
    unsigned index_;
    unsigned order_;
    HostBuffer ring_;
    HostBuffer wb_;
    uint32_t tail_ = 0;
    uint64_t next_seq_ = 1;
};

}  // namespace tern::test
