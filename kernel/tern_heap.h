/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (C) 2025 The Tern authors
 */
#ifndef __TERN_HEAP_H__
#define __TERN_HEAP_H__

#include <linux/mutex.h>
#include <linux/types.h>

#include <drm/drm_mm.h>

struct drm_printer;
struct tern_device;

/**
 * struct tern_heap - allocator of the function's device memory
 * @lock: protects @mm and @used
 * @mm: ranges of device-memory offsets
 * @size: bytes managed: the CPU-visible part of the function's memory,
 *	or all of it on a function cleared by DMA (@cpu NULL)
 * @used: bytes allocated to BOs
 * @reserved: bytes reserved for VF partitions (PF)
 * @cpu: write-combined mapping of the managed range, for clearing; NULL
 *	without aperture
 */
struct tern_heap {
	struct mutex lock; /* see above */
	struct drm_mm mm;
	u64 size;
	u64 used;
	u64 reserved;
	void __iomem *cpu;
};

int tern_heap_init(struct tern_device *tdev);
void tern_heap_unmap(struct tern_device *tdev);
void tern_heap_fini(struct tern_device *tdev);
int tern_heap_alloc(struct tern_device *tdev, struct drm_mm_node *node,
		    u64 size);
void tern_heap_free(struct tern_device *tdev, struct drm_mm_node *node);
int tern_heap_reserve(struct tern_device *tdev, struct drm_mm_node *node,
		      u64 start, u64 size);
void tern_heap_unreserve(struct tern_device *tdev, struct drm_mm_node *node);
s64 tern_heap_scrub(struct tern_device *tdev, u64 start, u64 size);
bool tern_heap_cpu_visible(struct tern_device *tdev);
u64 tern_heap_free_bytes(struct tern_device *tdev);
u64 tern_heap_used_bytes(struct tern_device *tdev);
void tern_heap_print(struct tern_device *tdev, struct drm_printer *p);

#endif /* __TERN_HEAP_H__ */
