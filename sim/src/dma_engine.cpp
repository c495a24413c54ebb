// SPDX-License-Identifier: MIT
#include "dma_engine.hpp"

#include <algorithm>
#include <cstring>

#include "tern/hw/tern_mmu.h"

namespace tern::sim {

namespace {

constexpr uint64_t kVaLimit = 1ULL << TERN_VA_BITS;

// True if [va, va + size) stays below 2^48; otherwise *fault names the first
// byte outside it.
bool in_va_space(uint64_t va, uint64_t size, bool write, Fault* fault) {
    if (va < kVaLimit && size <= kVaLimit - va) {
        return true;
    }
    fault->va = std::max(va, kVaLimit);
    fault->reason = TERN_FAULT_NONCANONICAL;
    fault->write = write;
    fault->level = TERN_PT_LEVELS - 1;
    return false;
}

DmaResult bus_fault(uint64_t va, bool write, uint32_t level) {
    DmaResult r;
    r.status = DmaStatus::kFault;
    r.fault.va = va;
    r.fault.reason = TERN_FAULT_BUS;
    r.fault.write = write;
    r.fault.level = level;
    return r;
}

// Moves n bytes between two translated runs. Returns false on a bus error
// and sets *dst_failed to say which side failed.
bool move(HostMemory& host, const Target& s, const Target& d, size_t n, uint8_t* bounce,
          bool* dst_failed) {
    *dst_failed = false;
    if (s.dev != nullptr && d.dev != nullptr) {
        std::memmove(d.dev, s.dev, n);
        return true;
    }
    if (s.dev != nullptr) {
        *dst_failed = true;
        return host.write(d.bus, s.dev, n);
    }
    if (d.dev != nullptr) {
        return host.read(s.bus, d.dev, n);
    }
    // Host to host goes through a page-sized bounce buffer.
    for (size_t done = 0; done < n;) {
        const size_t k = std::min<size_t>(n - done, TERN_PAGE_SIZE);
        if (!host.read(s.bus + done, bounce, k)) {
            return false;
        }
        if (!host.write(d.bus + done, bounce, k)) {
            *dst_failed = true;
            return false;
        }
        done += k;
    }
    return true;
}

}  // namespace

DmaResult dma_copy(Mmu& mmu, HostMemory& host, uint32_t asid, uint64_t src, uint64_t dst,
                   uint64_t size, const std::atomic<bool>& abort) {
    // Longest run moved between two polls of `abort`.
    constexpr uint64_t kMaxRun = 1ULL << 20;
    DmaResult r;
    if (!in_va_space(src, size, false, &r.fault) || !in_va_space(dst, size, true, &r.fault)) {
        r.status = DmaStatus::kFault;
        return r;
    }
    uint8_t bounce[TERN_PAGE_SIZE];
    // After a bus error in a multi-page run, the run is redone page by page
    // up to this source address so that the fault names the exact page (a run
    // can also fail only because it spans two separately mapped host ranges).
    uint64_t page_by_page_until = 0;
    while (size > 0) {
        if (abort.load(std::memory_order_relaxed)) {
            r.status = DmaStatus::kAborted;
            return r;
        }
        const uint64_t want = src < page_by_page_until ? 1 : std::min(size, kMaxRun);
        Target s;
        Target d;
        if (!mmu.translate_run(asid, src, false, want, &s, &r.fault) ||
            !mmu.translate_run(asid, dst, true, want, &d, &r.fault)) {
            r.status = DmaStatus::kFault;
            return r;
        }
        const size_t n = static_cast<size_t>(std::min<uint64_t>(size, std::min(s.avail, d.avail)));
        bool dst_failed = false;
        if (!move(host, s, d, n, bounce, &dst_failed)) {
            const bool one_page = n <= TERN_PAGE_SIZE - std::max(src, dst) % TERN_PAGE_SIZE;
            if (!one_page && src >= page_by_page_until) {
                page_by_page_until = src + n;
                continue;
            }
            return dst_failed ? bus_fault(dst, true, d.level) : bus_fault(src, false, s.level);
        }
        src += n;
        dst += n;
        size -= n;
    }
    return r;
}

}  // namespace tern::sim
