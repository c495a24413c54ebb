// SPDX-License-Identifier: MIT
// Post-conditions of a partition change: the driver's table reads back as
// written, and each VF reports exactly the resources of its entry. Pure
// comparisons over the UAPI's structs and a File, so that the tests can
// feed them a driver that lies.
#pragma once

#include "../backend/backend.hpp"

#include <drm/tern_accel.h>

#include <string>
#include <vector>

namespace tern::rt::partition {

// "" if the driver's table `have` is `want`, else the first difference.
std::string compare_table(const drm_tern_partition_table& have,
                          const std::vector<drm_tern_partition>& want);

// "" if VF `index`, opened through `file`, reports `entry`'s function
// index, cores, memory and queues (GET_PARAM), and between 1 and the
// entry's address spaces, else a sentence naming the first difference.
std::string verify_vf(File& file, uint32_t index, const drm_tern_partition& entry);

}  // namespace tern::rt::partition
