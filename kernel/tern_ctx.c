// SPDX-License-Identifier: GPL-2.0-only
/*
 * Copyright (C) 2025 The Tern authors
 *
 * Execution contexts: a hardware queue in the file's address space, its
 * GPU scheduler and timeline syncobj, and the context's error state.
 *
 * Stopping a queue (timeout, ban, destroy) runs on the device's ordered
 * reset workqueue, which also runs the scheduler timeouts and function
 * resets, so these never race on a queue's reset registers.
 */

#include <linux/capability.h>
#include <linux/dma-fence.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/drm_syncobj.h>

#include "tern_ctx.h"
#include "tern_drv.h"
#include "tern_hw.h"
#include "tern_job.h"
#include "tern_pm.h"
#include "tern_queue.h"
#include "tern_vm.h"

static unsigned int tern_ban_threshold = 8;
module_param_named(ban_threshold, tern_ban_threshold, uint, 0644);
MODULE_PARM_DESC(ban_threshold,
		 "Ban a file after this many faulted or timed-out contexts (0 = never)");

/* How long destroy waits for the scheduler to free a context's jobs. */
#define TERN_CTX_JOBS_TIMEOUT	(10 * HZ)

/**
 * tern_ctx_ok() - whether a context still accepts and runs jobs
 * @ctx: context
 *
 * Return: true in DRM_TERN_CTX_STATE_OK.
 */
bool tern_ctx_ok(struct tern_ctx *ctx)
{
	return READ_ONCE(ctx->err.state) == DRM_TERN_CTX_STATE_OK;
}

/**
 * tern_ctx_set_error() - record a context's first failure
 * @ctx: context; its queue's lock is held
 * @e: the failure; ignored if the context already failed
 */
void tern_ctx_set_error(struct tern_ctx *ctx, const struct tern_ctx_error *e)
{
	lockdep_assert_held(&ctx->q->lock);
	if (ctx->err.state != DRM_TERN_CTX_STATE_OK)
		return;
	ctx->err = *e;
	WRITE_ONCE(ctx->err.state, e->state);
}

/**
 * tern_ctx_note_fault() - count a fault or timeout against the file
 * @ctx: context that failed; any context (also interrupts)
 *
 * Past the ban threshold every context of the file is stopped.
 */
void tern_ctx_note_fault(struct tern_ctx *ctx)
{
	struct tern_file_priv *fpriv = ctx->fpriv;

	if (!tern_ban_threshold ||
	    atomic_inc_return(&fpriv->faults) < tern_ban_threshold)
		return;
	if (!test_and_set_bit(TERN_FILE_BANNED, &fpriv->flags)) {
		tern_warn(ctx->tdev, "file of client %llu banned after %u faults\n",
			  fpriv->client_id, tern_ban_threshold);
		queue_work(ctx->tdev->reset_wq, &fpriv->ban_work);
	}
}

/*
 * Stop the context's queue and end its jobs; on the reset workqueue.
 * @state is set first unless it is DRM_TERN_CTX_STATE_OK (destroy).
 */
static void tern_ctx_kill(struct tern_ctx *ctx, u32 state)
{
	struct tern_queue *q = ctx->q;
	struct tern_ctx_error e = {
		.state = state,
		.error = DRM_TERN_ERR_BANNED,
		.op_index = DRM_TERN_INDEX_NONE,
		.cmd_index = DRM_TERN_INDEX_NONE,
	};
	struct tern_fence *f;

	spin_lock_irq(&q->lock);
	if (state != DRM_TERN_CTX_STATE_OK) {
		f = list_first_entry_or_null(&q->pending, struct tern_fence,
					     link);
		e.failed_seqno = f ? f->seqno : 0;
		tern_ctx_set_error(ctx, &e);
	}
	/* run_job() checks this under the lock: no descriptor follows. */
	q->halted = true;
	spin_unlock_irq(&q->lock);

	tern_queue_hw_stop(q, (u64)tern_job_timeout_ms() * USEC_PER_MSEC);

	spin_lock_irq(&q->lock);
	tern_queue_drain(q, -ECANCELED, -ECANCELED);
	spin_unlock_irq(&q->lock);
}

static void tern_ctx_kill_work(struct work_struct *work)
{
	struct tern_ctx *ctx = container_of(work, struct tern_ctx, kill_work);

	tern_ctx_kill(ctx, ctx->kill_state);
}

static void tern_file_ban_work(struct work_struct *work)
{
	struct tern_file_priv *fpriv = container_of(work, struct tern_file_priv,
						    ban_work);
	struct tern_ctx *ctx;
	unsigned long id;

	mutex_lock(&fpriv->lock);
	xa_for_each(&fpriv->ctx_xa, id, ctx)
		tern_ctx_kill(ctx, DRM_TERN_CTX_STATE_BANNED);
	mutex_unlock(&fpriv->lock);
}

/**
 * tern_ctx_lookup() - find a context of a file
 * @fpriv: file
 * @id: context id
 *
 * Return: the context with a reference, or NULL.
 */
struct tern_ctx *tern_ctx_lookup(struct tern_file_priv *fpriv, u32 id)
{
	struct tern_ctx *ctx;

	xa_lock(&fpriv->ctx_xa);
	ctx = xa_load(&fpriv->ctx_xa, id);
	if (ctx)
		tern_ctx_get(ctx);
	xa_unlock(&fpriv->ctx_xa);
	return ctx;
}

/**
 * tern_ctx_release() - kref release of a context
 * @ref: &tern_ctx.ref
 */
void tern_ctx_release(struct kref *ref)
{
	struct tern_ctx *ctx = container_of(ref, struct tern_ctx, ref);

	mutex_destroy(&ctx->submit_lock);
	kfree(ctx);
}

/* Remove the context's syncobj handle if it is still ours. */
static void tern_ctx_drop_syncobj_handle(struct drm_file *file,
					 struct tern_ctx *ctx)
{
	struct drm_syncobj *syncobj;

	/*
	 * DRM exports no way to drop a handle (drm_syncobj_destroy() is
	 * static), but the UAPI promises that CTX_DESTROY releases it.
	 * Remove it only if userspace did not destroy it and reuse the
	 * number for another syncobj.
	 */
	spin_lock(&file->syncobj_table_lock);
	syncobj = idr_find(&file->syncobj_idr, ctx->syncobj_handle);
	if (syncobj == ctx->syncobj)
		idr_remove(&file->syncobj_idr, ctx->syncobj_handle);
	else
		syncobj = NULL;
	spin_unlock(&file->syncobj_table_lock);

	if (syncobj)
		drm_syncobj_put(syncobj);
}

/*
 * Tear a context down: stop its queue, end its jobs, release the queue,
 * scheduler and syncobj. The context is no longer in the file's table.
 */
static void tern_ctx_destroy(struct tern_ctx *ctx, struct drm_file *file)
{
	struct tern_file_priv *fpriv = ctx->fpriv;
	struct tern_device *tdev = ctx->tdev;
	struct tern_queue *q = ctx->q;

	/* No job is pushed (submit lock) or runs (queue lock) any more. */
	mutex_lock(&ctx->submit_lock);
	spin_lock_irq(&q->lock);
	ctx->closing = true;
	spin_unlock_irq(&q->lock);
	mutex_unlock(&ctx->submit_lock);

	ctx->kill_state = DRM_TERN_CTX_STATE_OK;
	queue_work(tdev->reset_wq, &ctx->kill_work);
	flush_work(&ctx->kill_work);

	/* Queued jobs now run into ctx->closing and are cancelled. */
	drm_sched_entity_destroy(&ctx->entity);
	if (!wait_event_timeout(ctx->jobs_wq, !atomic_read(&ctx->jobs),
				TERN_CTX_JOBS_TIMEOUT))
		tern_err(tdev, "context %u: %d jobs not freed\n", ctx->id,
			 atomic_read(&ctx->jobs));
	drm_sched_fini(&ctx->sched);

	mutex_lock(&fpriv->lock);
	fpriv->busy_ns_closed += ctx->busy_ns;
	mutex_unlock(&fpriv->lock);
	tern_queue_release(q);

	tern_ctx_drop_syncobj_handle(file, ctx);
	drm_syncobj_put(ctx->syncobj);
	tern_vm_put(ctx->vm);
	tern_dbg(tdev, CTX, "context %u destroyed\n", ctx->id);
	tern_ctx_put(ctx);
}

static int tern_ctx_init_sched(struct tern_ctx *ctx)
{
	struct tern_device *tdev = ctx->tdev;
	u32 credits;
	int ret;

	/*
	 * Schedulers that count descriptors get the ring size; older ones
	 * count jobs, each up to TERN_JOB_MAX_DESC descriptors.
	 */
	credits = TERN_SCHED_HAS_CREDITS ? TERN_RING_ENTRIES :
		  TERN_RING_ENTRIES / TERN_JOB_MAX_DESC;
	snprintf(ctx->name, sizeof(ctx->name), "%s-q%u", DRIVER_NAME,
		 ctx->q->index);
	ret = tern_sched_init(&ctx->sched, &tern_sched_ops, tdev->reset_wq,
			      credits,
			      msecs_to_jiffies(tern_job_timeout_ms()),
			      ctx->name, tdev->drm.dev);
	if (ret)
		return ret;

	ctx->sched_list[0] = &ctx->sched;
	ret = drm_sched_entity_init(&ctx->entity, DRM_SCHED_PRIORITY_NORMAL,
				    ctx->sched_list, 1, NULL);
	if (ret)
		drm_sched_fini(&ctx->sched);
	return ret;
}

/**
 * tern_ctx_create_ioctl() - DRM_IOCTL_TERN_CTX_CREATE
 * @dev: DRM device
 * @data: struct drm_tern_ctx_create
 * @file: DRM file
 *
 * Return: 0; -EINVAL for bad flags or priority; -EPERM for a realtime
 * context without CAP_SYS_NICE; -ECANCELED for a banned file; -ENOSPC
 * when no queue or address space is free; -EIO while the function is
 * being reset or is wedged; -ENOMEM.
 */
int tern_ctx_create_ioctl(struct drm_device *dev, void *data,
			  struct drm_file *file)
{
	struct tern_file_priv *fpriv = file->driver_priv;
	struct tern_device *tdev = to_tern_device(dev);
	struct drm_tern_ctx_create *args = data;
	struct tern_queue *q;
	struct tern_ctx *ctx;
	struct tern_vm *vm;
	u32 id;
	int ret;

	/* docs/uapi.md: EPERM before EINVAL. */
	if (args->priority == DRM_TERN_PRIORITY_REALTIME &&
	    !capable(CAP_SYS_NICE))
		return -EPERM;
	if (args->priority > DRM_TERN_PRIORITY_REALTIME || args->flags)
		return -EINVAL;
	if (test_bit(TERN_FILE_BANNED, &fpriv->flags))
		return -ECANCELED;

	vm = tern_file_get_vm(fpriv);
	if (IS_ERR(vm))
		return PTR_ERR(vm);

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx)
		return -ENOMEM;
	kref_init(&ctx->ref);
	ctx->tdev = tdev;
	ctx->fpriv = fpriv;
	ctx->priority = args->priority;
	ctx->fence_context = dma_fence_context_alloc(1);
	mutex_init(&ctx->submit_lock);
	atomic_set(&ctx->jobs, 0);
	init_waitqueue_head(&ctx->jobs_wq);
	INIT_WORK(&ctx->kill_work, tern_ctx_kill_work);
	ctx->err.op_index = DRM_TERN_INDEX_NONE;
	ctx->err.cmd_index = DRM_TERN_INDEX_NONE;

	q = tern_queue_acquire(tdev, ctx, vm->asid, args->priority);
	if (IS_ERR(q)) {
		ret = PTR_ERR(q);
		goto err_free;
	}
	ctx->vm = tern_vm_get(vm);

	ret = tern_ctx_init_sched(ctx);
	if (ret)
		goto err_queue;

	ret = drm_syncobj_create(&ctx->syncobj, DRM_SYNCOBJ_CREATE_SIGNALED,
				 NULL);
	if (ret)
		goto err_sched;

	mutex_lock(&fpriv->lock);
	if (test_bit(TERN_FILE_BANNED, &fpriv->flags)) {
		ret = -ECANCELED;
		goto err_unlock;
	}
	ret = xa_alloc(&fpriv->ctx_xa, &id, ctx, XA_LIMIT(1, U32_MAX),
		       GFP_KERNEL);
	if (ret) {
		ret = ret == -EBUSY ? -ENOSPC : ret;
		goto err_unlock;
	}
	ctx->id = id;
	ret = drm_syncobj_get_handle(file, ctx->syncobj, &ctx->syncobj_handle);
	if (ret) {
		xa_erase(&fpriv->ctx_xa, id);
		goto err_unlock;
	}
	mutex_unlock(&fpriv->lock);

	args->ctx_id = id;
	args->syncobj_handle = ctx->syncobj_handle;
	tern_dbg(tdev, CTX, "context %u on queue %u, ASID %u\n", id, q->index,
		 vm->asid);
	return 0;

err_unlock:
	mutex_unlock(&fpriv->lock);
	drm_syncobj_put(ctx->syncobj);
err_sched:
	drm_sched_entity_destroy(&ctx->entity);
	drm_sched_fini(&ctx->sched);
err_queue:
	tern_queue_hw_stop(q, TERN_ACK_TIMEOUT_US);
	tern_queue_release(q);
	tern_vm_put(ctx->vm);
err_free:
	tern_ctx_put(ctx);
	return ret;
}

/**
 * tern_ctx_destroy_ioctl() - DRM_IOCTL_TERN_CTX_DESTROY
 * @dev: DRM device
 * @data: struct drm_tern_ctx_destroy
 * @file: DRM file
 *
 * Return: 0; -EINVAL for a non-zero pad; -ENOENT for an unknown context.
 */
int tern_ctx_destroy_ioctl(struct drm_device *dev, void *data,
			   struct drm_file *file)
{
	struct tern_file_priv *fpriv = file->driver_priv;
	struct drm_tern_ctx_destroy *args = data;
	struct tern_ctx *ctx;

	if (args->pad)
		return -EINVAL;

	mutex_lock(&fpriv->lock);
	ctx = xa_erase(&fpriv->ctx_xa, args->ctx_id);
	mutex_unlock(&fpriv->lock);
	if (!ctx)
		return -ENOENT;

	tern_ctx_destroy(ctx, file);
	return 0;
}

/**
 * tern_ctx_query_ioctl() - DRM_IOCTL_TERN_CTX_QUERY
 * @dev: DRM device
 * @data: struct drm_tern_ctx_query
 * @file: DRM file
 *
 * Return: 0; -EINVAL for non-zero flags; -ENOENT for an unknown context.
 */
int tern_ctx_query_ioctl(struct drm_device *dev, void *data,
			 struct drm_file *file)
{
	struct tern_file_priv *fpriv = file->driver_priv;
	struct drm_tern_ctx_query *args = data;
	struct tern_ctx *ctx;
	struct tern_ctx_error e;
	u64 completed;

	if (args->flags)
		return -EINVAL;

	ctx = tern_ctx_lookup(fpriv, args->ctx_id);
	if (!ctx)
		return -ENOENT;

	spin_lock_irq(&ctx->q->lock);
	e = ctx->err;
	completed = ctx->completed;
	spin_unlock_irq(&ctx->q->lock);

	args->state = e.state;
	args->error = e.error;
	args->fault_va = e.fault_va;
	args->fault_reason = e.fault_reason;
	args->fault_access = e.fault_access;
	args->engine = e.engine;
	args->op_index = e.op_index;
	args->cmd_index = e.cmd_index;
	args->pad = 0;
	args->failed_seqno = e.failed_seqno;
	args->submitted_seqno = READ_ONCE(ctx->submitted);
	args->completed_seqno = completed;

	tern_ctx_put(ctx);
	return 0;
}

/**
 * tern_ctx_file_init() - context state of a new file
 * @fpriv: file
 */
void tern_ctx_file_init(struct tern_file_priv *fpriv)
{
	xa_init_flags(&fpriv->ctx_xa, XA_FLAGS_ALLOC1);
	INIT_WORK(&fpriv->ban_work, tern_file_ban_work);
	atomic_set(&fpriv->faults, 0);
}

/**
 * tern_ctx_file_fini() - destroy the contexts of a closing file
 * @fpriv: file
 * @file: its DRM file
 */
void tern_ctx_file_fini(struct tern_file_priv *fpriv, struct drm_file *file)
{
	struct tern_ctx *ctx;
	unsigned long id;

	for (;;) {
		mutex_lock(&fpriv->lock);
		id = 0;
		ctx = xa_find(&fpriv->ctx_xa, &id, ULONG_MAX, XA_PRESENT);
		if (ctx)
			xa_erase(&fpriv->ctx_xa, id);
		mutex_unlock(&fpriv->lock);
		if (!ctx)
			break;
		tern_ctx_destroy(ctx, file);
	}
	/* No context is left to queue the ban work again. */
	cancel_work_sync(&fpriv->ban_work);
	xa_destroy(&fpriv->ctx_xa);
}

/**
 * tern_ctx_file_busy_ns() - hardware time the file's queues executed
 * @fpriv: file
 *
 * Return: nanoseconds, live and destroyed contexts together.
 */
u64 tern_ctx_file_busy_ns(struct tern_file_priv *fpriv)
{
	struct tern_ctx *ctx;
	unsigned long id;
	u64 ns;

	mutex_lock(&fpriv->lock);
	ns = fpriv->busy_ns_closed;
	xa_for_each(&fpriv->ctx_xa, id, ctx)
		ns += ctx->busy_ns + tern_queue_busy_ns(ctx->q);
	mutex_unlock(&fpriv->lock);
	return ns;
}
