// SPDX-License-Identifier: MIT
// A minimal guest driver for the emulated transport (hw-spec 11): guest RAM
// is a shared file (bus address = file offset), the register window is
// BAR2 offset 0 of the ivshmem shared memory, and every trigger write is
// followed by a doorbell to (EMU_PEER_ID, EMU_VECTOR).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "emu_process.hpp"
#include "ivshmem_client.hpp"
#include "tern/hw/tern_desc.h"
#include "tern/hw/tern_regs.h"

namespace tern::emu_test {

// The guest's RAM, created like the QEMU harness creates it (final size,
// zero-filled) and mapped shared, with a bump allocator for driver memory.
class GuestRam {
public:
    GuestRam(const std::string& path, uint64_t size);
    ~GuestRam();
    GuestRam(const GuestRam&) = delete;
    GuestRam& operator=(const GuestRam&) = delete;

    bool ok() const { return base_ != nullptr; }
    uint64_t size() const { return size_; }
    template <typename T>
    T* at(uint64_t bus) const {
        return reinterpret_cast<T*>(base_ + bus);
    }
    // Zeroed, `align`-aligned bus range of `size` bytes; 0 when full.
    uint64_t alloc(uint64_t size, uint64_t align = 4096);

private:
    uint8_t* base_ = nullptr;
    uint64_t size_ = 0;
    uint64_t next_ = 1 << 20;  // keep bus 0 unused, like real low memory
};

class EmuDevice {
public:
    explicit EmuDevice(IvshmemClient& client) : client_(client) {}

    uint32_t read32(uint32_t off) const;
    uint64_t read64(uint32_t off) const;
    void write32(uint32_t off, uint32_t value);
    void write64(uint32_t off, uint64_t value);
    // Guest write of TERN_EMU_DOORBELL(EMU_PEER_ID, EMU_VECTOR) to BAR0+12.
    bool doorbell();
    uint8_t* device_memory() const;

    // REQ/ACK of hw-spec 1.4 with the doorbell; true once ACK == REQ.
    bool function_reset();
    bool invalidate_tlb(uint32_t asid);
    bool reset_queue(unsigned q);

private:
    IvshmemClient& client_;
};

// 4-level page tables (tern_mmu.h) in guest RAM.
class PageTable {
public:
    explicit PageTable(GuestRam& ram);
    uint64_t root() const { return root_; }
    // 4 KiB leaves; va, addr, size 4 KiB aligned.
    void map_host(uint64_t va, uint64_t bus, uint64_t size, bool writable = true);
    void map_dev(uint64_t va, uint64_t dev_offset, uint64_t size, bool writable = true);

private:
    void map(uint64_t va, uint64_t addr, uint64_t size, uint64_t flags);
    GuestRam& ram_;
    uint64_t root_ = 0;
};

// One queue with its ring and write-back slot in guest RAM.
class Queue {
public:
    Queue(EmuDevice& dev, GuestRam& ram, unsigned index, unsigned order = 4);
    unsigned vector() const { return TERN_MSIX_QUEUE(index_); }
    // Writes RING_BASE/ORDER/ASID/WB_ADDR (ring_base 0 = the allocated one),
    // then ENABLE and rings; true once STATUS.ENABLED is visible.
    bool enable(uint32_t asid, uint64_t ring_base = 0);
    // Writes the descriptor with the next seqno; `ring` = doorbell after TAIL.
    uint64_t submit(tern_desc d, bool ring = true);
    bool wait_seq(uint64_t seq, Millis timeout = kTimeout);
    bool wait_halted(Millis timeout = kTimeout);
    uint32_t status() const { return dev_.read32(TERN_QREG(index_, TERN_Q_STATUS)); }
    uint32_t err() const { return (status() & TERN_Q_STATUS_ERR) >> TERN_Q_STATUS_ERR_SHIFT; }
    uint64_t reg64(uint32_t r) const { return dev_.read64(TERN_QREG(index_, r)); }
    uint32_t reg32(uint32_t r) const { return dev_.read32(TERN_QREG(index_, r)); }
    uint64_t wb_value() const;

private:
    EmuDevice& dev_;
    GuestRam& ram_;
    unsigned index_;
    unsigned order_;
    uint64_t ring_ = 0;
    uint64_t wb_ = 0;
    uint64_t ring_used_ = 0;
    uint32_t tail_ = 0;
    uint64_t next_seq_ = 1;
};

// Descriptors (hw-spec 5); Queue::submit fills in the seqno.
tern_desc make_dma(uint64_t src_va, uint64_t dst_va, uint64_t size, uint8_t flags);
tern_desc make_nop(uint8_t flags);

// Bounded polling: every wait in these tests has a deadline.
template <typename Pred>
bool poll_until(Pred&& pred, Millis timeout = kTimeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return pred();
        }
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    return true;
}

}  // namespace tern::emu_test
