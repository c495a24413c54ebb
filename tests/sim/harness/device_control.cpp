// SPDX-License-Identifier: MIT
#include "harness/device_control.hpp"

#include "tern/hw/tern_regs.h"

namespace tern::test {

bool function_reset(sim::Function& fn, Millis timeout) {
    const uint32_t req = fn.read32(TERN_REG_DEV_RESET_REQ) + 1;
    fn.write32(TERN_REG_DEV_RESET_REQ, req);
    return poll_until(
        [&] {
            return fn.read32(TERN_REG_DEV_RESET_ACK) == req &&
                   (fn.read32(TERN_REG_DEV_STATUS) & TERN_DEV_STATUS_RESETTING) == 0;
        },
        timeout);
}

void write_partition_table(sim::Function& pf, uint32_t num_vfs,
                           const std::vector<PartitionEntry>& entries) {
    for (size_t i = 0; i < entries.size(); ++i) {
        const uint32_t base = TERN_REG_PART_ENTRY(i);
        pf.write64(base + TERN_PART_MEM_BASE, entries[i].mem_base);
        pf.write64(base + TERN_PART_MEM_SIZE, entries[i].mem_size);
        pf.write32(base + TERN_PART_CORE_MASK, entries[i].core_mask);
        pf.write32(base + TERN_PART_NUM_QUEUES, entries[i].num_queues);
        pf.write32(base + TERN_PART_NUM_ASIDS, entries[i].num_asids);
    }
    pf.write32(TERN_REG_PART_NUM_VFS, num_vfs);
}

std::optional<uint32_t> apply_partition(sim::Function& pf, Millis timeout) {
    const uint32_t req = pf.read32(TERN_REG_PART_APPLY_REQ) + 1;
    pf.write32(TERN_REG_PART_APPLY_REQ, req);
    if (!poll_until([&] { return pf.read32(TERN_REG_PART_APPLY_ACK) == req; }, timeout)) {
        return std::nullopt;
    }
    return pf.read32(TERN_REG_PART_STATUS);
}

std::optional<uint32_t> partition(sim::Function& pf, const std::vector<PartitionEntry>& entries,
                                  Millis timeout) {
    write_partition_table(pf, static_cast<uint32_t>(entries.size()), entries);
    return apply_partition(pf, timeout);
}

void inject_error(sim::Function& pf, uint32_t kind) {
    const uint32_t cur = pf.read32(TERN_REG_ERR_INJECT);
    const uint32_t seq = ((cur & TERN_INJECT_SEQ) >> TERN_INJECT_SEQ_SHIFT) + 1;
    pf.write32(TERN_REG_ERR_INJECT,
               ((seq << TERN_INJECT_SEQ_SHIFT) & TERN_INJECT_SEQ) | (kind & TERN_INJECT_KIND));
}

}  // namespace tern::test
