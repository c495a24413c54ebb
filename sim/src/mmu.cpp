// SPDX-License-Identifier: MIT
#include "mmu.hpp"

#include <algorithm>
#include <cstring>

namespace tern::sim {

namespace {

constexpr uint64_t kVaLimit = 1ULL << TERN_VA_BITS;
constexpr uint64_t kPageMask = TERN_PAGE_SIZE - 1;
constexpr uint64_t kLargeMask = TERN_LARGE_PAGE_SIZE - 1;
constexpr uint32_t kRootLevel = TERN_PT_LEVELS - 1;
// Bits a table (non-leaf) entry must leave clear besides TERN_PTE_RSVD.
constexpr uint64_t kTableForbidden = TERN_PTE_WRITE | TERN_PTE_DEVMEM | TERN_PTE_LEAF;

bool fail(Fault* f, uint64_t va, uint32_t reason, bool write, uint32_t level) {
    f->va = va;
    f->reason = reason;
    f->write = write;
    f->level = level;
    return false;
}

}  // namespace

Mmu::Mmu(HostMemory& host, RegisterFile& regs) : host_(host), regs_(regs) {}

void Mmu::configure(uint8_t* base, uint64_t size) {
    dev_base_.store(base, std::memory_order_relaxed);
    dev_size_.store(size, std::memory_order_relaxed);
    invalidate(TERN_MMU_INV_ALL_ASIDS, 0, 0, 0);
}

void Mmu::reset() {
    std::lock_guard lock(mu_);
    tlb_.fill(TlbEntry{});
    ++generation_;
    hits_ = misses_ = 0;
    faults_ = 0;
    regs_.store64(TERN_REG_MMU_TLB_HITS, 0);
    regs_.store64(TERN_REG_MMU_TLB_MISSES, 0);
    regs_.store32(TERN_REG_MMU_FAULTS, 0);
}

// The checks of hw-spec 6.3 steps 4-5 for the entry that ends a walk, and the
// TLB entry it yields. `large` = a level-1 LEAF (2 MiB page).
bool Mmu::leaf(uint64_t pte, uint32_t level, uint32_t asid, uint64_t va, TlbEntry* out,
               Fault* fault) {
    const bool large = level == 1;
    if (level == 0 && (pte & TERN_PTE_LEAF) != 0) {
        return fail(fault, va, TERN_FAULT_PTE_RSVD, false, level);
    }
    uint64_t addr = pte & TERN_PTE_ADDR;
    if (large) {
        if ((addr & kLargeMask) != 0) {
            return fail(fault, va, TERN_FAULT_PTE_RSVD, false, level);
        }
        addr += va & kLargeMask & ~kPageMask;  // the 4 KiB piece of the 2 MiB page
    }
    const bool devmem = (pte & TERN_PTE_DEVMEM) != 0;
    if (devmem) {
        const uint64_t size = dev_size_.load(std::memory_order_relaxed);
        if (addr >= size || size - addr < TERN_PAGE_SIZE) {
            return fail(fault, va, TERN_FAULT_WINDOW, false, level);
        }
    }
    out->valid = true;
    out->devmem = devmem;
    out->writable = (pte & TERN_PTE_WRITE) != 0;
    out->level = static_cast<uint8_t>(level);
    out->asid = asid;
    out->vpn = va >> TERN_PAGE_SHIFT;
    out->addr = addr;
    return true;
}

bool Mmu::walk(uint32_t asid, uint64_t va, TlbEntry* out, Fault* fault, LeafLine* line) {
    line->va = kNoLine;
    const uint64_t root = regs_.load64(TERN_REG_MMU_ROOT(asid));
    if ((root & TERN_MMU_ROOT_VALID) == 0) {
        return fail(fault, va, TERN_FAULT_UNMAPPED, false, kRootLevel);
    }
    uint64_t table = root & TERN_MMU_ROOT_ADDR;
    for (uint32_t level = kRootLevel;; --level) {
        uint64_t pte = 0;
        if (level == 0) {
            // One 64-byte line of leaves; the neighbours feed prefetch().
            const uint64_t index = TERN_PT_INDEX(va, 0);
            const uint64_t first = index & ~(line->ptes.size() - 1);
            if (!host_.read(table + first * sizeof(pte), line->ptes.data(), sizeof(line->ptes))) {
                return fail(fault, va, TERN_FAULT_PT_BUS, false, level);
            }
            line->va = (va & ~(TERN_PT_ENTRIES * TERN_PAGE_SIZE - 1)) | (first << TERN_PAGE_SHIFT);
            pte = line->ptes[index - first];
        } else if (!host_.read(table + TERN_PT_INDEX(va, level) * sizeof(pte), &pte, sizeof(pte))) {
            return fail(fault, va, TERN_FAULT_PT_BUS, false, level);
        }
        if ((pte & TERN_PTE_VALID) == 0) {
            return fail(fault, va, TERN_FAULT_UNMAPPED, false, level);
        }
        if ((pte & TERN_PTE_RSVD) != 0) {
            return fail(fault, va, TERN_FAULT_PTE_RSVD, false, level);
        }
        const bool large = level == 1 && (pte & TERN_PTE_LEAF) != 0;
        if (level > 0 && !large) {
            // LEAF at levels 3 and 2 lands here too and is rejected.
            if ((pte & kTableForbidden) != 0) {
                return fail(fault, va, TERN_FAULT_PTE_RSVD, false, level);
            }
            table = pte & TERN_PTE_ADDR;
            continue;
        }
        return leaf(pte, level, asid, va, out, fault);
    }
}

// Fills the TLB with the valid neighbours of a leaf just walked, from the
// line the walk read (hw-spec 6.6: the TLB may hold any valid leaf). Entries
// that would fault are skipped; only an access that needs them reports the
// fault. Caller holds mu_.
void Mmu::prefetch(uint32_t asid, const LeafLine& line, uint64_t walked_vpn) {
    for (size_t i = 0; i < line.ptes.size(); ++i) {
        const uint64_t pte = line.ptes[i];
        const uint64_t page_va = line.va + (i << TERN_PAGE_SHIFT);
        if ((pte & TERN_PTE_VALID) == 0 || (pte & TERN_PTE_RSVD) != 0 ||
            page_va >> TERN_PAGE_SHIFT == walked_vpn) {
            continue;
        }
        TlbEntry e;
        Fault ignored;
        if (leaf(pte, 0, asid, page_va, &e, &ignored)) {
            tlb_[slot(asid, e.vpn)] = e;
        }
    }
}

bool Mmu::resolve(const TlbEntry& e, uint64_t va, bool write, Target* t, Fault* fault) {
    if (write && !e.writable) {
        return fail(fault, va, TERN_FAULT_WRITE, write, e.level);
    }
    const uint64_t off = va & kPageMask;
    t->avail = TERN_PAGE_SIZE - off;
    t->level = e.level;
    if (e.devmem) {
        // The window was checked at walk time; configure() flushes on change.
        t->dev = dev_base_.load(std::memory_order_relaxed) + e.addr + off;
        t->bus = 0;
    } else {
        t->dev = nullptr;
        t->bus = e.addr + off;
    }
    return true;
}

bool Mmu::translate(uint32_t asid, uint64_t va, bool write, Target* t, Fault* fault) {
    if (va >= kVaLimit) {
        return fail(fault, va, TERN_FAULT_NONCANONICAL, write, kRootLevel);
    }
    const uint64_t vpn = va >> TERN_PAGE_SHIFT;
    const size_t idx = slot(asid, vpn);
    uint64_t gen = 0;
    {
        std::lock_guard lock(mu_);
        const TlbEntry& e = tlb_[idx];
        if (e.valid && e.asid == asid && e.vpn == vpn) {
            regs_.store64(TERN_REG_MMU_TLB_HITS, ++hits_);
            const TlbEntry copy = e;
            return resolve(copy, va, write, t, fault);
        }
        regs_.store64(TERN_REG_MMU_TLB_MISSES, ++misses_);
        gen = generation_;
    }
    // Walk without the lock: table reads go to host memory and may be slow.
    TlbEntry fresh;
    LeafLine line;
    if (!walk(asid, va, &fresh, fault, &line)) {
        fault->write = write;
        return false;
    }
    {
        std::lock_guard lock(mu_);
        if (generation_ == gen) {
            if (line.va != kNoLine) {
                prefetch(asid, line, vpn);
            }
            tlb_[idx] = fresh;
        }
    }
    return resolve(fresh, va, write, t, fault);
}

bool Mmu::translate_run(uint32_t asid, uint64_t va, bool write, uint64_t want, Target* t,
                        Fault* fault) {
    if (!translate(asid, va, write, t, fault)) {
        return false;
    }
    uint64_t next = (va & ~kPageMask) + TERN_PAGE_SIZE;
    std::lock_guard lock(mu_);
    if (t->level == 1) {
        // The rest of a 2 MiB page is one translation: no lookups needed.
        const uint64_t large_end = (va | kLargeMask) + 1;
        const uint64_t pages =
            std::min((large_end - next) >> TERN_PAGE_SHIFT,
                     (want - std::min(want, t->avail) + kPageMask) >> TERN_PAGE_SHIFT);
        hits_ += pages;
        regs_.store64(TERN_REG_MMU_TLB_HITS, hits_);
        t->avail += pages << TERN_PAGE_SHIFT;
        next += pages << TERN_PAGE_SHIFT;
    }
    while (t->avail < want && next < kVaLimit) {
        const uint64_t vpn = next >> TERN_PAGE_SHIFT;
        const TlbEntry& e = tlb_[slot(asid, vpn)];
        if (!e.valid || e.asid != asid || e.vpn != vpn || (write && !e.writable) ||
            e.devmem != (t->dev != nullptr)) {
            break;
        }
        const bool contiguous =
            e.devmem ? dev_base_.load(std::memory_order_relaxed) + e.addr == t->dev + t->avail
                     : e.addr == t->bus + t->avail;
        if (!contiguous) {
            break;
        }
        regs_.store64(TERN_REG_MMU_TLB_HITS, ++hits_);
        t->avail += TERN_PAGE_SIZE;
        next += TERN_PAGE_SIZE;
    }
    return true;
}

bool Mmu::read(uint32_t asid, uint64_t va, void* dst, size_t len, Fault* fault) {
    auto* out = static_cast<uint8_t*>(dst);
    while (len > 0) {
        Target t;
        if (!translate(asid, va, false, &t, fault)) {
            return false;
        }
        const size_t n = std::min(len, t.avail);
        if (t.dev != nullptr) {
            std::memcpy(out, t.dev, n);
        } else if (!host_.read(t.bus, out, n)) {
            return fail(fault, va, TERN_FAULT_BUS, false, t.level);
        }
        out += n;
        va += n;
        len -= n;
    }
    return true;
}

bool Mmu::write(uint32_t asid, uint64_t va, const void* src, size_t len, Fault* fault) {
    const auto* in = static_cast<const uint8_t*>(src);
    while (len > 0) {
        Target t;
        if (!translate(asid, va, true, &t, fault)) {
            return false;
        }
        const size_t n = std::min(len, t.avail);
        if (t.dev != nullptr) {
            std::memcpy(t.dev, in, n);
        } else if (!host_.write(t.bus, in, n)) {
            return fail(fault, va, TERN_FAULT_BUS, true, t.level);
        }
        in += n;
        va += n;
        len -= n;
    }
    return true;
}

void Mmu::invalidate(uint32_t flags, uint32_t asid, uint64_t va, uint64_t size) {
    const bool all_asids = (flags & TERN_MMU_INV_ALL_ASIDS) != 0;
    const bool range = (flags & TERN_MMU_INV_RANGE) != 0;
    // Page numbers [first, last] touched by [va, va + size), clamped to the
    // VA space so that a huge size cannot overflow.
    const uint64_t first = std::min(va, kVaLimit) >> TERN_PAGE_SHIFT;
    const uint64_t end = size > kVaLimit - std::min(va, kVaLimit) ? kVaLimit : va + size;
    const uint64_t last_excl = (end + kPageMask) >> TERN_PAGE_SHIFT;
    std::lock_guard lock(mu_);
    ++generation_;
    if (range && size == 0) {
        return;
    }
    for (TlbEntry& e : tlb_) {
        if (!e.valid || (!all_asids && e.asid != asid)) {
            continue;
        }
        if (range && (e.vpn < first || e.vpn >= last_excl)) {
            continue;
        }
        e.valid = false;
    }
}

void Mmu::count_fault() {
    std::lock_guard lock(mu_);
    regs_.store32(TERN_REG_MMU_FAULTS, ++faults_);
}

}  // namespace tern::sim
