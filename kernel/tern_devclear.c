// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (C) 2025 The Tern authors
 *
 * Clearing device memory by DMA, for functions whose memory the CPU cannot
 * reach: an emulated VF has no device-memory aperture (hw-spec 11.8), yet
 * a new BO must never show what an earlier one held.
 *
 * The driver keeps one hardware queue and one ASID of such a function. Its
 * address space maps a zeroed host page and the function's whole memory;
 * a clear copies the zero page to the first 4 KiB of the range, then
 * doubles the cleared part with device-to-device copies that never
 * overlap (log2(size / 4 KiB) descriptors). The queue is enabled only for
 * the duration of a clear and reset afterwards, so that between clears it
 * holds no state a function reset would have to restore, and does not
 * keep the PF from changing the VF (hw-spec 10.2, TERN_PART_ERR_BUSY).
 */

#include <linux/dma-mapping.h>
#include <linux/iopoll.h>

#include <drm/drm_drv.h>

#include <tern/hw/tern_desc.h>
#include <tern/hw/tern_mmu.h>

#include "tern_devclear.h"
#include "tern_hw.h"
#include "tern_pm.h"
#include "tern_vm.h"

/* 64 descriptors: one page, more than the 1 + 28 of a 2^40-byte clear. */
#define TERN_DEVCLEAR_RING_ORDER	6
#define TERN_DEVCLEAR_RING_BYTES	(TERN_DESC_SIZE << TERN_DEVCLEAR_RING_ORDER)

static_assert(TERN_DEVCLEAR_RING_BYTES == TERN_PAGE_SIZE);

/**
 * tern_devclear_reserve() - keep a queue for clearing if the CPU cannot
 * @tdev: device with its MSI-X vectors allocated, before tern_irq_init()
 *
 * A function without aperture and with fewer than two queues or ASIDs
 * cannot spare one for the driver: its device memory stays unused.
 */
void tern_devclear_reserve(struct tern_device *tdev)
{
	struct tern_devclear *clr = &tdev->devclear;

	if (tdev->aperture_size)
		return;
	if (tdev->usable_queues < 2 || tdev->hw.num_asids < 2) {
		tern_warn(tdev, "no CPU aperture, and %u queue(s) and %u ASID(s) leave none to clear device memory by DMA: no device BOs\n",
			  tdev->usable_queues, tdev->hw.num_asids);
		return;
	}
	/* The last queue: its interrupt is never requested. */
	tdev->usable_queues--;
	clr->queue = tdev->usable_queues;
	clr->reserved = true;
}

/**
 * tern_devclear_init() - set up the clearing address space and ring
 * @tdev: device reset and ready (tern_hw_init() done)
 *
 * Return: 0 or a negative errno.
 */
int tern_devclear_init(struct tern_device *tdev)
{
	struct tern_devclear *clr = &tdev->devclear;
	struct tern_vm *vm;
	int ret;

	if (!clr->reserved)
		return 0;

	clr->ring = dma_alloc_coherent(tdev->drm.dev, TERN_DEVCLEAR_RING_BYTES,
				       &clr->ring_dma, GFP_KERNEL);
	clr->zero = dma_alloc_coherent(tdev->drm.dev, TERN_PAGE_SIZE,
				       &clr->zero_dma, GFP_KERNEL);
	if (!clr->ring || !clr->zero)
		return -ENOMEM;

	vm = tern_vm_create(tdev);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	clr->vm = vm;

	ret = tern_vm_map_bus(vm, &clr->zero_va, clr->zero_dma, TERN_PAGE_SIZE,
			      false);
	if (!ret)
		ret = tern_vm_map_devmem(vm, &clr->mem_va, 0, tdev->hw.mem_size,
					 true);
	if (ret)
		return ret;

	tern_info(tdev, "no CPU aperture: device memory is cleared by DMA on queue %u, ASID %u\n",
		  clr->queue, vm->asid);
	return 0;
}

/**
 * tern_devclear_fini() - undo tern_devclear_init()
 * @tdev: device unplugged (or failing probe), the clearing queue idle
 */
void tern_devclear_fini(struct tern_device *tdev)
{
	struct tern_devclear *clr = &tdev->devclear;

	if (clr->vm) {
		if (drm_mm_node_allocated(&clr->mem_va))
			tern_vm_unmap(clr->vm, &clr->mem_va);
		if (drm_mm_node_allocated(&clr->zero_va))
			tern_vm_unmap(clr->vm, &clr->zero_va);
		tern_vm_put(clr->vm);
		clr->vm = NULL;
	}
	if (clr->zero)
		dma_free_coherent(tdev->drm.dev, TERN_PAGE_SIZE, clr->zero,
				  clr->zero_dma);
	if (clr->ring)
		dma_free_coherent(tdev->drm.dev, TERN_DEVCLEAR_RING_BYTES,
				  clr->ring, clr->ring_dma);
	clr->zero = NULL;
	clr->ring = NULL;
}

/**
 * tern_devclear_available() - whether tern_devclear() can be used
 * @tdev: device
 *
 * Return: true once the clearing address space is set up.
 */
bool tern_devclear_available(struct tern_device *tdev)
{
	return tdev->devclear.vm;
}

static void tern_devclear_desc(union tern_desc *d, u64 seqno, u64 src,
			       u64 dst, u64 size)
{
	memset(d, 0, sizeof(*d));
	d->dma.hdr.opcode = TERN_OP_DMA_COPY;
	d->dma.hdr.seqno = seqno;
	d->dma.src_va = src;
	d->dma.dst_va = dst;
	d->dma.size = size;
}

/* Write the descriptors clearing [offset, offset + size); return how many. */
static u32 tern_devclear_fill(struct tern_devclear *clr, u64 offset, u64 size)
{
	u64 dst = clr->mem_va.start + offset;
	u64 done, len;
	u32 n = 0;

	len = min_t(u64, size, TERN_PAGE_SIZE);
	tern_devclear_desc(&clr->ring[n], n + 1, clr->zero_va.start, dst, len);
	n++;
	for (done = len; done < size; done += len) {
		/* Source and destination never overlap: len <= done. */
		len = min(done, size - done);
		tern_devclear_desc(&clr->ring[n], n + 1, dst, dst + done, len);
		n++;
	}
	return n;
}

/* 1: the last descriptor completed; -EIO: the queue halted; 0: running. */
static int tern_devclear_poll(struct tern_device *tdev, u32 n)
{
	u32 q = tdev->devclear.queue;

	if (tern_rd32(tdev, TERN_QREG(q, TERN_Q_STATUS)) & TERN_Q_STATUS_HALTED)
		return -EIO;
	return tern_rd64(tdev, TERN_QREG(q, TERN_Q_COMPLETED_SEQ)) >= n;
}

/* Run @n descriptors from an idle queue; reset_sem held for reading. */
static int tern_devclear_run(struct tern_device *tdev, u32 n)
{
	struct tern_devclear *clr = &tdev->devclear;
	u64 timeout = tern_is_emulated(tdev) ? TERN_EMU_RESET_TIMEOUT_US :
					       TERN_RESET_TIMEOUT_US;
	u32 q = clr->queue, status;
	int ret, done;

	tern_wr64(tdev, TERN_QREG(q, TERN_Q_RING_BASE), clr->ring_dma);
	tern_wr32(tdev, TERN_QREG(q, TERN_Q_RING_ORDER),
		  TERN_DEVCLEAR_RING_ORDER);
	tern_wr32(tdev, TERN_QREG(q, TERN_Q_ASID), clr->vm->asid);
	tern_wr64(tdev, TERN_QREG(q, TERN_Q_WB_ADDR), 0);
	tern_wr32_trigger(tdev, TERN_QREG(q, TERN_Q_CTRL), TERN_Q_CTRL_ENABLE);
	/* Descriptors before TAIL; TAIL after ENABLE (hw-spec 5.1, 5.8). */
	dma_wmb();
	tern_wr32_trigger(tdev, TERN_QREG(q, TERN_Q_TAIL), n);

	ret = read_poll_timeout(tern_devclear_poll, done, done, 20, timeout,
				false, tdev, n);
	if (ret) {
		tern_err(tdev, "clearing device memory timed out\n");
	} else if (done < 0) {
		status = tern_rd32(tdev, TERN_QREG(q, TERN_Q_STATUS));
		tern_err(tdev, "clearing device memory failed: queue error %u at index %u, fault va %#llx info %#x\n",
			 (status & TERN_Q_STATUS_ERR) >> TERN_Q_STATUS_ERR_SHIFT,
			 tern_rd32(tdev, TERN_QREG(q, TERN_Q_ERR_INDEX)),
			 tern_rd64(tdev, TERN_QREG(q, TERN_Q_FAULT_VA)),
			 tern_rd32(tdev, TERN_QREG(q, TERN_Q_FAULT_INFO)));
		ret = -EIO;
	}

	/* Back to the reset state: disabled, TAIL = HEAD = 0 (hw-spec 5.9). */
	if (tern_hw_req_ack(tdev, TERN_QREG(q, TERN_Q_RESET_REQ),
			    TERN_QREG(q, TERN_Q_RESET_ACK), TERN_ACK_TIMEOUT_US)) {
		tern_err(tdev, "clearing queue %u did not reset\n", q);
		tern_pm_schedule_recovery(tdev, "clearing queue reset timeout");
		ret = -EIO;
	}
	return ret ? -EIO : 0;
}

/**
 * tern_devclear() - zero a range of the function's device memory
 * @tdev: device with tern_devclear_available()
 * @offset: first byte, device-page aligned
 * @size: bytes, a multiple of the device page
 *
 * Sleeps until the device has cleared the range. Must not be called with
 * reset_sem held.
 *
 * Return: 0; -ENODEV after unplug; -EIO if the function is being reset,
 * is wedged, or the clear failed (a function reset is then scheduled when
 * the queue does not stop).
 */
int tern_devclear(struct tern_device *tdev, u64 offset, u64 size)
{
	struct tern_devclear *clr = &tdev->devclear;
	int idx, ret;
	u32 n;

	if (!size)
		return 0;
	if (WARN_ON(!clr->vm ||
		    !IS_ALIGNED(offset | size, TERN_PAGE_SIZE) ||
		    offset > tdev->hw.mem_size ||
		    size > tdev->hw.mem_size - offset))
		return -EINVAL;

	if (!drm_dev_enter(&tdev->drm, &idx))
		return -ENODEV;
	mutex_lock(&clr->lock);
	n = tern_devclear_fill(clr, offset, size);
	down_read(&tdev->reset_sem);
	ret = tern_pm_usable(tdev) ? tern_devclear_run(tdev, n) : -EIO;
	up_read(&tdev->reset_sem);
	mutex_unlock(&clr->lock);
	drm_dev_exit(idx);

	tern_dbg(tdev, GEM, "cleared %llu bytes at %#llx with %u descriptors: %d\n",
		 size, offset, n, ret);
	return ret;
}
