/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (C) 2025 The Tern authors
 */
#ifndef __TERN_JOB_H__
#define __TERN_JOB_H__

#include <linux/dma-fence.h>
#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include <drm/gpu_scheduler.h>

#include <tern/hw/tern_desc.h>

struct drm_device;
struct drm_file;
struct tern_ctx;

/**
 * struct tern_fence - hardware fence of a job: its descriptors completed
 * @base: the fence, signalled from the queue's interrupt
 * @lock: the fence's lock
 * @link: entry in &tern_queue.pending while unsignalled
 * @finished: the job's scheduler fence, valid while @base is unsignalled
 * @seqno: the job's seqno (also @base.seqno)
 * @ring_start: ring index of the job's first descriptor
 * @ndesc: descriptors of the job
 * @ncmds: commands of the job (0: one NOP descriptor)
 * @queue: queue index, for tracing
 */
struct tern_fence {
	struct dma_fence base;
	spinlock_t lock; /* @base's lock */
	struct list_head link;
	struct dma_fence *finished;
	u64 seqno;
	u32 ring_start;
	u32 ndesc;
	u32 ncmds;
	u32 queue;
};

/**
 * struct tern_job - one SUBMIT
 * @base: scheduler job
 * @ctx: context (reference)
 * @fence: hardware fence, initialised when the job runs
 * @fence_live: @fence was initialised (else it is freed with kfree())
 * @descs: hardware descriptors, without seqnos
 * @ndesc: entries of @descs
 * @ncmds: commands of the job
 * @deps: in-fences (references), checked for errors before running
 * @ndeps: entries of @deps
 * @seqno: the job's point on the context's timeline
 */
struct tern_job {
	struct drm_sched_job base;
	struct tern_ctx *ctx;
	struct tern_fence *fence;
	bool fence_live;
	union tern_desc *descs;
	u32 ndesc;
	u32 ncmds;
	struct dma_fence **deps;
	u32 ndeps;
	u64 seqno;
};

extern const struct drm_sched_backend_ops tern_sched_ops;

void tern_fence_complete(struct tern_fence *f, int err);
int tern_submit_ioctl(struct drm_device *dev, void *data,
		      struct drm_file *file);
unsigned int tern_job_timeout_ms(void);

#endif /* __TERN_JOB_H__ */
