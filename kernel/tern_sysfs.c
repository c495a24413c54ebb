// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (C) 2025 The Tern authors
 *
 * sysfs attributes of a bound Tern function, in its PCI device directory.
 * Documented in docs/ABI/testing/sysfs-driver-tern.
 */

#include <linux/capability.h>
#include <linux/device.h>
#include <linux/kstrtox.h>
#include <linux/pci.h>
#include <linux/sysfs.h>

#include "tern_drv.h"
#include "tern_heap.h"
#include "tern_hw.h"
#include "tern_pm.h"
#include "tern_sysfs.h"
#include "tern_vfs.h"

static struct tern_device *tern_sysfs_tdev(struct device *dev)
{
	return pci_get_drvdata(to_pci_dev(dev));
}

/**
 * DOC: hw_version
 *
 * Hardware interface version the function implements, "major.minor".
 */
static ssize_t hw_version_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct tern_device *tdev = tern_sysfs_tdev(dev);

	return sysfs_emit(buf, "%u.%u\n",
			  TERN_HW_VERSION_MAJOR(tdev->hw.hw_version),
			  TERN_HW_VERSION_MINOR(tdev->hw.hw_version));
}
static DEVICE_ATTR_RO(hw_version);

/**
 * DOC: fw_version
 *
 * Device firmware version, "major.minor.patch".
 */
static ssize_t fw_version_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct tern_device *tdev = tern_sysfs_tdev(dev);

	return sysfs_emit(buf, "%u.%u.%u\n",
			  TERN_FW_VERSION_MAJOR(tdev->hw.fw_version),
			  TERN_FW_VERSION_MINOR(tdev->hw.fw_version),
			  TERN_FW_VERSION_PATCH(tdev->hw.fw_version));
}
static DEVICE_ATTR_RO(fw_version);

/**
 * DOC: transport
 *
 * "pci" for a Tern T1 function, "emulated" for tern-emu behind QEMU
 * ivshmem.
 */
static ssize_t transport_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct tern_device *tdev = tern_sysfs_tdev(dev);

	return sysfs_emit(buf, "%s\n", tern_is_emulated(tdev) ? "emulated" : "pci");
}
static DEVICE_ATTR_RO(transport);

/**
 * DOC: function
 *
 * "pf", or "vfN" for VF index N (0-based).
 */
static ssize_t function_show(struct device *dev,
			     struct device_attribute *attr, char *buf)
{
	struct tern_device *tdev = tern_sysfs_tdev(dev);

	if (!tern_is_vf(tdev))
		return sysfs_emit(buf, "pf\n");
	return sysfs_emit(buf, "vf%u\n",
			  (tdev->hw.func_info & TERN_FUNC_VF_INDEX) >>
			  TERN_FUNC_VF_INDEX_SHIFT);
}
static DEVICE_ATTR_RO(function);

/**
 * DOC: state
 *
 * Driver state of the function: "ready", "resetting", or "wedged" (a reset
 * failed; rebind the driver or reset the PCI function).
 */
static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	static const char * const names[] = {
		[TERN_STATE_READY] = "ready",
		[TERN_STATE_RESETTING] = "resetting",
		[TERN_STATE_WEDGED] = "wedged",
	};
	struct tern_device *tdev = tern_sysfs_tdev(dev);

	return sysfs_emit(buf, "%s\n", names[READ_ONCE(tdev->state)]);
}
static DEVICE_ATTR_RO(state);

/**
 * DOC: reset_count
 *
 * Function resets since the driver bound (recoveries, PCI resets, and
 * writes to reset).
 */
static ssize_t reset_count_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct tern_device *tdev = tern_sysfs_tdev(dev);

	return sysfs_emit(buf, "%d\n", atomic_read(&tdev->reset_count));
}
static DEVICE_ATTR_RO(reset_count);

/**
 * DOC: reset
 *
 * Writing 1 resets the function (hw-spec 9.3) and returns once it is
 * usable again, or fails with EIO if it is not. Every context ends in the
 * RESET state and device memory is scrubbed. Needs CAP_SYS_ADMIN.
 */
static ssize_t reset_store(struct device *dev, struct device_attribute *attr,
			   const char *buf, size_t count)
{
	struct tern_device *tdev = tern_sysfs_tdev(dev);
	bool val;
	int ret;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	ret = kstrtobool(buf, &val);
	if (ret)
		return ret;
	if (!val)
		return -EINVAL;

	ret = tern_pm_reset(tdev);
	return ret ? -EIO : count;
}
static DEVICE_ATTR_WO(reset);

/**
 * DOC: mem_total_bytes
 *
 * Bytes of device memory the driver allocates BOs from: the CPU-visible
 * part of the function's memory, or all of it on a function without
 * aperture that is cleared by DMA (an emulated VF).
 */
static ssize_t mem_total_bytes_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	struct tern_device *tdev = tern_sysfs_tdev(dev);

	return sysfs_emit(buf, "%llu\n", tdev->heap.size);
}
static DEVICE_ATTR_RO(mem_total_bytes);

/**
 * DOC: mem_used_bytes
 *
 * Bytes of device memory allocated to BOs.
 */
static ssize_t mem_used_bytes_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct tern_device *tdev = tern_sysfs_tdev(dev);

	return sysfs_emit(buf, "%llu\n", tern_heap_used_bytes(tdev));
}
static DEVICE_ATTR_RO(mem_used_bytes);

/**
 * DOC: vfs
 *
 * PF only: the VFs of this card bound to the driver, one
 * "vfI DOMAIN:BUS:DEV.FN" line each, by VF index (SR-IOV VFs, or under
 * emulation the ivshmem functions tern-emu serves the card's VFs on).
 */
static ssize_t vfs_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	return tern_vfs_show(tern_sysfs_tdev(dev), buf);
}
static DEVICE_ATTR_RO(vfs);

/**
 * DOC: pf
 *
 * VF only: the PCI function of the VF's PF, or an empty line under
 * emulation while the PF is not bound to the driver.
 */
static ssize_t pf_show(struct device *dev, struct device_attribute *attr,
		       char *buf)
{
	return tern_vfs_show_pf(tern_sysfs_tdev(dev), buf);
}
static DEVICE_ATTR_RO(pf);

static struct attribute *tern_sysfs_attrs[] = {
	&dev_attr_hw_version.attr,
	&dev_attr_fw_version.attr,
	&dev_attr_transport.attr,
	&dev_attr_function.attr,
	&dev_attr_state.attr,
	&dev_attr_reset_count.attr,
	&dev_attr_reset.attr,
	&dev_attr_mem_total_bytes.attr,
	&dev_attr_mem_used_bytes.attr,
	&dev_attr_vfs.attr,
	&dev_attr_pf.attr,
	NULL
};

/* Created after probe, so the function's identity is known. */
static umode_t tern_sysfs_visible(struct kobject *kobj, struct attribute *attr,
				  int n)
{
	struct tern_device *tdev = tern_sysfs_tdev(kobj_to_dev(kobj));

	if (attr == &dev_attr_vfs.attr && tern_is_vf(tdev))
		return 0;
	if (attr == &dev_attr_pf.attr && !tern_is_vf(tdev))
		return 0;
	return attr->mode;
}

static const struct attribute_group tern_sysfs_group = {
	.name = DRIVER_NAME,
	.attrs = tern_sysfs_attrs,
	.is_visible = tern_sysfs_visible,
};

const struct attribute_group *tern_sysfs_groups[] = {
	&tern_sysfs_group,
	NULL
};
