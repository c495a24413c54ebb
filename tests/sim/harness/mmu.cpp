// SPDX-License-Identifier: MIT
#include "harness/mmu.hpp"

#include "tern/hw/tern_mmu.h"
#include "tern/hw/tern_regs.h"

namespace tern::test {

void MmuControl::set_root(unsigned asid, uint64_t table_bus) {
    fn_.write64(TERN_REG_MMU_ROOT(asid), (table_bus & TERN_MMU_ROOT_ADDR) | TERN_MMU_ROOT_VALID);
}

void MmuControl::clear_root(unsigned asid) {
    fn_.write64(TERN_REG_MMU_ROOT(asid), 0);
}

uint64_t MmuControl::root(unsigned asid) {
    return fn_.read64(TERN_REG_MMU_ROOT(asid));
}

bool MmuControl::invalidate(uint32_t asid, uint32_t flags, uint64_t va, uint64_t size,
                            Millis timeout) {
    fn_.write32(TERN_REG_MMU_INV_ASID, asid);
    fn_.write32(TERN_REG_MMU_INV_FLAGS, flags);
    fn_.write64(TERN_REG_MMU_INV_VA, va);
    fn_.write64(TERN_REG_MMU_INV_SIZE, size);
    // A new value is what triggers the device; REQ + 1 always differs.
    const uint32_t req = fn_.read32(TERN_REG_MMU_INV_REQ) + 1;
    fn_.write32(TERN_REG_MMU_INV_REQ, req);
    return poll_until([&] { return fn_.read32(TERN_REG_MMU_INV_ACK) == req; }, timeout);
}

bool MmuControl::invalidate_asid(unsigned asid, Millis timeout) {
    return invalidate(asid, 0, 0, 0, timeout);
}

bool MmuControl::invalidate_all(Millis timeout) {
    return invalidate(0, TERN_MMU_INV_ALL_ASIDS, 0, 0, timeout);
}

bool MmuControl::invalidate_range(unsigned asid, uint64_t va, uint64_t size, Millis timeout) {
    return invalidate(asid, TERN_MMU_INV_RANGE, va, size, timeout);
}

uint64_t MmuControl::tlb_hits() {
    return fn_.read64(TERN_REG_MMU_TLB_HITS);
}
uint64_t MmuControl::tlb_misses() {
    return fn_.read64(TERN_REG_MMU_TLB_MISSES);
}
uint32_t MmuControl::faults() {
    return fn_.read32(TERN_REG_MMU_FAULTS);
}

}  // namespace tern::test
