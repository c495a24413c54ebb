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

}  // namespace

DmaResult dma_copy(Mmu& mmu, HostMemory& host, uint32_t asid, uint64_t src, uint64_t dst,
                   uint64_t size, const std::atomic<bool>& abort) {
    DmaResult r;
    if (!in_va_space(src, size, false, &r.fault) || !in_va_space(dst, size, true, &r.fault)) {
        r.status = DmaStatus::kFault;
        return r;
    }
    uint8_t bounce[TERN_PAGE_SIZE];
    while (size > 0) {
        if (abort.load(std::memory_order_relaxed)) {
            r.status = DmaStatus::kAborted;
            return r;
        }
        Target s;
        Target d;
        if (!mmu.translate(asid, src, false, &s, &r.fault) ||
            !mmu.translate(asid, dst, true, &d, &r.fault)) {
            r.status = DmaStatus::kFault;
            return r;
        }
        const size_t n = static_cast<size_t>(std::min<uint64_t>(size, std::min(s.avail, d.avail)));
        if (s.dev != nullptr && d.dev != nullptr) {
            std::memmove(d.dev, s.dev, n);
        } else if (s.dev != nullptr) {
            if (!host.write(d.bus, s.dev, n)) {
                return bus_fault(dst, true, d.level);
            }
        } else if (d.dev != nullptr) {
            if (!host.read(s.bus, d.dev, n)) {
                return bus_fault(src, false, s.level);
            }
        } else {
            if (!host.read(s.bus, bounce, n)) {
                return bus_fault(src, false, s.level);
            }
            if (!host.write(d.bus, bounce, n)) {
                return bus_fault(dst, true, d.level);
            }
        }
        src += n;
        dst += n;
        size -= n;
    }
    return r;
}

}  // namespace tern::sim
