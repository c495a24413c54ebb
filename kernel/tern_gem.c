// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (C) 2025 The Tern authors
 *
 * Buffer objects. Host BOs are shmem GEM objects, pinned and DMA-mapped
 * for their whole life; device BOs are ranges of the device-memory heap,
 * CPU-mappable write-combined through the memory aperture (BAR2, or
 * BAR2 + TERN_EMU_MEM_OFFSET under emulation). Every BO is mapped into
 * its creator's address space at creation and unmapped when it is freed,
 * after every job that file had submitted by then has completed.
 *
 * Locking: host BOs only use shmem helpers that take the reservation lock
 * themselves on kernels where they need it (6.5+) and their own locks
 * before (drm_gem_shmem_get_pages_sgt(), drm_gem_shmem_mmap()), so the
 * same calls are correct on both sides of that change.
 */

#include <linux/dma-resv.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_vma_manager.h>

#include <uapi/drm/tern_accel.h>

#include "tern_drv.h"
#include "tern_gem.h"
#include "tern_heap.h"
#include "tern_vm.h"

static const struct drm_gem_object_funcs tern_bo_host_funcs;
static const struct drm_gem_object_funcs tern_bo_device_funcs;

/* BO sizes are multiples of the CPU page (>= the 4 KiB device page). */
#define TERN_BO_ALIGN		PAGE_SIZE

/*
 * Deferred BO releases. Module-wide so that module unload drains it; the
 * work itself may drop the last reference to the DRM device.
 */
static struct workqueue_struct *tern_bo_wq;

int tern_gem_module_init(void)
{
	tern_bo_wq = alloc_workqueue("tern-bo", WQ_UNBOUND, 0);
	return tern_bo_wq ? 0 : -ENOMEM;
}

void tern_gem_module_exit(void)
{
	destroy_workqueue(tern_bo_wq);
}

bool tern_gem_is_tern_bo(struct drm_gem_object *obj)
{
	return obj->funcs == &tern_bo_host_funcs ||
	       obj->funcs == &tern_bo_device_funcs;
}

bool tern_bo_is_device(struct tern_bo *bo)
{
	return bo->flags & DRM_TERN_BO_DEVICE;
}

/* Unmap from the device, release the memory and free the object. */
static void tern_bo_release(struct tern_bo *bo)
{
	struct drm_gem_object *obj = &bo->base.base;
	struct tern_device *tdev = to_tern_device(obj->dev);
	struct tern_vm *vm = bo->vm;

	if (vm && drm_mm_node_allocated(&bo->va))
		tern_vm_unmap(vm, &bo->va);

	if (obj->funcs == &tern_bo_device_funcs) {
		if (drm_mm_node_allocated(&bo->mem))
			tern_heap_free(tdev, &bo->mem);
		drm_gem_object_release(obj);
		kfree(bo);
	} else {
		struct mm_struct *mm = bo->locked_mm;
		unsigned long npages = obj->size >> PAGE_SHIFT;

		drm_gem_shmem_free(&bo->base);
		if (mm) {
			account_locked_vm(mm, npages, false);
			mmdrop(mm);
		}
	}

	/* Last: the address space may hold the last device reference. */
	if (vm)
		tern_vm_put(vm);
}

static void tern_bo_release_work(struct work_struct *work)
{
	tern_bo_release(container_of(work, struct tern_bo, release_work));
}

static void tern_bo_release_cb(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	struct tern_bo *bo = container_of(cb, struct tern_bo, release_cb);

	dma_fence_put(fence);
	queue_work(tern_bo_wq, &bo->release_work);
}

/*
 * GEM free: the last handle and mapping are gone. Jobs of the owner may
 * still reference the BO's VA (submissions name VAs, not handles), so the
 * unmap waits for every job the owner submitted so far.
 */
static void tern_bo_free(struct drm_gem_object *obj)
{
	struct tern_bo *bo = to_tern_bo(obj);
	struct dma_fence *fence = NULL;

	if (bo->vm && drm_mm_node_allocated(&bo->va)) {
		dma_resv_lock(&bo->vm->resv, NULL);
		if (dma_resv_get_singleton(&bo->vm->resv,
					   DMA_RESV_USAGE_BOOKKEEP, &fence))
			fence = NULL;
		dma_resv_unlock(&bo->vm->resv);
	}

	if (fence) {
		INIT_WORK(&bo->release_work, tern_bo_release_work);
		if (!dma_fence_add_callback(fence, &bo->release_cb,
					    tern_bo_release_cb))
			return;
		dma_fence_put(fence);
	} else if (bo->vm && drm_mm_node_allocated(&bo->va)) {
		/*
		 * Without memory for the fence array, wait for the jobs
		 * here rather than unmap under them.
		 */
		dma_resv_wait_timeout(&bo->vm->resv, DMA_RESV_USAGE_BOOKKEEP,
				      false, MAX_SCHEDULE_TIMEOUT);
	}
	tern_bo_release(bo);
}

static struct dma_buf *tern_bo_export(struct drm_gem_object *obj, int flags)
{
	/* A BO's VA lives in its creator's address space only. */
	return ERR_PTR(-EOPNOTSUPP);
}

static const struct drm_gem_object_funcs tern_bo_host_funcs = {
	.free = tern_bo_free,
	.print_info = drm_gem_shmem_object_print_info,
	.export = tern_bo_export,
	.mmap = drm_gem_shmem_object_mmap,
	.vm_ops = &drm_gem_shmem_vm_ops,
};

static int tern_bo_mmap_device(struct drm_gem_object *obj,
			       struct vm_area_struct *vma)
{
	struct tern_device *tdev = to_tern_device(obj->dev);
	struct tern_bo *bo = to_tern_bo(obj);
	u64 offset, len;
	int idx, ret;

	offset = (u64)(vma->vm_pgoff - drm_vma_node_start(&obj->vma_node))
		 << PAGE_SHIFT;
	len = vma->vm_end - vma->vm_start;
	if (!tern_heap_cpu_visible(tdev) ||
	    offset > obj->size || len > obj->size - offset)
		return -EINVAL;
	/* I/O memory cannot be copied on write. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;

	if (!drm_dev_enter(obj->dev, &idx))
		return -ENODEV;

	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_page_prot = pgprot_writecombine(vm_get_page_prot(vma->vm_flags));
	ret = io_remap_pfn_range(vma, vma->vm_start,
				 (tdev->aperture_base + bo->mem.start + offset)
				 >> PAGE_SHIFT, len, vma->vm_page_prot);
	drm_dev_exit(idx);
	return ret;
}

static const struct vm_operations_struct tern_bo_device_vm_ops = {
	.open = drm_gem_vm_open,
	.close = drm_gem_vm_close,
};

static const struct drm_gem_object_funcs tern_bo_device_funcs = {
	.free = tern_bo_free,
	.export = tern_bo_export,
	.mmap = tern_bo_mmap_device,
	.vm_ops = &tern_bo_device_vm_ops,
};

/**
 * tern_gem_create_object() - &drm_driver.gem_create_object for shmem BOs
 * @dev: DRM device
 * @size: BO size
 *
 * Return: the embedded GEM object of a new &struct tern_bo.
 */
struct drm_gem_object *tern_gem_create_object(struct drm_device *dev,
					      size_t size)
{
	struct tern_bo *bo;

	bo = kzalloc(sizeof(*bo), GFP_KERNEL);
	if (!bo)
		return ERR_PTR(-ENOMEM);
	bo->base.base.funcs = &tern_bo_host_funcs;
	return &bo->base.base;
}

static struct tern_bo *tern_bo_create_host(struct tern_device *tdev,
					   struct tern_vm *vm, u64 size,
					   u32 flags)
{
	unsigned long npages = size >> PAGE_SHIFT;
	struct drm_gem_shmem_object *shmem;
	struct sg_table *sgt;
	struct tern_bo *bo;
	int ret;

	/*
	 * The pages stay pinned for the BO's life: charge them to the
	 * creator's RLIMIT_MEMLOCK (-ENOMEM beyond it without CAP_IPC_LOCK),
	 * as other pinning interfaces do.
	 */
	ret = account_locked_vm(current->mm, npages, true);
	if (ret)
		return ERR_PTR(ret);

	shmem = drm_gem_shmem_create(&tdev->drm, size);
	if (IS_ERR(shmem)) {
		account_locked_vm(current->mm, npages, false);
		return ERR_CAST(shmem);
	}
	bo = to_tern_bo(&shmem->base);
	bo->flags = flags;
	/* From here on tern_bo_release() uncharges. */
	bo->locked_mm = current->mm;
	mmgrab(bo->locked_mm);

	/* Pins the pages and maps them for the device until the BO is freed. */
	sgt = drm_gem_shmem_get_pages_sgt(shmem);
	if (IS_ERR(sgt)) {
		ret = PTR_ERR(sgt);
		goto err_put;
	}

	ret = tern_vm_map_sgt(vm, &bo->va, sgt, size,
			      !(flags & DRM_TERN_BO_READ_ONLY));
	if (ret)
		goto err_put;
	bo->vm = tern_vm_get(vm);
	return bo;

err_put:
	drm_gem_object_put(&shmem->base);
	return ERR_PTR(ret);
}

static struct tern_bo *tern_bo_create_device(struct tern_device *tdev,
					     struct tern_vm *vm, u64 size,
					     u32 flags)
{
	struct drm_gem_object *obj;
	struct tern_bo *bo;
	int ret;

	bo = kzalloc(sizeof(*bo), GFP_KERNEL);
	if (!bo)
		return ERR_PTR(-ENOMEM);
	obj = &bo->base.base;
	obj->funcs = &tern_bo_device_funcs;
	drm_gem_private_object_init(&tdev->drm, obj, size);
	bo->flags = flags;

	/* Without aperture there is nothing to map: mmap_offset stays 0. */
	if (tern_heap_cpu_visible(tdev)) {
		ret = drm_gem_create_mmap_offset(obj);
		if (ret)
			goto err_put;
	}

	ret = tern_heap_alloc(tdev, &bo->mem, size);
	if (ret)
		goto err_put;

	ret = tern_vm_map_devmem(vm, &bo->va, bo->mem.start, size,
				 !(flags & DRM_TERN_BO_READ_ONLY));
	if (ret)
		goto err_put;
	bo->vm = tern_vm_get(vm);
	return bo;

err_put:
	drm_gem_object_put(obj);
	return ERR_PTR(ret);
}

/**
 * tern_bo_create_ioctl() - DRM_IOCTL_TERN_BO_CREATE
 * @dev: DRM device
 * @data: struct drm_tern_bo_create
 * @file: DRM file
 *
 * Errors in the order of docs/uapi.md.
 *
 * Return: 0; -EINVAL for a zero size or bad flags; -E2BIG for a size that
 * can never fit; -ENOSPC when device memory, VA space or (on first use)
 * address spaces are exhausted; -ENOMEM for host memory.
 */
int tern_bo_create_ioctl(struct drm_device *dev, void *data,
			 struct drm_file *file)
{
	struct tern_file_priv *fpriv = file->driver_priv;
	struct tern_device *tdev = to_tern_device(dev);
	struct drm_tern_bo_create *args = data;
	u32 where = args->flags & (DRM_TERN_BO_HOST | DRM_TERN_BO_DEVICE);
	struct tern_vm *vm;
	struct tern_bo *bo;
	u64 size;
	int ret;

	if (!args->size)
		return -EINVAL;
	if (args->size > TERN_VA_END - TERN_VA_START)
		return -E2BIG;
	size = ALIGN(args->size, TERN_BO_ALIGN);
	if (size > TERN_VA_END - TERN_VA_START)
		return -E2BIG;
	if (args->flags & ~DRM_TERN_BO_FLAGS ||
	    (where != DRM_TERN_BO_HOST && where != DRM_TERN_BO_DEVICE))
		return -EINVAL;
	if (where == DRM_TERN_BO_DEVICE && size > tdev->hw.mem_size)
		return -E2BIG;

	vm = tern_file_get_vm(fpriv);
	if (IS_ERR(vm))
		return PTR_ERR(vm);

	if (where == DRM_TERN_BO_HOST)
		bo = tern_bo_create_host(tdev, vm, size, args->flags);
	else
		bo = tern_bo_create_device(tdev, vm, size, args->flags);
	if (IS_ERR(bo))
		return PTR_ERR(bo);

	ret = drm_gem_handle_create(file, &bo->base.base, &args->handle);
	if (!ret)
		args->va = bo->va.start;
	/* The handle holds the BO now, or nothing does. */
	drm_gem_object_put(&bo->base.base);

	tern_dbg(tdev, GEM, "BO %u: %s, %llu bytes at VA %#llx\n",
		 args->handle, where == DRM_TERN_BO_HOST ? "host" : "device",
		 size, args->va);
	return ret;
}

/**
 * tern_bo_info_ioctl() - DRM_IOCTL_TERN_BO_INFO
 * @dev: DRM device
 * @data: struct drm_tern_bo_info
 * @file: DRM file
 *
 * Return: 0, or -ENOENT for a handle that is not a BO of this file.
 */
int tern_bo_info_ioctl(struct drm_device *dev, void *data,
		       struct drm_file *file)
{
	struct tern_file_priv *fpriv = file->driver_priv;
	struct drm_tern_bo_info *args = data;
	struct drm_gem_object *obj;
	struct tern_bo *bo;
	int ret = 0;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	bo = to_tern_bo(obj);

	/* A BO opened from another file (flink) has no VA here. */
	if (!tern_gem_is_tern_bo(obj) || !bo->vm || bo->vm != fpriv->vm) {
		ret = -ENOENT;
		goto out;
	}

	args->flags = bo->flags;
	args->va = bo->va.start;
	args->size = obj->size;
	args->mmap_offset = drm_vma_node_offset_addr(&obj->vma_node);
out:
	drm_gem_object_put(obj);
	return ret;
}
