// SPDX-License-Identifier: MIT
// Partition planning: from what the caller asks for (an N-way equal split
// or one spec per VF) and what the PF has, to the entries of the UAPI's
// partition table, with the checks of hw-spec 10.2 done up front so that a
// request that cannot work is refused with a reason instead of an errno.
// Pure computation over plain values: no device, no runtime state, so the
// tests can try card shapes no mock has.
#pragma once

#include <drm/tern_accel.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tern::rt::partition {

inline constexpr uint64_t kAlign = 2ull << 20;  // TERN_PART_ALIGN
inline constexpr uint32_t kMaxQueues = 16;      // TERN_MAX_QUEUES
inline constexpr uint32_t kMaxAsids = 64;       // TERN_MAX_ASIDS
inline constexpr uint64_t kBaseAuto = UINT64_MAX;

// What the PF reports: the card's totals (GET_INFO PARTITIONS) and the
// PF's own queue and address-space counts (GET_PARAM).
struct PfResources {
    uint64_t card_mem_size = 0;
    uint32_t card_core_mask = 0;
    uint32_t max_partitions = 0;
    uint32_t pf_queues = 0;
    uint32_t pf_asids = 0;
};

// One VF as asked; zeros mean "default" (see tern_partition_spec).
struct Spec {
    uint32_t num_cores = 0;
    uint32_t core_mask = 0;
    uint32_t num_queues = 0;
    uint32_t num_asids = 0;
    uint64_t mem_size = 0;
    uint64_t mem_base = kBaseAuto;
};

struct Request {
    bool equal = true;  // else one Spec per VF
    uint32_t num_partitions = 0;
    uint64_t pf_reserve = 0;
    std::vector<Spec> specs;  // !equal
};

struct Profile {
    uint32_t num_partitions = 0;
    uint32_t cores_each = 0;
    uint32_t queues_each = 0;
    uint32_t asids_each = 0;
    uint64_t mem_each = 0;
    uint64_t pf_reserve = 0;  // aligned
};

// The equal splits (1, 2, 4, 8 ways) that fit, leaving `pf_reserve`.
// False and *error if the reserve itself is impossible.
bool profiles(const PfResources& pf, uint64_t pf_reserve, std::vector<Profile>* out,
              std::string* error);

// Turns `req` into table entries (entry i = VF i). False and *error, a
// sentence that names the offending field, if it cannot be done.
bool plan(const PfResources& pf, const Request& req, std::vector<drm_tern_partition>* out,
          std::string* error);

// The defaults of a VF's queues and address spaces among n partitions.
uint32_t default_queues(const PfResources& pf, uint32_t n);
uint32_t default_asids(const PfResources& pf, uint32_t n);

// "2 MiB", "1.5 GiB", "4096 B", for messages.
std::string format_bytes(uint64_t bytes);

}  // namespace tern::rt::partition
