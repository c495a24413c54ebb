// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (C) 2025 The Tern authors
 *
 * Jobs: SUBMIT validates a job's commands and turns them into hardware
 * descriptors; the context's GPU scheduler runs jobs in order once their
 * in-fences signalled; run_job writes the descriptors and the queue's
 * TAIL; the queue's interrupt signals the job's hardware fence by
 * COMPLETED_SEQ. The job's scheduler fence is the point of the context's
 * timeline syncobj. Timeouts stop the context (tern_job_timedout()).
 */

#include <linux/dma-fence-chain.h>
#include <linux/dma-resv.h>
#include <linux/moduleparam.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_syncobj.h>

#include <tern/hw/tern_isa.h>
#include <tern/hw/tern_mmu.h>

#include "tern_ctx.h"
#include "tern_drv.h"
#include "tern_hw.h"
#include "tern_job.h"
#include "tern_pm.h"
#include "tern_queue.h"
#include "tern_trace.h"
#include "tern_vm.h"

static unsigned int tern_job_timeout = 10000;
module_param_named(job_timeout_ms, tern_job_timeout, uint, 0444);
MODULE_PARM_DESC(job_timeout_ms,
		 "Stop a context whose job runs longer than this (ms, default 10000)");

/* Queue reset after a timeout: the running descriptor is already late. */
#define TERN_TDR_QUEUE_RESET_US		(2 * USEC_PER_SEC)

unsigned int tern_job_timeout_ms(void)
{
	return max(tern_job_timeout, 100U);
}

static inline struct tern_job *to_tern_job(struct drm_sched_job *sched_job)
{
	return container_of(sched_job, struct tern_job, base);
}

static const char *tern_fence_driver_name(struct dma_fence *fence)
{
	return DRIVER_NAME;
}

static const char *tern_fence_timeline_name(struct dma_fence *fence)
{
	return "tern-queue";
}

static const struct dma_fence_ops tern_fence_ops = {
	.get_driver_name = tern_fence_driver_name,
	.get_timeline_name = tern_fence_timeline_name,
	.use_64bit_seqno = true,
};

/**
 * tern_fence_complete() - signal a pending hardware fence
 * @f: fence on its queue's pending list; the queue's lock is held
 * @err: 0, or the negative errno the job failed with
 *
 * The error is also set on the job's scheduler fence, which signals from
 * the hardware fence (older schedulers do not forward the error).
 */
void tern_fence_complete(struct tern_fence *f, int err)
{
	trace_tern_job_done(f->queue, f->seqno, err);
	list_del(&f->link);
	if (err) {
		dma_fence_set_error(f->finished, err);
		dma_fence_set_error(&f->base, err);
	}
	dma_fence_signal(&f->base);
	dma_fence_put(&f->base);
}

/* The first in-fence error of a job, 0 if none. */
static int tern_job_dep_error(struct tern_job *job)
{
	unsigned int i;
	int status;

	for (i = 0; i < job->ndeps; i++) {
		status = dma_fence_get_status(job->deps[i]);
		if (status < 0)
			return status;
	}
	return 0;
}

static void tern_job_write_ring(struct tern_queue *q, struct tern_job *job)
{
	union tern_desc *d;
	u32 i;

	for (i = 0; i < job->ndesc; i++) {
		d = &q->ring[(q->tail + i) & (TERN_RING_ENTRIES - 1)];
		*d = job->descs[i];
		/*
		 * COMPLETED_SEQ reaches the job's seqno only with its last
		 * descriptor, which also writes back and interrupts.
		 */
		if (i == job->ndesc - 1) {
			d->hdr.seqno = job->seqno;
			d->hdr.flags = TERN_DESC_F_IRQ | TERN_DESC_F_WB;
		} else {
			d->hdr.seqno = job->seqno - 1;
		}
	}
}

static u32 tern_queue_used(struct tern_queue *q)
{
	struct tern_fence *f;

	if (list_empty(&q->pending))
		return 0;
	f = list_first_entry(&q->pending, struct tern_fence, link);
	return q->tail - f->ring_start;
}

static struct dma_fence *tern_job_run(struct drm_sched_job *sched_job)
{
	struct tern_job *job = to_tern_job(sched_job);
	struct tern_ctx *ctx = job->ctx;
	struct tern_device *tdev = ctx->tdev;
	struct tern_queue *q = ctx->q;
	struct tern_fence *f = job->fence;
	struct tern_ctx_error e = {};
	unsigned long flags;
	int idx, err;

	err = tern_job_dep_error(job);
	if (err) {
		e.state = DRM_TERN_CTX_STATE_FAULTED;
		e.error = DRM_TERN_ERR_DEPENDENCY;
		e.op_index = DRM_TERN_INDEX_NONE;
		e.cmd_index = DRM_TERN_INDEX_NONE;
		e.failed_seqno = job->seqno;
		spin_lock_irqsave(&q->lock, flags);
		tern_ctx_set_error(ctx, &e);
		spin_unlock_irqrestore(&q->lock, flags);
		return ERR_PTR(err);
	}

	if (!drm_dev_enter(&tdev->drm, &idx))
		return ERR_PTR(-ENODEV);

	spin_lock_irqsave(&q->lock, flags);
	if (!tern_ctx_ok(ctx) || q->halted || q->dead || ctx->closing) {
		err = -ECANCELED;
		goto out_unlock;
	}
	if (WARN_ON(tern_queue_used(q) + job->ndesc > TERN_RING_ENTRIES)) {
		err = -ENOSPC;
		goto out_unlock;
	}

	dma_fence_init(&f->base, &tern_fence_ops, &f->lock, ctx->fence_context,
		       job->seqno);
	job->fence_live = true;
	f->finished = &sched_job->s_fence->finished;
	f->seqno = job->seqno;
	f->ring_start = q->tail;
	f->ndesc = job->ndesc;
	f->ncmds = job->ncmds;
	f->queue = q->index;

	tern_job_write_ring(q, job);
	/* The pending list holds one reference, the job another. */
	dma_fence_get(&f->base);
	list_add_tail(&f->link, &q->pending);
	q->tail += job->ndesc;

	/* Descriptors in memory before the TAIL store (hw-spec 5.1). */
	dma_wmb();
	tern_wr32_trigger(tdev, TERN_QREG(q->index, TERN_Q_TAIL), q->tail);
	trace_tern_job_run(q->index, job->seqno, f->ring_start, job->ndesc);

out_unlock:
	spin_unlock_irqrestore(&q->lock, flags);
	drm_dev_exit(idx);
	if (err)
		return ERR_PTR(err);
	/* The scheduler's reference. */
	return dma_fence_get(&f->base);
}

/*
 * Hand a job the scheduler took off its pending list back to it: the job
 * did not hang (its completion interrupt was lost, or the device is gone
 * and tern_pm_unplug() ends it). The scheduler frees it once it finished.
 */
static void tern_job_not_hung(struct drm_sched_job *sched_job)
{
	struct drm_gpu_scheduler *sched = sched_job->sched;

	spin_lock(&sched->job_list_lock);
	list_add(&sched_job->list, &sched->pending_list);
	spin_unlock(&sched->job_list_lock);
}

/*
 * Job timeout, on the device's ordered reset workqueue: reset the queue,
 * end the context in DRM_TERN_CTX_STATE_TIMED_OUT and its jobs with
 * errors. Other contexts are not affected.
 */
static enum drm_gpu_sched_stat tern_job_timedout(struct drm_sched_job *sched_job)
{
	struct tern_job *job = to_tern_job(sched_job);
	struct tern_ctx *ctx = job->ctx;
	struct tern_device *tdev = ctx->tdev;
	struct tern_queue *q = ctx->q;
	struct tern_ctx_error e = {
		.state = DRM_TERN_CTX_STATE_TIMED_OUT,
		.error = DRM_TERN_ERR_TIMEOUT,
		.op_index = DRM_TERN_INDEX_NONE,
		.cmd_index = DRM_TERN_INDEX_NONE,
		.failed_seqno = job->seqno,
	};
	struct tern_fence *f;
	bool timed_out;
	u32 head = 0;
	int idx;

	if (!drm_dev_enter(&tdev->drm, &idx)) {
		tern_job_not_hung(sched_job);
		return TERN_SCHED_STAT_RESET;
	}

	/* Completions first: a lost interrupt is not a timeout. */
	spin_lock_irq(&q->lock);
	tern_queue_process(q);
	timed_out = job->fence_live && !dma_fence_is_signaled(&job->fence->base);
	if (timed_out && !q->halted && !q->dead)
		head = tern_rd32(tdev, TERN_QREG(q->index, TERN_Q_HEAD));
	spin_unlock_irq(&q->lock);

	if (!timed_out) {
		tern_job_not_hung(sched_job);
		drm_dev_exit(idx);
		return TERN_SCHED_STAT_RESET;
	}

	tern_err_ratelimited(tdev, "queue %u: job %llu timed out\n", q->index,
			     job->seqno);
	drm_sched_stop(&ctx->sched, sched_job);
	tern_queue_hw_stop(q, TERN_TDR_QUEUE_RESET_US);

	spin_lock_irq(&q->lock);
	tern_queue_complete_wb(q);
	/* The first unfinished job was the one running at HEAD. */
	f = list_first_entry_or_null(&q->pending, struct tern_fence, link);
	if (f) {
		e.failed_seqno = f->seqno;
		if (f->ncmds && (u32)(head - f->ring_start) < f->ndesc)
			e.cmd_index = head - f->ring_start;
	}
	tern_ctx_set_error(ctx, &e);
	tern_queue_drain(q, -ETIMEDOUT, -ECANCELED);
	spin_unlock_irq(&q->lock);
	tern_ctx_note_fault(ctx);

	/* Every pending job has ended: the scheduler completes them. */
	tern_sched_start(&ctx->sched);
	drm_dev_exit(idx);
	return TERN_SCHED_STAT_RESET;
}

static void tern_job_put_deps(struct tern_job *job)
{
	unsigned int i;

	for (i = 0; i < job->ndeps; i++)
		dma_fence_put(job->deps[i]);
	kfree(job->deps);
}

/* Free a job that never reached the scheduler or was freed by it. */
static void tern_job_destroy(struct tern_job *job)
{
	struct tern_ctx *ctx = job->ctx;

	tern_job_put_deps(job);
	kvfree(job->descs);
	if (job->fence_live)
		dma_fence_put(&job->fence->base);
	else
		kfree(job->fence);
	kfree(job);

	if (!ctx)
		return;
	if (atomic_dec_and_test(&ctx->jobs))
		wake_up_all(&ctx->jobs_wq);
	tern_ctx_put(ctx);
}

static void tern_job_free(struct drm_sched_job *sched_job)
{
	struct tern_job *job = to_tern_job(sched_job);

	drm_sched_job_cleanup(sched_job);
	tern_job_destroy(job);
}

const struct drm_sched_backend_ops tern_sched_ops = {
	.run_job = tern_job_run,
	.timedout_job = tern_job_timedout,
	.free_job = tern_job_free,
};

static bool tern_va_range_ok(u64 va, u64 size)
{
	u64 end;

	return !check_add_overflow(va, size, &end) &&
	       end <= BIT_ULL(TERN_VA_BITS);
}

/* Check one command (docs: enum drm_tern_cmd_type) and encode it. */
static int tern_job_encode(struct tern_device *tdev,
			   const struct drm_tern_cmd *cmd, union tern_desc *d)
{
	unsigned int i, used;

	if (cmd->flags)
		return -EINVAL;

	memset(d, 0, sizeof(*d));
	switch (cmd->type) {
	case DRM_TERN_CMD_NOP:
		used = 0;
		d->hdr.opcode = TERN_OP_NOP;
		break;
	case DRM_TERN_CMD_DMA_COPY:
		used = sizeof(cmd->dma);
		if (!cmd->dma.size || cmd->dma.size > DRM_TERN_MAX_DMA_SIZE ||
		    !tern_va_range_ok(cmd->dma.src_va, cmd->dma.size) ||
		    !tern_va_range_ok(cmd->dma.dst_va, cmd->dma.size))
			return -EINVAL;
		d->dma.hdr.opcode = TERN_OP_DMA_COPY;
		d->dma.src_va = cmd->dma.src_va;
		d->dma.dst_va = cmd->dma.dst_va;
		d->dma.size = cmd->dma.size;
		break;
	case DRM_TERN_CMD_EXECUTE:
		used = sizeof(cmd->exec);
		if (cmd->exec.pad ||
		    !IS_ALIGNED(cmd->exec.program_va, 64) ||
		    !IS_ALIGNED(cmd->exec.bindings_va, 16) ||
		    !cmd->exec.program_size ||
		    cmd->exec.program_size > DRM_TERN_MAX_PROGRAM_SIZE ||
		    cmd->exec.binding_count > DRM_TERN_MAX_BINDINGS ||
		    !cmd->exec.binding_count != !cmd->exec.bindings_va ||
		    (cmd->exec.core_mask &
		     ~GENMASK(tdev->hw.num_cores - 1, 0)) ||
		    !tern_va_range_ok(cmd->exec.program_va,
				      cmd->exec.program_size) ||
		    !tern_va_range_ok(cmd->exec.bindings_va,
				      (u64)cmd->exec.binding_count *
				      sizeof(struct tern_isa_binding)))
			return -EINVAL;
		d->exec.hdr.opcode = TERN_OP_EXECUTE;
		d->exec.program_va = cmd->exec.program_va;
		d->exec.bindings_va = cmd->exec.bindings_va;
		d->exec.program_size = cmd->exec.program_size;
		d->exec.binding_count = cmd->exec.binding_count;
		d->exec.core_mask = cmd->exec.core_mask;
		break;
	case DRM_TERN_CMD_TIMESTAMP:
		used = sizeof(cmd->timestamp);
		if (!(tdev->hw.caps & TERN_CAP_TIMESTAMP) ||
		    !IS_ALIGNED(cmd->timestamp.dst_va, 8) ||
		    !tern_va_range_ok(cmd->timestamp.dst_va, sizeof(u64)))
			return -EINVAL;
		d->ts.hdr.opcode = TERN_OP_TIMESTAMP;
		d->ts.dst_va = cmd->timestamp.dst_va;
		break;
	default:
		return -EINVAL;
	}

	/* Payload bytes beyond the member the type selects must be zero. */
	for (i = DIV_ROUND_UP(used, sizeof(u64)); i < ARRAY_SIZE(cmd->raw); i++)
		if (cmd->raw[i])
			return -EINVAL;
	return 0;
}

/*
 * Read the commands and in-fences (docs/uapi.md order: EINVAL for any
 * field or element before EFAULT for an unreadable array).
 */
static int tern_job_copy_args(struct tern_device *tdev, struct tern_job *job,
			      const struct drm_tern_submit *args,
			      struct drm_tern_fence **in)
{
	struct drm_tern_cmd *cmds = NULL;
	bool fault = false;
	unsigned int i;
	int ret = 0;

	job->ncmds = args->cmd_count;
	job->ndesc = max(args->cmd_count, 1U);
	job->descs = kvcalloc(job->ndesc, sizeof(*job->descs), GFP_KERNEL);
	if (!job->descs)
		return -ENOMEM;
	/* A job without commands orders and signals: one NOP carries it. */
	job->descs[0].hdr.opcode = TERN_OP_NOP;

	if (args->cmd_count) {
		cmds = kvmalloc_array(args->cmd_count, sizeof(*cmds),
				      GFP_KERNEL);
		if (!cmds)
			return -ENOMEM;
		if (copy_from_user(cmds, u64_to_user_ptr(args->cmds_ptr),
				   array_size(args->cmd_count, sizeof(*cmds))))
			fault = true;
		for (i = 0; !fault && i < args->cmd_count && !ret; i++)
			ret = tern_job_encode(tdev, &cmds[i], &job->descs[i]);
		kvfree(cmds);
		if (ret)
			return ret;
	}

	if (args->in_fence_count) {
		*in = kmalloc_array(args->in_fence_count, sizeof(**in),
				    GFP_KERNEL);
		if (!*in)
			return -ENOMEM;
		if (copy_from_user(*in, u64_to_user_ptr(args->in_fences_ptr),
				   array_size(args->in_fence_count,
					      sizeof(**in))))
			fault = true;
		for (i = 0; !fault && i < args->in_fence_count; i++)
			if ((*in)[i].pad)
				return -EINVAL;
	}
	return fault ? -EFAULT : 0;
}

/*
 * Look the in-fences up. A point without a fence is -EINVAL, which
 * docs/uapi.md orders before -ENOENT (unknown handle): *enoent reports
 * the latter for the caller to return after its own -ENOENT checks.
 */
static int tern_job_get_deps(struct drm_file *file, struct tern_job *job,
			     const struct drm_tern_fence *in, u32 count,
			     bool *enoent)
{
	struct dma_fence *fence;
	unsigned int i;
	int ret;

	*enoent = false;
	if (!count)
		return 0;
	job->deps = kcalloc(count, sizeof(*job->deps), GFP_KERNEL);
	if (!job->deps)
		return -ENOMEM;

	for (i = 0; i < count; i++) {
		ret = drm_syncobj_find_fence(file, in[i].handle, in[i].point, 0,
					     &fence);
		if (ret == -ENOENT) {
			*enoent = true;
			continue;
		}
		if (ret)
			return ret;
		job->deps[job->ndeps++] = fence;
	}
	return 0;
}

static int tern_job_add_deps(struct tern_job *job)
{
	unsigned int i;
	int ret;

	for (i = 0; i < job->ndeps; i++) {
		/* The scheduler consumes a reference; the job keeps its own. */
		ret = drm_sched_job_add_dependency(&job->base,
						   dma_fence_get(job->deps[i]));
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * Queue a job: scheduler job, seqno, timeline point, resv fence, push.
 * Under the submit lock, which CTX_DESTROY takes to close the context.
 * Once pushed, the job may run and be freed at any time: its seqno is
 * returned in @seqno.
 */
static int tern_job_push(struct tern_ctx *ctx, struct tern_job *job,
			 struct dma_fence_chain *chain, u64 *seqno)
{
	struct tern_file_priv *fpriv = ctx->fpriv;
	struct dma_resv *resv = &ctx->vm->resv;
	struct dma_fence *finished;
	int ret;

	mutex_lock(&ctx->submit_lock);
	if (ctx->closing || !tern_ctx_ok(ctx) ||
	    test_bit(TERN_FILE_BANNED, &fpriv->flags)) {
		ret = -ECANCELED;
		goto out_unlock;
	}

	ret = tern_sched_job_init(&job->base, &ctx->entity,
				  TERN_SCHED_HAS_CREDITS ? job->ndesc : 1,
				  fpriv, fpriv->client_id);
	if (ret)
		goto out_unlock;
	ret = tern_job_add_deps(job);
	if (ret)
		goto out_cleanup;

	ret = dma_resv_lock(resv, NULL);
	if (ret)
		goto out_cleanup;
	ret = dma_resv_reserve_fences(resv, 1);
	if (ret) {
		dma_resv_unlock(resv);
		goto out_cleanup;
	}

	job->seqno = ctx->submitted + 1;
	drm_sched_job_arm(&job->base);
	finished = &job->base.s_fence->finished;

	/* BOs of the file stay mapped until this job is done (tern_gem.c). */
	dma_resv_add_fence(resv, finished, DMA_RESV_USAGE_BOOKKEEP);
	dma_resv_unlock(resv);

	drm_syncobj_add_point(ctx->syncobj, chain, finished, job->seqno);
	WRITE_ONCE(ctx->submitted, job->seqno);
	*seqno = job->seqno;
	trace_tern_job_submit(ctx->q->index, ctx->id, job->seqno, job->ncmds,
			      job->ndeps);
	drm_sched_entity_push_job(&job->base);
	mutex_unlock(&ctx->submit_lock);
	return 0;

out_cleanup:
	drm_sched_job_cleanup(&job->base);
out_unlock:
	mutex_unlock(&ctx->submit_lock);
	return ret;
}

/**
 * tern_submit_ioctl() - DRM_IOCTL_TERN_SUBMIT
 * @dev: DRM device
 * @data: struct drm_tern_submit
 * @file: DRM file
 *
 * Errors in the order of docs/uapi.md.
 *
 * Return: 0; -E2BIG for too many commands or in-fences; -EINVAL for a
 * malformed job or an in-fence point without fence; -EFAULT; -ENOENT for
 * an unknown context or syncobj; -ECANCELED when the context stopped or
 * the file is banned; -ENOMEM.
 */
int tern_submit_ioctl(struct drm_device *dev, void *data,
		      struct drm_file *file)
{
	struct tern_file_priv *fpriv = file->driver_priv;
	struct tern_device *tdev = to_tern_device(dev);
	struct drm_tern_submit *args = data;
	struct dma_fence_chain *chain = NULL;
	struct drm_tern_fence *in = NULL;
	struct tern_job *job;
	struct tern_ctx *ctx;
	bool bad_handle;
	int ret;

	if (args->cmd_count > DRM_TERN_MAX_CMDS_PER_SUBMIT ||
	    args->in_fence_count > DRM_TERN_MAX_IN_FENCES)
		return -E2BIG;
	if (args->flags)
		return -EINVAL;

	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job)
		return -ENOMEM;
	job->fence = kzalloc(sizeof(*job->fence), GFP_KERNEL);
	chain = dma_fence_chain_alloc();
	if (!job->fence || !chain) {
		ret = -ENOMEM;
		goto err_destroy;
	}
	spin_lock_init(&job->fence->lock);

	ret = tern_job_copy_args(tdev, job, args, &in);
	if (ret)
		goto err_destroy;
	ret = tern_job_get_deps(file, job, in, args->in_fence_count,
				&bad_handle);
	if (ret)
		goto err_destroy;

	ctx = tern_ctx_lookup(fpriv, args->ctx_id);
	if (!ctx || bad_handle) {
		if (ctx)
			tern_ctx_put(ctx);
		ret = -ENOENT;
		goto err_destroy;
	}
	/* The job owns the context reference from here on. */
	job->ctx = ctx;
	atomic_inc(&ctx->jobs);

	ret = tern_job_push(ctx, job, chain, &args->seqno);
	if (ret)
		goto err_destroy;

	/* The job belongs to the scheduler now and may already be freed. */
	kfree(in);
	return 0;

err_destroy:
	kfree(in);
	dma_fence_chain_free(chain);
	tern_job_destroy(job);
	return ret;
}
