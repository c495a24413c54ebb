/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR MIT */
/*
 * Tern T1 hardware interface: shared definitions.
 *
 * The headers in include/tern/hw/ are the machine-readable form of
 * docs/hw-spec.md. They are included by the kernel driver and by the
 * userspace device model, so they use only <linux/types.h> types and
 * no compiler extensions.
 */
#ifndef TERN_HW_COMMON_H
#define TERN_HW_COMMON_H

#include <linux/types.h>

/* static_assert() checks every layout, in the kernel, in C11 and in C++. */
#ifdef __KERNEL__
#include <linux/build_bug.h>
#elif !defined(__cplusplus)
#include <assert.h>
#endif

/* Bit helpers that do not depend on the kernel's <linux/bits.h>. */
#define TERN_BIT(n)		(1U << (n))
#define TERN_BIT64(n)		(1ULL << (n))
#define TERN_MASK(hi, lo)	((~0U >> (31 - (hi))) & ~((1U << (lo)) - 1))
#define TERN_MASK64(hi, lo)	((~0ULL >> (63 - (hi))) & ~((1ULL << (lo)) - 1))

#endif /* TERN_HW_COMMON_H */
