// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (C) 2025 The Tern authors
 *
 * fdinfo (Documentation/gpu/drm-usage-stats.rst): per open file
 *   drm-driver, drm-client-id, drm-pdev   (by DRM where it prints them)
 *   drm-engine-compute: <ns> ns           hardware time of the file's queues
 *   drm-total-host/device: <n> KiB        BOs of the file by placement
 *   drm-resident-host/device: <n> KiB     (BOs are always resident)
 * so that tools see which process holds a device and what it uses.
 */

#include <linux/fs.h>
#include <linux/idr.h>
#include <linux/pci.h>
#include <linux/seq_file.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_gem.h>
#include <drm/drm_print.h>

#include "tern_ctx.h"
#include "tern_drv.h"
#include "tern_fdinfo.h"
#include "tern_gem.h"

static void tern_fdinfo_print(struct drm_printer *p, struct drm_file *file)
{
	struct tern_file_priv *fpriv = file->driver_priv;
	struct drm_gem_object *obj;
	u64 host = 0, device = 0;
	int id;

	drm_printf(p, "drm-engine-compute:\t%llu ns\n",
		   tern_ctx_file_busy_ns(fpriv));

	spin_lock(&file->table_lock);
	idr_for_each_entry(&file->object_idr, obj, id) {
		if (!tern_gem_is_tern_bo(obj))
			continue;
		if (tern_bo_is_device(to_tern_bo(obj)))
			device += obj->size;
		else
			host += obj->size;
	}
	spin_unlock(&file->table_lock);

	drm_printf(p, "drm-total-host:\t%llu KiB\n", host >> 10);
	drm_printf(p, "drm-resident-host:\t%llu KiB\n", host >> 10);
	drm_printf(p, "drm-total-device:\t%llu KiB\n", device >> 10);
	drm_printf(p, "drm-resident-device:\t%llu KiB\n", device >> 10);
}

#ifdef TERN_HAVE_DRM_SHOW_FDINFO
/**
 * tern_fdinfo_show() - &drm_driver.show_fdinfo
 * @p: printer
 * @file: DRM file
 */
void tern_fdinfo_show(struct drm_printer *p, struct drm_file *file)
{
	tern_fdinfo_print(p, file);
}
#else
/**
 * tern_fdinfo_show_fops() - &file_operations.show_fdinfo before DRM had one
 * @m: fdinfo file
 * @f: the DRM file's struct file
 */
void tern_fdinfo_show_fops(struct seq_file *m, struct file *f)
{
	struct drm_file *file = f->private_data;
	struct tern_file_priv *fpriv = file->driver_priv;
	struct drm_device *dev = file->minor->dev;
	struct drm_printer p = drm_seq_file_printer(m);

	drm_printf(&p, "drm-driver:\t%s\n", dev->driver->name);
	drm_printf(&p, "drm-client-id:\t%llu\n", fpriv->client_id);
	if (dev_is_pci(dev->dev))
		drm_printf(&p, "drm-pdev:\t%s\n", pci_name(to_pci_dev(dev->dev)));
	tern_fdinfo_print(&p, file);
}
#endif
