// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (C) 2025 The Tern authors
 *
 * The PF's view of its VFs' devices (hw-spec 10, 11.8). With SR-IOV a VF
 * is a PCI function whose physfn is the PF. Under emulation there is no
 * SR-IOV: each VF is another ivshmem function served by the PF's tern-emu,
 * which puts the same TERN_REG_EMU_CARD_ID into every port of one card.
 *
 * Every bound function is on one list, so that the PF can find the
 * devices of its VFs: to refuse a partition change while one of them is
 * open, naming who holds it; to unbind them before their VF goes away;
 * and to recover them after a PF reset re-created them.
 */

#include <linux/device.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/sysfs.h>

#include <drm/drm_file.h>

#include "tern_drv.h"
#include "tern_pm.h"
#include "tern_vfs.h"

/* Protects tern_vfs_list. Taken after a PF's reset_sem and part.lock. */
static DEFINE_MUTEX(tern_vfs_lock);
static LIST_HEAD(tern_vfs_list);

/**
 * tern_vfs_register() - make a bound function known to its PF
 * @tdev: identified device
 */
void tern_vfs_register(struct tern_device *tdev)
{
	mutex_lock(&tern_vfs_lock);
	list_add_tail(&tdev->vfs_link, &tern_vfs_list);
	mutex_unlock(&tern_vfs_lock);
}

/**
 * tern_vfs_unregister() - undo tern_vfs_register(), first thing at remove
 * @tdev: device
 */
void tern_vfs_unregister(struct tern_device *tdev)
{
	mutex_lock(&tern_vfs_lock);
	list_del_init(&tdev->vfs_link);
	mutex_unlock(&tern_vfs_lock);
}

static bool tern_vfs_is_vf_of(struct tern_device *pf, struct tern_device *vf)
{
	if (!tern_is_vf(vf) || tern_is_vf(pf))
		return false;
	if (vf->pdev->is_virtfn)
		return pci_physfn(vf->pdev) == pf->pdev;
	return tern_is_emulated(vf) && tern_is_emulated(pf) &&
	       pf->emu_card_id && vf->emu_card_id == pf->emu_card_id;
}

static bool tern_vfs_match(struct tern_device *pf, struct tern_device *vf,
			   unsigned long mask)
{
	return tern_vfs_is_vf_of(pf, vf) &&
	       tern_vf_index(vf) < BITS_PER_LONG &&
	       (mask & BIT(tern_vf_index(vf)));
}

/* Log every open file of @vf; return how many there are. */
static unsigned int tern_vfs_log_holders(struct tern_device *pf,
					 struct tern_device *vf,
					 const char *refused)
{
	struct task_struct *task;
	char comm[TASK_COMM_LEN];
	struct drm_file *file;
	unsigned int n = 0;
	struct pid *pid;

	mutex_lock(&vf->drm.filelist_mutex);
	list_for_each_entry(file, &vf->drm.filelist, lhead) {
		pid = tern_file_get_pid(file);
		task = pid ? get_pid_task(pid, PIDTYPE_PID) : NULL;
		if (task) {
			get_task_comm(comm, task);
			put_task_struct(task);
		} else {
			strscpy(comm, "?", sizeof(comm));
		}
		tern_err(pf, "%s: VF %u (%s) is open by pid %d (%s)\n",
			 refused, tern_vf_index(vf), pci_name(vf->pdev),
			 pid ? pid_nr(pid) : 0, comm);
		put_pid(pid);
		n++;
	}
	mutex_unlock(&vf->drm.filelist_mutex);
	return n;
}

/**
 * tern_vfs_check_unused() - refuse while a VF's device is open
 * @pf: the PF
 * @mask: VF indices (bit i = VF i) about to be removed or changed
 * @refused: what is refused, for the log ("partition table not changed")
 *
 * Every open file of a matching VF device is logged with the pid and
 * command of the process that opened it. Userspace finds the holders of
 * the VFs listed in the PF's sysfs "vfs" by their DRM fdinfo. A file
 * opened after this check is not seen; the VF then goes away under it
 * (its ioctls fail with ENODEV), as on surprise removal.
 *
 * Return: 0, or -EBUSY if any file is open.
 */
int tern_vfs_check_unused(struct tern_device *pf, unsigned long mask,
			  const char *refused)
{
	struct tern_device *vf;
	unsigned int open = 0;

	mutex_lock(&tern_vfs_lock);
	list_for_each_entry(vf, &tern_vfs_list, vfs_link)
		if (tern_vfs_match(pf, vf, mask))
			open += tern_vfs_log_holders(pf, vf, refused);
	mutex_unlock(&tern_vfs_lock);
	return open ? -EBUSY : 0;
}

/**
 * tern_vfs_any_bound() - whether a VF device of @mask is bound
 * @pf: the PF
 * @mask: VF indices (bit i = VF i)
 *
 * Return: true if the driver is bound to one of them.
 */
bool tern_vfs_any_bound(struct tern_device *pf, unsigned long mask)
{
	struct tern_device *vf;
	bool found = false;

	mutex_lock(&tern_vfs_lock);
	list_for_each_entry(vf, &tern_vfs_list, vfs_link)
		found |= tern_vfs_match(pf, vf, mask);
	mutex_unlock(&tern_vfs_lock);
	return found;
}

/**
 * tern_vfs_unbind() - unbind the driver from VF devices that go away
 * @pf: the PF; the caller holds no lock and is not inside
 *	drm_dev_enter(): the VF's drm_dev_unplug() waits for every such
 *	section of every DRM device, which may wait for the caller
 * @mask: VF indices (bit i = VF i)
 *
 * Under emulation a VF's ivshmem function outlives its VF, so the PF
 * unbinds it before a partition change removes or re-creates the VF, as
 * disabling SR-IOV does on hardware. The admin binds again afterwards.
 */
void tern_vfs_unbind(struct tern_device *pf, unsigned long mask)
{
	struct device *dev;
	struct tern_device *vf;
	unsigned int guard;

	/* Each pass unbinds one: remove() takes the device off the list. */
	for (guard = 0; guard < 4 * TERN_MAX_VFS; guard++) {
		dev = NULL;
		mutex_lock(&tern_vfs_lock);
		list_for_each_entry(vf, &tern_vfs_list, vfs_link) {
			if (tern_vfs_match(pf, vf, mask)) {
				dev = get_device(&vf->pdev->dev);
				tern_info(pf, "unbinding VF %u (%s): its partition goes away\n",
					  tern_vf_index(vf), pci_name(vf->pdev));
				break;
			}
		}
		mutex_unlock(&tern_vfs_lock);
		if (!dev)
			return;
		device_release_driver(dev);
		put_device(dev);
	}
	tern_err(pf, "VF devices did not unbind\n");
}

/**
 * tern_vfs_recover() - reset the VF devices a PF reset re-created
 * @pf: the PF after its function reset and partition re-apply
 *
 * A PF reset removes every VF (hw-spec 9.3); re-applying the table brings
 * them back in power-on state, under drivers that still have queues and
 * page tables programmed. Each VF device recovers with its own function
 * reset, which ends its contexts in the RESET state.
 */
void tern_vfs_recover(struct tern_device *pf)
{
	struct tern_device *vf;

	mutex_lock(&tern_vfs_lock);
	list_for_each_entry(vf, &tern_vfs_list, vfs_link)
		if (tern_vfs_is_vf_of(pf, vf))
			tern_pm_schedule_recovery(vf, "the PF was reset");
	mutex_unlock(&tern_vfs_lock);
}

/**
 * tern_vfs_show() - sysfs "vfs" of a PF: its VFs bound to this driver
 * @pf: the PF
 * @buf: sysfs page
 *
 * Return: bytes written: one "vfI DOMAIN:BUS:DEV.FN" line per VF device,
 * by VF index.
 */
ssize_t tern_vfs_show(struct tern_device *pf, char *buf)
{
	struct tern_device *vf;
	ssize_t len = 0;
	u32 i;

	mutex_lock(&tern_vfs_lock);
	for (i = 0; i < TERN_MAX_VFS; i++)
		list_for_each_entry(vf, &tern_vfs_list, vfs_link)
			if (tern_vfs_match(pf, vf, BIT(i)))
				len += sysfs_emit_at(buf, len, "vf%u %s\n", i,
						     pci_name(vf->pdev));
	mutex_unlock(&tern_vfs_lock);
	return len;
}

/**
 * tern_vfs_show_pf() - sysfs "pf" of a VF: the PCI function of its PF
 * @vf: the VF
 * @buf: sysfs page
 *
 * Return: bytes written; an empty line under emulation while the PF is
 * not bound to this driver (nothing else knows the card).
 */
ssize_t tern_vfs_show_pf(struct tern_device *vf, char *buf)
{
	struct tern_device *pf;
	ssize_t len = 0;

	if (vf->pdev->is_virtfn)
		return sysfs_emit(buf, "%s\n", pci_name(pci_physfn(vf->pdev)));

	mutex_lock(&tern_vfs_lock);
	list_for_each_entry(pf, &tern_vfs_list, vfs_link) {
		if (tern_vfs_is_vf_of(pf, vf)) {
			len = sysfs_emit(buf, "%s\n", pci_name(pf->pdev));
			break;
		}
	}
	mutex_unlock(&tern_vfs_lock);
	return len ? len : sysfs_emit(buf, "\n");
}
