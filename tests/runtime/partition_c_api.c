/* SPDX-License-Identifier: MIT */
/*
 * The partition API called from C11, as a C program calls it: designated
 * initializers, a spec array, TERN_PARTITION_BASE_AUTO. Compiling this file
 * checks that tern_partition.h is valid C.
 */
#include "partition_c_api.h"

tern_status c_plan_two_partitions(tern_device pf, tern_partition out[2]) {
    const tern_partition_spec specs[2] = {
        {.struct_size = sizeof(tern_partition_spec),
         .num_cores = 2,
         .memory_bytes = 8 * TERN_PARTITION_ALIGN,
         .memory_base = TERN_PARTITION_BASE_AUTO},
        {.struct_size = sizeof(tern_partition_spec),
         .core_mask = 0x30,
         .num_queues = 2,
         .memory_bytes = 2 * TERN_PARTITION_ALIGN,
         .memory_base = 0},
    };
    const tern_partition_request r = {.struct_size = sizeof(r),
                                      .layout = TERN_PARTITION_LAYOUT_EXPLICIT,
                                      .num_partitions = 2,
                                      .timeout_ns = -1,
                                      .specs = specs};
    out[0].struct_size = sizeof(tern_partition);
    out[1].struct_size = sizeof(tern_partition);
    return tern_partition_plan(pf, &r, out, 2);
}
