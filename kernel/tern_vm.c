// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (C) 2025 The Tern authors
 *
 * Per-file device address spaces (hw-spec 6): an ASID, its 4-level page
 * tables in DMA-coherent host memory, and the allocator of the VAs that
 * BOs are mapped at. Host BOs are mapped by bus address, device BOs by
 * device-memory offset (DEVMEM), with 2 MiB leaves where both the VA and
 * the offset allow it.
 */

#include <linux/dmapool.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>

#include <drm/drm_drv.h>
#include <drm/drm_print.h>

#include <tern/hw/tern_mmu.h>

#include "tern_drv.h"
#include "tern_mmu.h"
#include "tern_vm.h"

/**
 * struct tern_pt - one 4 KiB page table
 * @entries: the 512 entries, read by the device
 * @dma: bus address of @entries
 * @children: next-level tables (levels 3..1; NULL at level 0 and for
 *	2 MiB leaves)
 */
struct tern_pt {
	u64 *entries;
	dma_addr_t dma;
	struct tern_pt **children;
};

static struct tern_pt *tern_pt_alloc(struct tern_device *tdev,
				     unsigned int level)
{
	struct tern_pt *pt;

	pt = kzalloc(sizeof(*pt), GFP_KERNEL);
	if (!pt)
		return NULL;

	pt->entries = dma_pool_zalloc(tdev->mmu.pt_pool, GFP_KERNEL, &pt->dma);
	if (!pt->entries)
		goto err_free;

	if (level) {
		pt->children = kcalloc(TERN_PT_ENTRIES, sizeof(*pt->children),
				       GFP_KERNEL);
		if (!pt->children)
			goto err_pool;
	}
	return pt;

err_pool:
	dma_pool_free(tdev->mmu.pt_pool, pt->entries, pt->dma);
err_free:
	kfree(pt);
	return NULL;
}

static void tern_pt_free(struct tern_device *tdev, struct tern_pt *pt,
			 unsigned int level)
{
	unsigned int i;

	if (!pt)
		return;
	if (level) {
		for (i = 0; i < TERN_PT_ENTRIES; i++)
			tern_pt_free(tdev, pt->children[i], level - 1);
		kfree(pt->children);
	}
	dma_pool_free(tdev->mmu.pt_pool, pt->entries, pt->dma);
	kfree(pt);
}

/* Find or create the table at @level that maps @va. */
static struct tern_pt *tern_vm_walk(struct tern_vm *vm, u64 va,
				    unsigned int level)
{
	struct tern_pt *pt = vm->root;
	unsigned int l, i;

	for (l = TERN_PT_LEVELS - 1; l > level; l--) {
		i = TERN_PT_INDEX(va, l);
		if (!pt->children[i]) {
			/* A 2 MiB leaf is never replaced by a table here. */
			if (WARN_ON(pt->entries[i] & TERN_PTE_VALID))
				return NULL;
			pt->children[i] = tern_pt_alloc(vm->tdev, l - 1);
			if (!pt->children[i])
				return NULL;
			WRITE_ONCE(pt->entries[i],
				   (pt->children[i]->dma & TERN_PTE_ADDR) |
				   TERN_PTE_VALID);
		}
		pt = pt->children[i];
	}
	return pt;
}

/* Map [va, va + size) to the contiguous range at @addr. */
static int tern_vm_map_range(struct tern_vm *vm, u64 va, u64 addr, u64 size,
			     u64 flags)
{
	bool large_ok = (flags & TERN_PTE_DEVMEM) &&
			(vm->tdev->hw.caps & TERN_CAP_LARGE_PAGES);
	struct tern_pt *pt;
	u64 step;

	while (size) {
		if (large_ok && IS_ALIGNED(va | addr, TERN_LARGE_PAGE_SIZE) &&
		    size >= TERN_LARGE_PAGE_SIZE) {
			pt = tern_vm_walk(vm, va, 1);
			if (pt && pt->children[TERN_PT_INDEX(va, 1)])
				pt = NULL;	/* keep an existing table */
			step = TERN_LARGE_PAGE_SIZE;
			if (pt) {
				WRITE_ONCE(pt->entries[TERN_PT_INDEX(va, 1)],
					   (addr & TERN_PTE_ADDR) | flags |
					   TERN_PTE_LEAF);
				goto next;
			}
		}
		pt = tern_vm_walk(vm, va, 0);
		if (!pt)
			return -ENOMEM;
		step = TERN_PAGE_SIZE;
		WRITE_ONCE(pt->entries[TERN_PT_INDEX(va, 0)],
			   (addr & TERN_PTE_ADDR) | flags);
next:
		va += step;
		addr += step;
		size -= step;
	}
	return 0;
}

/* Clear the entries of [va, va + size); tables stay until the VM goes. */
static void tern_vm_clear_range(struct tern_vm *vm, u64 va, u64 size)
{
	u64 end = va + size;

	while (va < end) {
		struct tern_pt *pt = vm->root;
		unsigned int l = TERN_PT_LEVELS - 1;
		u64 step;

		for (;;) {
			unsigned int i = TERN_PT_INDEX(va, l);

			step = 1ULL << (TERN_PAGE_SHIFT + 9 * l);
			if (!(pt->entries[i] & TERN_PTE_VALID))
				break;
			if (l == 0 || (l == 1 &&
				       (pt->entries[i] & TERN_PTE_LEAF))) {
				WRITE_ONCE(pt->entries[i], 0);
				break;
			}
			pt = pt->children[i];
			l--;
		}
		/* Continue at the next entry of the level the walk ended. */
		va = round_down(va, step) + step;
	}
}

static u64 tern_vm_pte_flags(bool writable, bool devmem)
{
	return TERN_PTE_VALID | (writable ? TERN_PTE_WRITE : 0) |
	       (devmem ? TERN_PTE_DEVMEM : 0);
}

/*
 * Every BO's VA range is followed by one unmapped guard page (part of its
 * node, never mapped), so that a linear overrun faults (UNMAPPED) instead
 * of reaching the next BO.
 */
#define TERN_VA_GUARD		TERN_PAGE_SIZE

static int tern_vm_alloc_va(struct tern_vm *vm, struct drm_mm_node *va,
			    u64 size, bool devmem)
{
	u64 align = TERN_PAGE_SIZE;

	/* Large device BOs: align the VA too, for 2 MiB leaves. */
	if (devmem && size >= TERN_LARGE_PAGE_SIZE)
		align = TERN_LARGE_PAGE_SIZE;
	return drm_mm_insert_node_in_range(&vm->va_mm, va, size + TERN_VA_GUARD,
					   align, 0, TERN_VA_START, TERN_VA_END,
					   DRM_MM_INSERT_BEST);
}

/**
 * tern_vm_map_sgt() - allocate a VA and map host pages there
 * @vm: address space
 * @va: zeroed node, filled with the VA range
 * @sgt: DMA-mapped pages
 * @size: bytes to map, at most the pages' size
 * @writable: whether the device may write
 *
 * Return: 0 or a negative errno.
 */
int tern_vm_map_sgt(struct tern_vm *vm, struct drm_mm_node *va,
		    struct sg_table *sgt, u64 size, bool writable)
{
	u64 flags = tern_vm_pte_flags(writable, false);
	struct scatterlist *sg;
	u64 pos = 0, len;
	unsigned int i;
	int ret;

	mutex_lock(&vm->lock);
	ret = tern_vm_alloc_va(vm, va, size, false);
	if (ret)
		goto out;

	for_each_sgtable_dma_sg(sgt, sg, i) {
		len = min_t(u64, sg_dma_len(sg), size - pos);
		if (!len)
			break;
		if (WARN_ON(!IS_ALIGNED(sg_dma_address(sg) | len,
					TERN_PAGE_SIZE))) {
			ret = -EINVAL;
			break;
		}
		ret = tern_vm_map_range(vm, va->start + pos,
					sg_dma_address(sg), len, flags);
		if (ret)
			break;
		pos += len;
	}
	if (!ret && pos != size)
		ret = -EINVAL;
	if (ret) {
		tern_vm_clear_range(vm, va->start, size);
		drm_mm_remove_node(va);
	} else {
		vm->mapped += size;
	}
out:
	mutex_unlock(&vm->lock);
	return ret;
}

/* Allocate a VA and map the contiguous range at @addr there. */
static int tern_vm_map_contig(struct tern_vm *vm, struct drm_mm_node *va,
			      u64 addr, u64 size, bool writable, bool devmem)
{
	int ret;

	mutex_lock(&vm->lock);
	ret = tern_vm_alloc_va(vm, va, size, devmem);
	if (ret)
		goto out;

	ret = tern_vm_map_range(vm, va->start, addr, size,
				tern_vm_pte_flags(writable, devmem));
	if (ret) {
		tern_vm_clear_range(vm, va->start, size);
		drm_mm_remove_node(va);
	} else {
		vm->mapped += size;
	}
out:
	mutex_unlock(&vm->lock);
	return ret;
}

/**
 * tern_vm_map_devmem() - allocate a VA and map device memory there
 * @vm: address space
 * @va: zeroed node, filled with the VA range
 * @offset: device-memory offset of the BO
 * @size: bytes
 * @writable: whether the device may write
 *
 * Return: 0 or a negative errno.
 */
int tern_vm_map_devmem(struct tern_vm *vm, struct drm_mm_node *va,
		       u64 offset, u64 size, bool writable)
{
	return tern_vm_map_contig(vm, va, offset, size, writable, true);
}

/**
 * tern_vm_map_bus() - allocate a VA and map a contiguous host range there
 * @vm: address space
 * @va: zeroed node, filled with the VA range
 * @addr: bus address of the range, page aligned
 * @size: bytes, a multiple of the device page
 * @writable: whether the device may write
 *
 * For the driver's own DMA-coherent buffers (tern_devclear.c).
 *
 * Return: 0 or a negative errno.
 */
int tern_vm_map_bus(struct tern_vm *vm, struct drm_mm_node *va,
		    dma_addr_t addr, u64 size, bool writable)
{
	return tern_vm_map_contig(vm, va, addr, size, writable, false);
}

/**
 * tern_vm_unmap() - unmap a VA range and release it
 * @vm: address space
 * @va: range from tern_vm_map_sgt() or tern_vm_map_devmem()
 *
 * The caller guarantees that no job uses the range any more (hw-spec 6.6
 * unmap sequence: clear entries, barrier, invalidate, then free pages).
 */
void tern_vm_unmap(struct tern_vm *vm, struct drm_mm_node *va)
{
	u64 size = va->size - TERN_VA_GUARD;

	mutex_lock(&vm->lock);
	tern_vm_clear_range(vm, va->start, size);
	/* The entries must be cleared before the invalidation request. */
	wmb();
	tern_mmu_invalidate(vm->tdev, vm->asid, va->start, size);
	vm->mapped -= size;
	drm_mm_remove_node(va);
	mutex_unlock(&vm->lock);
}

/**
 * tern_vm_create() - create an address space with a fresh ASID
 * @tdev: device
 *
 * Return: the address space, or ERR_PTR(-ENOSPC) when every ASID of the
 * function is in use, or ERR_PTR(-ENOMEM).
 */
struct tern_vm *tern_vm_create(struct tern_device *tdev)
{
	struct tern_mmu *mmu = &tdev->mmu;
	struct tern_vm *vm;
	int asid, ret;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	if (!vm)
		return ERR_PTR(-ENOMEM);

	asid = ida_alloc_max(&mmu->asid_ida, tdev->hw.num_asids - 1,
			     GFP_KERNEL);
	if (asid < 0) {
		ret = asid;
		goto err_free;
	}

	vm->root = tern_pt_alloc(tdev, TERN_PT_LEVELS - 1);
	if (!vm->root) {
		ret = -ENOMEM;
		goto err_asid;
	}

	kref_init(&vm->ref);
	vm->root_dma = vm->root->dma;
	vm->tdev = tdev;
	vm->asid = asid;
	mutex_init(&vm->lock);
	drm_mm_init(&vm->va_mm, TERN_VA_START, TERN_VA_END - TERN_VA_START);
	dma_resv_init(&vm->resv);

	/* A concurrent function reset either sees the VM or comes first. */
	down_read(&tdev->reset_sem);
	ret = tern_mmu_set_root(tdev, asid, vm->root->dma);
	if (ret && ret != -ETIMEDOUT) {
		up_read(&tdev->reset_sem);
		goto err_fini;
	}
	mutex_lock(&mmu->vm_lock);
	list_add_tail(&vm->link, &mmu->vms);
	mutex_unlock(&mmu->vm_lock);
	up_read(&tdev->reset_sem);

	drm_dev_get(&tdev->drm);
	tern_dbg(tdev, MMU, "address space with ASID %u\n", asid);
	return vm;

err_fini:
	dma_resv_fini(&vm->resv);
	drm_mm_takedown(&vm->va_mm);
	mutex_destroy(&vm->lock);
	tern_pt_free(tdev, vm->root, TERN_PT_LEVELS - 1);
err_asid:
	ida_free(&mmu->asid_ida, asid);
err_free:
	kfree(vm);
	return ERR_PTR(ret);
}

/**
 * tern_vm_release() - kref release of an address space
 * @ref: &tern_vm.ref
 *
 * Runs once the owning file, all its BOs and contexts are gone, so no
 * queue uses the ASID any more.
 */
void tern_vm_release(struct kref *ref)
{
	struct tern_vm *vm = container_of(ref, struct tern_vm, ref);
	struct tern_device *tdev = vm->tdev;
	struct tern_mmu *mmu = &tdev->mmu;

	mutex_lock(&mmu->vm_lock);
	list_del(&vm->link);
	mutex_unlock(&mmu->vm_lock);

	tern_mmu_clear_root(tdev, vm->asid);
	ida_free(&mmu->asid_ida, vm->asid);

	dma_resv_fini(&vm->resv);
	drm_mm_takedown(&vm->va_mm);
	mutex_destroy(&vm->lock);
	tern_pt_free(tdev, vm->root, TERN_PT_LEVELS - 1);
	kfree(vm);

	drm_dev_put(&tdev->drm);
}

/**
 * tern_vm_print() - describe an address space for debugfs
 * @vm: address space
 * @p: printer
 */
void tern_vm_print(struct tern_vm *vm, struct drm_printer *p)
{
	mutex_lock(&vm->lock);
	drm_printf(p, "asid %u mapped %llu\n", vm->asid, vm->mapped);
	drm_mm_print(&vm->va_mm, p);
	mutex_unlock(&vm->lock);
}
