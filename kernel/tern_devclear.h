/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (C) 2025 The Tern authors
 */
#ifndef __TERN_DEVCLEAR_H__
#define __TERN_DEVCLEAR_H__

#include <linux/mutex.h>
#include <linux/types.h>

#include <drm/drm_mm.h>

struct tern_device;
struct tern_vm;
union tern_desc;

/**
 * struct tern_devclear - clears device memory by DMA
 * @lock: serialises clears: there is one ring
 * @reserved: @queue and one ASID are the driver's, not userspace's
 * @queue: hardware queue the clears run on
 * @vm: the driver's address space: @zero and the function's whole memory
 * @ring: descriptor ring, one page
 * @ring_dma: bus address of @ring
 * @zero: a zeroed page the device copies from
 * @zero_dma: bus address of @zero
 * @zero_va: VA of @zero in @vm
 * @mem_va: VA of device-memory offset 0 in @vm
 *
 * Only functions without a CPU aperture (an emulated VF, hw-spec 11.8)
 * have one; the others clear through the aperture (tern_heap.c).
 */
struct tern_devclear {
	struct mutex lock; /* see above */
	bool reserved;
	u32 queue;
	struct tern_vm *vm;
	union tern_desc *ring;
	dma_addr_t ring_dma;
	void *zero;
	dma_addr_t zero_dma;
	struct drm_mm_node zero_va;
	struct drm_mm_node mem_va;
};

void tern_devclear_reserve(struct tern_device *tdev);
int tern_devclear_init(struct tern_device *tdev);
void tern_devclear_fini(struct tern_device *tdev);
bool tern_devclear_available(struct tern_device *tdev);
int tern_devclear(struct tern_device *tdev, u64 offset, u64 size);

#endif /* __TERN_DEVCLEAR_H__ */
