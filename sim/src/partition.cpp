// SPDX-License-Identifier: MIT
#include "partition.hpp"

#include <mutex>

#include "card_impl.hpp"

namespace tern::sim {

PartitionTable read_partition_table(const RegisterFile& pf_regs) {
    PartitionTable t;
    t.num_vfs = pf_regs.load32(TERN_REG_PART_NUM_VFS);
    for (uint32_t i = 0; i < TERN_MAX_VFS; ++i) {
        const uint32_t e = TERN_REG_PART_ENTRY(i);
        FunctionResources& r = t.vf[i];
        r.mem_base = pf_regs.load64(e + TERN_PART_MEM_BASE);
        r.mem_size = pf_regs.load64(e + TERN_PART_MEM_SIZE);
        r.core_mask = pf_regs.load32(e + TERN_PART_CORE_MASK);
        r.num_queues = pf_regs.load32(e + TERN_PART_NUM_QUEUES);
        r.num_asids = pf_regs.load32(e + TERN_PART_NUM_ASIDS);
    }
    return t;
}

uint32_t check_partition(const PartitionTable& t, uint64_t mem_size, uint32_t num_cores) {
    if (t.num_vfs > TERN_MAX_VFS) {
        return TERN_PART_ERR_COUNT;
    }
    const uint32_t n = t.num_vfs;
    for (uint32_t i = 0; i < n; ++i) {
        const FunctionResources& r = t.vf[i];
        if (r.mem_base % TERN_PART_ALIGN != 0 || r.mem_size % TERN_PART_ALIGN != 0 ||
            r.mem_size == 0) {
            return TERN_PART_ERR_ALIGN;
        }
    }
    for (uint32_t i = 0; i < n; ++i) {
        const FunctionResources& r = t.vf[i];
        if (r.mem_base > mem_size || r.mem_size > mem_size - r.mem_base) {
            return TERN_PART_ERR_RANGE;
        }
    }
    // Windows lie inside device memory now, so the sums below cannot overflow.
    for (uint32_t i = 0; i < n; ++i) {
        for (uint32_t j = i + 1; j < n; ++j) {
            const FunctionResources& a = t.vf[i];
            const FunctionResources& b = t.vf[j];
            if (a.mem_base < b.mem_base + b.mem_size && b.mem_base < a.mem_base + a.mem_size) {
                return TERN_PART_ERR_OVERLAP;
            }
        }
    }
    const uint32_t card_cores = num_cores >= TERN_MAX_CORES ? ~0U : (1U << num_cores) - 1;
    uint32_t used = 0;
    for (uint32_t i = 0; i < n; ++i) {
        const uint32_t m = t.vf[i].core_mask;
        if (m == 0 || (m & ~card_cores) != 0 || (m & used) != 0) {
            return TERN_PART_ERR_CORES;
        }
        used |= m;
    }
    for (uint32_t i = 0; i < n; ++i) {
        const FunctionResources& r = t.vf[i];
        if (r.num_queues < 1 || r.num_queues > TERN_MAX_QUEUES || r.num_asids < 1 ||
            r.num_asids > TERN_MAX_ASIDS) {
            return TERN_PART_ERR_QUEUES;
        }
    }
    return TERN_PART_OK;
}

uint32_t apply_partition(CardImpl& card) {
    FunctionImpl& pf = card.pf();
    const PartitionTable t = read_partition_table(pf.regs());
    uint32_t code = check_partition(t, card.config().mem_size, card.config().num_cores);
    if (code != TERN_PART_OK) {
        return code;
    }
    // Hold every VF's trigger lock so that no VF driver enables a queue
    // between the BUSY check and the change. Order: PF, then VFs by index.
    std::array<std::unique_lock<std::mutex>, TERN_MAX_VFS> locks;
    for (unsigned i = 0; i < TERN_MAX_VFS; ++i) {
        locks[i] = std::unique_lock(card.vf_slot(i).trigger_mutex());
    }
    auto unchanged = [&](unsigned i) {
        FunctionImpl& vf = card.vf_slot(i);
        return vf.present() && i < t.num_vfs && vf.resources() == t.vf[i];
    };
    for (unsigned i = 0; i < TERN_MAX_VFS; ++i) {
        FunctionImpl& vf = card.vf_slot(i);
        if (vf.present() && !unchanged(i) && vf.any_queue_enabled()) {
            return TERN_PART_ERR_BUSY;
        }
    }
    for (unsigned i = 0; i < TERN_MAX_VFS; ++i) {
        if (unchanged(i)) {
            continue;  // keeps its state
        }
        FunctionImpl& vf = card.vf_slot(i);
        if (vf.present()) {
            vf.remove();
        }
        if (i < t.num_vfs) {
            vf.power_on(t.vf[i], card.vf_register_storage(i));
        }
    }
    pf.set_part_active(t.num_vfs > 0);
    return TERN_PART_OK;
}

}  // namespace tern::sim
