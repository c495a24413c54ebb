// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (C) 2025 The Tern authors
 *
 * Device MMU programming: page-table roots per ASID and TLB invalidation
 * (hw-spec 6.1, 6.6). The page tables themselves are built in tern_vm.c.
 */

#include <linux/dmapool.h>

#include <drm/drm_drv.h>

#include <tern/hw/tern_mmu.h>

#include "tern_hw.h"
#include "tern_mmu.h"
#include "tern_pm.h"
#include "tern_vm.h"

/**
 * tern_mmu_init() - set up MMU bookkeeping
 * @tdev: device
 *
 * Return: 0 or -ENOMEM.
 */
int tern_mmu_init(struct tern_device *tdev)
{
	struct tern_mmu *mmu = &tdev->mmu;

	mutex_init(&mmu->inv_lock);
	mutex_init(&mmu->vm_lock);
	ida_init(&mmu->asid_ida);
	INIT_LIST_HEAD(&mmu->vms);

	/* Tables are 4 KiB pages, 4 KiB aligned, in host memory (6.2). */
	mmu->pt_pool = dma_pool_create("tern-pt", tdev->drm.dev,
				       TERN_PAGE_SIZE, TERN_PAGE_SIZE, 0);
	if (!mmu->pt_pool)
		return -ENOMEM;
	return 0;
}

/**
 * tern_mmu_fini() - free MMU bookkeeping once every address space is gone
 * @tdev: device
 */
void tern_mmu_fini(struct tern_device *tdev)
{
	struct tern_mmu *mmu = &tdev->mmu;

	WARN_ON(!list_empty(&mmu->vms));
	dma_pool_destroy(mmu->pt_pool);
	ida_destroy(&mmu->asid_ida);
	mutex_destroy(&mmu->vm_lock);
	mutex_destroy(&mmu->inv_lock);
}

static int tern_mmu_inv_locked(struct tern_device *tdev, u32 asid, u32 flags,
			       u64 va, u64 size)
{
	int ret;

	tern_wr32(tdev, TERN_REG_MMU_INV_ASID, asid);
	tern_wr32(tdev, TERN_REG_MMU_INV_FLAGS, flags);
	tern_wr64(tdev, TERN_REG_MMU_INV_VA, va);
	tern_wr64(tdev, TERN_REG_MMU_INV_SIZE, size);
	ret = tern_hw_req_ack(tdev, TERN_REG_MMU_INV_REQ, TERN_REG_MMU_INV_ACK,
			      TERN_ACK_TIMEOUT_US);
	if (ret) {
		tern_err(tdev, "TLB invalidation (ASID %u, flags %#x) timed out\n",
			 asid, flags);
		tern_pm_schedule_recovery(tdev, "TLB invalidation timeout");
	}
	return ret;
}

/**
 * tern_mmu_invalidate() - invalidate TLB entries of one ASID
 * @tdev: device
 * @asid: address space
 * @va: start of the range
 * @size: bytes of the range; 0 invalidates the whole ASID
 *
 * Page-table changes take effect only after an invalidation covering them
 * (hw-spec 6.6). Waits for the device's acknowledgment.
 *
 * Return: 0; -ETIMEDOUT if the device did not acknowledge (a function
 * reset is then scheduled, which clears the TLB).
 */
int tern_mmu_invalidate(struct tern_device *tdev, u32 asid, u64 va, u64 size)
{
	int idx, ret;

	if (!drm_dev_enter(&tdev->drm, &idx))
		return 0;
	mutex_lock(&tdev->mmu.inv_lock);
	/* A reset in progress ends with invalidating everything. */
	ret = tern_pm_usable(tdev) ?
	      tern_mmu_inv_locked(tdev, asid, size ? TERN_MMU_INV_RANGE : 0,
				  va, size) : 0;
	mutex_unlock(&tdev->mmu.inv_lock);
	drm_dev_exit(idx);
	return ret;
}

/**
 * tern_mmu_set_root() - install the root table of an ASID
 * @tdev: device
 * @asid: address space
 * @root: bus address of the level-3 table
 *
 * Return: 0 or -ETIMEDOUT, see tern_mmu_invalidate().
 */
int tern_mmu_set_root(struct tern_device *tdev, u32 asid, dma_addr_t root)
{
	int idx;

	if (!drm_dev_enter(&tdev->drm, &idx))
		return -ENODEV;
	tern_wr64(tdev, TERN_REG_MMU_ROOT(asid),
		  (root & TERN_MMU_ROOT_ADDR) | TERN_MMU_ROOT_VALID);
	drm_dev_exit(idx);
	return tern_mmu_invalidate(tdev, asid, 0, 0);
}

/**
 * tern_mmu_clear_root() - remove the page table of an ASID
 * @tdev: device
 * @asid: address space no queue uses any more
 */
void tern_mmu_clear_root(struct tern_device *tdev, u32 asid)
{
	int idx;

	if (!drm_dev_enter(&tdev->drm, &idx))
		return;
	tern_wr64(tdev, TERN_REG_MMU_ROOT(asid), 0);
	drm_dev_exit(idx);
	tern_mmu_invalidate(tdev, asid, 0, 0);
}

/**
 * tern_mmu_restore() - reinstall every root after a function reset
 * @tdev: device, reset and otherwise idle
 *
 * A function reset clears MMU_ROOT(*) (hw-spec 9.3) while the files'
 * address spaces, and their BOs, live on.
 *
 * Return: 0 or -ETIMEDOUT.
 */
int tern_mmu_restore(struct tern_device *tdev)
{
	struct tern_mmu *mmu = &tdev->mmu;
	struct tern_vm *vm;
	int idx, ret;

	if (!drm_dev_enter(&tdev->drm, &idx))
		return -ENODEV;

	mutex_lock(&mmu->vm_lock);
	list_for_each_entry(vm, &mmu->vms, link)
		tern_wr64(tdev, TERN_REG_MMU_ROOT(vm->asid),
			  (vm->root_dma & TERN_MMU_ROOT_ADDR) |
			  TERN_MMU_ROOT_VALID);
	mutex_unlock(&mmu->vm_lock);

	mutex_lock(&mmu->inv_lock);
	ret = tern_mmu_inv_locked(tdev, 0, TERN_MMU_INV_ALL_ASIDS, 0, 0);
	mutex_unlock(&mmu->inv_lock);
	drm_dev_exit(idx);
	return ret;
}
