/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (C) 2025 The Tern authors
 */
#ifndef __TERN_MMU_H__
#define __TERN_MMU_H__

#include <linux/idr.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/types.h>

struct dma_pool;
struct tern_device;

/**
 * struct tern_mmu - the function's device MMU
 * @inv_lock: serialises use of the TERN_REG_MMU_INV_* registers
 * @pt_pool: 4 KiB DMA-coherent page-table pages
 * @asid_ida: ASIDs in use
 * @vm_lock: protects @vms
 * @vms: address spaces with an ASID, to restore after a function reset
 */
struct tern_mmu {
	struct mutex inv_lock; /* see above */
	struct dma_pool *pt_pool;
	struct ida asid_ida;
	struct mutex vm_lock; /* see above */
	struct list_head vms;
};

int tern_mmu_init(struct tern_device *tdev);
void tern_mmu_fini(struct tern_device *tdev);
int tern_mmu_invalidate(struct tern_device *tdev, u32 asid, u64 va, u64 size);
int tern_mmu_set_root(struct tern_device *tdev, u32 asid, dma_addr_t root);
void tern_mmu_clear_root(struct tern_device *tdev, u32 asid);
int tern_mmu_restore(struct tern_device *tdev);

#endif /* __TERN_MMU_H__ */
