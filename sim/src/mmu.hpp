// SPDX-License-Identifier: MIT
// The device MMU of one function: 4-level page walk (tern_mmu.h) from the
// roots in TERN_REG_MMU_ROOT, a TLB of leaf translations, invalidation, and
// enforcement of the function's device-memory window.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>

#include "compute/compute.hpp"
#include "register_file.hpp"
#include "tern/hw/tern_mmu.h"
#include "tern/sim/host_memory.hpp"

namespace tern::sim {

// Where one virtual address lands: device memory (dev != nullptr) or a host
// bus address. `avail` is the number of bytes from there to the end of the
// 4 KiB page (or of the contiguous run, see translate_run), i.e. how far the
// translation may be used.
struct Target {
    uint8_t* dev = nullptr;
    uint64_t bus = 0;
    size_t avail = 0;
    uint32_t level = 0;  // page-table level of the leaf, for later bus faults
};

class Mmu {
public:
    Mmu(HostMemory& host, RegisterFile& regs);
    Mmu(const Mmu&) = delete;
    Mmu& operator=(const Mmu&) = delete;

    // The function's device-memory window: DEVMEM leaves address
    // [0, size) and land at base. Flushes the TLB. Only while idle.
    void configure(uint8_t* base, uint64_t size);
    // Power-on state: empty TLB, counters zero (and their registers).
    void reset();

    // One lookup: the translation of va for a read or write. On failure
    // fills *fault (va = the given va) and returns false.
    bool translate(uint32_t asid, uint64_t va, bool write, Target* t, Fault* fault);
    // translate(), then extends t->avail over following pages that are cached
    // in the TLB and contiguous in the same memory, up to at least `want`
    // bytes if possible, so that engines move large runs in one access.
    bool translate_run(uint32_t asid, uint64_t va, bool write, uint64_t want, Target* t,
                       Fault* fault);
    // Page-by-page copies through translate(); precise fault on the first
    // page that cannot be accessed (bytes before it were transferred).
    bool read(uint32_t asid, uint64_t va, void* dst, size_t len, Fault* fault);
    bool write(uint32_t asid, uint64_t va, const void* src, size_t len, Fault* fault);

    // TERN_REG_MMU_INV_*: drop cached translations.
    void invalidate(uint32_t flags, uint32_t asid, uint64_t va, uint64_t size);
    // Counts a fault that halted a queue in TERN_REG_MMU_FAULTS.
    void count_fault();

private:
    static constexpr size_t kTlbEntries = 4096;  // direct-mapped, power of two
    struct TlbEntry {
        bool valid = false;
        bool devmem = false;
        bool writable = false;
        uint8_t level = 0;
        uint32_t asid = 0;
        uint64_t vpn = 0;
        uint64_t addr = 0;  // page address: window offset (devmem) or bus address
    };
    static size_t slot(uint32_t asid, uint64_t vpn) {
        return (vpn ^ (static_cast<uint64_t>(asid) << 6)) & (kTlbEntries - 1);
    }
    // The 64-byte line of level-0 entries a walk read, starting at VA `va`.
    static constexpr uint64_t kNoLine = ~0ULL;
    struct LeafLine {
        uint64_t va = kNoLine;
        std::array<uint64_t, 8> ptes{};
    };
    bool walk(uint32_t asid, uint64_t va, TlbEntry* out, Fault* fault, LeafLine* line);
    bool leaf(uint64_t pte, uint32_t level, uint32_t asid, uint64_t va, TlbEntry* out,
              Fault* fault);
    void prefetch(uint32_t asid, const LeafLine& line, uint64_t walked_vpn);
    bool resolve(const TlbEntry& e, uint64_t va, bool write, Target* t, Fault* fault);

    HostMemory& host_;
    RegisterFile& regs_;
    std::atomic<uint8_t*> dev_base_{nullptr};
    std::atomic<uint64_t> dev_size_{0};

    std::mutex mu_;  // TLB, generation and counters
    std::array<TlbEntry, kTlbEntries> tlb_{};
    // Bumped by every invalidation, so that a walk that raced with one does
    // not install a translation read from the old tables.
    uint64_t generation_ = 0;
    uint64_t hits_ = 0;
    uint64_t misses_ = 0;
    uint32_t faults_ = 0;
};

}  // namespace tern::sim
