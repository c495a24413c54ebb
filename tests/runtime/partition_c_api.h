/* SPDX-License-Identifier: MIT */
/* A C caller of the partition API, for the C++ tests (partition_c_api.c). */
#ifndef TERN_TEST_PARTITION_C_API_H
#define TERN_TEST_PARTITION_C_API_H

#include <tern/tern_partition.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Plans cores 2 + 16 MiB (automatic) and mask 0x30 + 4 MiB at offset 0. */
tern_status c_plan_two_partitions(tern_device pf, tern_partition out[2]);

#ifdef __cplusplus
}
#endif

#endif /* TERN_TEST_PARTITION_C_API_H */
