// SPDX-License-Identifier: MIT
/*
 * Deliberately broken layouts: the uapi_padding_selftest CTest checks that
 * check_padding.sh rejects this object, so the real check cannot pass
 * vacuously (e.g. if pahole's output format changed).
 */
#include <linux/types.h>

/* 4-byte hole before @b. */
struct tern_selftest_hole {
	__u32 a;
	__u64 b;
};

/* 4 bytes of tail padding. */
struct tern_selftest_tail {
	__u64 a;
	__u32 b;
};

struct tern_selftest_hole tern_selftest_hole;
struct tern_selftest_tail tern_selftest_tail;
