// SPDX-License-Identifier: MIT
// MMU control through registers: page-table roots, TLB invalidation
// (MMU_INV_* then the REQ/ACK handshake) and the MMU counters.
#pragma once

#include <cstdint>

#include "harness/poll.hpp"
#include "tern/sim/card.hpp"

namespace tern::test {

class MmuControl {
public:
    explicit MmuControl(sim::Function& fn) : fn_(fn) {}

    void set_root(unsigned asid, uint64_t table_bus);  // VALID | address
    void clear_root(unsigned asid);
    uint64_t root(unsigned asid);

    // Each returns false (and fails nothing itself) if ACK did not follow
    // REQ within the timeout.
    bool invalidate_asid(unsigned asid, Millis timeout = kTimeout);
    bool invalidate_all(Millis timeout = kTimeout);
    bool invalidate_range(unsigned asid, uint64_t va, uint64_t size, Millis timeout = kTimeout);
    bool invalidate(uint32_t asid, uint32_t flags, uint64_t va, uint64_t size,
                    Millis timeout = kTimeout);

    uint64_t tlb_hits();
    uint64_t tlb_misses();
    uint32_t faults();

private:
    sim::Function& fn_;
};

}  // namespace tern::test
