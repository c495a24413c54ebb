/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (C) 2025 The Tern authors
 */
#ifndef __TERN_GEM_H__
#define __TERN_GEM_H__

#include <linux/dma-fence.h>
#include <linux/workqueue.h>

#include <drm/drm_gem_shmem_helper.h>
#include <drm/drm_mm.h>

struct drm_device;
struct drm_file;
struct mm_struct;
struct tern_vm;

/**
 * struct tern_bo - a Tern buffer object
 * @base: shmem object; host BOs use all of it, device BOs only the GEM
 *	object inside (must stay first: the shmem helper frees it)
 * @vm: address space the BO is mapped in, NULL until mapped
 * @va: device VA range in @vm
 * @mem: device-memory range (device BOs)
 * @flags: DRM_TERN_BO_* from creation
 * @locked_mm: address space whose RLIMIT_MEMLOCK the pinned pages of a
 *	host BO are charged to (with a reference), NULL for device BOs
 * @release_cb: waits for the owner's jobs before unmapping
 * @release_work: unmaps and frees the BO in process context
 */
struct tern_bo {
	struct drm_gem_shmem_object base;
	struct tern_vm *vm;
	struct drm_mm_node va;
	struct drm_mm_node mem;
	u32 flags;
	struct mm_struct *locked_mm;
	struct dma_fence_cb release_cb;
	struct work_struct release_work;
};

static inline struct tern_bo *to_tern_bo(struct drm_gem_object *obj)
{
	return container_of(obj, struct tern_bo, base.base);
}

int tern_gem_module_init(void);
void tern_gem_module_exit(void);
struct drm_gem_object *tern_gem_create_object(struct drm_device *dev,
					      size_t size);
bool tern_gem_is_tern_bo(struct drm_gem_object *obj);
bool tern_bo_is_device(struct tern_bo *bo);
int tern_bo_create_ioctl(struct drm_device *dev, void *data,
			 struct drm_file *file);
int tern_bo_info_ioctl(struct drm_device *dev, void *data,
		       struct drm_file *file);

#endif /* __TERN_GEM_H__ */
