// SPDX-License-Identifier: MIT
// Function-level control through registers: function reset, partition
// table apply and error injection, each a REQ/ACK handshake with a deadline.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "harness/poll.hpp"
#include "tern/sim/card.hpp"

namespace tern::test {

// Changes DEV_RESET_REQ and waits for DEV_RESET_ACK == REQ and READY.
bool function_reset(sim::Function& fn, Millis timeout = kTimeout);

struct PartitionEntry {
    uint64_t mem_base = 0;
    uint64_t mem_size = 0;
    uint32_t core_mask = 0;
    uint32_t num_queues = 1;
    uint32_t num_asids = 1;
};

// Writes PART_NUM_VFS and the entries (entries may be more or fewer than
// num_vfs, so tests can leave stale entries behind).
void write_partition_table(sim::Function& pf, uint32_t num_vfs,
                           const std::vector<PartitionEntry>& entries);
// Changes PART_APPLY_REQ, waits for ACK == REQ and returns PART_STATUS;
// nullopt on timeout.
std::optional<uint32_t> apply_partition(sim::Function& pf, Millis timeout = kTimeout);
// write_partition_table(entries.size()) + apply_partition().
std::optional<uint32_t> partition(sim::Function& pf, const std::vector<PartitionEntry>& entries,
                                  Millis timeout = kTimeout);

// Fires ERR_INJECT with `kind` and a new SEQ field.
void inject_error(sim::Function& pf, uint32_t kind);

}  // namespace tern::test
