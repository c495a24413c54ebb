// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (C) 2025 The Tern authors
 *
 * VF partitioning on the PF (hw-spec 10): the administrator programs the
 * partition table with DRM_IOCTL_TERN_PARTITION_SET while no VF is
 * enabled, then enables VFs through sriov_numvfs. The PF keeps the
 * windows out of its own device-memory heap.
 */

#include <linux/capability.h>
#include <linux/pci.h>
#include <linux/uaccess.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>

#include "tern_drv.h"
#include "tern_heap.h"
#include "tern_hw.h"
#include "tern_partition.h"
#include "tern_pm.h"

/* Apply zeroes the windows of new VFs (hw-spec 10.2): allow for it. */
#define TERN_PART_APPLY_TIMEOUT_US	(30 * USEC_PER_SEC)

static void tern_partition_unreserve(struct tern_device *tdev,
				     struct drm_mm_node *nodes);

void tern_partition_init(struct tern_device *tdev)
{
	mutex_init(&tdev->part.lock);
}

void tern_partition_fini(struct tern_device *tdev)
{
	struct tern_partitions *part = &tdev->part;

	tern_partition_unreserve(tdev, part->nodes[0]);
	tern_partition_unreserve(tdev, part->nodes[1]);
	mutex_destroy(&part->lock);
}

/**
 * tern_partition_supported() - whether this function manages partitions
 * @tdev: device
 *
 * Return: true on a PF with TERN_CAP_PARTITIONING.
 */
bool tern_partition_supported(struct tern_device *tdev)
{
	return !tern_is_vf(tdev) && (tdev->hw.caps & TERN_CAP_PARTITIONING);
}

/* The checks of hw-spec 10.2, so that userspace gets EINVAL up front. */
static int tern_partition_validate(struct tern_device *tdev,
				   const struct drm_tern_partition *e, u32 num)
{
	u32 cores = 0;
	unsigned int i, j;

	for (i = 0; i < num; i++) {
		if (e[i].flags ||
		    !IS_ALIGNED(e[i].mem_base, TERN_PART_ALIGN) ||
		    !IS_ALIGNED(e[i].mem_size, TERN_PART_ALIGN) ||
		    !e[i].mem_size ||
		    e[i].mem_base > tdev->hw.mem_size ||
		    e[i].mem_size > tdev->hw.mem_size - e[i].mem_base)
			return -EINVAL;
		if (!e[i].core_mask || (e[i].core_mask & ~tdev->hw.core_mask) ||
		    (e[i].core_mask & cores))
			return -EINVAL;
		cores |= e[i].core_mask;
		if (!e[i].num_queues || e[i].num_queues > TERN_MAX_QUEUES ||
		    !e[i].num_asids || e[i].num_asids > TERN_MAX_ASIDS)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (e[i].mem_base < e[j].mem_base + e[j].mem_size &&
			    e[j].mem_base < e[i].mem_base + e[i].mem_size)
				return -EINVAL;
	}
	return 0;
}

/* Write the table and apply it; caller holds part->lock and reset_sem. */
static int tern_partition_apply(struct tern_device *tdev,
				const struct drm_tern_partition *e, u32 num)
{
	unsigned int i;
	u32 status;
	int idx, ret;

	if (!drm_dev_enter(&tdev->drm, &idx))
		return -ENODEV;

	for (i = 0; i < num; i++) {
		u32 base = TERN_REG_PART_ENTRY(i);

		tern_wr64(tdev, base + TERN_PART_MEM_BASE, e[i].mem_base);
		tern_wr64(tdev, base + TERN_PART_MEM_SIZE, e[i].mem_size);
		tern_wr32(tdev, base + TERN_PART_CORE_MASK, e[i].core_mask);
		tern_wr32(tdev, base + TERN_PART_NUM_QUEUES, e[i].num_queues);
		tern_wr32(tdev, base + TERN_PART_NUM_ASIDS, e[i].num_asids);
	}
	tern_wr32(tdev, TERN_REG_PART_NUM_VFS, num);

	ret = tern_hw_req_ack(tdev, TERN_REG_PART_APPLY_REQ,
			      TERN_REG_PART_APPLY_ACK,
			      TERN_PART_APPLY_TIMEOUT_US);
	status = tern_rd32(tdev, TERN_REG_PART_STATUS);
	drm_dev_exit(idx);

	if (ret) {
		tern_err(tdev, "partition apply not acknowledged\n");
		tern_pm_schedule_recovery(tdev, "partition apply timeout");
		return -EIO;
	}
	/* The kernel's own checks passed: a rejection is a device fault. */
	if (status != TERN_PART_OK) {
		tern_err(tdev, "device rejected the partition table: status %u\n",
			 status);
		return -EIO;
	}
	return 0;
}

static void tern_partition_unreserve(struct tern_device *tdev,
				     struct drm_mm_node *nodes)
{
	unsigned int i;

	for (i = 0; i < DRM_TERN_MAX_PARTITIONS; i++)
		tern_heap_unreserve(tdev, &nodes[i]);
}

static int tern_partition_reserve(struct tern_device *tdev,
				  struct drm_mm_node *nodes,
				  const struct drm_tern_partition *e, u32 num)
{
	unsigned int i;
	int ret;

	for (i = 0; i < num; i++) {
		ret = tern_heap_reserve(tdev, &nodes[i], e[i].mem_base,
					e[i].mem_size);
		if (ret) {
			tern_partition_unreserve(tdev, nodes);
			return ret;
		}
	}
	return 0;
}

/*
 * Read the entries that are readable into @e. Return -EINVAL for non-zero
 * bytes beyond the known entry, else the number of entries read: fewer
 * than num_vfs means an -EFAULT, which docs/uapi.md orders after the
 * -EINVAL of any readable entry.
 */
static int tern_partition_copy_entries(struct drm_tern_partition_set *args,
				       struct drm_tern_partition *e)
{
	u64 ptr = args->entries_ptr;
	unsigned int i;
	int ret;

	for (i = 0; i < args->num_vfs; i++) {
		ret = copy_struct_from_user(&e[i], sizeof(e[i]),
					    u64_to_user_ptr(ptr),
					    args->entry_size);
		if (ret == -E2BIG)
			return -EINVAL;
		if (ret)
			break;
		ptr += args->entry_size;
	}
	return i;
}

/**
 * tern_partition_set_ioctl() - DRM_IOCTL_TERN_PARTITION_SET
 * @dev: DRM device
 * @data: struct drm_tern_partition_set
 * @file: DRM file
 *
 * Errors in the order of docs/uapi.md.
 *
 * Return: 0; -EOPNOTSUPP off a partitioning PF; -EPERM without
 * CAP_SYS_ADMIN; -E2BIG for more than DRM_TERN_MAX_PARTITIONS entries;
 * -EINVAL for a malformed table; -EFAULT; -EBUSY while VFs are enabled or
 * PF BOs occupy a window; -EIO if the device rejected the table, did not
 * acknowledge it, or is being reset.
 */
int tern_partition_set_ioctl(struct drm_device *dev, void *data,
			     struct drm_file *file)
{
	struct tern_device *tdev = to_tern_device(dev);
	struct drm_tern_partition e[DRM_TERN_MAX_PARTITIONS] = {};
	struct drm_tern_partition_set *args = data;
	struct tern_partitions *part = &tdev->part;
	struct drm_mm_node *old, *new;
	int ret;

	if (!tern_partition_supported(tdev))
		return -EOPNOTSUPP;
	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (args->num_vfs > DRM_TERN_MAX_PARTITIONS)
		return -E2BIG;
	if (args->flags || args->entry_size < sizeof(e[0]) || args->pad)
		return -EINVAL;

	ret = tern_partition_copy_entries(args, e);
	if (ret < 0)
		return ret;
	if (tern_partition_validate(tdev, e, ret))
		return -EINVAL;
	if ((u32)ret < args->num_vfs)
		return -EFAULT;

	/* Lock order: reset_sem, then the table (see tern_pm_restore()). */
	down_read(&tdev->reset_sem);
	mutex_lock(&part->lock);
	if (pci_num_vf(tdev->pdev)) {
		ret = -EBUSY;
		goto out_unlock;
	}
	if (!tern_pm_usable(tdev)) {
		ret = -EIO;
		goto out_unlock;
	}

	/* Swap the heap reservations: new windows may repeat old ones. */
	old = part->nodes[part->bank];
	new = part->nodes[!part->bank];
	tern_partition_unreserve(tdev, old);
	ret = tern_partition_reserve(tdev, new, e, args->num_vfs);
	if (!ret) {
		ret = tern_partition_apply(tdev, e, args->num_vfs);
		if (ret)
			tern_partition_unreserve(tdev, new);
	}
	if (ret) {
		/* The applied table did not change: nor do its reservations. */
		tern_partition_reserve(tdev, old, part->entries, part->num);
		goto out_unlock;
	}

	part->bank = !part->bank;
	part->num = args->num_vfs;
	memcpy(part->entries, e, sizeof(e));
	tern_info(tdev, "partition table applied: %u VFs\n", part->num);

out_unlock:
	mutex_unlock(&part->lock);
	up_read(&tdev->reset_sem);
	return ret;
}

/**
 * tern_partition_get_table() - the applied table, for GET_INFO
 * @tdev: device
 * @table: filled in
 *
 * Return: 0, or -EOPNOTSUPP off a partitioning PF.
 */
int tern_partition_get_table(struct tern_device *tdev,
			     struct drm_tern_partition_table *table)
{
	struct tern_partitions *part = &tdev->part;

	if (!tern_partition_supported(tdev))
		return -EOPNOTSUPP;

	memset(table, 0, sizeof(*table));
	mutex_lock(&part->lock);
	table->num_vfs = part->num;
	memcpy(table->entries, part->entries, sizeof(table->entries));
	mutex_unlock(&part->lock);
	table->max_vfs = TERN_MAX_VFS;
	table->enabled_vfs = pci_num_vf(tdev->pdev);
	table->card_core_mask = tdev->hw.core_mask;
	table->card_mem_size = tdev->hw.mem_size;
	return 0;
}

/**
 * tern_partition_reapply() - restore the table after a PF function reset
 * @tdev: device, reset_sem held for writing
 *
 * A PF reset clears the partition table and removes every VF (hw-spec
 * 9.3); enabled VFs get fresh, empty windows back.
 *
 * Return: 0 or a negative errno.
 */
int tern_partition_reapply(struct tern_device *tdev)
{
	struct tern_partitions *part = &tdev->part;
	int ret = 0;

	if (!tern_partition_supported(tdev))
		return 0;
	mutex_lock(&part->lock);
	if (part->num)
		ret = tern_partition_apply(tdev, part->entries, part->num);
	mutex_unlock(&part->lock);
	return ret;
}

/**
 * tern_partition_sriov_configure() - &pci_driver.sriov_configure
 * @pdev: the PF
 * @num_vfs: VFs to enable, 0 to disable
 *
 * Return: @num_vfs on success or a negative errno.
 */
int tern_partition_sriov_configure(struct pci_dev *pdev, int num_vfs)
{
	struct tern_device *tdev = pci_get_drvdata(pdev);
	struct tern_partitions *part = &tdev->part;
	int ret;

	if (!tern_partition_supported(tdev))
		return -EOPNOTSUPP;

	mutex_lock(&part->lock);
	if (!num_vfs) {
		if (pci_vfs_assigned(pdev)) {
			ret = -EBUSY;
		} else {
			pci_disable_sriov(pdev);
			ret = 0;
		}
	} else if (num_vfs > part->num) {
		tern_err(tdev, "%d VFs requested, the partition table has %u\n",
			 num_vfs, part->num);
		ret = -EINVAL;
	} else {
		ret = pci_enable_sriov(pdev, num_vfs);
		if (!ret)
			ret = num_vfs;
	}
	mutex_unlock(&part->lock);
	return ret;
}
