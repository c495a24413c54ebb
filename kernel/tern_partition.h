/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (C) 2025 The Tern authors
 */
#ifndef __TERN_PARTITION_H__
#define __TERN_PARTITION_H__

#include <linux/mutex.h>
#include <linux/types.h>

#include <drm/drm_mm.h>

#include <uapi/drm/tern_accel.h>

struct drm_device;
struct drm_file;
struct pci_dev;
struct tern_device;

/**
 * struct tern_partitions - the PF's VF partition table
 * @lock: serialises PARTITION_SET, SR-IOV configuration and re-apply
 * @num: VFs of the applied table
 * @entries: the applied table
 * @nodes: heap reservations of the windows; drm_mm nodes cannot move, so
 *	a new table is reserved in the other bank and @bank flips
 * @bank: bank of @nodes holding the applied table's reservations
 */
struct tern_partitions {
	struct mutex lock; /* see above */
	u32 num;
	struct drm_tern_partition entries[DRM_TERN_MAX_PARTITIONS];
	struct drm_mm_node nodes[2][DRM_TERN_MAX_PARTITIONS];
	unsigned int bank;
};

void tern_partition_init(struct tern_device *tdev);
void tern_partition_fini(struct tern_device *tdev);
bool tern_partition_supported(struct tern_device *tdev);
int tern_partition_set_ioctl(struct drm_device *dev, void *data,
			     struct drm_file *file);
int tern_partition_get_table(struct tern_device *tdev,
			     struct drm_tern_partition_table *table);
int tern_partition_reapply(struct tern_device *tdev);
int tern_partition_sriov_configure(struct pci_dev *pdev, int num_vfs);
void tern_partition_remove(struct tern_device *tdev);

#endif /* __TERN_PARTITION_H__ */
