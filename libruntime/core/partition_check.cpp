// SPDX-License-Identifier: MIT
#include "partition_check.hpp"

#include "partition_plan.hpp"

#include <fmt/format.h>

#include <bit>

namespace tern::rt::partition {

namespace {

bool get(File& f, uint32_t id, uint64_t* value) {
    drm_tern_param p{};
    p.param = id;
    if (f.ioctl(DRM_IOCTL_TERN_GET_PARAM, &p) != 0)
        return false;
    *value = p.value;
    return true;
}

bool same_entry(const drm_tern_partition& a, const drm_tern_partition& b) {
    return a.mem_base == b.mem_base && a.mem_size == b.mem_size && a.core_mask == b.core_mask &&
           a.num_queues == b.num_queues && a.num_asids == b.num_asids && a.flags == b.flags;
}

}  // namespace

std::string compare_table(const drm_tern_partition_table& have,
                          const std::vector<drm_tern_partition>& want) {
    if (have.num_vfs != want.size())
        return fmt::format("the driver's table has {} entries, {} were written", have.num_vfs,
                           want.size());
    for (uint32_t i = 0; i < want.size() && i < DRM_TERN_MAX_PARTITIONS; ++i) {
        const drm_tern_partition& h = have.entries[i];
        if (!same_entry(h, want[i]))
            return fmt::format(
                "entry {} reads back as [{:#x}+{:#x}, cores {:#x}, {} queues, {} "
                "address spaces]",
                i, h.mem_base, h.mem_size, h.core_mask, h.num_queues, h.num_asids);
    }
    return {};
}

std::string verify_vf(File& file, uint32_t index, const drm_tern_partition& e) {
    struct Check {
        uint32_t id;
        const char* name;
        uint64_t want;
        bool bytes;
        bool at_most;  // the driver may keep some for itself
    };
    // The hardware's view of the VF (its identity registers) must be the
    // entry exactly. Of the address spaces a driver may keep some for its
    // own use (tern.ko clears an emulated VF's memory by DMA in one).
    const Check checks[] = {
        {DRM_TERN_PARAM_FUNCTION, "function",
         DRM_TERN_FUNCTION_IS_VF | (uint64_t(index) << DRM_TERN_FUNCTION_VF_INDEX_SHIFT), false,
         false},
        {DRM_TERN_PARAM_CORE_MASK, "core mask", e.core_mask, false, false},
        {DRM_TERN_PARAM_NUM_CORES, "cores", uint64_t(std::popcount(e.core_mask)), false, false},
        {DRM_TERN_PARAM_MEM_SIZE, "memory", e.mem_size, true, false},
        {DRM_TERN_PARAM_NUM_QUEUES, "queues", e.num_queues, false, false},
        {DRM_TERN_PARAM_MAX_ADDRESS_SPACES, "address spaces", e.num_asids, false, true},
    };
    for (const Check& c : checks) {
        uint64_t have = 0;
        if (!get(file, c.id, &have))
            return fmt::format("VF {} does not answer GET_PARAM for its {}", index, c.name);
        if (have == c.want || (c.at_most && have != 0 && have < c.want))
            continue;
        if (c.bytes)
            return fmt::format("VF {} reports {} of {} where its partition has {}", index,
                               format_bytes(have), c.name, format_bytes(c.want));
        return fmt::format("VF {} reports {} {:#x} where its partition has {:#x}", index, c.name,
                           have, c.want);
    }
    return {};
}

}  // namespace tern::rt::partition
