/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (C) 2025 The Tern authors
 */
#ifndef __TERN_QUEUE_H__
#define __TERN_QUEUE_H__

#include <linux/interrupt.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include <tern/hw/tern_desc.h>
#include <uapi/drm/tern_accel.h>

struct tern_ctx;
struct tern_device;
struct tern_fence;

/*
 * 8192 descriptors (512 KiB) per ring: a job takes one descriptor per
 * command, and on schedulers that count jobs rather than descriptors the
 * ring must hold TERN_RING_ENTRIES / TERN_JOB_MAX_DESC maximal jobs.
 */
#define TERN_RING_ORDER		13
#define TERN_RING_ENTRIES	BIT(TERN_RING_ORDER)
#define TERN_JOB_MAX_DESC	DRM_TERN_MAX_CMDS_PER_SUBMIT

/**
 * struct tern_queue - one hardware queue of the function
 * @tdev: device
 * @index: queue number q (registers TERN_QREG(q, ...), vector 1 + q)
 * @irq_name: name of the queue's interrupt
 * @lock: protects the members below and the owner's error state; taken
 *	in the queue's interrupt handler
 * @ctx: owning context, NULL while the queue is free
 * @ring: descriptor ring (DMA-coherent)
 * @ring_dma: bus address of @ring
 * @wb: write-back slot, the seqno of the last completed job
 * @wb_dma: bus address of @wb
 * @tail: next ring index to write (free-running, as TERN_Q_TAIL)
 * @pending: submitted &struct tern_fence in ring order
 * @halted: the queue stopped (error, timeout, kill): no more jobs run
 * @dead: a function reset or unplug reset the queue behind its back
 * @stuck: released without having stopped; not reused before a function
 *	reset (under &tern_device.queue_lock)
 */
struct tern_queue {
	struct tern_device *tdev;
	u32 index;
	char irq_name[32];

	spinlock_t lock; /* see above */
	struct tern_ctx *ctx;
	union tern_desc *ring;
	dma_addr_t ring_dma;
	u64 *wb;
	dma_addr_t wb_dma;
	u32 tail;
	struct list_head pending;
	bool halted;
	bool dead;
	bool stuck;
};

void tern_queue_init_all(struct tern_device *tdev);
struct tern_queue *tern_queue_acquire(struct tern_device *tdev,
				      struct tern_ctx *ctx, u32 asid,
				      u32 priority);
void tern_queue_release(struct tern_queue *q);
void tern_queue_hw_stop(struct tern_queue *q, u64 timeout_us);
void tern_queue_process(struct tern_queue *q);
void tern_queue_complete_wb(struct tern_queue *q);
void tern_queue_drain(struct tern_queue *q, int first_err, int rest_err);
void tern_queue_halt_all(struct tern_device *tdev);
void tern_queue_drain_all(struct tern_device *tdev, bool reset);
void tern_queue_free_quarantine(struct tern_device *tdev);
u64 tern_queue_busy_ns(struct tern_queue *q);
irqreturn_t tern_queue_irq(int irq, void *arg);

#endif /* __TERN_QUEUE_H__ */
