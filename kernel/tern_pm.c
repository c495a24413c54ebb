// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (C) 2025 The Tern authors
 *
 * Recovery policy: the heartbeat watchdog, function reset on fatal errors
 * and hangs, and the PCI reset and error callbacks (hw-spec 9).
 *
 * A reset runs with reset_sem held for writing. It fails every pending job
 * (their contexts end in DRM_TERN_CTX_STATE_RESET), resets the function,
 * and restores what outlives a reset: address spaces (their page tables
 * are in host memory) and the PF's partition table. Device memory is
 * scrubbed by the reset.
 */

#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>

#include <drm/drm_drv.h>

#include "tern_drv.h"
#include "tern_hw.h"
#include "tern_mmu.h"
#include "tern_partition.h"
#include "tern_pm.h"
#include "tern_queue.h"
#include "tern_trace.h"

static unsigned int tern_heartbeat_timeout_ms = 2000;
module_param_named(heartbeat_timeout_ms, tern_heartbeat_timeout_ms, uint, 0644);
MODULE_PARM_DESC(heartbeat_timeout_ms,
		 "Reset the function when its heartbeat stalls this long (ms, >= 500; 0 = never)");

#define TERN_HEARTBEAT_MIN_MS	500

/**
 * tern_pm_usable() - whether the function may be programmed now
 * @tdev: device; the caller holds reset_sem
 *
 * Return: false while a reset is in progress or after one failed.
 */
bool tern_pm_usable(struct tern_device *tdev)
{
	return READ_ONCE(tdev->state) == TERN_STATE_READY;
}

/*
 * Stop the world, with reset_sem held for writing: no job runs after this
 * and every context ends in DRM_TERN_CTX_STATE_RESET.
 */
static void tern_pm_prepare(struct tern_device *tdev)
{
	WRITE_ONCE(tdev->state, TERN_STATE_RESETTING);
	tern_queue_halt_all(tdev);
}

/* Restore after the function was reset; reset_sem held for writing. */
static int tern_pm_restore(struct tern_device *tdev)
{
	int ret;

	/* The reset stopped every queue: end their jobs, free stuck rings. */
	tern_queue_drain_all(tdev, true);
	tern_queue_free_quarantine(tdev);

	tdev->last_event_seq = tern_rd32(tdev, TERN_REG_EVENT_SEQ);
	tdev->last_dev_status = tern_rd32(tdev, TERN_REG_DEV_STATUS);
	tern_hw_irq_unmask(tdev);

	ret = tern_mmu_restore(tdev);
	if (!ret)
		ret = tern_partition_reapply(tdev);

	tdev->last_heartbeat = tern_rd32(tdev, TERN_REG_HEARTBEAT);
	tdev->heartbeat_jiffies = jiffies;
	WRITE_ONCE(tdev->state, ret ? TERN_STATE_WEDGED : TERN_STATE_READY);
	return ret;
}

/* Reset the function and restore it; reset_sem held for writing. */
static int tern_pm_reset_locked(struct tern_device *tdev)
{
	int ret;

	ret = tern_hw_function_reset(tdev);
	if (ret) {
		/* Whatever the device still does, nobody waits for it any more. */
		tern_queue_drain_all(tdev, false);
		WRITE_ONCE(tdev->state, TERN_STATE_WEDGED);
	} else {
		ret = tern_pm_restore(tdev);
	}
	trace_tern_reset(pci_name(tdev->pdev), ret);
	return ret;
}

/**
 * tern_pm_reset() - reset the function and recover
 * @tdev: device
 *
 * Return: 0, or a negative errno if the function could not be brought
 * back (the device is then wedged until it is rebound).
 */
int tern_pm_reset(struct tern_device *tdev)
{
	int idx, ret;

	if (!drm_dev_enter(&tdev->drm, &idx))
		return -ENODEV;

	down_write(&tdev->reset_sem);
	tern_pm_prepare(tdev);
	atomic_inc(&tdev->reset_count);

	ret = tern_pm_reset_locked(tdev);
	up_write(&tdev->reset_sem);

	if (ret)
		tern_err(tdev, "recovery failed (%d): device wedged, rebind the driver\n",
			 ret);
	else
		tern_info(tdev, "function reset and recovered\n");
	drm_dev_exit(idx);
	return ret;
}

static void tern_pm_recovery_work(struct work_struct *work)
{
	struct tern_device *tdev = container_of(work, struct tern_device,
						recovery_work);

	tern_pm_reset(tdev);
}

/**
 * tern_pm_schedule_recovery() - reset the function from process context
 * @tdev: device
 * @reason: logged
 *
 * Ignored while a reset is already in progress or the device is wedged.
 */
void tern_pm_schedule_recovery(struct tern_device *tdev, const char *reason)
{
	if (READ_ONCE(tdev->state) != TERN_STATE_READY)
		return;
	tern_err(tdev, "%s: resetting the function\n", reason);
	queue_work(tdev->reset_wq, &tdev->recovery_work);
}

static unsigned long tern_pm_watchdog_period(void)
{
	return msecs_to_jiffies(max(tern_heartbeat_timeout_ms,
				    TERN_HEARTBEAT_MIN_MS) / 4);
}

/*
 * The heartbeat advances every 10 ms tick while the device firmware runs
 * (hw-spec 9.2). The watchdog also catches a FATAL state whose vector-0
 * event was lost.
 */
static void tern_pm_watchdog(struct work_struct *work)
{
	struct tern_device *tdev = container_of(to_delayed_work(work),
						struct tern_device,
						watchdog_work);
	unsigned int timeout_ms = tern_heartbeat_timeout_ms;
	u32 hb, status;
	int idx;

	if (!drm_dev_enter(&tdev->drm, &idx))
		return;
	if (READ_ONCE(tdev->state) == TERN_STATE_WEDGED)
		goto out;

	if (READ_ONCE(tdev->state) == TERN_STATE_READY) {
		hb = tern_rd32(tdev, TERN_REG_HEARTBEAT);
		status = tern_rd32(tdev, TERN_REG_DEV_STATUS);
		if (hb != tdev->last_heartbeat) {
			tdev->last_heartbeat = hb;
			tdev->heartbeat_jiffies = jiffies;
		} else if (timeout_ms &&
			   time_after(jiffies, tdev->heartbeat_jiffies +
				      msecs_to_jiffies(max(timeout_ms,
							   TERN_HEARTBEAT_MIN_MS)))) {
			tern_pm_schedule_recovery(tdev, "heartbeat stopped");
		}
		if (status & TERN_DEV_STATUS_FATAL)
			tern_pm_schedule_recovery(tdev, "fatal device error");
	}
	queue_delayed_work(system_wq, &tdev->watchdog_work,
			   tern_pm_watchdog_period());
out:
	drm_dev_exit(idx);
}

/**
 * tern_pm_init() - initialise recovery state
 * @tdev: device
 */
void tern_pm_init(struct tern_device *tdev)
{
	INIT_WORK(&tdev->recovery_work, tern_pm_recovery_work);
	INIT_DELAYED_WORK(&tdev->watchdog_work, tern_pm_watchdog);
	atomic_set(&tdev->reset_count, 0);
}

/**
 * tern_pm_start_watchdog() - start the heartbeat watchdog
 * @tdev: initialised device
 */
void tern_pm_start_watchdog(struct tern_device *tdev)
{
	tdev->last_heartbeat = tern_rd32(tdev, TERN_REG_HEARTBEAT);
	tdev->heartbeat_jiffies = jiffies;
	queue_delayed_work(system_wq, &tdev->watchdog_work,
			   tern_pm_watchdog_period());
}

/**
 * tern_pm_unplug() - quiesce the function when the driver unbinds
 * @tdev: device after drm_dev_unplug()
 *
 * Every job ends (DRM_TERN_CTX_STATE_RESET); files that stay open keep
 * their objects but cannot reach the device any more.
 */
void tern_pm_unplug(struct tern_device *tdev)
{
	down_write(&tdev->reset_sem);
	tern_pm_prepare(tdev);
	tern_hw_irq_mask(tdev);
	tern_queue_drain_all(tdev, !tern_hw_function_reset(tdev));
	WRITE_ONCE(tdev->state, TERN_STATE_WEDGED);
	up_write(&tdev->reset_sem);
}

/**
 * tern_pm_fini() - stop the watchdog and pending recovery
 * @tdev: unplugged device
 */
void tern_pm_fini(struct tern_device *tdev)
{
	cancel_delayed_work_sync(&tdev->watchdog_work);
	cancel_work_sync(&tdev->recovery_work);
}

/*
 * PCI function reset (FLR through sysfs "reset", or a VF's FLR by the PF
 * owner): the PCI core resets the function between these two calls.
 */
static void tern_pm_reset_prepare(struct pci_dev *pdev)
{
	struct tern_device *tdev = pci_get_drvdata(pdev);

	cancel_delayed_work_sync(&tdev->watchdog_work);
	flush_workqueue(tdev->reset_wq);
	down_write(&tdev->reset_sem);
	tern_pm_prepare(tdev);
	atomic_inc(&tdev->reset_count);
	/* Quiesce the queues before the PCI reset, then end their jobs. */
	tern_queue_drain_all(tdev, !tern_hw_function_reset(tdev));
	up_write(&tdev->reset_sem);
}

static void tern_pm_reset_done(struct pci_dev *pdev)
{
	struct tern_device *tdev = pci_get_drvdata(pdev);
	int ret;

	down_write(&tdev->reset_sem);
	/* FLR leaves the function reset without an ACK (hw-spec 9.3). */
	ret = tern_pm_reset_locked(tdev);
	up_write(&tdev->reset_sem);
	if (ret)
		tern_err(tdev, "function not usable after PCI reset: %d\n", ret);
	tern_pm_start_watchdog(tdev);
}

static pci_ers_result_t tern_pm_error_detected(struct pci_dev *pdev,
					       pci_channel_state_t state)
{
	struct tern_device *tdev = pci_get_drvdata(pdev);

	tern_err(tdev, "PCI channel error (state %d)\n", state);
	cancel_delayed_work_sync(&tdev->watchdog_work);
	flush_workqueue(tdev->reset_wq);

	down_write(&tdev->reset_sem);
	tern_pm_prepare(tdev);
	/* The device is unreachable: fail the jobs now, keep their rings. */
	tern_queue_drain_all(tdev, false);
	if (state == pci_channel_io_perm_failure)
		WRITE_ONCE(tdev->state, TERN_STATE_WEDGED);
	up_write(&tdev->reset_sem);

	return state == pci_channel_io_perm_failure ?
	       PCI_ERS_RESULT_DISCONNECT : PCI_ERS_RESULT_NEED_RESET;
}

static pci_ers_result_t tern_pm_slot_reset(struct pci_dev *pdev)
{
	struct tern_device *tdev = pci_get_drvdata(pdev);
	int ret;

	pci_restore_state(pdev);
	pci_set_master(pdev);

	down_write(&tdev->reset_sem);
	atomic_inc(&tdev->reset_count);
	ret = tern_pm_reset_locked(tdev);
	up_write(&tdev->reset_sem);

	return ret ? PCI_ERS_RESULT_DISCONNECT : PCI_ERS_RESULT_RECOVERED;
}

static void tern_pm_resume(struct pci_dev *pdev)
{
	struct tern_device *tdev = pci_get_drvdata(pdev);

	tern_info(tdev, "recovered from PCI error\n");
	tern_pm_start_watchdog(tdev);
}

const struct pci_error_handlers tern_pci_err_handlers = {
	.error_detected = tern_pm_error_detected,
	.slot_reset = tern_pm_slot_reset,
	.resume = tern_pm_resume,
	.reset_prepare = tern_pm_reset_prepare,
	.reset_done = tern_pm_reset_done,
};
