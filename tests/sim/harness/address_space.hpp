// SPDX-License-Identifier: MIT
// One ASID of one function: a PageTable plus the register work that makes
// it live (MMU_ROOT, invalidations).
#pragma once

#include <cstdint>

#include "harness/host_arena.hpp"
#include "harness/mmu.hpp"
#include "harness/page_table.hpp"

namespace tern::test {

class AddressSpace {
public:
    AddressSpace(sim::Function& fn, HostArena& arena, unsigned asid)
        : asid_(asid), table_(arena), mmu_(fn) {}

    unsigned asid() const { return asid_; }
    PageTable& table() { return table_; }
    MmuControl& mmu() { return mmu_; }

    // Writes MMU_ROOT(asid) = table | VALID and invalidates the ASID.
    bool install() {
        mmu_.set_root(asid_, table_.root_bus());
        return mmu_.invalidate_asid(asid_);
    }
    // Makes page-table edits visible to the device.
    bool flush() { return mmu_.invalidate_asid(asid_); }
    bool flush_range(uint64_t va, uint64_t size) { return mmu_.invalidate_range(asid_, va, size); }

private:
    unsigned asid_;
    PageTable table_;
    MmuControl mmu_;
};

}  // namespace tern::test
