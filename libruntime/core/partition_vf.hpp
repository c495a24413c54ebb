// SPDX-License-Identifier: MIT
// The VFs behind a PF's partition table: which device node serves which
// partition, whether it reports exactly its partition's resources, and who
// holds it. Used by the partition calls (partition.cpp) on both backends.
#pragma once

#include "../backend/backend.hpp"

#include <drm/tern_accel.h>
#include <tern/tern_partition.h>

#include <optional>
#include <string>
#include <vector>

namespace tern::rt {

class Device;

namespace partition {

// The table's entries in use.
std::vector<drm_tern_partition> entries_of(const drm_tern_partition_table& t);

// Reads GET_INFO(PARTITIONS) through `file`, a file of `pf`.
tern_status read_table(Device* pf, File* file, drm_tern_partition_table* out);

// The node serving each entry of `entries` among `nodes`, or nullopt. On
// the kernel backend VF i is the function tern.ko lists as "vfI" in the
// PF's sysfs tern/vfs, else (an older driver) the PF's virtfn<i> link;
// elsewhere (the mock) it is the node that reports itself as VF i with
// entry i's core mask (cores of one card's VFs are disjoint), preferring
// nodes on the PF's PCI bus when two cards have equal tables.
std::vector<std::optional<NodeInfo>> find_vf_nodes(Backend& backend, const Device& pf,
                                                   const std::vector<drm_tern_partition>& entries,
                                                   const std::vector<NodeInfo>& nodes);

struct Holders {
    std::vector<tern_partition_holder> list;  // struct_size set
    uint32_t uninspected = 0;                 // processes we may not read
};

// Who holds the VFs in `vf_nodes` (entry i's node or nullopt) of `pf`.
Holders find_holders(Backend& backend, const Device& pf,
                     const std::vector<std::optional<NodeInfo>>& vf_nodes, uint32_t enabled_vfs);

// "partition 0 by pid 4242 (python3, 2 files); partition 1 by driver
// vfio-pci", shortened to about `max_chars` with "and N more".
std::string describe_holders(const Holders& h, size_t max_chars);

// sysfs directory of the PF on the kernel backend, "" on the mock or when
// its PCI address is unknown.
std::string pf_sysfs_dir(const Device& pf);

}  // namespace partition
}  // namespace tern::rt
