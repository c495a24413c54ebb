/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (C) 2025 The Tern authors
 *
 * Every difference between the kernels tern.ko builds for is handled here,
 * keyed on the TERN_HAVE_* feature macros that scripts/probe.sh writes into
 * tern_config.h (force-included by Kbuild). No version checks.
 */
#ifndef __TERN_COMPAT_H__
#define __TERN_COMPAT_H__

#include <linux/mm.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>

#include <drm/drm_drv.h>
#include <drm/drm_file.h>
#include <drm/gpu_scheduler.h>

#ifndef TERN_CONFIG_H
#error "tern_config.h missing: build through Kbuild, which runs scripts/probe.sh"
#endif

/*
 * Kernels with the accel subsystem (6.2+) expose /dev/accel/accelN. There
 * a driver may not be a render driver, so 6.1 gets a render node instead.
 * Both need DRIVER_SYNCOBJ and DRIVER_SYNCOBJ_TIMELINE: the core syncobj
 * ioctls check these feature flags whatever the node type.
 */
#ifdef TERN_HAVE_DRM_ACCEL
#include <drm/drm_accel.h>
#define TERN_DRIVER_NODE_FEATURES	DRIVER_COMPUTE_ACCEL
#else
#define TERN_DRIVER_NODE_FEATURES	DRIVER_RENDER
#endif

#ifndef TERN_HAVE_VM_FLAGS_SET
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}
#endif

/*
 * FOP_UNSIGNED_OFFSET (6.12) is part of DRM_ACCEL_FOPS and DRM_GEM_FOPS
 * where it exists; the driver's fops are built from those macros, so it
 * needs nothing here. TERN_HAVE_FOP_UNSIGNED_OFFSET is recorded for
 * diagnostics only.
 */

/* MODULE_IMPORT_NS() takes a string literal since 6.13. */
#ifdef TERN_HAVE_MODULE_IMPORT_NS_STRING_ONLY
#define TERN_MODULE_IMPORT_NS(ns)	MODULE_IMPORT_NS(#ns)
#else
#define TERN_MODULE_IMPORT_NS(ns)	MODULE_IMPORT_NS(ns)
#endif

/* DRM_GPU_SCHED_STAT_NOMINAL was renamed DRM_GPU_SCHED_STAT_RESET (6.17). */
#ifdef TERN_HAVE_GPU_SCHED_STAT_NOMINAL
#define TERN_SCHED_STAT_RESET		DRM_GPU_SCHED_STAT_NOMINAL
#else
#define TERN_SCHED_STAT_RESET		DRM_GPU_SCHED_STAT_RESET
#endif

/*
 * Whether a job's credits count descriptors (6.8+) or every job counts as
 * one (older schedulers, whose limit is a number of jobs).
 */
#if defined(TERN_HAVE_SCHED_JOB_INIT_CREDITS) || \
	defined(TERN_HAVE_SCHED_JOB_INIT_CLIENT_ID)
#define TERN_SCHED_HAS_CREDITS		1
#else
#define TERN_SCHED_HAS_CREDITS		0
#endif

/**
 * tern_sched_init() - drm_sched_init() in all its forms
 * @sched: scheduler to initialise
 * @ops: backend operations
 * @timeout_wq: workqueue of the timeout handler (ordered, device-wide)
 * @credit_limit: credits (or jobs, see TERN_SCHED_HAS_CREDITS) in flight
 * @timeout: job timeout in jiffies
 * @name: scheduler name
 * @dev: device for diagnostics
 *
 * Return: 0 or a negative errno.
 */
static inline int tern_sched_init(struct drm_gpu_scheduler *sched,
				  const struct drm_sched_backend_ops *ops,
				  struct workqueue_struct *timeout_wq,
				  u32 credit_limit, long timeout,
				  const char *name, struct device *dev)
{
#if defined(TERN_HAVE_SCHED_INIT_ARGS)
	const struct drm_sched_init_args args = {
		.ops = ops,
		.timeout_wq = timeout_wq,
#ifdef TERN_HAVE_SCHED_INIT_ARGS_NUM_RQS
		.num_rqs = DRM_SCHED_PRIORITY_COUNT,
#endif
		.credit_limit = credit_limit,
		.timeout = timeout,
		.name = name,
		.dev = dev,
	};

	return drm_sched_init(sched, &args);
#elif defined(TERN_HAVE_SCHED_INIT_SUBMIT_WQ)
	return drm_sched_init(sched, ops, NULL, DRM_SCHED_PRIORITY_COUNT,
			      credit_limit, 0, timeout, timeout_wq, NULL, name,
			      dev);
#elif defined(TERN_HAVE_SCHED_INIT_NUM_RQS)
	return drm_sched_init(sched, ops, DRM_SCHED_PRIORITY_COUNT,
			      credit_limit, 0, timeout, timeout_wq, NULL, name,
			      dev);
#elif defined(TERN_HAVE_SCHED_INIT_LEGACY)
	return drm_sched_init(sched, ops, credit_limit, 0, timeout, timeout_wq,
			      NULL, name, dev);
#else
#error "no known form of drm_sched_init() (see scripts/probe.sh)"
#endif
}

/**
 * tern_sched_job_init() - drm_sched_job_init() in all its forms
 * @job: job to initialise
 * @entity: entity the job is queued on
 * @credits: hardware descriptors the job occupies
 * @owner: job owner (the DRM file)
 * @client_id: DRM client id of the owner, for scheduler tracing
 *
 * Return: 0 or a negative errno.
 */
static inline int tern_sched_job_init(struct drm_sched_job *job,
				      struct drm_sched_entity *entity,
				      u32 credits, void *owner, u64 client_id)
{
#if defined(TERN_HAVE_SCHED_JOB_INIT_CLIENT_ID)
	return drm_sched_job_init(job, entity, credits, owner, client_id);
#elif defined(TERN_HAVE_SCHED_JOB_INIT_CREDITS)
	return drm_sched_job_init(job, entity, credits, owner);
#else
	return drm_sched_job_init(job, entity, owner);
#endif
}

/**
 * tern_sched_start() - drm_sched_start() after a recovery
 * @sched: scheduler stopped with drm_sched_stop()
 *
 * Re-arms the completion callbacks of every pending job (full recovery);
 * jobs whose hardware fence has signalled complete at once.
 */
static inline void tern_sched_start(struct drm_gpu_scheduler *sched)
{
#if defined(TERN_HAVE_SCHED_START_FULL_RECOVERY)
	drm_sched_start(sched, true);
#elif defined(TERN_HAVE_SCHED_START_ERRNO)
	drm_sched_start(sched, 0);
#else
	drm_sched_start(sched);
#endif
}

/**
 * tern_file_client_id() - the DRM client id of a file, for fdinfo
 * @file: DRM file
 * @fallback: the driver's own id, used where DRM has none (before 6.5)
 *
 * Return: the client id.
 */
static inline u64 tern_file_client_id(struct drm_file *file, u64 fallback)
{
#ifdef TERN_HAVE_DRM_FILE_CLIENT_ID
	return file->client_id;
#else
	return fallback;
#endif
}

/**
 * tern_file_get_pid() - the process using a DRM file
 * @file: DRM file, on its device's filelist (filelist_mutex held)
 *
 * The pointer is RCU-protected where DRM can change it (6.7+).
 *
 * Return: a reference to the pid, for put_pid(); NULL if none.
 */
static inline struct pid *tern_file_get_pid(struct drm_file *file)
{
	struct pid *pid;

#ifdef TERN_HAVE_DRM_FILE_UPDATE_PID
	rcu_read_lock();
	pid = get_pid(rcu_dereference(file->pid));
	rcu_read_unlock();
#else
	pid = get_pid(file->pid);
#endif
	return pid;
}

#endif /* __TERN_COMPAT_H__ */
