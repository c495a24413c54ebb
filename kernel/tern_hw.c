// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (C) 2025 The Tern authors
 *
 * Register-level operations of a Tern function: identification, REQ/ACK
 * handshakes, function reset and interrupt masking (hw-spec 1.4, 3, 9.3).
 */

#include <linux/bitops.h>
#include <linux/iopoll.h>

#include "tern_hw.h"

/**
 * tern_hw_kick() - ring tern-emu's doorbell after trigger writes
 * @tdev: device
 *
 * On real hardware trigger registers act on the MMIO write itself and this
 * does nothing. Under emulation the registers are shared memory; the
 * doorbell makes the emulator evaluate them (hw-spec 11.3). writel()
 * orders the doorbell after the trigger store (hw-spec 11.5).
 */
void tern_hw_kick(struct tern_device *tdev)
{
	if (tdev->emu_doorbell)
		writel(tdev->emu_doorbell_val, tdev->emu_doorbell);
}

/**
 * tern_hw_identify() - read and check the function's identity registers
 * @tdev: device whose register window is mapped
 *
 * Return: 0, or -ENODEV for a function this driver cannot drive.
 */
int tern_hw_identify(struct tern_device *tdev)
{
	struct tern_hw_info *hw = &tdev->hw;

	/* An enabled VF without an applied partition reads 0 (hw-spec 2.4). */
	if (tern_rd32(tdev, TERN_REG_ID) != TERN_ID_MAGIC) {
		tern_err(tdev, "register window does not identify a Tern function\n");
		return -ENODEV;
	}

	hw->hw_version = tern_rd32(tdev, TERN_REG_HW_VERSION);
	if (TERN_HW_VERSION_MAJOR(hw->hw_version) != 1) {
		tern_err(tdev, "unsupported hardware interface %u.%u (driver knows 1.x)\n",
			 TERN_HW_VERSION_MAJOR(hw->hw_version),
			 TERN_HW_VERSION_MINOR(hw->hw_version));
		return -ENODEV;
	}

	hw->fw_version = tern_rd32(tdev, TERN_REG_FW_VERSION);
	hw->func_info = tern_rd32(tdev, TERN_REG_FUNC_INFO);
	hw->caps = tern_rd32(tdev, TERN_REG_CAPS);
	hw->num_cores = tern_rd32(tdev, TERN_REG_NUM_CORES);
	hw->num_queues = tern_rd32(tdev, TERN_REG_NUM_QUEUES);
	hw->num_asids = tern_rd32(tdev, TERN_REG_NUM_ASIDS);
	hw->core_mask = tern_rd32(tdev, TERN_REG_CORE_MASK);
	hw->telem_valid = tern_rd32(tdev, TERN_REG_TELEM_VALID);
	hw->mem_size = tern_rd64(tdev, TERN_REG_MEM_SIZE);

	if (!hw->num_queues || hw->num_queues > TERN_MAX_QUEUES ||
	    !hw->num_asids || hw->num_asids > TERN_MAX_ASIDS ||
	    !hw->num_cores || hw->num_cores > TERN_MAX_CORES ||
	    hweight32(hw->core_mask) != hw->num_cores) {
		tern_err(tdev, "inconsistent limits: %u queues, %u ASIDs, %u cores (mask %#x)\n",
			 hw->num_queues, hw->num_asids, hw->num_cores,
			 hw->core_mask);
		return -ENODEV;
	}

	tern_info(tdev, "%s%s, hw %u.%u, fw %u.%u.%u, %u cores, %u queues, %u ASIDs, %llu MiB\n",
		  tern_is_vf(tdev) ? "VF" : "PF",
		  tern_is_emulated(tdev) ? " (emulated)" : "",
		  TERN_HW_VERSION_MAJOR(hw->hw_version),
		  TERN_HW_VERSION_MINOR(hw->hw_version),
		  TERN_FW_VERSION_MAJOR(hw->fw_version),
		  TERN_FW_VERSION_MINOR(hw->fw_version),
		  TERN_FW_VERSION_PATCH(hw->fw_version),
		  hw->num_cores, hw->num_queues, hw->num_asids,
		  hw->mem_size >> 20);
	return 0;
}

/**
 * tern_hw_req_ack() - one REQ/ACK handshake (hw-spec 1.4)
 * @tdev: device
 * @req_reg: request (trigger) register
 * @ack_reg: acknowledge register
 * @timeout_us: how long to wait for the device's ACK
 *
 * The caller serialises handshakes on the same register pair.
 *
 * Return: 0 once ACK equals the new REQ, -ETIMEDOUT otherwise.
 */
int tern_hw_req_ack(struct tern_device *tdev, u32 req_reg, u32 ack_reg,
		    u64 timeout_us)
{
	u32 req = tern_rd32(tdev, ack_reg) + 1;
	u32 ack;
	int ret;

	tern_wr32_trigger(tdev, req_reg, req);
	ret = read_poll_timeout(tern_rd32, ack, ack == req, 20, timeout_us,
				false, tdev, ack_reg);
	/* Pairs with the device's release before it publishes ACK. */
	rmb();
	return ret;
}

/**
 * tern_hw_function_reset() - reset the function (hw-spec 9.3)
 * @tdev: device
 *
 * Stops every queue, clears queue, MMU and semaphore state and scrubs the
 * function's device memory. Interrupts are unmasked by the reset.
 *
 * Return: 0, or -ETIMEDOUT if the function did not come back ready.
 */
int tern_hw_function_reset(struct tern_device *tdev)
{
	u32 status;
	int ret;

	ret = tern_hw_req_ack(tdev, TERN_REG_DEV_RESET_REQ,
			      TERN_REG_DEV_RESET_ACK,
			      tern_is_emulated(tdev) ? TERN_EMU_RESET_TIMEOUT_US :
						       TERN_RESET_TIMEOUT_US);
	if (ret) {
		tern_err(tdev, "function reset not acknowledged\n");
		return ret;
	}

	status = tern_rd32(tdev, TERN_REG_DEV_STATUS);
	if (!(status & TERN_DEV_STATUS_READY) ||
	    (status & (TERN_DEV_STATUS_RESETTING | TERN_DEV_STATUS_FATAL))) {
		tern_err(tdev, "function not ready after reset (status %#x, fatal code %u)\n",
			 status, tern_rd32(tdev, TERN_REG_FATAL_CODE));
		return -EIO;
	}

	tern_dbg(tdev, PM, "function reset done, status %#x\n", status);
	return 0;
}

/**
 * tern_hw_irq_unmask() - deliver all vectors (hw-spec 4.3)
 * @tdev: device
 */
void tern_hw_irq_unmask(struct tern_device *tdev)
{
	tern_wr32_trigger(tdev, TERN_REG_IRQ_MASK, 0);
}

/**
 * tern_hw_irq_mask() - hold all vectors pending
 * @tdev: device
 */
void tern_hw_irq_mask(struct tern_device *tdev)
{
	tern_wr32_trigger(tdev, TERN_REG_IRQ_MASK, GENMASK(TERN_MSIX_COUNT - 1, 0));
}

/**
 * tern_hw_init() - bring the function to a known state (hw-spec 5.11)
 * @tdev: identified device with its vectors requested
 *
 * Return: 0 or a negative errno.
 */
int tern_hw_init(struct tern_device *tdev)
{
	int ret;

	tdev->last_event_seq = tern_rd32(tdev, TERN_REG_EVENT_SEQ);
	ret = tern_hw_function_reset(tdev);
	if (ret)
		return ret;

	tdev->last_dev_status = tern_rd32(tdev, TERN_REG_DEV_STATUS);
	tern_hw_irq_unmask(tdev);
	return 0;
}
