/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR MIT */
/*
 * Tern T1 device MMU page-table format (docs/hw-spec.md, section 6).
 *
 * Each address space (ASID) has a 4-level table rooted at the bus address
 * in TERN_REG_MMU_ROOT(asid). Virtual addresses are 48 bits; bits 63:48
 * must be zero. Each level is a 4 KiB page of 512 little-endian 64-bit
 * entries in host memory. Level 3 is the root (VA bits 47:39), level 0
 * maps 4 KiB pages (VA bits 20:12). A level-1 entry with TERN_PTE_LEAF maps
 * a 2 MiB page (TERN_CAP_LARGE_PAGES).
 */
#ifndef TERN_HW_MMU_H
#define TERN_HW_MMU_H

#include "tern_hw_common.h"

#define TERN_VA_BITS		48
#define TERN_PAGE_SHIFT		12
#define TERN_PAGE_SIZE		TERN_BIT64(TERN_PAGE_SHIFT)
#define TERN_LARGE_PAGE_SHIFT	21
#define TERN_LARGE_PAGE_SIZE	TERN_BIT64(TERN_LARGE_PAGE_SHIFT)
#define TERN_PT_LEVELS		4
#define TERN_PT_ENTRIES		512
#define TERN_PT_INDEX(va, level) \
	(((va) >> (TERN_PAGE_SHIFT + 9 * (level))) & (TERN_PT_ENTRIES - 1))

#define TERN_PTE_VALID		TERN_BIT64(0)
#define TERN_PTE_WRITE		TERN_BIT64(1)	/* leaf: writable */
#define TERN_PTE_DEVMEM		TERN_BIT64(2)	/* leaf: address is device memory */
#define TERN_PTE_LEAF		TERN_BIT64(3)	/* level 1: 2 MiB page */
#define TERN_PTE_ADDR		TERN_MASK64(51, 12)
#define TERN_PTE_RSVD		(~(TERN_PTE_VALID | TERN_PTE_WRITE | \
				   TERN_PTE_DEVMEM | TERN_PTE_LEAF | \
				   TERN_PTE_ADDR))

static_assert(TERN_PTE_ADDR == 0x000ffffffffff000ULL, "pte address field");
static_assert(TERN_PTE_RSVD == 0xfff0000000000ff0ULL, "pte reserved bits");

#endif /* TERN_HW_MMU_H */
