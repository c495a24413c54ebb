// SPDX-License-Identifier: MIT
// What `tern-smi partition` shows of a PF: its partition table with the VF
// devices, who holds them, and the equal-split profiles that fit; as JSON
// (docs/cli-json-schema.md) and as text.
#pragma once

#include "json_doc.hpp"
#include "session.hpp"

#include <tern/tern_partition.hpp>

#include <string>
#include <vector>

namespace tern::smi {

struct PartitionView {
    bool supported = false;  // the PF offers PARTITION_SET
    tern_partition_table_info table{};
    std::vector<tern_partition> partitions;
    uint64_t pf_reserve = 0;  // what the profiles leave for the PF, as asked
    std::vector<tern_partition_profile> profiles;
    std::vector<tern_partition_holder> holders;
    uint32_t uninspected = 0;
};

// Reads everything about the partitions of `pf`. A PF without partitioning
// gives supported = false; a VF is an error (partitions belong to PFs).
PartitionView read_partitions(Session& s, OpenDevice& pf, uint64_t pf_reserve);

json partition_json(const tern_partition& p);
json holder_json(const tern_partition_holder& h);
json profile_json(const tern_partition_profile& p);

// Adds the table, partitions, holders and profiles to a device object.
void add_partition_view(json& obj, const PartitionView& v);

// The partitions as a table (VF, cores, mask, memory, offset, queues,
// address spaces, device), indented by two spaces.
std::string partitions_text(const std::vector<tern_partition>& parts);

// "partition 1: pid 4242 (python3), 2 files" / "... bound to driver vfio-pci".
std::string holder_text(const tern_partition_holder& h);

// Everything of one PF, for `partition list`.
std::string partition_view_text(const OpenDevice& d, const PartitionView& v);

}  // namespace tern::smi
