/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Copyright (C) 2025 The Tern authors
 */
#ifndef __TERN_DRV_H__
#define __TERN_DRV_H__

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/rwsem.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/xarray.h>
#include <linux/workqueue.h>

#include <drm/drm_device.h>

#include <tern/hw/tern_regs.h>

#include "tern_compat.h"
#include "tern_debug.h"
#include "tern_devclear.h"
#include "tern_heap.h"
#include "tern_mmu.h"
#include "tern_partition.h"
#include "tern_queue.h"

struct dentry;
struct dma_pool;
struct drm_file;
struct tern_vm;

#define DRIVER_NAME		"tern"
#define DRIVER_DESC		"Tern T1 accelerator"
#define DRIVER_DATE		"20250101"
#define DRIVER_MAJOR		1
#define DRIVER_MINOR		0
#define DRIVER_PATCHLEVEL	0

/* How the function is reached (hw-spec 2 and 11). */
enum tern_transport {
	TERN_TRANSPORT_PCI,	/* Tern T1 PF or VF */
	TERN_TRANSPORT_EMU,	/* tern-emu behind QEMU ivshmem-doorbell */
};

/* Device-level state, see tern_pm.c. */
enum tern_dev_state {
	TERN_STATE_READY,
	TERN_STATE_RESETTING,
	TERN_STATE_WEDGED,	/* a function reset failed; needs rebind */
};

/**
 * struct tern_hw_info - identity and limits read from the function
 * @hw_version: TERN_REG_HW_VERSION
 * @fw_version: TERN_REG_FW_VERSION
 * @func_info: TERN_REG_FUNC_INFO
 * @caps: TERN_REG_CAPS
 * @num_cores: TERN_REG_NUM_CORES
 * @num_queues: TERN_REG_NUM_QUEUES
 * @num_asids: TERN_REG_NUM_ASIDS
 * @core_mask: TERN_REG_CORE_MASK
 * @telem_valid: TERN_REG_TELEM_VALID at probe
 * @mem_size: TERN_REG_MEM_SIZE
 */
struct tern_hw_info {
	u32 hw_version;
	u32 fw_version;
	u32 func_info;
	u32 caps;
	u32 num_cores;
	u32 num_queues;
	u32 num_asids;
	u32 core_mask;
	u32 telem_valid;
	u64 mem_size;
};

/**
 * struct tern_device - one Tern function (PF or VF) bound to the driver
 * @drm: DRM device
 * @pdev: PCI function (the ivshmem function under emulation)
 * @transport: PCI or emulation
 * @regs: the 64 KiB register window
 * @emu_doorbell: ivshmem doorbell register (emulation only, else NULL)
 * @emu_doorbell_val: value written to @emu_doorbell after trigger writes
 * @aperture_base: CPU physical address of device-memory offset 0
 * @aperture_size: bytes of device memory reachable by the CPU
 * @emu_card_id: TERN_REG_EMU_CARD_ID under emulation (the card the function
 *	belongs to, hw-spec 11.8), else 0
 * @hw: identity and limits
 * @num_vectors: MSI-X vectors allocated
 * @usable_queues: hardware queues the driver uses (one vector each)
 * @state: enum tern_dev_state
 * @reset_sem: held for reading around hardware programming that a
 *	function reset would undo, for writing by the reset itself
 * @reset_wq: ordered workqueue of recovery work and job timeouts
 * @event_wq: woken by vector-0 events (reset and partition apply done)
 * @last_event_seq: TERN_REG_EVENT_SEQ last handled
 * @last_dev_status: TERN_REG_DEV_STATUS at the last event
 * @recovery_work: function reset and restore, on @reset_wq
 * @watchdog_work: heartbeat and fatal-state check
 * @last_heartbeat: TERN_REG_HEARTBEAT last seen by the watchdog
 * @heartbeat_jiffies: when @last_heartbeat last changed
 * @reset_count: function resets done since probe
 * @heap: device-memory allocator
 * @devclear: clearing by DMA, on functions without aperture
 * @mmu: device MMU state
 * @part: VF partitions (PF)
 * @vfs_link: entry in the list of bound functions (tern_vfs.c)
 * @queue_lock: protects queue ownership and @quarantine
 * @queues: the function's hardware queues
 * @wb_pool: write-back slots of the queues
 * @quarantine: memory of queues that did not stop (tern_queue.c)
 * @next_client_id: fdinfo client ids where DRM has none
 * @debugfs: the device's debugfs directory
 */
struct tern_device {
	struct drm_device drm;
	struct pci_dev *pdev;
	enum tern_transport transport;

	void __iomem *regs;
	void __iomem *emu_doorbell;
	u32 emu_doorbell_val;
	phys_addr_t aperture_base;
	u64 aperture_size;
	u64 emu_card_id;

	struct tern_hw_info hw;
	unsigned int num_vectors;
	unsigned int usable_queues;

	enum tern_dev_state state;
	struct rw_semaphore reset_sem;
	struct workqueue_struct *reset_wq;
	wait_queue_head_t event_wq;
	u32 last_event_seq;
	u32 last_dev_status;
	struct work_struct recovery_work;
	struct delayed_work watchdog_work;
	u32 last_heartbeat;
	unsigned long heartbeat_jiffies;
	atomic_t reset_count;

	struct tern_heap heap;
	struct tern_devclear devclear;
	struct tern_mmu mmu;
	struct tern_partitions part;
	struct list_head vfs_link;

	struct mutex queue_lock; /* see above */
	struct tern_queue queues[TERN_MAX_QUEUES];
	struct dma_pool *wb_pool;
	struct list_head quarantine;

	atomic64_t next_client_id;
	struct dentry *debugfs;
};

/* Bits of &tern_file_priv.flags */
#define TERN_FILE_BANNED	0

/**
 * struct tern_file_priv - per-open-file state
 * @tdev: device
 * @lock: protects @vm creation, @ctx_xa changes and @busy_ns_closed
 * @vm: the file's address space, created on first use
 * @ctx_xa: the file's contexts by id
 * @flags: TERN_FILE_* bits
 * @faults: faulted and timed-out contexts, for banning
 * @ban_work: stops every context once the file is banned
 * @busy_ns_closed: hardware time of destroyed contexts
 * @client_id: fdinfo client id
 */
struct tern_file_priv {
	struct tern_device *tdev;
	struct mutex lock; /* see above */
	struct tern_vm *vm;
	struct xarray ctx_xa;
	unsigned long flags;
	atomic_t faults;
	struct work_struct ban_work;
	u64 busy_ns_closed;
	u64 client_id;
};

struct tern_vm *tern_file_get_vm(struct tern_file_priv *fpriv);

static inline struct tern_device *to_tern_device(struct drm_device *drm)
{
	return container_of(drm, struct tern_device, drm);
}

static inline bool tern_is_vf(struct tern_device *tdev)
{
	return tdev->hw.func_info & TERN_FUNC_IS_VF;
}

static inline bool tern_is_emulated(struct tern_device *tdev)
{
	return tdev->transport == TERN_TRANSPORT_EMU;
}

/* VF index i (partition entry i) of a VF; 0 on the PF. */
static inline u32 tern_vf_index(struct tern_device *tdev)
{
	return (tdev->hw.func_info & TERN_FUNC_VF_INDEX) >>
	       TERN_FUNC_VF_INDEX_SHIFT;
}

#endif /* __TERN_DRV_H__ */
