/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (C) 2025 The Tern authors
 */
#ifndef __TERN_CTX_H__
#define __TERN_CTX_H__

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <drm/gpu_scheduler.h>

#include <uapi/drm/tern_accel.h>

struct drm_device;
struct drm_file;
struct drm_syncobj;
struct tern_device;
struct tern_file_priv;
struct tern_queue;
struct tern_vm;

/**
 * struct tern_ctx_error - first failure of a context (CTX_QUERY)
 * @state: enum drm_tern_ctx_state
 * @error: enum drm_tern_error
 * @fault_va: faulting VA (page faults)
 * @fault_reason: enum drm_tern_fault_reason
 * @fault_access: enum drm_tern_access
 * @engine: enum drm_tern_engine
 * @op_index: failing op of an EXECUTE, or DRM_TERN_*INDEX*
 * @cmd_index: failing command of the job, or DRM_TERN_INDEX_NONE
 * @failed_seqno: seqno of the failed job
 */
struct tern_ctx_error {
	u32 state;
	u32 error;
	u64 fault_va;
	u32 fault_reason;
	u32 fault_access;
	u32 engine;
	u32 op_index;
	u32 cmd_index;
	u64 failed_seqno;
};

/**
 * struct tern_ctx - an execution context: one hardware queue
 * @ref: references: the file's context table, jobs
 * @tdev: device
 * @fpriv: owning file (outlives the context)
 * @vm: the file's address space the queue runs in
 * @id: context id within the file
 * @priority: enum drm_tern_priority
 * @q: the hardware queue
 * @sched: GPU scheduler of the queue
 * @sched_list: @sched, for the entity
 * @entity: the context's only scheduler entity
 * @name: scheduler name
 * @syncobj: timeline syncobj, point N = job N finished
 * @syncobj_handle: its handle in the owning file
 * @fence_context: dma-fence context of hardware fences
 * @submit_lock: orders seqno assignment, timeline points and pushes
 * @submitted: seqno of the last submitted job
 * @completed: seqno of the last job that succeeded (under @q lock)
 * @err: first failure (under @q lock)
 * @busy_ns: hardware busy time of the queue saved before its reset
 * @jobs: jobs not yet freed
 * @jobs_wq: woken when @jobs drops to zero
 * @kill_work: stops the context on the device's reset workqueue
 * @kill_state: state @kill_work sets
 * @closing: CTX_DESTROY has started; no job runs any more
 */
struct tern_ctx {
	struct kref ref;
	struct tern_device *tdev;
	struct tern_file_priv *fpriv;
	struct tern_vm *vm;
	u32 id;
	u32 priority;
	struct tern_queue *q;

	struct drm_gpu_scheduler sched;
	struct drm_gpu_scheduler *sched_list[1];
	struct drm_sched_entity entity;
	char name[32];

	struct drm_syncobj *syncobj;
	u32 syncobj_handle;
	u64 fence_context;

	struct mutex submit_lock; /* see above */
	u64 submitted;
	u64 completed;
	struct tern_ctx_error err;
	u64 busy_ns;

	atomic_t jobs;
	wait_queue_head_t jobs_wq;
	struct work_struct kill_work;
	u32 kill_state;
	bool closing;
};

void tern_ctx_release(struct kref *ref);

static inline struct tern_ctx *tern_ctx_get(struct tern_ctx *ctx)
{
	kref_get(&ctx->ref);
	return ctx;
}

static inline void tern_ctx_put(struct tern_ctx *ctx)
{
	kref_put(&ctx->ref, tern_ctx_release);
}

struct tern_ctx *tern_ctx_lookup(struct tern_file_priv *fpriv, u32 id);
bool tern_ctx_ok(struct tern_ctx *ctx);
void tern_ctx_set_error(struct tern_ctx *ctx, const struct tern_ctx_error *e);
void tern_ctx_note_fault(struct tern_ctx *ctx);
void tern_ctx_file_init(struct tern_file_priv *fpriv);
void tern_ctx_file_fini(struct tern_file_priv *fpriv, struct drm_file *file);
u64 tern_ctx_file_busy_ns(struct tern_file_priv *fpriv);

int tern_ctx_create_ioctl(struct drm_device *dev, void *data,
			  struct drm_file *file);
int tern_ctx_destroy_ioctl(struct drm_device *dev, void *data,
			   struct drm_file *file);
int tern_ctx_query_ioctl(struct drm_device *dev, void *data,
			 struct drm_file *file);

#endif /* __TERN_CTX_H__ */
