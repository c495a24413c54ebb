// SPDX-License-Identifier: MIT
#include "harness/queue.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

namespace tern::test {

QueueDriver::QueueDriver(sim::Function& fn, HostArena& arena, IrqMonitor& irq, unsigned index,
                         unsigned order)
    : fn_(fn), irq_(irq), index_(index), order_(order) {
    ring_ = arena.alloc(std::max<size_t>(TERN_DESC_SIZE << order, 4096));
    wb_ = arena.alloc(4096);
}

void QueueDriver::program(unsigned asid, bool with_wb) {
    write_reg64(TERN_Q_RING_BASE, ring_.bus);
    write_reg32(TERN_Q_RING_ORDER, order_);
    write_reg32(TERN_Q_ASID, asid);
    write_reg64(TERN_Q_WB_ADDR, with_wb ? wb_.bus : 0);
}

void QueueDriver::enable() {
    write_reg32(TERN_Q_CTRL, reg32(TERN_Q_CTRL) | TERN_Q_CTRL_ENABLE);
}

void QueueDriver::disable() {
    write_reg32(TERN_Q_CTRL, reg32(TERN_Q_CTRL) & ~TERN_Q_CTRL_ENABLE);
}

bool QueueDriver::start(unsigned asid, bool with_wb) {
    program(asid, with_wb);
    // The device sets HEAD := TAIL on enable; keep our producer index there.
    tail_ = reg32(TERN_Q_TAIL);
    enable();
    return !halted();
}

void QueueDriver::push_raw(const tern_desc& d) {
    const bool room = poll_until([&] { return tail_ - head() < entries() || halted(); });
    if (!room || tail_ - head() >= entries()) {
        ADD_FAILURE() << "queue " << index_ << ": ring full (head " << head() << ", tail " << tail_
                      << ")";
        return;
    }
    auto* slot = ring_.as<tern_desc>(static_cast<size_t>(tail_ & (entries() - 1)) * TERN_DESC_SIZE);
    std::memcpy(slot, &d, sizeof(d));
    __atomic_thread_fence(__ATOMIC_RELEASE);
    ++tail_;
}

uint64_t QueueDriver::push(tern_desc d) {
    d.hdr.seqno = next_seq_++;
    push_raw(d);
    return d.hdr.seqno;
}

void QueueDriver::kick() {
    write_reg32(TERN_Q_TAIL, tail_);
}

bool QueueDriver::wait_seq(uint64_t seq, Millis timeout) {
    irq_.wait([&] { return completed_seq() >= seq || halted(); }, timeout);
    return completed_seq() >= seq;
}

bool QueueDriver::wait_settled(Millis timeout) {
    return irq_.wait(
        [&] {
            const uint32_t st = status();
            return head() == tail_ || (st & (TERN_Q_STATUS_HALTED | TERN_Q_STATUS_WAITING)) != 0;
        },
        timeout);
}

bool QueueDriver::wait_halted(Millis timeout) {
    return irq_.wait([&] { return halted(); }, timeout);
}

bool QueueDriver::wait_waiting(Millis timeout) {
    return poll_until([&] { return (status() & TERN_Q_STATUS_WAITING) != 0; }, timeout);
}

bool QueueDriver::reset(Millis timeout) {
    const uint32_t req = reg32(TERN_Q_RESET_REQ) + 1;
    write_reg32(TERN_Q_RESET_REQ, req);
    const bool acked = poll_until([&] { return reg32(TERN_Q_RESET_ACK) == req; }, timeout);
    tail_ = 0;
    return acked;
}

QueueRegs QueueDriver::regs() {
    QueueRegs r;
    r.ring_base = reg64(TERN_Q_RING_BASE);
    r.ring_order = reg32(TERN_Q_RING_ORDER);
    r.ctrl = reg32(TERN_Q_CTRL);
    r.asid = reg32(TERN_Q_ASID);
    r.tail = reg32(TERN_Q_TAIL);
    r.head = reg32(TERN_Q_HEAD);
    r.status = reg32(TERN_Q_STATUS);
    r.wb_addr = reg64(TERN_Q_WB_ADDR);
    r.completed_seq = reg64(TERN_Q_COMPLETED_SEQ);
    r.fault_va = reg64(TERN_Q_FAULT_VA);
    r.fault_info = reg32(TERN_Q_FAULT_INFO);
    r.err_index = reg32(TERN_Q_ERR_INDEX);
    r.err_op = reg32(TERN_Q_ERR_OP);
    r.busy_ns = reg64(TERN_Q_BUSY_NS);
    r.desc_count = reg64(TERN_Q_DESC_COUNT);
    return r;
}

uint64_t QueueDriver::wb_value() const {
    return __atomic_load_n(wb_.as<uint64_t>(), __ATOMIC_ACQUIRE);
}

}  // namespace tern::test
