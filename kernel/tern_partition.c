// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (C) 2025 The Tern authors
 *
 * VF partitioning on the PF (hw-spec 10): the administrator programs the
 * partition table with DRM_IOCTL_TERN_PARTITION_SET while no VF is
 * enabled, then enables VFs through sriov_numvfs. The PF keeps the
 * windows out of its own device-memory heap, checks that what the device
 * reports back is what was asked, and scrubs the window of every new VF.
 *
 * Under emulation (hw-spec 11.8) there is no SR-IOV capability: an
 * applied VF is live at once on its own ivshmem function. A change that
 * removes or re-creates VFs is refused while one of their devices is open
 * (the holders are logged), and unbinds their driver otherwise, as
 * disabling SR-IOV does on hardware (tern_vfs.c).
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
#include "tern_vfs.h"

/*
 * Apply removes changed VFs, which lets a running EXECUTE finish first
 * (hw-spec 9.3 step 2): allow for a long program.
 */
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

/*
 * Post-conditions of an apply: the device holds and reports exactly the
 * table that was written (hw-spec 3.8, 10.2). Inside drm_dev_enter().
 */
static int tern_partition_verify(struct tern_device *tdev,
				 const struct drm_tern_partition *e, u32 num)
{
	bool active = tern_rd32(tdev, TERN_REG_DEV_STATUS) &
		      TERN_DEV_STATUS_PART_ACTIVE;
	u32 n = tern_rd32(tdev, TERN_REG_PART_NUM_VFS);
	unsigned int i;

	if (n != num || active != !!num) {
		tern_err(tdev, "partition table read back: %u VFs, %s; applied %u\n",
			 n, active ? "active" : "inactive", num);
		return -EIO;
	}
	for (i = 0; i < num; i++) {
		u32 base = TERN_REG_PART_ENTRY(i);
		struct drm_tern_partition got = {
			.mem_base = tern_rd64(tdev, base + TERN_PART_MEM_BASE),
			.mem_size = tern_rd64(tdev, base + TERN_PART_MEM_SIZE),
			.core_mask = tern_rd32(tdev, base + TERN_PART_CORE_MASK),
			.num_queues = tern_rd32(tdev, base + TERN_PART_NUM_QUEUES),
			.num_asids = tern_rd32(tdev, base + TERN_PART_NUM_ASIDS),
		};

		if (memcmp(&got, &e[i], sizeof(got))) {
			tern_err(tdev, "partition entry %u read back as base %#llx size %#llx cores %#x queues %u ASIDs %u; applied base %#llx size %#llx cores %#x queues %u ASIDs %u\n",
				 i, got.mem_base, got.mem_size, got.core_mask,
				 got.num_queues, got.num_asids, e[i].mem_base,
				 e[i].mem_size, e[i].core_mask, e[i].num_queues,
				 e[i].num_asids);
			return -EIO;
		}
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
	if (!ret && status == TERN_PART_OK)
		ret = tern_partition_verify(tdev, e, num);
	drm_dev_exit(idx);

	if (ret == -ETIMEDOUT) {
		tern_err(tdev, "partition apply not acknowledged\n");
		tern_pm_schedule_recovery(tdev, "partition apply timeout");
		return -EIO;
	}
	/*
	 * A VF queue still enabled: under emulation an unbound VF function
	 * can be driven by something other than this driver (hw-spec 11.8).
	 */
	if (status == TERN_PART_ERR_BUSY) {
		tern_err(tdev, "partition table not changed: a VF it removes or changes has queues enabled by a driver other than this one\n");
		return -EBUSY;
	}
	/* The kernel's own checks passed: another rejection is a device fault. */
	if (status != TERN_PART_OK) {
		tern_err(tdev, "device rejected the partition table: status %u\n",
			 status);
		return -EIO;
	}
	return ret;
}

/* Bit i: VF i of the applied table is removed or changed by @e. */
static unsigned long tern_partition_gone(struct tern_partitions *part,
					 const struct drm_tern_partition *e,
					 u32 num)
{
	unsigned long mask = 0;
	unsigned int i;

	for (i = 0; i < part->num; i++)
		if (i >= num || memcmp(&e[i], &part->entries[i], sizeof(e[i])))
			mask |= BIT(i);
	return mask;
}

/* Bit i: VF i of @e is new or changed, i.e. (re-)created by the apply. */
static unsigned long tern_partition_created(struct tern_partitions *part,
					    const struct drm_tern_partition *e,
					    u32 num)
{
	unsigned long mask = 0;
	unsigned int i;

	for (i = 0; i < num; i++)
		if (i >= part->num ||
		    memcmp(&e[i], &part->entries[i], sizeof(e[i])))
			mask |= BIT(i);
	return mask;
}

/*
 * VF creation does not clear memory; the PF must, before a tenant gets
 * the window (hw-spec 10.2). No driver is bound to a created VF yet: its
 * function did not exist, or tern_vfs_unbind() released it.
 */
static int tern_partition_scrub(struct tern_device *tdev,
				const struct drm_tern_partition *e,
				unsigned long created)
{
	unsigned long i;
	s64 left;

	for_each_set_bit(i, &created, DRM_TERN_MAX_PARTITIONS) {
		left = tern_heap_scrub(tdev, e[i].mem_base, e[i].mem_size);
		if (left < 0)
			return left;
		if (left)
			tern_warn(tdev, "VF %lu: %lld bytes of its window lie beyond the PF's aperture and were not scrubbed; the VF's function reset clears them\n",
				  i, left);
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

static bool tern_partition_sriov_enabled(struct tern_device *tdev)
{
	int n = pci_num_vf(tdev->pdev);

	if (n)
		tern_err(tdev, "partition table not changed: %d VFs are enabled (sriov_numvfs)\n",
			 n);
	return n;
}

/*
 * Emulation (hw-spec 11.8): VFs are live without SR-IOV. Refuse while a VF
 * the table removes or changes is open, and unbind the driver from the
 * others, as disabling SR-IOV would. With no lock held: a VF's unplug
 * waits for every drm_dev_enter() section of every DRM device, and such a
 * section of the PF may be waiting for reset_sem or the table's lock.
 */
static int tern_partition_release_vfs(struct tern_device *tdev,
				      const struct drm_tern_partition *e,
				      u32 num)
{
	struct tern_partitions *part = &tdev->part;
	unsigned long gone;
	int ret;

	if (tern_partition_sriov_enabled(tdev))
		return -EBUSY;
	mutex_lock(&part->lock);
	gone = tern_partition_gone(part, e, num);
	mutex_unlock(&part->lock);

	ret = tern_vfs_check_unused(tdev, gone, "partition table not changed");
	if (!ret)
		tern_vfs_unbind(tdev, gone);
	return ret;
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
 * -EINVAL for a malformed table; -EFAULT; -EBUSY while VFs are enabled,
 * while a VF the table removes or changes is open (emulation; the
 * holders are logged), or while PF BOs occupy a window; -EIO if the
 * device rejected the table, did not acknowledge it, reported back
 * something else, or is being reset; -ENODEV if it went away.
 */
int tern_partition_set_ioctl(struct drm_device *dev, void *data,
			     struct drm_file *file)
{
	struct tern_device *tdev = to_tern_device(dev);
	struct drm_tern_partition e[DRM_TERN_MAX_PARTITIONS] = {};
	struct drm_tern_partition_set *args = data;
	struct tern_partitions *part = &tdev->part;
	unsigned long gone, created;
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

	ret = tern_partition_release_vfs(tdev, e, args->num_vfs);
	if (ret)
		return ret;

	/* Lock order: reset_sem, then the table (see tern_pm_restore()). */
	down_read(&tdev->reset_sem);
	mutex_lock(&part->lock);
	if (tern_partition_sriov_enabled(tdev)) {
		ret = -EBUSY;
		goto out_unlock;
	}
	if (!tern_pm_usable(tdev)) {
		ret = -EIO;
		goto out_unlock;
	}
	/* The table may have changed, or a VF been bound, since the release. */
	gone = tern_partition_gone(part, e, args->num_vfs);
	created = tern_partition_created(part, e, args->num_vfs);
	if (tern_vfs_any_bound(tdev, gone)) {
		tern_err(tdev, "partition table not changed: a VF it removes or changes was bound meanwhile\n");
		ret = -EBUSY;
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
	ret = tern_partition_scrub(tdev, e, created);

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
	/* Emulation has no SR-IOV: every applied VF is live (hw-spec 11.8). */
	table->enabled_vfs = tern_is_emulated(tdev) ? table->num_vfs :
						     pci_num_vf(tdev->pdev);
	table->card_core_mask = tdev->hw.core_mask;
	table->card_mem_size = tdev->hw.mem_size;
	return 0;
}

/**
 * tern_partition_reapply() - restore the table after a PF function reset
 * @tdev: device, reset_sem held for writing
 *
 * A PF reset clears the partition table and removes every VF (hw-spec
 * 9.3); enabled VFs get fresh, empty windows back, and their devices
 * reset themselves to forget what they had programmed.
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
	if (!ret)
		tern_vfs_recover(tdev);
	return ret;
}

/**
 * tern_partition_remove() - take the VFs away before the PF unbinds
 * @tdev: the PF, before drm_dev_unplug()
 *
 * Its function reset at unplug removes every VF (hw-spec 9.3).
 */
void tern_partition_remove(struct tern_device *tdev)
{
	struct pci_dev *pdev = tdev->pdev;

	if (!tern_partition_supported(tdev))
		return;
	if (pci_num_vf(pdev)) {
		if (pci_vfs_assigned(pdev))
			tern_warn(tdev, "VFs are assigned to guests: leaving SR-IOV enabled\n");
		else
			pci_disable_sriov(pdev);
	}
	tern_vfs_unbind(tdev, ~0UL);
}

/**
 * tern_partition_sriov_configure() - &pci_driver.sriov_configure
 * @pdev: the PF
 * @num_vfs: VFs to enable, 0 to disable
 *
 * Disabling is refused while a VF device is open; the holders are logged.
 *
 * Return: @num_vfs on success or a negative errno (-EBUSY, -EINVAL for
 * more VFs than the applied table has).
 */
int tern_partition_sriov_configure(struct pci_dev *pdev, int num_vfs)
{
	struct tern_device *tdev = pci_get_drvdata(pdev);
	struct tern_partitions *part = &tdev->part;
	int ret;

	if (!tern_partition_supported(tdev))
		return -EOPNOTSUPP;

	if (!num_vfs) {
		if (pci_vfs_assigned(pdev)) {
			tern_err(tdev, "SR-IOV not disabled: VFs are assigned to guests\n");
			return -EBUSY;
		}
		ret = tern_vfs_check_unused(tdev, ~0UL, "SR-IOV not disabled");
		/* No lock: see tern_partition_release_vfs(). */
		if (!ret)
			pci_disable_sriov(pdev);
		return ret;
	}

	mutex_lock(&part->lock);
	if (num_vfs > part->num) {
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
