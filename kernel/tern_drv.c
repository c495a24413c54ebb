// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (C) 2025 The Tern authors
 *
 * DRM driver registration and PCI binding of Tern T1 functions.
 */

#include <linux/dmapool.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_ioctl.h>
#include <drm/drm_managed.h>

#include <tern/hw/tern_emu.h>
#include <tern/hw/tern_mmu.h>
#include <uapi/drm/tern_accel.h>

#include "tern_drv.h"
#include "tern_ctx.h"
#include "tern_debugfs.h"
#include "tern_devclear.h"
#include "tern_fdinfo.h"
#include "tern_gem.h"
#include "tern_heap.h"
#include "tern_hw.h"
#include "tern_hwmon.h"
#include "tern_irq.h"
#include "tern_job.h"
#include "tern_mmu.h"
#include "tern_partition.h"
#include "tern_pci.h"
#include "tern_pm.h"
#include "tern_queue.h"
#include "tern_sysfs.h"
#include "tern_telemetry.h"
#include "tern_vfs.h"
#include "tern_vm.h"

unsigned int tern_dbg_mask;
module_param_named(dbg_mask, tern_dbg_mask, uint, 0644);
MODULE_PARM_DESC(dbg_mask, "Debug message categories (TERN_DBG_* bits)");

/* Device clock of TIMESTAMP commands: nanoseconds (hw-spec 3.2). */
#define TERN_TIMESTAMP_FREQ	1000000000ULL

/**
 * tern_file_get_vm() - the file's address space, created on first use
 * @fpriv: file
 *
 * Return: the address space (owned by the file), or ERR_PTR(-ENOSPC) when
 * all ASIDs of the function are taken.
 */
struct tern_vm *tern_file_get_vm(struct tern_file_priv *fpriv)
{
	struct tern_vm *vm;

	mutex_lock(&fpriv->lock);
	vm = fpriv->vm;
	if (!vm) {
		vm = tern_vm_create(fpriv->tdev);
		if (!IS_ERR(vm))
			fpriv->vm = vm;
	}
	mutex_unlock(&fpriv->lock);
	return vm;
}

static int tern_open(struct drm_device *dev, struct drm_file *file)
{
	struct tern_device *tdev = to_tern_device(dev);
	struct tern_file_priv *fpriv;

	fpriv = kzalloc(sizeof(*fpriv), GFP_KERNEL);
	if (!fpriv)
		return -ENOMEM;

	fpriv->tdev = tdev;
	mutex_init(&fpriv->lock);
	tern_ctx_file_init(fpriv);
	fpriv->client_id = tern_file_client_id(file,
					       atomic64_inc_return(&tdev->next_client_id));
	file->driver_priv = fpriv;
	return 0;
}

/* GEM handles and syncobjs of the file are already released here. */
static void tern_postclose(struct drm_device *dev, struct drm_file *file)
{
	struct tern_file_priv *fpriv = file->driver_priv;

	tern_ctx_file_fini(fpriv, file);
	if (fpriv->vm)
		tern_vm_put(fpriv->vm);
	mutex_destroy(&fpriv->lock);
	kfree(fpriv);
}

static u64 tern_capabilities(struct tern_device *tdev)
{
	u64 caps = tdev->hw.caps | DRM_TERN_CAP_TIMELINE_SYNCOBJ |
		   DRM_TERN_CAP_TELEMETRY;

	if (tern_heap_cpu_visible(tdev))
		caps |= DRM_TERN_CAP_DEVICE_MMAP;
	if (tern_partition_supported(tdev))
		caps |= DRM_TERN_CAP_PARTITION_SET;
	if (tern_is_emulated(tdev))
		caps |= DRM_TERN_CAP_EMULATED;
	return caps;
}

static int tern_get_param_ioctl(struct drm_device *dev, void *data,
				struct drm_file *file)
{
	struct tern_device *tdev = to_tern_device(dev);
	struct drm_tern_param *args = data;
	struct pci_dev *pdev = tdev->pdev;
	int idx;

	if (args->index)
		return -EINVAL;

	switch (args->param) {
	case DRM_TERN_PARAM_DEVICE_ID:
		args->value = tern_is_vf(tdev) ? TERN_PCI_DEVICE_VF :
						 TERN_PCI_DEVICE_PF;
		break;
	case DRM_TERN_PARAM_VENDOR_ID:
		args->value = TERN_PCI_VENDOR_ID;
		break;
	case DRM_TERN_PARAM_REVISION:
		args->value = tern_is_emulated(tdev) ? TERN_PCI_REVISION :
						       pdev->revision;
		break;
	case DRM_TERN_PARAM_UAPI_VERSION:
		args->value = TERN_UAPI_VERSION;
		break;
	case DRM_TERN_PARAM_CAPABILITIES:
		args->value = tern_capabilities(tdev);
		break;
	case DRM_TERN_PARAM_NUM_CORES:
		args->value = tdev->hw.num_cores;
		break;
	case DRM_TERN_PARAM_CORE_MASK:
		args->value = tdev->hw.core_mask;
		break;
	case DRM_TERN_PARAM_MEM_SIZE:
		args->value = tdev->hw.mem_size;
		break;
	case DRM_TERN_PARAM_MEM_FREE:
		args->value = tern_heap_free_bytes(tdev);
		break;
	case DRM_TERN_PARAM_NUM_QUEUES:
		args->value = tdev->hw.num_queues;
		break;
	case DRM_TERN_PARAM_MAX_CONTEXTS:
		args->value = tdev->usable_queues;
		break;
	case DRM_TERN_PARAM_VA_BITS:
		args->value = TERN_VA_BITS;
		break;
	case DRM_TERN_PARAM_VA_START:
		args->value = TERN_VA_START;
		break;
	case DRM_TERN_PARAM_VA_END:
		args->value = TERN_VA_END;
		break;
	case DRM_TERN_PARAM_PAGE_SIZE:
		args->value = max_t(u64, PAGE_SIZE, TERN_PAGE_SIZE);
		break;
	case DRM_TERN_PARAM_NUMA_NODE:
		args->value = (u64)(s64)dev_to_node(&pdev->dev);
		break;
	case DRM_TERN_PARAM_PCI_ADDRESS:
		args->value = DRM_TERN_PCI_ADDRESS(pci_domain_nr(pdev->bus),
						   pdev->bus->number,
						   PCI_SLOT(pdev->devfn),
						   PCI_FUNC(pdev->devfn));
		break;
	case DRM_TERN_PARAM_FUNCTION:
		args->value = tdev->hw.func_info &
			      (TERN_FUNC_IS_VF | TERN_FUNC_VF_INDEX);
		break;
	case DRM_TERN_PARAM_HW_VERSION:
		args->value = tdev->hw.hw_version;
		break;
	case DRM_TERN_PARAM_FW_VERSION:
		args->value = tdev->hw.fw_version;
		break;
	case DRM_TERN_PARAM_DRIVER_VERSION:
		args->value = ((u64)DRIVER_MAJOR << 32) |
			      ((u64)DRIVER_MINOR << 16) | DRIVER_PATCHLEVEL;
		break;
	case DRM_TERN_PARAM_TIMESTAMP_FREQ:
		args->value = TERN_TIMESTAMP_FREQ;
		break;
	case DRM_TERN_PARAM_TIMESTAMP:
		if (!drm_dev_enter(dev, &idx))
			return -ENODEV;
		args->value = tern_rd64(tdev, TERN_REG_TIMESTAMP);
		drm_dev_exit(idx);
		break;
	case DRM_TERN_PARAM_MAX_ADDRESS_SPACES:
		/* Less the one that clears device memory by DMA, if any. */
		args->value = tdev->hw.num_asids -
			      (tern_devclear_available(tdev) ? 1 : 0);
		break;
	case DRM_TERN_PARAM_MAX_PARTITIONS:
		args->value = tern_partition_supported(tdev) ? TERN_MAX_VFS : 0;
		break;
	default:
		return -EINVAL;
	}
	return 0;
}

/*
 * Copy min(caller's size, block size) bytes, zero the rest of the caller's
 * buffer, and report the block size.
 */
static int tern_copy_info(struct drm_tern_get_info *args, const void *block,
			  u32 block_size)
{
	void __user *ptr = u64_to_user_ptr(args->data_ptr);
	u32 n = min(args->size, block_size);

	if (n && copy_to_user(ptr, block, n))
		return -EFAULT;
	if (args->size > n && clear_user(ptr + n, args->size - n))
		return -EFAULT;
	args->size = block_size;
	return 0;
}

static int tern_get_info_ioctl(struct drm_device *dev, void *data,
			       struct drm_file *file)
{
	struct tern_device *tdev = to_tern_device(dev);
	struct drm_tern_get_info *args = data;
	union {
		struct drm_tern_telemetry telemetry;
		struct drm_tern_partition_table partitions;
	} *block;
	u32 size;
	int ret;

	/* docs/uapi.md: EOPNOTSUPP, then EINVAL in field order. */
	if (args->query == DRM_TERN_INFO_PARTITIONS &&
	    !tern_partition_supported(tdev))
		return -EOPNOTSUPP;
	if (args->query != DRM_TERN_INFO_TELEMETRY &&
	    args->query != DRM_TERN_INFO_PARTITIONS)
		return -EINVAL;
	if (args->flags || args->pad)
		return -EINVAL;

	block = kzalloc(sizeof(*block), GFP_KERNEL);
	if (!block)
		return -ENOMEM;

	if (args->query == DRM_TERN_INFO_TELEMETRY) {
		size = sizeof(block->telemetry);
		ret = tern_telemetry_read(tdev, &block->telemetry);
	} else {
		size = sizeof(block->partitions);
		ret = tern_partition_get_table(tdev, &block->partitions);
	}
	if (!ret)
		ret = tern_copy_info(args, block, size);
	kfree(block);
	return ret;
}

static const struct drm_ioctl_desc tern_ioctls[] = {
	DRM_IOCTL_DEF_DRV(TERN_GET_PARAM, tern_get_param_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TERN_GET_INFO, tern_get_info_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TERN_BO_CREATE, tern_bo_create_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TERN_BO_INFO, tern_bo_info_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TERN_CTX_CREATE, tern_ctx_create_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TERN_CTX_DESTROY, tern_ctx_destroy_ioctl,
			  DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TERN_SUBMIT, tern_submit_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TERN_CTX_QUERY, tern_ctx_query_ioctl, DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(TERN_PARTITION_SET, tern_partition_set_ioctl,
			  DRM_RENDER_ALLOW),
};

/*
 * DEFINE_DRM_ACCEL_FOPS() / DEFINE_DRM_GEM_FOPS() plus fdinfo: DRM's
 * drm_show_fdinfo() where it exists, our own printer before.
 */
static const struct file_operations tern_fops = {
	.owner = THIS_MODULE,
#ifdef TERN_HAVE_DRM_ACCEL
	DRM_ACCEL_FOPS,
#else
	DRM_GEM_FOPS,
#endif
#ifdef TERN_HAVE_DRM_SHOW_FDINFO
	.show_fdinfo = drm_show_fdinfo,
#else
	.show_fdinfo = tern_fdinfo_show_fops,
#endif
};

static const struct drm_driver tern_drm_driver = {
	.driver_features = DRIVER_GEM | TERN_DRIVER_NODE_FEATURES |
			   DRIVER_SYNCOBJ | DRIVER_SYNCOBJ_TIMELINE,
	.open = tern_open,
	.postclose = tern_postclose,
	.gem_create_object = tern_gem_create_object,
	.ioctls = tern_ioctls,
	.num_ioctls = ARRAY_SIZE(tern_ioctls),
	.fops = &tern_fops,
#ifdef TERN_HAVE_DRM_SHOW_FDINFO
	.show_fdinfo = tern_fdinfo_show,
#endif
	.name = DRIVER_NAME,
	.desc = DRIVER_DESC,
#ifdef TERN_HAVE_DRM_DRIVER_DATE
	.date = DRIVER_DATE,
#endif
	.major = DRIVER_MAJOR,
	.minor = DRIVER_MINOR,
	.patchlevel = DRIVER_PATCHLEVEL,
};

/*
 * Runs when the last reference to the DRM device is gone: after remove()
 * and after every file, BO and address space of the device was released.
 */
static void tern_drm_release(struct drm_device *drm, void *arg)
{
	struct tern_device *tdev = to_tern_device(drm);

	tern_queue_free_quarantine(tdev);
	dma_pool_destroy(tdev->wb_pool);
	mutex_destroy(&tdev->devclear.lock);
	mutex_destroy(&tdev->queue_lock);
	tern_partition_fini(tdev);
	tern_heap_fini(tdev);
	tern_mmu_fini(tdev);
	if (tdev->reset_wq)
		destroy_workqueue(tdev->reset_wq);
}

static int tern_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct tern_device *tdev;
	int ret;

	/*
	 * The ivshmem transport is never matched by the id table (other
	 * ivshmem users exist): it binds through driver_override or new_id
	 * only, and tern_pci_init() checks the emulator's magic values.
	 */
	if (pdev->vendor != TERN_PCI_VENDOR_ID &&
	    !(pdev->vendor == TERN_EMU_PCI_VENDOR_ID &&
	      pdev->device == TERN_EMU_PCI_DEVICE_ID))
		return -ENODEV;

	tdev = devm_drm_dev_alloc(&pdev->dev, &tern_drm_driver,
				  struct tern_device, drm);
	if (IS_ERR(tdev))
		return PTR_ERR(tdev);

	tdev->pdev = pdev;
	tdev->transport = pdev->vendor == TERN_PCI_VENDOR_ID ?
			  TERN_TRANSPORT_PCI : TERN_TRANSPORT_EMU;
	tdev->state = TERN_STATE_READY;
	init_rwsem(&tdev->reset_sem);
	init_waitqueue_head(&tdev->event_wq);
	atomic64_set(&tdev->next_client_id, 0);
	tern_pm_init(tdev);
	tern_partition_init(tdev);
	mutex_init(&tdev->queue_lock);
	mutex_init(&tdev->devclear.lock);
	INIT_LIST_HEAD(&tdev->quarantine);
	INIT_LIST_HEAD(&tdev->vfs_link);
	tern_queue_init_all(tdev);
	pci_set_drvdata(pdev, tdev);

	ret = tern_mmu_init(tdev);
	if (!ret)
		ret = drmm_add_action_or_reset(&tdev->drm, tern_drm_release,
					       NULL);
	if (ret)
		return ret;

	/* Write-back slots: 8 bytes, 8-byte aligned (hw-spec 3.3). */
	tdev->wb_pool = dma_pool_create("tern-wb", &pdev->dev, 64, 64, 0);
	if (!tdev->wb_pool)
		return -ENOMEM;

	tdev->reset_wq = alloc_ordered_workqueue("tern-reset-%s", 0,
						 pci_name(pdev));
	if (!tdev->reset_wq)
		return -ENOMEM;

	ret = tern_pci_init(tdev);
	if (ret)
		return ret;
	/* Before the queue vectors are requested: it may keep a queue. */
	tern_devclear_reserve(tdev);

	ret = tern_irq_init(tdev);
	if (ret)
		goto err_pci;

	ret = tern_hw_init(tdev);
	if (ret)
		goto err_irq;

	ret = tern_devclear_init(tdev);
	if (ret)
		goto err_irq;

	ret = tern_heap_init(tdev);
	if (ret)
		goto err_irq;

	ret = tern_hwmon_init(tdev);
	if (ret)
		goto err_irq;

	ret = drm_dev_register(&tdev->drm, 0);
	if (ret)
		goto err_irq;

	tern_vfs_register(tdev);
	tern_debugfs_init(tdev);
	tern_pm_start_watchdog(tdev);
	return 0;

err_irq:
	tern_hw_irq_mask(tdev);
	tern_devclear_fini(tdev);
	tern_irq_fini(tdev);
err_pci:
	tern_heap_unmap(tdev);
	tern_pci_fini(tdev);
	return ret;
}

/*
 * Unbind: new ioctls fail from drm_dev_unplug() on and every hardware
 * access is guarded by drm_dev_enter(); open files keep their objects
 * until they are closed.
 */
static void tern_remove(struct pci_dev *pdev)
{
	struct tern_device *tdev = pci_get_drvdata(pdev);

	tern_vfs_unregister(tdev);
	/* Outside drm_dev_enter(): unbinds VF devices (tern_vfs_unbind()). */
	tern_partition_remove(tdev);
	tern_debugfs_fini(tdev);
	drm_dev_unplug(&tdev->drm);
	tern_pm_fini(tdev);
	flush_workqueue(tdev->reset_wq);
	tern_pm_unplug(tdev);

	tern_devclear_fini(tdev);
	tern_irq_fini(tdev);
	tern_heap_unmap(tdev);
	tern_pci_fini(tdev);
}

static void tern_shutdown(struct pci_dev *pdev)
{
	struct tern_device *tdev = pci_get_drvdata(pdev);

	tern_hw_irq_mask(tdev);
	pci_clear_master(pdev);
}

static const struct pci_device_id tern_pci_ids[] = {
	{ PCI_DEVICE(TERN_PCI_VENDOR_ID, TERN_PCI_DEVICE_PF) },
	{ PCI_DEVICE(TERN_PCI_VENDOR_ID, TERN_PCI_DEVICE_VF) },
	{ }
};
MODULE_DEVICE_TABLE(pci, tern_pci_ids);

static struct pci_driver tern_pci_driver = {
	.name = DRIVER_NAME,
	.id_table = tern_pci_ids,
	.probe = tern_probe,
	.remove = tern_remove,
	.shutdown = tern_shutdown,
	.sriov_configure = tern_partition_sriov_configure,
	.err_handler = &tern_pci_err_handlers,
	.dev_groups = tern_sysfs_groups,
};

static int __init tern_init(void)
{
	int ret;

	ret = tern_gem_module_init();
	if (ret)
		return ret;
	tern_debugfs_module_init();
	ret = pci_register_driver(&tern_pci_driver);
	if (ret) {
		tern_debugfs_module_exit();
		tern_gem_module_exit();
	}
	return ret;
}
module_init(tern_init);

static void __exit tern_exit(void)
{
	pci_unregister_driver(&tern_pci_driver);
	tern_debugfs_module_exit();
	tern_gem_module_exit();
}
module_exit(tern_exit);

MODULE_AUTHOR("The Tern authors");
MODULE_DESCRIPTION(DRIVER_DESC " driver");
MODULE_LICENSE("GPL");
MODULE_VERSION(__stringify(DRIVER_MAJOR) "." __stringify(DRIVER_MINOR) "."
	       __stringify(DRIVER_PATCHLEVEL));
