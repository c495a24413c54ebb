// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (C) 2025 The Tern authors
 *
 * Hardware queues (hw-spec 5): descriptor rings in DMA-coherent memory,
 * enable and reset, completion and halt handling from the queue's MSI-X
 * vector. A queue belongs to one context for the context's whole life.
 */

#include <linux/dma-mapping.h>
#include <linux/dmapool.h>
#include <linux/iopoll.h>
#include <linux/slab.h>

#include <drm/drm_drv.h>

#include <tern/hw/tern_isa.h>

#include "tern_ctx.h"
#include "tern_hw.h"
#include "tern_job.h"
#include "tern_pm.h"
#include "tern_queue.h"
#include "tern_trace.h"

#define TERN_RING_BYTES		(TERN_RING_ENTRIES * TERN_DESC_SIZE)
#define TERN_WB_BYTES		64

/**
 * struct tern_quarantine - DMA memory a stuck queue may still access
 * @link: entry in &tern_device.quarantine
 * @ring: ring of the queue
 * @ring_dma: its bus address
 * @wb: write-back slot
 * @wb_dma: its bus address
 *
 * Freed only after a function reset succeeded, or when the device is
 * released (bus mastering is off by then).
 */
struct tern_quarantine {
	struct list_head link;
	union tern_desc *ring;
	dma_addr_t ring_dma;
	u64 *wb;
	dma_addr_t wb_dma;
};

/**
 * tern_queue_init_all() - initialise the queue array
 * @tdev: device
 */
void tern_queue_init_all(struct tern_device *tdev)
{
	unsigned int i;

	for (i = 0; i < TERN_MAX_QUEUES; i++) {
		struct tern_queue *q = &tdev->queues[i];

		q->tdev = tdev;
		q->index = i;
		spin_lock_init(&q->lock);
		INIT_LIST_HEAD(&q->pending);
		snprintf(q->irq_name, sizeof(q->irq_name), "%s-q%u",
			 DRIVER_NAME, i);
	}
}

static void tern_queue_free_mem(struct tern_device *tdev, union tern_desc *ring,
				dma_addr_t ring_dma, u64 *wb, dma_addr_t wb_dma)
{
	if (ring)
		dma_free_coherent(tdev->drm.dev, TERN_RING_BYTES, ring,
				  ring_dma);
	if (wb)
		dma_pool_free(tdev->wb_pool, wb, wb_dma);
}

/**
 * tern_queue_free_quarantine() - free the memory of queues once stuck
 * @tdev: device that was reset (or is being released)
 *
 * The queues themselves can be used again.
 */
void tern_queue_free_quarantine(struct tern_device *tdev)
{
	struct tern_quarantine *qq, *tmp;
	LIST_HEAD(list);
	unsigned int i;

	mutex_lock(&tdev->queue_lock);
	list_splice_init(&tdev->quarantine, &list);
	for (i = 0; i < TERN_MAX_QUEUES; i++)
		tdev->queues[i].stuck = false;
	mutex_unlock(&tdev->queue_lock);

	list_for_each_entry_safe(qq, tmp, &list, link) {
		tern_queue_free_mem(tdev, qq->ring, qq->ring_dma, qq->wb,
				    qq->wb_dma);
		kfree(qq);
	}
}

static int tern_queue_enable(struct tern_queue *q, u32 asid, u32 priority)
{
	struct tern_device *tdev = q->tdev;
	u32 i = q->index, status;
	int idx, ret;

	if (!drm_dev_enter(&tdev->drm, &idx))
		return -ENODEV;

	/* Configuration is latched at the enable edge (hw-spec 5.8). */
	tern_wr64(tdev, TERN_QREG(i, TERN_Q_RING_BASE), q->ring_dma);
	tern_wr32(tdev, TERN_QREG(i, TERN_Q_RING_ORDER), TERN_RING_ORDER);
	tern_wr32(tdev, TERN_QREG(i, TERN_Q_ASID), asid);
	tern_wr64(tdev, TERN_QREG(i, TERN_Q_WB_ADDR), q->wb_dma);
	tern_wr32_trigger(tdev, TERN_QREG(i, TERN_Q_TAIL), 0);
	tern_wr32_trigger(tdev, TERN_QREG(i, TERN_Q_CTRL),
			  TERN_Q_CTRL_ENABLE |
			  (priority << TERN_Q_CTRL_PRIO_SHIFT));

	ret = read_poll_timeout(tern_rd32, status,
				status & (TERN_Q_STATUS_ENABLED |
					  TERN_Q_STATUS_HALTED),
				20, TERN_ACK_TIMEOUT_US, false, tdev,
				TERN_QREG(i, TERN_Q_STATUS));
	if (!ret && (status & TERN_Q_STATUS_HALTED)) {
		tern_err(tdev, "queue %u failed to enable: error %u\n", i,
			 (status & TERN_Q_STATUS_ERR) >> TERN_Q_STATUS_ERR_SHIFT);
		ret = -EIO;
	} else if (ret) {
		tern_err(tdev, "queue %u did not enable\n", i);
	} else {
		/* The ring starts empty at HEAD = TAIL. */
		spin_lock_irq(&q->lock);
		q->tail = tern_rd32(tdev, TERN_QREG(i, TERN_Q_HEAD));
		q->halted = false;
		spin_unlock_irq(&q->lock);
	}
	drm_dev_exit(idx);
	return ret;
}

/**
 * tern_queue_acquire() - take a free queue and enable it for a context
 * @tdev: device
 * @ctx: new owner
 * @asid: address space the queue runs in
 * @priority: arbitration priority 0..3
 *
 * Return: the queue; ERR_PTR(-ENOSPC) when every usable queue is owned;
 * ERR_PTR(-EIO) if the queue does not enable or the function is being
 * reset; another ERR_PTR.
 */
struct tern_queue *tern_queue_acquire(struct tern_device *tdev,
				      struct tern_ctx *ctx, u32 asid,
				      u32 priority)
{
	struct tern_queue *q = NULL;
	union tern_desc *ring;
	dma_addr_t ring_dma, wb_dma;
	unsigned int i;
	u64 *wb;
	int ret;

	ring = dma_alloc_coherent(tdev->drm.dev, TERN_RING_BYTES, &ring_dma,
				  GFP_KERNEL);
	if (!ring)
		return ERR_PTR(-ENOMEM);
	wb = dma_pool_zalloc(tdev->wb_pool, GFP_KERNEL, &wb_dma);
	if (!wb) {
		ret = -ENOMEM;
		goto err_free;
	}

	mutex_lock(&tdev->queue_lock);
	for (i = 0; i < tdev->usable_queues; i++) {
		if (!tdev->queues[i].ctx && !tdev->queues[i].stuck) {
			q = &tdev->queues[i];
			break;
		}
	}
	if (q) {
		spin_lock_irq(&q->lock);
		ctx->q = q;
		q->ctx = ctx;
		q->ring = ring;
		q->ring_dma = ring_dma;
		q->wb = wb;
		q->wb_dma = wb_dma;
		q->tail = 0;
		/* Not processed by the interrupt until enabled. */
		q->halted = true;
		q->dead = false;
		spin_unlock_irq(&q->lock);
	}
	mutex_unlock(&tdev->queue_lock);
	if (!q) {
		ret = -ENOSPC;
		goto err_free;
	}

	down_read(&tdev->reset_sem);
	ret = tern_pm_usable(tdev) ? tern_queue_enable(q, asid, priority) : -EIO;
	up_read(&tdev->reset_sem);
	if (ret) {
		tern_queue_hw_stop(q, TERN_ACK_TIMEOUT_US);
		tern_queue_release(q);
		return ERR_PTR(ret);
	}
	tern_dbg(tdev, CTX, "queue %u enabled, ASID %u, priority %u\n",
		 q->index, asid, priority);
	return q;

err_free:
	tern_queue_free_mem(tdev, ring, ring_dma, wb, wb_dma);
	return ERR_PTR(ret);
}

/**
 * tern_queue_release() - free a stopped queue
 * @q: queue after tern_queue_hw_stop(), with no pending fences
 */
void tern_queue_release(struct tern_queue *q)
{
	struct tern_device *tdev = q->tdev;
	struct tern_quarantine *qq = NULL;
	union tern_desc *ring;
	dma_addr_t ring_dma, wb_dma;
	bool stuck;
	u64 *wb;

	mutex_lock(&tdev->queue_lock);
	spin_lock_irq(&q->lock);
	WARN_ON(!list_empty(&q->pending));
	ring = q->ring;
	ring_dma = q->ring_dma;
	wb = q->wb;
	wb_dma = q->wb_dma;
	/* Not stopped by a queue or function reset: may still be used. */
	stuck = !q->dead;
	q->ring = NULL;
	q->wb = NULL;
	q->ctx = NULL;
	spin_unlock_irq(&q->lock);

	if (stuck) {
		q->stuck = true;
		qq = kzalloc(sizeof(*qq), GFP_KERNEL);
		if (qq) {
			qq->ring = ring;
			qq->ring_dma = ring_dma;
			qq->wb = wb;
			qq->wb_dma = wb_dma;
			list_add_tail(&qq->link, &tdev->quarantine);
		} else {
			tern_warn(tdev, "queue %u may still be active: leaking its ring\n",
				  q->index);
		}
	}
	mutex_unlock(&tdev->queue_lock);

	if (!stuck)
		tern_queue_free_mem(tdev, ring, ring_dma, wb, wb_dma);
}

/**
 * tern_queue_hw_stop() - reset a queue so that it stops accessing memory
 * @q: owned queue
 * @timeout_us: how long the running descriptor may take to finish
 *
 * Queue reset (hw-spec 5.9) lets the running descriptor complete, then
 * clears the queue. If the device does not acknowledge, the queue stays
 * "not dead": its memory is quarantined at release and a function reset
 * is scheduled. Sleeps; called from the device's reset workqueue or with
 * the context already unreachable.
 */
void tern_queue_hw_stop(struct tern_queue *q, u64 timeout_us)
{
	struct tern_device *tdev = q->tdev;
	u64 busy = 0;
	bool dead;
	int idx, ret;

	if (!drm_dev_enter(&tdev->drm, &idx))
		return;	/* remove() reset the function and killed the queue */

	down_read(&tdev->reset_sem);
	spin_lock_irq(&q->lock);
	q->halted = true;
	dead = q->dead;
	spin_unlock_irq(&q->lock);

	if (!dead && tern_pm_usable(tdev)) {
		busy = tern_rd64(tdev, TERN_QREG(q->index, TERN_Q_BUSY_NS));
		ret = tern_hw_req_ack(tdev, TERN_QREG(q->index, TERN_Q_RESET_REQ),
				      TERN_QREG(q->index, TERN_Q_RESET_ACK),
				      timeout_us);
		if (ret) {
			tern_err(tdev, "queue %u reset not acknowledged\n",
				 q->index);
			tern_pm_schedule_recovery(tdev, "queue reset timeout");
		} else {
			spin_lock_irq(&q->lock);
			q->dead = true;
			if (q->ctx)
				q->ctx->busy_ns += busy;
			spin_unlock_irq(&q->lock);
		}
	}
	up_read(&tdev->reset_sem);
	drm_dev_exit(idx);
}

/**
 * tern_queue_busy_ns() - time the queue spent executing
 * @q: owned queue
 *
 * Return: TERN_Q_BUSY_NS of a live queue, 0 otherwise.
 */
u64 tern_queue_busy_ns(struct tern_queue *q)
{
	struct tern_device *tdev = q->tdev;
	u64 busy = 0;
	int idx;

	if (!drm_dev_enter(&tdev->drm, &idx))
		return 0;
	if (!READ_ONCE(q->dead) && tern_pm_usable(tdev))
		busy = tern_rd64(tdev, TERN_QREG(q->index, TERN_Q_BUSY_NS));
	drm_dev_exit(idx);
	return busy;
}

static void tern_queue_complete_upto(struct tern_queue *q, u64 seqno)
{
	struct tern_fence *f, *tmp;

	list_for_each_entry_safe(f, tmp, &q->pending, link) {
		if (f->seqno > seqno)
			break;
		q->ctx->completed = max(q->ctx->completed, f->seqno);
		tern_fence_complete(f, 0);
	}
}

/**
 * tern_queue_complete_wb() - complete the jobs a stopped queue finished
 * @q: queue that no longer executes descriptors; lock held
 *
 * The write-back slot (host memory, untouched by resets) holds the seqno
 * of the last job that finished.
 */
void tern_queue_complete_wb(struct tern_queue *q)
{
	lockdep_assert_held(&q->lock);
	if (q->wb)
		tern_queue_complete_upto(q, READ_ONCE(*q->wb));
}

/**
 * tern_queue_drain() - end every pending fence of a stopped queue
 * @q: queue that no longer executes descriptors; lock held
 * @first_err: error of the first unfinished job
 * @rest_err: error of the later ones
 *
 * Jobs that finished before the stop are completed successfully, see
 * tern_queue_complete_wb().
 */
void tern_queue_drain(struct tern_queue *q, int first_err, int rest_err)
{
	struct tern_fence *f, *tmp;
	bool first = true;

	tern_queue_complete_wb(q);
	list_for_each_entry_safe(f, tmp, &q->pending, link) {
		tern_fence_complete(f, first ? first_err : rest_err);
		first = false;
	}
}

static u32 tern_queue_op_index(u32 qerr, u8 opcode, u32 err_op)
{
	if (opcode != TERN_OP_EXECUTE)
		return DRM_TERN_INDEX_NONE;
	switch (qerr) {
	case TERN_QERR_PAGE_FAULT:
	case TERN_QERR_PROGRAM:
	case TERN_QERR_ASID:
	case TERN_QERR_INDEX:
		return err_op == TERN_ISA_ERR_OP_HEADER ?
		       DRM_TERN_OP_INDEX_HEADER : err_op;
	default:
		return DRM_TERN_INDEX_NONE;
	}
}

/* The queue halted on an error (hw-spec 5.6): record it, fail the jobs. */
static void tern_queue_halted(struct tern_queue *q, u32 status)
{
	struct tern_device *tdev = q->tdev;
	struct tern_ctx_error e = {};
	struct tern_fence *f, *failed = NULL;
	u32 qerr, err_index, err_op, info;
	u8 opcode;
	u64 fault_va;

	qerr = (status & TERN_Q_STATUS_ERR) >> TERN_Q_STATUS_ERR_SHIFT;
	err_index = tern_rd32(tdev, TERN_QREG(q->index, TERN_Q_ERR_INDEX));
	err_op = tern_rd32(tdev, TERN_QREG(q->index, TERN_Q_ERR_OP));
	fault_va = tern_rd64(tdev, TERN_QREG(q->index, TERN_Q_FAULT_VA));
	info = tern_rd32(tdev, TERN_QREG(q->index, TERN_Q_FAULT_INFO));
	q->halted = true;

	/* Descriptors before ERR_INDEX completed (HEAD stays on the failed one). */
	list_for_each_entry(f, &q->pending, link) {
		if ((u32)(err_index - f->ring_start) < f->ndesc) {
			failed = f;
			break;
		}
	}
	if (failed)
		tern_queue_complete_upto(q, failed->seqno - 1);

	e.state = DRM_TERN_CTX_STATE_FAULTED;
	e.error = qerr;
	e.op_index = DRM_TERN_INDEX_NONE;
	e.cmd_index = DRM_TERN_INDEX_NONE;
	if (failed) {
		e.failed_seqno = failed->seqno;
		if (failed->ncmds)
			e.cmd_index = err_index - failed->ring_start;
		opcode = q->ring[err_index & (TERN_RING_ENTRIES - 1)].hdr.opcode;
		e.op_index = tern_queue_op_index(qerr, opcode, err_op);
	} else if (!list_empty(&q->pending)) {
		f = list_first_entry(&q->pending, struct tern_fence, link);
		e.failed_seqno = f->seqno;
	}
	if (qerr == TERN_QERR_PAGE_FAULT) {
		e.fault_va = fault_va;
		e.fault_reason = info & TERN_FAULT_REASON;
		e.fault_access = info & TERN_FAULT_WRITE_ACCESS ?
				 DRM_TERN_ACCESS_WRITE : DRM_TERN_ACCESS_READ;
		e.engine = (info & TERN_FAULT_ENGINE) >> TERN_FAULT_ENGINE_SHIFT;
	}

	trace_tern_queue_halt(q->index, qerr, err_index, fault_va, info);
	tern_dbg(tdev, JOB, "queue %u halted: error %u at index %u (seqno %llu), op %u, va %#llx, info %#x\n",
		 q->index, qerr, err_index, e.failed_seqno, err_op, fault_va,
		 info);
	tern_ctx_set_error(q->ctx, &e);
	tern_queue_drain(q, -EIO, -ECANCELED);
	tern_ctx_note_fault(q->ctx);
}

/**
 * tern_queue_process() - handle completions and halts of a queue
 * @q: queue; lock held
 *
 * Called from the queue's interrupt, and by the timeout handler in case
 * an interrupt was lost.
 */
void tern_queue_process(struct tern_queue *q)
{
	struct tern_device *tdev = q->tdev;
	u32 status;
	u64 seq;

	lockdep_assert_held(&q->lock);
	if (!q->ctx || q->halted || q->dead)
		return;

	status = tern_rd32(tdev, TERN_QREG(q->index, TERN_Q_STATUS));
	if (status & TERN_Q_STATUS_HALTED) {
		/* Publishing registers before the error detail (11.5). */
		rmb();
		tern_queue_halted(q, status);
		return;
	}

	seq = tern_rd64(tdev, TERN_QREG(q->index, TERN_Q_COMPLETED_SEQ));
	tern_queue_complete_upto(q, seq);
}

/**
 * tern_queue_irq() - interrupt of vector 1 + q
 * @irq: interrupt number
 * @arg: the &struct tern_queue
 *
 * Return: IRQ_HANDLED.
 */
irqreturn_t tern_queue_irq(int irq, void *arg)
{
	struct tern_queue *q = arg;

	spin_lock(&q->lock);
	tern_queue_process(q);
	spin_unlock(&q->lock);
	return IRQ_HANDLED;
}

/**
 * tern_queue_halt_all() - stop every owned queue before a function reset
 * @tdev: device, reset_sem held for writing
 *
 * Marks the owners DRM_TERN_CTX_STATE_RESET; no job runs afterwards.
 */
void tern_queue_halt_all(struct tern_device *tdev)
{
	struct tern_ctx_error e = {
		.state = DRM_TERN_CTX_STATE_RESET,
		.error = DRM_TERN_ERR_DEVICE_RESET,
		.op_index = DRM_TERN_INDEX_NONE,
		.cmd_index = DRM_TERN_INDEX_NONE,
	};
	struct tern_fence *f;
	unsigned int i;

	for (i = 0; i < tdev->usable_queues; i++) {
		struct tern_queue *q = &tdev->queues[i];

		spin_lock_irq(&q->lock);
		if (q->ctx) {
			f = list_first_entry_or_null(&q->pending,
						     struct tern_fence, link);
			e.failed_seqno = f ? f->seqno : 0;
			tern_ctx_set_error(q->ctx, &e);
			q->halted = true;
		}
		spin_unlock_irq(&q->lock);
	}
}

/**
 * tern_queue_drain_all() - end the jobs of queues a reset stopped
 * @tdev: device whose function was reset (or is unreachable)
 * @reset: the function was reset: the queues are dead and their memory
 *	may be freed; otherwise it is quarantined when released
 */
void tern_queue_drain_all(struct tern_device *tdev, bool reset)
{
	unsigned int i;

	for (i = 0; i < tdev->usable_queues; i++) {
		struct tern_queue *q = &tdev->queues[i];

		spin_lock_irq(&q->lock);
		if (q->ctx) {
			q->dead |= reset;
			tern_queue_drain(q, -EIO, -ECANCELED);
		}
		spin_unlock_irq(&q->lock);
	}
}
