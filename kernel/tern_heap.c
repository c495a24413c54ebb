// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (C) 2025 The Tern authors
 *
 * Device-memory heap: a drm_mm over the function's memory window
 * (hw-spec 6.5, 10.3). Offsets are those of the function's view, which is
 * what DEVMEM page-table entries and the BAR aperture use.
 *
 * Memory is cleared when a BO is allocated, so no file sees another's
 * data: through the CPU aperture, in which case the heap covers only the
 * part of the memory the aperture reaches (under emulation the aperture
 * may be smaller than TERN_REG_MEM_SIZE, hw-spec 11.1); or, on a function
 * without aperture (an emulated VF, hw-spec 11.8), by DMA (tern_devclear.c)
 * over all of its memory.
 */

#include <linux/io.h>
#include <linux/sched.h>
#include <linux/sizes.h>

#include <drm/drm_drv.h>
#include <drm/drm_print.h>

#include <tern/hw/tern_mmu.h>

#include "tern_devclear.h"
#include "tern_drv.h"
#include "tern_heap.h"

#define TERN_HEAP_CLEAR_CHUNK	SZ_1M

/**
 * tern_heap_init() - set up the heap over the CPU-visible device memory
 * @tdev: device with identity and aperture known
 *
 * Return: 0 or a negative errno. A function without aperture has all its
 * memory in the heap if it can clear it by DMA, else an empty heap.
 */
int tern_heap_init(struct tern_device *tdev)
{
	struct tern_heap *heap = &tdev->heap;
	u64 size;

	mutex_init(&heap->lock);
	if (!tdev->aperture_size) {
		heap->size = tern_devclear_available(tdev) ?
			     round_down(tdev->hw.mem_size, TERN_PAGE_SIZE) : 0;
		if (heap->size)
			drm_mm_init(&heap->mm, 0, heap->size);
		return 0;
	}

	size = min(tdev->hw.mem_size, tdev->aperture_size);
	size = round_down(size, TERN_PAGE_SIZE);
	if (size < tdev->hw.mem_size)
		tern_warn(tdev, "aperture reaches %llu of %llu MiB device memory; using that part\n",
			  size >> 20, tdev->hw.mem_size >> 20);

	if (size) {
		heap->cpu = ioremap_wc(tdev->aperture_base, size);
		if (!heap->cpu)
			return -ENOMEM;
	}
	heap->size = size;
	if (size)
		drm_mm_init(&heap->mm, 0, size);
	return 0;
}

/**
 * tern_heap_unmap() - drop the CPU mapping when the device goes away
 * @tdev: unplugged device (BOs may live on until their files close)
 */
void tern_heap_unmap(struct tern_device *tdev)
{
	struct tern_heap *heap = &tdev->heap;

	if (heap->cpu)
		iounmap(heap->cpu);
	heap->cpu = NULL;
}

/**
 * tern_heap_fini() - tear the heap down
 * @tdev: device whose BOs are all gone
 */
void tern_heap_fini(struct tern_device *tdev)
{
	struct tern_heap *heap = &tdev->heap;

	if (heap->size)
		drm_mm_takedown(&heap->mm);
	tern_heap_unmap(tdev);
	mutex_destroy(&heap->lock);
}

static void tern_heap_clear(struct tern_device *tdev, u64 start, u64 size)
{
	struct tern_heap *heap = &tdev->heap;
	u64 done, n;

	for (done = 0; done < size; done += n) {
		n = min_t(u64, size - done, TERN_HEAP_CLEAR_CHUNK);
		memset_io(heap->cpu + start + done, 0, n);
		cond_resched();
	}
	/* Order the clearing before any later trigger write (hw-spec 2.3). */
	wmb();
}

/**
 * tern_heap_alloc() - allocate and clear device memory
 * @tdev: device
 * @node: zeroed node to fill
 * @size: bytes, a multiple of the page size
 *
 * Blocks of 2 MiB and more are 2 MiB aligned where possible so that the
 * MMU can map them with large pages.
 *
 * Return: 0, -ENOSPC if no range is free, -ENODEV after unplug, or -EIO
 * if clearing by DMA failed.
 */
int tern_heap_alloc(struct tern_device *tdev, struct drm_mm_node *node,
		    u64 size)
{
	struct tern_heap *heap = &tdev->heap;
	int idx, ret = -ENOSPC;

	if (!heap->size)
		return -ENOSPC;

	mutex_lock(&heap->lock);
	if (size >= TERN_LARGE_PAGE_SIZE)
		ret = drm_mm_insert_node_in_range(&heap->mm, node, size,
						  TERN_LARGE_PAGE_SIZE, 0, 0,
						  U64_MAX, DRM_MM_INSERT_BEST);
	if (ret == -ENOSPC)
		ret = drm_mm_insert_node_in_range(&heap->mm, node, size,
						  TERN_PAGE_SIZE, 0, 0,
						  U64_MAX, DRM_MM_INSERT_BEST);
	if (!ret)
		heap->used += size;
	mutex_unlock(&heap->lock);
	if (ret)
		return ret;

	if (!heap->cpu) {
		ret = tern_devclear(tdev, node->start, size);
		if (ret)
			tern_heap_free(tdev, node);
		return ret;
	}
	if (!drm_dev_enter(&tdev->drm, &idx)) {
		tern_heap_free(tdev, node);
		return -ENODEV;
	}
	tern_heap_clear(tdev, node->start, size);
	drm_dev_exit(idx);
	return 0;
}

/**
 * tern_heap_free() - return memory allocated by tern_heap_alloc()
 * @tdev: device
 * @node: allocated node
 */
void tern_heap_free(struct tern_device *tdev, struct drm_mm_node *node)
{
	struct tern_heap *heap = &tdev->heap;

	mutex_lock(&heap->lock);
	heap->used -= node->size;
	drm_mm_remove_node(node);
	mutex_unlock(&heap->lock);
}

/**
 * tern_heap_reserve() - take a fixed range out of the heap
 * @tdev: device
 * @node: zeroed node to fill
 * @start: first offset
 * @size: bytes
 *
 * Used for the windows of VF partitions, which the PF must not allocate.
 * The part of the range beyond the heap (not CPU-visible) is not tracked.
 *
 * Return: 0, or -EBUSY if BOs occupy part of the range.
 */
int tern_heap_reserve(struct tern_device *tdev, struct drm_mm_node *node,
		      u64 start, u64 size)
{
	struct tern_heap *heap = &tdev->heap;
	int ret;

	if (start >= heap->size)
		return 0;
	node->start = start;
	node->size = min(size, heap->size - start);

	mutex_lock(&heap->lock);
	ret = drm_mm_reserve_node(&heap->mm, node);
	if (!ret)
		heap->reserved += node->size;
	mutex_unlock(&heap->lock);
	return ret == -ENOSPC ? -EBUSY : ret;
}

/**
 * tern_heap_unreserve() - undo tern_heap_reserve()
 * @tdev: device
 * @node: node, reserved or not
 */
void tern_heap_unreserve(struct tern_device *tdev, struct drm_mm_node *node)
{
	struct tern_heap *heap = &tdev->heap;

	if (!drm_mm_node_allocated(node))
		return;
	mutex_lock(&heap->lock);
	heap->reserved -= node->size;
	drm_mm_remove_node(node);
	mutex_unlock(&heap->lock);
	memset(node, 0, sizeof(*node));
}

/**
 * tern_heap_scrub() - zero a reserved range through the CPU aperture
 * @tdev: device (the PF scrubbing a VF window, hw-spec 10.2)
 * @start: first offset
 * @size: bytes
 *
 * The range must not hold BOs (it is reserved). Only the CPU-visible part
 * can be scrubbed; on real hardware and with tern-emu the PF's aperture
 * covers the whole card (hw-spec 2.2, 11.1).
 *
 * Return: bytes of the range beyond the aperture, left as they were, or
 * -ENODEV after unplug.
 */
s64 tern_heap_scrub(struct tern_device *tdev, u64 start, u64 size)
{
	struct tern_heap *heap = &tdev->heap;
	u64 n = 0;
	int idx;

	if (heap->cpu && start < heap->size) {
		n = min(size, heap->size - start);
		if (!drm_dev_enter(&tdev->drm, &idx))
			return -ENODEV;
		tern_heap_clear(tdev, start, n);
		drm_dev_exit(idx);
	}
	return size - n;
}

/**
 * tern_heap_cpu_visible() - whether BOs can be mapped by the CPU
 * @tdev: device
 *
 * Return: true if the heap lies inside the CPU aperture.
 */
bool tern_heap_cpu_visible(struct tern_device *tdev)
{
	return tdev->heap.cpu;
}

/**
 * tern_heap_free_bytes() - device memory available to new BOs
 * @tdev: device
 *
 * Return: bytes not allocated and not reserved (free space may be
 * fragmented).
 */
u64 tern_heap_free_bytes(struct tern_device *tdev)
{
	struct tern_heap *heap = &tdev->heap;
	u64 free;

	mutex_lock(&heap->lock);
	free = heap->size - heap->used - heap->reserved;
	mutex_unlock(&heap->lock);
	return free;
}

/**
 * tern_heap_used_bytes() - device memory allocated to BOs
 * @tdev: device
 *
 * Return: bytes.
 */
u64 tern_heap_used_bytes(struct tern_device *tdev)
{
	struct tern_heap *heap = &tdev->heap;
	u64 used;

	mutex_lock(&heap->lock);
	used = heap->used;
	mutex_unlock(&heap->lock);
	return used;
}

/**
 * tern_heap_print() - dump the heap for debugfs
 * @tdev: device
 * @p: printer
 */
void tern_heap_print(struct tern_device *tdev, struct drm_printer *p)
{
	struct tern_heap *heap = &tdev->heap;

	mutex_lock(&heap->lock);
	drm_printf(p, "size %llu used %llu reserved %llu\n", heap->size,
		   heap->used, heap->reserved);
	if (heap->size)
		drm_mm_print(&heap->mm, p);
	mutex_unlock(&heap->lock);
}
