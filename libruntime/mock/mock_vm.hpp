// SPDX-License-Identifier: MIT
// One device address space per open file: an ASID, its 4-level page tables
// in host memory (reached by the device by bus address), and the VA
// allocator over [VA_START, VA_END). Isolation between files is exactly
// this: a file's queues run in its ASID, whose tables map only its BOs.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>

#include "mock/mock_dma.hpp"
#include "mock/mock_range.hpp"
#include "tern/hw/tern_mmu.h"

namespace tern::rt::mock {

class MockDevice;

// The VA window every file gets. VA_START leaves VA 0 (and the first 2 MiB)
// unmapped so that null-ish pointers fault.
inline constexpr uint64_t kVaStart = TERN_LARGE_PAGE_SIZE;
inline constexpr uint64_t kVaEnd = 1ull << TERN_VA_BITS;

class Vm {
public:
    // Takes a free ASID and installs an empty root table. Returns nullptr
    // with *err = -ENOSPC (no ASID) or -ENOMEM.
    static std::unique_ptr<Vm> create(MockDevice& dev, int* err);
    ~Vm();
    Vm(const Vm&) = delete;
    Vm& operator=(const Vm&) = delete;

    uint32_t asid() const { return asid_; }

    // A VA range for `size` bytes followed by an unmapped guard page, 2 MiB
    // aligned for large sizes. 0 when the space is exhausted.
    uint64_t alloc_va(uint64_t size);
    void free_va(uint64_t va, uint64_t size);

    // Maps [va, va + size) to `addr` (a host bus address, or a device-memory
    // offset with `devmem`), then invalidates the range. -ENOMEM when a
    // page table cannot be allocated (nothing stays mapped then).
    int map(uint64_t va, uint64_t size, uint64_t addr, bool devmem, bool writable);
    // Clears the PTEs and invalidates the TLB; after return the device no
    // longer translates the range.
    void unmap(uint64_t va, uint64_t size);

private:
    struct Table {
        PtPool::Page page;
        std::array<std::unique_ptr<Table>, TERN_PT_ENTRIES> next;
    };
    Vm(MockDevice& dev, uint32_t asid) : dev_(dev), asid_(asid) {}
    Table* child(Table* t, unsigned index, int* err);
    void clear_range(uint64_t va, uint64_t size);
    void free_table(std::unique_ptr<Table>& t);

    MockDevice& dev_;
    const uint32_t asid_;
    std::mutex mu_;
    RangeAllocator va_{kVaStart, kVaEnd};
    std::unique_ptr<Table> root_;
};

}  // namespace tern::rt::mock
