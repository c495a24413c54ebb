// SPDX-License-Identifier: MIT
// The PF's partition table: validation and application (VF creation,
// change and removal).
#pragma once

#include <array>
#include <cstdint>

#include "function.hpp"
#include "register_file.hpp"

namespace tern::sim {

class CardImpl;

struct PartitionTable {
    uint32_t num_vfs = 0;
    std::array<FunctionResources, TERN_MAX_VFS> vf{};
};

PartitionTable read_partition_table(const RegisterFile& pf_regs);

// Every check except BUSY (which needs the VFs' state), in the documented
// order; each check runs over all entries before the next one.
uint32_t check_partition(const PartitionTable& table, uint64_t mem_size, uint32_t num_cores);

// TERN_REG_PART_APPLY_REQ: validates the PF's table and, if it passes,
// brings the VFs to it. Returns the TERN_PART_* code. The caller holds the
// PF's trigger lock.
uint32_t apply_partition(CardImpl& card);

}  // namespace tern::sim
