// SPDX-License-Identifier: MIT
#include "guest.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cstring>

#include "tern/hw/tern_emu.h"
#include "tern/hw/tern_mmu.h"

namespace tern::emu_test {

// ---- GuestRam ------------------------------------------------------------

GuestRam::GuestRam(const std::string& path, uint64_t size) {
    const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        return;
    }
    if (ftruncate(fd, static_cast<off_t>(size)) == 0) {
        void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p != MAP_FAILED) {
            base_ = static_cast<uint8_t*>(p);
            size_ = size;
        }
    }
    close(fd);
}

GuestRam::~GuestRam() {
    if (base_ != nullptr) {
        munmap(base_, size_);
    }
}

uint64_t GuestRam::alloc(uint64_t size, uint64_t align) {
    const uint64_t bus = (next_ + align - 1) & ~(align - 1);
    if (bus > size_ || size > size_ - bus) {
        return 0;
    }
    next_ = bus + size;
    std::memset(base_ + bus, 0, size);
    return bus;
}

// ---- EmuDevice -------------------------------------------------------------

namespace {

template <typename T>
std::atomic_ref<T> reg(uint8_t* shm, uint32_t off) {
    return std::atomic_ref<T>(*reinterpret_cast<T*>(shm + off));
}

}  // namespace

uint32_t EmuDevice::read32(uint32_t off) const {
    return reg<uint32_t>(client_.shm(), off).load(std::memory_order_acquire);
}

uint64_t EmuDevice::read64(uint32_t off) const {
    return reg<uint64_t>(client_.shm(), off).load(std::memory_order_acquire);
}

void EmuDevice::write32(uint32_t off, uint32_t value) {
    reg<uint32_t>(client_.shm(), off).store(value, std::memory_order_release);
}

void EmuDevice::write64(uint32_t off, uint64_t value) {
    reg<uint64_t>(client_.shm(), off).store(value, std::memory_order_release);
}

bool EmuDevice::doorbell() {
    const uint32_t value =
        TERN_EMU_DOORBELL(read32(TERN_REG_EMU_PEER_ID), read32(TERN_REG_EMU_VECTOR));
    return client_.doorbell(value >> 16, value & 0xffff);
}

uint8_t* EmuDevice::device_memory() const {
    return client_.shm() + TERN_EMU_MEM_OFFSET;
}

bool EmuDevice::function_reset() {
    const uint32_t req = read32(TERN_REG_DEV_RESET_ACK) + 1;
    write32(TERN_REG_DEV_RESET_REQ, req);
    doorbell();
    return poll_until([&] {
        return read32(TERN_REG_DEV_RESET_ACK) == req &&
               (read32(TERN_REG_DEV_STATUS) & TERN_DEV_STATUS_READY) != 0;
    });
}

bool EmuDevice::invalidate_tlb(uint32_t asid) {
    write32(TERN_REG_MMU_INV_ASID, asid);
    write32(TERN_REG_MMU_INV_FLAGS, 0);
    const uint32_t req = read32(TERN_REG_MMU_INV_ACK) + 1;
    write32(TERN_REG_MMU_INV_REQ, req);
    doorbell();
    return poll_until([&] { return read32(TERN_REG_MMU_INV_ACK) == req; });
}

bool EmuDevice::reset_queue(unsigned q) {
    const uint32_t req = read32(TERN_QREG(q, TERN_Q_RESET_ACK)) + 1;
    write32(TERN_QREG(q, TERN_Q_RESET_REQ), req);
    doorbell();
    return poll_until([&] { return read32(TERN_QREG(q, TERN_Q_RESET_ACK)) == req; });
}

// ---- PageTable -------------------------------------------------------------

PageTable::PageTable(GuestRam& ram) : ram_(ram), root_(ram.alloc(TERN_PAGE_SIZE)) {}

void PageTable::map(uint64_t va, uint64_t addr, uint64_t size, uint64_t flags) {
    for (uint64_t off = 0; off < size; off += TERN_PAGE_SIZE) {
        uint64_t table = root_;
        for (unsigned level = TERN_PT_LEVELS - 1; level > 0; --level) {
            auto* slot = ram_.at<uint64_t>(table) + TERN_PT_INDEX(va + off, level);
            if ((*slot & TERN_PTE_VALID) == 0) {
                *slot = ram_.alloc(TERN_PAGE_SIZE) | TERN_PTE_VALID;
            }
            table = *slot & TERN_PTE_ADDR;
        }
        ram_.at<uint64_t>(table)[TERN_PT_INDEX(va + off, 0)] =
            ((addr + off) & TERN_PTE_ADDR) | TERN_PTE_VALID | flags;
    }
    std::atomic_thread_fence(std::memory_order_release);
}

void PageTable::map_host(uint64_t va, uint64_t bus, uint64_t size, bool writable) {
    map(va, bus, size, writable ? TERN_PTE_WRITE : 0);
}

void PageTable::map_dev(uint64_t va, uint64_t dev_offset, uint64_t size, bool writable) {
    map(va, dev_offset, size, TERN_PTE_DEVMEM | (writable ? TERN_PTE_WRITE : 0));
}

// ---- Queue -----------------------------------------------------------------

Queue::Queue(EmuDevice& dev, GuestRam& ram, unsigned index, unsigned order)
    : dev_(dev), ram_(ram), index_(index), order_(order) {
    ring_ = ram_.alloc(uint64_t{TERN_DESC_SIZE} << order_);
    wb_ = ram_.alloc(8, 8);
}

bool Queue::enable(uint32_t asid, uint64_t ring_base) {
    ring_used_ = ring_base != 0 ? ring_base : ring_;
    dev_.write64(TERN_QREG(index_, TERN_Q_RING_BASE), ring_used_);
    dev_.write32(TERN_QREG(index_, TERN_Q_RING_ORDER), order_);
    dev_.write32(TERN_QREG(index_, TERN_Q_ASID), asid);
    dev_.write64(TERN_QREG(index_, TERN_Q_WB_ADDR), wb_);
    tail_ = dev_.read32(TERN_QREG(index_, TERN_Q_TAIL));
    dev_.write32(TERN_QREG(index_, TERN_Q_CTRL), TERN_Q_CTRL_ENABLE);
    dev_.doorbell();
    return poll_until([&] { return (status() & TERN_Q_STATUS_ENABLED) != 0; });
}

uint64_t Queue::submit(tern_desc d, bool ring) {
    d.hdr.seqno = next_seq_++;
    // Only rings inside guest RAM can be written by the guest; a ring the
    // test placed outside it is never filled (the device must fault).
    const uint64_t slot = ring_used_ + (tail_ & ((1u << order_) - 1)) * TERN_DESC_SIZE;
    if (slot < ram_.size() && TERN_DESC_SIZE <= ram_.size() - slot) {
        std::memcpy(ram_.at<uint8_t>(slot), &d, sizeof(d));
    }
    std::atomic_thread_fence(std::memory_order_release);  // dma_wmb()
    dev_.write32(TERN_QREG(index_, TERN_Q_TAIL), ++tail_);
    if (ring) {
        dev_.doorbell();
    }
    return d.hdr.seqno;
}

bool Queue::wait_seq(uint64_t seq, Millis timeout) {
    return poll_until(
               [&] {
                   return reg64(TERN_Q_COMPLETED_SEQ) >= seq ||
                          (status() & TERN_Q_STATUS_HALTED) != 0;
               },
               timeout) &&
           reg64(TERN_Q_COMPLETED_SEQ) >= seq;
}

bool Queue::wait_halted(Millis timeout) {
    return poll_until([&] { return (status() & TERN_Q_STATUS_HALTED) != 0; }, timeout);
}

uint64_t Queue::wb_value() const {
    return std::atomic_ref<uint64_t>(*ram_.at<uint64_t>(wb_)).load(std::memory_order_acquire);
}

tern_desc make_dma(uint64_t src_va, uint64_t dst_va, uint64_t size, uint8_t flags) {
    tern_desc d{};
    d.hdr.opcode = TERN_OP_DMA_COPY;
    d.hdr.flags = flags;
    d.dma.src_va = src_va;
    d.dma.dst_va = dst_va;
    d.dma.size = size;
    return d;
}

tern_desc make_nop(uint8_t flags) {
    tern_desc d{};
    d.hdr.opcode = TERN_OP_NOP;
    d.hdr.flags = flags;
    return d;
}

}  // namespace tern::emu_test
