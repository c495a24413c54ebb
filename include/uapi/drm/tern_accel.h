/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR MIT */
/*
 * Tern T1 accelerator userspace interface.
 *
 * Shared by the tern.ko DRM driver and the Tern runtime (kernel and mock
 * backends). docs/uapi.md has the call sequence and the errno of every
 * failure; this header is the binary contract.
 */

#ifndef __UAPI_TERN_ACCEL_H__
#define __UAPI_TERN_ACCEL_H__

#include "drm.h"

#if defined(__cplusplus)
extern "C" {
#endif

/**
 * DOC: Tern UAPI overview
 *
 * The driver registers /dev/accel/accelN (DRIVER_COMPUTE_ACCEL, kernel
 * 6.2 and later) or a render node /dev/dri/renderD* (kernel 6.1). The DRM
 * driver name reported by DRM_IOCTL_VERSION is "tern".
 *
 * Address spaces: every open file of the device owns one device address
 * space (a hardware ASID and its page tables, created on first use). A
 * buffer object (BO) is a GEM object; %DRM_IOCTL_TERN_BO_CREATE maps it
 * into the file's address space and returns its device virtual address
 * (VA). Device VAs are meaningful only to the file that created them, so
 * isolation is per file: a runtime opens one file per runtime context.
 *
 * Contexts: %DRM_IOCTL_TERN_CTX_CREATE creates a hardware execution
 * context inside the file's address space: one device queue, a priority
 * and a DRM syncobj with a timeline. Every %DRM_IOCTL_TERN_SUBMIT to a
 * context is one job that returns a sequence number; the job's completion
 * signals that point on the context's timeline, so userspace waits with
 * the generic DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT. Jobs of one context run in
 * submission order; dependencies on other contexts (or other files, other
 * devices) are expressed with in-fences, never with hardware semaphores,
 * which the kernel keeps to itself.
 *
 * Commands: a job is an array of &struct drm_tern_cmd (DMA copy, execute
 * a program, timestamp, no-op). The kernel validates every command and
 * writes the hardware descriptors itself; userspace never writes a ring.
 *
 * Errors: a job that faults or times out stops its context. Its timeline
 * point, and those of every later job of the context, are still signalled
 * so that no waiter hangs; %DRM_IOCTL_TERN_CTX_QUERY tells whether the
 * jobs succeeded and, if not, which command failed and why. Other
 * contexts are not disturbed.
 *
 * Conventions: all structures use fixed-size types and explicit padding
 * (every @pad and @flags field must be zero unless documented), user
 * pointers are passed as __u64, and every structure size is a multiple of
 * 8 bytes. The interface only grows (see docs/uapi.md, "Versioning").
 */

/**
 * DOC: Tern UAPI version
 *
 * %DRM_TERN_PARAM_UAPI_VERSION returns TERN_UAPI_VERSION of the running
 * driver. The minor number grows with every addition to this header; the
 * major number changes only if compatibility is broken, which is never
 * planned. Userspace requires an equal major and a minor at least as large
 * as that of the first version with the features it uses.
 */
#define TERN_UAPI_VERSION_MAJOR		1
#define TERN_UAPI_VERSION_MINOR		0
#define TERN_UAPI_VERSION		((TERN_UAPI_VERSION_MAJOR << 16) | \
					 TERN_UAPI_VERSION_MINOR)
#define TERN_UAPI_VERSION_GET_MAJOR(v)	(((v) >> 16) & 0xffff)
#define TERN_UAPI_VERSION_GET_MINOR(v)	((v) & 0xffff)

#define DRM_TERN_GET_PARAM		0x00
#define DRM_TERN_GET_INFO		0x01
#define DRM_TERN_BO_CREATE		0x02
#define DRM_TERN_BO_INFO		0x03
#define DRM_TERN_CTX_CREATE		0x04
#define DRM_TERN_CTX_DESTROY		0x05
#define DRM_TERN_SUBMIT			0x06
#define DRM_TERN_CTX_QUERY		0x07
#define DRM_TERN_PARTITION_SET		0x08

#define DRM_IOCTL_TERN_GET_PARAM \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_TERN_GET_PARAM, struct drm_tern_param)
#define DRM_IOCTL_TERN_GET_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_TERN_GET_INFO, struct drm_tern_get_info)
#define DRM_IOCTL_TERN_BO_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_TERN_BO_CREATE, \
		 struct drm_tern_bo_create)
#define DRM_IOCTL_TERN_BO_INFO \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_TERN_BO_INFO, struct drm_tern_bo_info)
#define DRM_IOCTL_TERN_CTX_CREATE \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_TERN_CTX_CREATE, \
		 struct drm_tern_ctx_create)
#define DRM_IOCTL_TERN_CTX_DESTROY \
	DRM_IOW(DRM_COMMAND_BASE + DRM_TERN_CTX_DESTROY, \
		struct drm_tern_ctx_destroy)
#define DRM_IOCTL_TERN_SUBMIT \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_TERN_SUBMIT, struct drm_tern_submit)
#define DRM_IOCTL_TERN_CTX_QUERY \
	DRM_IOWR(DRM_COMMAND_BASE + DRM_TERN_CTX_QUERY, \
		 struct drm_tern_ctx_query)
#define DRM_IOCTL_TERN_PARTITION_SET \
	DRM_IOW(DRM_COMMAND_BASE + DRM_TERN_PARTITION_SET, \
		struct drm_tern_partition_set)

/**
 * DOC: Tern limits
 *
 * %DRM_TERN_MAX_CMDS_PER_SUBMIT: most commands in one job
 * (&drm_tern_submit.cmd_count).
 *
 * %DRM_TERN_MAX_IN_FENCES: most in-fences of one job
 * (&drm_tern_submit.in_fence_count).
 *
 * %DRM_TERN_MAX_BINDINGS: most binding-table entries of one EXECUTE
 * command (&drm_tern_cmd_exec.binding_count), as the hardware.
 *
 * %DRM_TERN_MAX_PROGRAM_SIZE: largest program image in bytes
 * (&drm_tern_cmd_exec.program_size), as the hardware.
 *
 * %DRM_TERN_MAX_DMA_SIZE: largest DMA copy in bytes
 * (&drm_tern_cmd_dma.size), as the hardware.
 *
 * %DRM_TERN_MAX_CORES: most compute cores of one function; the length of
 * &drm_tern_telemetry.core_util and the width of core masks.
 *
 * %DRM_TERN_MAX_PARTITIONS: most VF partitions of a card; the length of
 * &drm_tern_partition_table.entries.
 */
#define DRM_TERN_MAX_CMDS_PER_SUBMIT	1024
#define DRM_TERN_MAX_IN_FENCES		64
#define DRM_TERN_MAX_BINDINGS		256
#define DRM_TERN_MAX_PROGRAM_SIZE	(16U << 20)
#define DRM_TERN_MAX_DMA_SIZE		(1ULL << 40)
#define DRM_TERN_MAX_CORES		32
#define DRM_TERN_MAX_PARTITIONS		8

/**
 * enum drm_tern_param_id - parameters read with %DRM_IOCTL_TERN_GET_PARAM
 *
 * All parameters are read-only and describe the function (PF or VF) the
 * file was opened on. &drm_tern_param.index must be zero for all of them.
 *
 * @DRM_TERN_PARAM_DEVICE_ID: PCI device ID of the Tern function
 *	(0x0001 PF, 0x0002 VF), also when the device is emulated.
 * @DRM_TERN_PARAM_REVISION: PCI revision ID.
 * @DRM_TERN_PARAM_UAPI_VERSION: TERN_UAPI_VERSION of the driver,
 *	major << 16 | minor. Read it first (version handshake).
 * @DRM_TERN_PARAM_CAPABILITIES: DRM_TERN_CAP_* bitmask.
 * @DRM_TERN_PARAM_NUM_CORES: compute cores of this function.
 * @DRM_TERN_PARAM_CORE_MASK: physical cores owned by this function, one
 *	bit per core of the card (the PF owns all of them).
 * @DRM_TERN_PARAM_MEM_SIZE: bytes of device memory of this function (a
 *	VF: its window).
 * @DRM_TERN_PARAM_MEM_FREE: bytes of that device memory not allocated to
 *	BOs (on the PF, memory assigned to VF partitions is not free).
 * @DRM_TERN_PARAM_NUM_QUEUES: hardware queues of this function.
 * @DRM_TERN_PARAM_MAX_CONTEXTS: most contexts that can exist at once on
 *	this function, all files together.
 * @DRM_TERN_PARAM_VA_BITS: width of a device virtual address (48 on T1).
 * @DRM_TERN_PARAM_VA_START: lowest device VA that BO_CREATE may return;
 *	at least @DRM_TERN_PARAM_PAGE_SIZE, so that VA 0 always faults.
 * @DRM_TERN_PARAM_VA_END: end (exclusive) of the VA range that BO_CREATE
 *	may return; at most 1 << VA_BITS.
 * @DRM_TERN_PARAM_PAGE_SIZE: device MMU page size in bytes; BO sizes are
 *	rounded up to it and VAs aligned to it.
 * @DRM_TERN_PARAM_NUMA_NODE: NUMA node closest to the device as a __s64
 *	stored in the __u64, -1 when the platform does not say.
 * @DRM_TERN_PARAM_PCI_ADDRESS: PCI address of the function, see
 *	DRM_TERN_PCI_ADDRESS().
 * @DRM_TERN_PARAM_FUNCTION: DRM_TERN_FUNCTION_IS_VF | VF index << 8, as
 *	the hardware's FUNC_INFO register; 0 on the PF.
 * @DRM_TERN_PARAM_HW_VERSION: hardware version, major << 16 | minor.
 * @DRM_TERN_PARAM_FW_VERSION: firmware version,
 *	major << 24 | minor << 16 | patch.
 * @DRM_TERN_PARAM_DRIVER_VERSION: kernel driver release,
 *	major << 32 | minor << 16 | patch.
 * @DRM_TERN_PARAM_TIMESTAMP_FREQ: frequency in Hz of the device clock
 *	that TIMESTAMP commands write (1000000000 on T1: nanoseconds).
 * @DRM_TERN_PARAM_TIMESTAMP: current value of that device clock; read it
 *	next to clock_gettime() to correlate device and host time.
 * @DRM_TERN_PARAM_VENDOR_ID: PCI vendor ID of the Tern function, also
 *	when the device is emulated.
 * @DRM_TERN_PARAM_MAX_ADDRESS_SPACES: address spaces of this function,
 *	i.e. how many files can hold BOs or contexts at once.
 * @DRM_TERN_PARAM_MAX_PARTITIONS: VF partitions the card supports; 0 on
 *	a VF and on a PF without partitioning.
 */
enum drm_tern_param_id {
	DRM_TERN_PARAM_DEVICE_ID		= 0,
	DRM_TERN_PARAM_REVISION			= 1,
	DRM_TERN_PARAM_UAPI_VERSION		= 2,
	DRM_TERN_PARAM_CAPABILITIES		= 3,
	DRM_TERN_PARAM_NUM_CORES		= 4,
	DRM_TERN_PARAM_CORE_MASK		= 5,
	DRM_TERN_PARAM_MEM_SIZE			= 6,
	DRM_TERN_PARAM_MEM_FREE			= 7,
	DRM_TERN_PARAM_NUM_QUEUES		= 8,
	DRM_TERN_PARAM_MAX_CONTEXTS		= 9,
	DRM_TERN_PARAM_VA_BITS			= 10,
	DRM_TERN_PARAM_VA_START			= 11,
	DRM_TERN_PARAM_VA_END			= 12,
	DRM_TERN_PARAM_PAGE_SIZE		= 13,
	DRM_TERN_PARAM_NUMA_NODE		= 14,
	DRM_TERN_PARAM_PCI_ADDRESS		= 15,
	DRM_TERN_PARAM_FUNCTION			= 16,
	DRM_TERN_PARAM_HW_VERSION		= 17,
	DRM_TERN_PARAM_FW_VERSION		= 18,
	DRM_TERN_PARAM_DRIVER_VERSION		= 19,
	DRM_TERN_PARAM_TIMESTAMP_FREQ		= 20,
	DRM_TERN_PARAM_TIMESTAMP		= 21,
	DRM_TERN_PARAM_VENDOR_ID		= 22,
	DRM_TERN_PARAM_MAX_ADDRESS_SPACES	= 23,
	DRM_TERN_PARAM_MAX_PARTITIONS		= 24,
};

/**
 * DOC: Tern capabilities
 *
 * Bits of %DRM_TERN_PARAM_CAPABILITIES. Bits 0..31 are the hardware's
 * capability register, bit for bit; bits 32..63 are driver features.
 *
 * %DRM_TERN_CAP_FP32, %DRM_TERN_CAP_BF16, %DRM_TERN_CAP_FP16,
 * %DRM_TERN_CAP_INT32: tensor data types the compute cores support.
 *
 * %DRM_TERN_CAP_SEMAPHORES: the device has queue semaphores (used by the
 * kernel only; informational).
 *
 * %DRM_TERN_CAP_TIMESTAMP: %DRM_TERN_CMD_TIMESTAMP is supported.
 *
 * %DRM_TERN_CAP_LARGE_PAGES: the device MMU maps 2 MiB pages.
 *
 * %DRM_TERN_CAP_PARTITIONING: the hardware can partition the card into VFs
 * (PF only).
 *
 * %DRM_TERN_CAP_ERR_INJECT: the hardware can inject errors (test cards).
 *
 * %DRM_TERN_CAP_TIMELINE_SYNCOBJ: contexts report completion on timeline
 * syncobjs (always set since 1.0).
 *
 * %DRM_TERN_CAP_DEVICE_MMAP: BOs in device memory can be mapped with
 * mmap() (write-combined, through the device-memory BAR).
 *
 * %DRM_TERN_CAP_PARTITION_SET: this function accepts
 * %DRM_IOCTL_TERN_PARTITION_SET and %DRM_TERN_INFO_PARTITIONS.
 *
 * %DRM_TERN_CAP_TELEMETRY: %DRM_TERN_INFO_TELEMETRY is supported.
 *
 * %DRM_TERN_CAP_EMULATED: the device is the Tern emulator (tern-emu behind
 * QEMU ivshmem), not silicon.
 */
#define DRM_TERN_CAP_FP32		(1ULL << 0)
#define DRM_TERN_CAP_BF16		(1ULL << 1)
#define DRM_TERN_CAP_FP16		(1ULL << 2)
#define DRM_TERN_CAP_INT32		(1ULL << 3)
#define DRM_TERN_CAP_SEMAPHORES		(1ULL << 4)
#define DRM_TERN_CAP_TIMESTAMP		(1ULL << 5)
#define DRM_TERN_CAP_LARGE_PAGES	(1ULL << 6)
#define DRM_TERN_CAP_PARTITIONING	(1ULL << 7)
#define DRM_TERN_CAP_ERR_INJECT		(1ULL << 8)
#define DRM_TERN_CAP_TIMELINE_SYNCOBJ	(1ULL << 32)
#define DRM_TERN_CAP_DEVICE_MMAP	(1ULL << 33)
#define DRM_TERN_CAP_PARTITION_SET	(1ULL << 34)
#define DRM_TERN_CAP_TELEMETRY		(1ULL << 35)
#define DRM_TERN_CAP_EMULATED		(1ULL << 36)

/**
 * DOC: Tern PCI address and function encodings
 *
 * %DRM_TERN_PARAM_PCI_ADDRESS packs domain:bus:device.function as
 * domain << 32 | bus << 8 | device << 3 | function; DRM_TERN_PCI_ADDRESS()
 * builds the value and the DRM_TERN_PCI_ADDRESS_*() macros take it apart.
 *
 * %DRM_TERN_PARAM_FUNCTION is %DRM_TERN_FUNCTION_IS_VF for a VF, with the
 * VF index (0-based, as in sriov_numvfs order) in bits 15:8.
 */
#define DRM_TERN_PCI_ADDRESS(dom, bus, dev, fn) \
	(((__u64)(dom) << 32) | (((__u64)(bus) & 0xff) << 8) | \
	 (((__u64)(dev) & 0x1f) << 3) | ((__u64)(fn) & 0x7))
#define DRM_TERN_PCI_ADDRESS_DOMAIN(v)	((__u32)((v) >> 32))
#define DRM_TERN_PCI_ADDRESS_BUS(v)	((__u32)(((v) >> 8) & 0xff))
#define DRM_TERN_PCI_ADDRESS_DEV(v)	((__u32)(((v) >> 3) & 0x1f))
#define DRM_TERN_PCI_ADDRESS_FN(v)	((__u32)((v) & 0x7))

#define DRM_TERN_FUNCTION_IS_VF		(1ULL << 0)
#define DRM_TERN_FUNCTION_VF_INDEX_SHIFT	8
#define DRM_TERN_FUNCTION_VF_INDEX(v)	((__u32)(((v) >> 8) & 0xff))

/**
 * struct drm_tern_param - read one device parameter
 *
 * Argument of %DRM_IOCTL_TERN_GET_PARAM.
 */
struct drm_tern_param {
	/** @param: in, enum drm_tern_param_id */
	__u32 param;

	/**
	 * @index: in, instance of a parameter that has several; must be zero
	 * for every parameter of this version
	 */
	__u32 index;

	/** @value: out, the parameter's value */
	__u64 value;
};

/**
 * enum drm_tern_info_query - queries of %DRM_IOCTL_TERN_GET_INFO
 *
 * @DRM_TERN_INFO_TELEMETRY: one sample of &struct drm_tern_telemetry.
 * @DRM_TERN_INFO_PARTITIONS: the partition table,
 *	&struct drm_tern_partition_table (PF with
 *	%DRM_TERN_CAP_PARTITION_SET only).
 */
enum drm_tern_info_query {
	DRM_TERN_INFO_TELEMETRY		= 0,
	DRM_TERN_INFO_PARTITIONS	= 1,
};

/**
 * struct drm_tern_get_info - read a variable-size information block
 *
 * Argument of %DRM_IOCTL_TERN_GET_INFO. The kernel copies
 * min(@size, its size of the block) bytes to @data_ptr, zeroes the rest of
 * the caller's @size bytes, and returns its own size of the block in
 * @size. With @size zero on input only the size is returned and @data_ptr
 * may be 0. Blocks only grow at their end, so older and newer userspace
 * both read the fields they know.
 */
struct drm_tern_get_info {
	/** @query: in, enum drm_tern_info_query */
	__u32 query;

	/** @flags: in, must be zero */
	__u32 flags;

	/**
	 * @size: in, bytes available at @data_ptr; out, bytes of the
	 * block as the kernel knows it
	 */
	__u32 size;

	/** @pad: must be zero */
	__u32 pad;

	/** @data_ptr: in, user pointer to the destination buffer */
	__u64 data_ptr;
};

/**
 * DOC: Tern telemetry sensors
 *
 * Bits of &drm_tern_telemetry.valid, equal to the hardware's telemetry
 * valid register. A field whose bit is clear is not measured on this card
 * and reads 0; it is unavailable, not zero.
 */
#define DRM_TERN_TELEM_TEMP_DIE		(1U << 0)
#define DRM_TERN_TELEM_TEMP_HBM		(1U << 1)
#define DRM_TERN_TELEM_COOLANT_IN	(1U << 2)
#define DRM_TERN_TELEM_COOLANT_OUT	(1U << 3)
#define DRM_TERN_TELEM_COOLANT_FLOW	(1U << 4)
#define DRM_TERN_TELEM_POWER		(1U << 5)
#define DRM_TERN_TELEM_ENERGY		(1U << 6)
#define DRM_TERN_TELEM_CORE_UTIL	(1U << 7)
#define DRM_TERN_TELEM_ECC		(1U << 8)
#define DRM_TERN_TELEM_CLOCK		(1U << 9)

/**
 * struct drm_tern_telemetry - one telemetry sample
 *
 * Block of %DRM_TERN_INFO_TELEMETRY. Temperatures, power, energy and ECC
 * counters are card-wide; on a VF @core_util covers only the VF's cores.
 * The device refreshes telemetry every 10 ms; @seq tells samples apart.
 */
struct drm_tern_telemetry {
	/** @valid: DRM_TERN_TELEM_* bits of the sensors present */
	__u32 valid;

	/** @seq: telemetry update counter of the device */
	__u32 seq;

	/** @timestamp_ns: device clock (ns) when the sample was read */
	__u64 timestamp_ns;

	/** @temp_die_mc: die temperature, milli-degrees Celsius */
	__s32 temp_die_mc;

	/** @temp_hbm_mc: HBM temperature, milli-degrees Celsius */
	__s32 temp_hbm_mc;

	/** @coolant_in_mc: coolant inlet temperature, milli-degrees Celsius */
	__s32 coolant_in_mc;

	/** @coolant_out_mc: coolant outlet temperature, milli-degrees Celsius */
	__s32 coolant_out_mc;

	/**
	 * @temp_limit_mc: die temperature above which the clock is
	 * throttled, milli-degrees Celsius
	 */
	__s32 temp_limit_mc;

	/** @coolant_flow_ml_min: coolant flow, millilitres per minute */
	__u32 coolant_flow_ml_min;

	/** @power_mw: board power, milliwatts */
	__u32 power_mw;

	/** @clock_mhz: current core clock, MHz */
	__u32 clock_mhz;

	/** @energy_uj: energy used since the card powered on, microjoules */
	__u64 energy_uj;

	/** @ecc_corrected: corrected memory errors since power-on */
	__u64 ecc_corrected;

	/** @ecc_uncorrected: uncorrected memory errors since power-on */
	__u64 ecc_uncorrected;

	/** @throttled: 1 while the clock is thermally throttled, else 0 */
	__u32 throttled;

	/** @heartbeat: device heartbeat counter, +1 every 10 ms */
	__u32 heartbeat;

	/** @num_cores: entries of @core_util that are valid */
	__u32 num_cores;

	/** @pad: zero */
	__u32 pad;

	/**
	 * @core_util: utilisation of each core of the function over the
	 * last telemetry period, 0..10000 = 0.00..100.00 %; index i is the
	 * i-th set bit of %DRM_TERN_PARAM_CORE_MASK
	 */
	__u32 core_util[DRM_TERN_MAX_CORES];
};

/**
 * struct drm_tern_partition - resources of one VF
 *
 * Entry of %DRM_IOCTL_TERN_PARTITION_SET and of
 * &struct drm_tern_partition_table. The device enforces these limits on
 * the VF whatever the VF's driver does.
 */
struct drm_tern_partition {
	/**
	 * @mem_base: offset of the VF's device-memory window in card
	 * memory, 2 MiB aligned; windows of different VFs must not overlap
	 */
	__u64 mem_base;

	/** @mem_size: bytes of the window, a non-zero multiple of 2 MiB */
	__u64 mem_size;

	/**
	 * @core_mask: physical cores given to the VF, non-empty, within
	 * the card's cores and disjoint from other VFs' masks
	 */
	__u32 core_mask;

	/** @num_queues: hardware queues (contexts) of the VF, 1..16 */
	__u32 num_queues;

	/**
	 * @num_asids: address spaces of the VF, 1..64, i.e. how many files
	 * on the VF can hold BOs or contexts at once
	 */
	__u32 num_asids;

	/** @flags: must be zero */
	__u32 flags;
};

/**
 * struct drm_tern_partition_table - the card's partition table
 *
 * Block of %DRM_TERN_INFO_PARTITIONS.
 */
struct drm_tern_partition_table {
	/** @num_vfs: entries of @entries in use (last PARTITION_SET) */
	__u32 num_vfs;

	/** @max_vfs: most VFs the card supports */
	__u32 max_vfs;

	/** @enabled_vfs: VFs currently enabled through sriov_numvfs */
	__u32 enabled_vfs;

	/** @card_core_mask: all physical cores of the card */
	__u32 card_core_mask;

	/** @card_mem_size: bytes of device memory of the whole card */
	__u64 card_mem_size;

	/** @entries: partition of VF i in entry i; unused entries are zero */
	struct drm_tern_partition entries[DRM_TERN_MAX_PARTITIONS];
};

/**
 * DOC: Tern BO flags
 *
 * %DRM_TERN_BO_HOST: the BO lives in system memory (pinned pages the
 * device reaches through its MMU), mapped write-back cached by mmap().
 *
 * %DRM_TERN_BO_DEVICE: the BO lives in the function's device memory;
 * mmap() is possible with %DRM_TERN_CAP_DEVICE_MMAP (write-combined).
 *
 * Exactly one of %DRM_TERN_BO_HOST and %DRM_TERN_BO_DEVICE must be set.
 *
 * %DRM_TERN_BO_READ_ONLY: the device may only read the BO; a device write
 * faults the context (%DRM_TERN_FAULT_WRITE). CPU mappings stay writable,
 * so that userspace can fill weights and programs.
 */
#define DRM_TERN_BO_HOST		(1U << 0)
#define DRM_TERN_BO_DEVICE		(1U << 1)
#define DRM_TERN_BO_READ_ONLY		(1U << 2)
#define DRM_TERN_BO_FLAGS		(DRM_TERN_BO_HOST | \
					 DRM_TERN_BO_DEVICE | \
					 DRM_TERN_BO_READ_ONLY)

/**
 * struct drm_tern_bo_create - allocate a BO and map it for the device
 *
 * Argument of %DRM_IOCTL_TERN_BO_CREATE. The BO stays mapped into the
 * file's device address space until its last reference (GEM handles, CPU
 * mappings) is gone and every job of the file submitted before that has
 * completed, so it cannot be freed under a running job.
 */
struct drm_tern_bo_create {
	/**
	 * @size: in, bytes, non-zero; rounded up to
	 * %DRM_TERN_PARAM_PAGE_SIZE (BO_INFO returns the rounded size)
	 */
	__u64 size;

	/** @flags: in, DRM_TERN_BO_* */
	__u32 flags;

	/** @handle: out, GEM handle of the new BO */
	__u32 handle;

	/**
	 * @va: out, device VA of the BO in the file's address space,
	 * page aligned, within [VA_START, VA_END)
	 */
	__u64 va;
};

/**
 * struct drm_tern_bo_info - describe a BO
 *
 * Argument of %DRM_IOCTL_TERN_BO_INFO.
 */
struct drm_tern_bo_info {
	/** @handle: in, GEM handle of the BO */
	__u32 handle;

	/** @flags: out, DRM_TERN_BO_* the BO was created with */
	__u32 flags;

	/** @va: out, device VA of the BO */
	__u64 va;

	/** @size: out, bytes, a multiple of the page size */
	__u64 size;

	/**
	 * @mmap_offset: out, offset to pass to mmap() on the DRM file, 0
	 * when the BO cannot be mapped (device memory without
	 * %DRM_TERN_CAP_DEVICE_MMAP)
	 */
	__u64 mmap_offset;
};

/**
 * enum drm_tern_priority - context priorities
 *
 * The value is the hardware queue's arbitration priority.
 *
 * @DRM_TERN_PRIORITY_LOW: background work.
 * @DRM_TERN_PRIORITY_NORMAL: default.
 * @DRM_TERN_PRIORITY_HIGH: latency-sensitive work.
 * @DRM_TERN_PRIORITY_REALTIME: needs CAP_SYS_NICE.
 */
enum drm_tern_priority {
	DRM_TERN_PRIORITY_LOW		= 0,
	DRM_TERN_PRIORITY_NORMAL	= 1,
	DRM_TERN_PRIORITY_HIGH		= 2,
	DRM_TERN_PRIORITY_REALTIME	= 3,
};

/**
 * struct drm_tern_ctx_create - create an execution context
 *
 * Argument of %DRM_IOCTL_TERN_CTX_CREATE. The context owns one hardware
 * queue bound to the file's address space, and a timeline syncobj whose
 * point N signals when the context's job with seqno N has finished (its
 * initial point, 0, is signalled).
 */
struct drm_tern_ctx_create {
	/** @priority: in, enum drm_tern_priority */
	__u32 priority;

	/** @flags: in, must be zero */
	__u32 flags;

	/** @ctx_id: out, context ID within this file, never 0 */
	__u32 ctx_id;

	/**
	 * @syncobj_handle: out, handle in this file of the context's
	 * timeline syncobj; wait on it, export it, but never signal or
	 * reset it. It is released by CTX_DESTROY.
	 */
	__u32 syncobj_handle;
};

/**
 * struct drm_tern_ctx_destroy - destroy an execution context
 *
 * Argument of %DRM_IOCTL_TERN_CTX_DESTROY. Jobs that have not started
 * are cancelled and a running job is stopped; the ioctl returns once the
 * context's queue is idle, with all its timeline points signalled. The
 * syncobj handle is released; exported copies of it stay valid.
 */
struct drm_tern_ctx_destroy {
	/** @ctx_id: in, context to destroy */
	__u32 ctx_id;

	/** @pad: must be zero */
	__u32 pad;
};

/**
 * enum drm_tern_cmd_type - command types of &struct drm_tern_cmd
 *
 * @DRM_TERN_CMD_NOP: do nothing; the whole payload must be zero.
 * @DRM_TERN_CMD_DMA_COPY: copy bytes, &drm_tern_cmd.dma.
 * @DRM_TERN_CMD_EXECUTE: run a program on compute cores,
 *	&drm_tern_cmd.exec.
 * @DRM_TERN_CMD_TIMESTAMP: write the device clock, &drm_tern_cmd.timestamp
 *	(needs %DRM_TERN_CAP_TIMESTAMP).
 */
enum drm_tern_cmd_type {
	DRM_TERN_CMD_NOP		= 0,
	DRM_TERN_CMD_DMA_COPY		= 1,
	DRM_TERN_CMD_EXECUTE		= 2,
	DRM_TERN_CMD_TIMESTAMP		= 3,
};

/**
 * struct drm_tern_cmd_dma - payload of %DRM_TERN_CMD_DMA_COPY
 *
 * Ranges must lie below 1 << VA_BITS; overlapping ranges give undefined
 * destination contents.
 */
struct drm_tern_cmd_dma {
	/** @src_va: device VA of the first source byte */
	__u64 src_va;

	/** @dst_va: device VA of the first destination byte */
	__u64 dst_va;

	/** @size: bytes, 1..%DRM_TERN_MAX_DMA_SIZE */
	__u64 size;
};

/**
 * struct drm_tern_cmd_exec - payload of %DRM_TERN_CMD_EXECUTE
 *
 * The program image and binding table formats are those of the
 * hardware (include/tern/hw/tern_isa.h); the device validates the image.
 */
struct drm_tern_cmd_exec {
	/** @program_va: device VA of the program image, 64-byte aligned */
	__u64 program_va;

	/**
	 * @bindings_va: device VA of @binding_count binding-table entries,
	 * 16-byte aligned; must be 0 when @binding_count is 0
	 */
	__u64 bindings_va;

	/**
	 * @program_size: bytes of the image, 1..%DRM_TERN_MAX_PROGRAM_SIZE,
	 * equal to the size in its header
	 */
	__u32 program_size;

	/** @binding_count: entries of the binding table, 0..256 */
	__u32 binding_count;

	/**
	 * @core_mask: cores to run on, bit i = the function's i-th core
	 * (relative, as %DRM_TERN_PARAM_NUM_CORES counts them); 0 = all.
	 * Bits at or above NUM_CORES are rejected.
	 */
	__u32 core_mask;

	/** @pad: must be zero */
	__u32 pad;
};

/**
 * struct drm_tern_cmd_timestamp - payload of %DRM_TERN_CMD_TIMESTAMP
 *
 * When the command executes, after every earlier command of the context
 * has completed, the device writes its clock (a __u64 in
 * %DRM_TERN_PARAM_TIMESTAMP_FREQ units) to @dst_va.
 */
struct drm_tern_cmd_timestamp {
	/** @dst_va: device VA of the destination, 8-byte aligned */
	__u64 dst_va;
};

/**
 * struct drm_tern_cmd - one command of a job
 *
 * Element of the array at &drm_tern_submit.cmds_ptr. Payload bytes not
 * covered by the member that @type selects must be zero.
 */
struct drm_tern_cmd {
	/** @type: enum drm_tern_cmd_type */
	__u32 type;

	/** @flags: must be zero */
	__u32 flags;

	union {
		/** @dma: %DRM_TERN_CMD_DMA_COPY */
		struct drm_tern_cmd_dma dma;

		/** @exec: %DRM_TERN_CMD_EXECUTE */
		struct drm_tern_cmd_exec exec;

		/** @timestamp: %DRM_TERN_CMD_TIMESTAMP */
		struct drm_tern_cmd_timestamp timestamp;

		/** @raw: the payload as words, room for future types */
		__u64 raw[7];
	};
};

/**
 * struct drm_tern_fence - one in-fence of a job
 *
 * Element of the array at &drm_tern_submit.in_fences_ptr.
 */
struct drm_tern_fence {
	/** @handle: syncobj handle in this file (binary or timeline) */
	__u32 handle;

	/** @pad: must be zero */
	__u32 pad;

	/**
	 * @point: timeline point to wait for; 0 for a binary syncobj. A
	 * fence must already be attached to the point at SUBMIT time.
	 */
	__u64 point;
};

/**
 * struct drm_tern_submit - queue a job on a context
 *
 * Argument of %DRM_IOCTL_TERN_SUBMIT. The job starts after every earlier
 * job of the context and every in-fence has signalled. If an in-fence
 * signals with an error the job is not run and the context fails with
 * %DRM_TERN_ERR_DEPENDENCY. A job with no commands only orders and
 * signals.
 */
struct drm_tern_submit {
	/** @ctx_id: in, context to run the job on */
	__u32 ctx_id;

	/** @cmd_count: in, commands at @cmds_ptr, 0..1024 */
	__u32 cmd_count;

	/** @cmds_ptr: in, user pointer to an array of struct drm_tern_cmd */
	__u64 cmds_ptr;

	/** @in_fence_count: in, fences at @in_fences_ptr, 0..64 */
	__u32 in_fence_count;

	/** @flags: in, must be zero */
	__u32 flags;

	/**
	 * @in_fences_ptr: in, user pointer to an array of
	 * struct drm_tern_fence
	 */
	__u64 in_fences_ptr;

	/**
	 * @seqno: out, the job's sequence number: the point of the
	 * context's syncobj timeline signalled when the job finishes. The
	 * first job of a context gets 1, each next job one more.
	 */
	__u64 seqno;
};

/**
 * enum drm_tern_ctx_state - state of a context
 *
 * Any state but %DRM_TERN_CTX_STATE_OK is final: the context accepts no
 * more jobs (SUBMIT fails with ECANCELED) and must be destroyed.
 *
 * @DRM_TERN_CTX_STATE_OK: every finished job succeeded.
 * @DRM_TERN_CTX_STATE_FAULTED: a job failed (hardware error or failed
 *	in-fence); &drm_tern_ctx_query.error says why.
 * @DRM_TERN_CTX_STATE_TIMED_OUT: a job ran longer than the job timeout
 *	and was stopped.
 * @DRM_TERN_CTX_STATE_BANNED: the file caused too many faults or
 *	timeouts; all its contexts are stopped and CTX_CREATE fails.
 * @DRM_TERN_CTX_STATE_RESET: the function was reset (fatal device error
 *	or administrator); device memory contents are lost.
 */
enum drm_tern_ctx_state {
	DRM_TERN_CTX_STATE_OK		= 0,
	DRM_TERN_CTX_STATE_FAULTED	= 1,
	DRM_TERN_CTX_STATE_TIMED_OUT	= 2,
	DRM_TERN_CTX_STATE_BANNED	= 3,
	DRM_TERN_CTX_STATE_RESET	= 4,
};

/**
 * enum drm_tern_error - error codes of &drm_tern_ctx_query.error
 *
 * Values 0..255 are the hardware queue error codes, value for value;
 * 256 and up are detected by the driver.
 *
 * @DRM_TERN_ERR_NONE: no error.
 * @DRM_TERN_ERR_PAGE_FAULT: device MMU fault, see the fault_* fields.
 * @DRM_TERN_ERR_BAD_OPCODE: the device rejected a descriptor opcode.
 * @DRM_TERN_ERR_BAD_DESC: the device rejected a descriptor field.
 * @DRM_TERN_ERR_PROGRAM: the program failed validation (op_index says
 *	where).
 * @DRM_TERN_ERR_RING: the queue's ring was unreadable (driver bug).
 * @DRM_TERN_ERR_BAD_SEMAPHORE: semaphore index out of range (driver bug).
 * @DRM_TERN_ERR_NO_CORES: the core mask selects no core of the function.
 * @DRM_TERN_ERR_WB: completion write-back failed (driver bug).
 * @DRM_TERN_ERR_ASID: the address space had no page table (driver bug).
 * @DRM_TERN_ERR_INDEX: a gather index was out of range.
 * @DRM_TERN_ERR_TIMEOUT: the job exceeded the job timeout.
 * @DRM_TERN_ERR_DEPENDENCY: an in-fence signalled with an error.
 * @DRM_TERN_ERR_DEVICE_RESET: the function was reset while jobs were
 *	pending.
 * @DRM_TERN_ERR_BANNED: the context was stopped because its file was
 *	banned.
 */
enum drm_tern_error {
	DRM_TERN_ERR_NONE		= 0,
	DRM_TERN_ERR_PAGE_FAULT		= 1,
	DRM_TERN_ERR_BAD_OPCODE		= 2,
	DRM_TERN_ERR_BAD_DESC		= 3,
	DRM_TERN_ERR_PROGRAM		= 4,
	DRM_TERN_ERR_RING		= 5,
	DRM_TERN_ERR_BAD_SEMAPHORE	= 6,
	DRM_TERN_ERR_NO_CORES		= 7,
	DRM_TERN_ERR_WB			= 8,
	DRM_TERN_ERR_ASID		= 9,
	DRM_TERN_ERR_INDEX		= 10,
	DRM_TERN_ERR_TIMEOUT		= 256,
	DRM_TERN_ERR_DEPENDENCY		= 257,
	DRM_TERN_ERR_DEVICE_RESET	= 258,
	DRM_TERN_ERR_BANNED		= 259,
};

/**
 * enum drm_tern_fault_reason - &drm_tern_ctx_query.fault_reason
 *
 * Equal to the hardware's fault reason codes.
 *
 * @DRM_TERN_FAULT_NONE: no fault.
 * @DRM_TERN_FAULT_UNMAPPED: no BO at the address.
 * @DRM_TERN_FAULT_WRITE: write to a read-only BO.
 * @DRM_TERN_FAULT_WINDOW: device address outside the function's memory.
 * @DRM_TERN_FAULT_BUS: host memory unreachable.
 * @DRM_TERN_FAULT_NONCANONICAL: address at or above 1 << VA_BITS.
 * @DRM_TERN_FAULT_PT_BUS: page-table walk failed (driver bug).
 * @DRM_TERN_FAULT_PTE_RSVD: malformed page-table entry (driver bug).
 */
enum drm_tern_fault_reason {
	DRM_TERN_FAULT_NONE		= 0,
	DRM_TERN_FAULT_UNMAPPED		= 1,
	DRM_TERN_FAULT_WRITE		= 2,
	DRM_TERN_FAULT_WINDOW		= 3,
	DRM_TERN_FAULT_BUS		= 4,
	DRM_TERN_FAULT_NONCANONICAL	= 5,
	DRM_TERN_FAULT_PT_BUS		= 6,
	DRM_TERN_FAULT_PTE_RSVD		= 7,
};

/**
 * enum drm_tern_access - &drm_tern_ctx_query.fault_access
 *
 * @DRM_TERN_ACCESS_NONE: no fault.
 * @DRM_TERN_ACCESS_READ: the faulting access was a read.
 * @DRM_TERN_ACCESS_WRITE: the faulting access was a write.
 */
enum drm_tern_access {
	DRM_TERN_ACCESS_NONE		= 0,
	DRM_TERN_ACCESS_READ		= 1,
	DRM_TERN_ACCESS_WRITE		= 2,
};

/**
 * enum drm_tern_engine - &drm_tern_ctx_query.engine
 *
 * Equal to the hardware's engine codes; meaningful with
 * %DRM_TERN_ERR_PAGE_FAULT only.
 *
 * @DRM_TERN_ENGINE_QUEUE: descriptor fetch or completion write-back.
 * @DRM_TERN_ENGINE_DMA: a DMA_COPY command.
 * @DRM_TERN_ENGINE_COMPUTE: an EXECUTE command (program, bindings or
 *	tensors).
 * @DRM_TERN_ENGINE_SYNC: a TIMESTAMP command.
 */
enum drm_tern_engine {
	DRM_TERN_ENGINE_QUEUE		= 0,
	DRM_TERN_ENGINE_DMA		= 1,
	DRM_TERN_ENGINE_COMPUTE		= 2,
	DRM_TERN_ENGINE_SYNC		= 3,
};

/**
 * DOC: Tern error location
 *
 * %DRM_TERN_INDEX_NONE in &drm_tern_ctx_query.cmd_index or .op_index: not
 * applicable or not known.
 *
 * %DRM_TERN_OP_INDEX_HEADER in &drm_tern_ctx_query.op_index: the program
 * header or tensor table was rejected, not an op.
 */
#define DRM_TERN_INDEX_NONE		0xfffffffeU
#define DRM_TERN_OP_INDEX_HEADER	0xffffffffU

/**
 * struct drm_tern_ctx_query - state and error detail of a context
 *
 * Argument of %DRM_IOCTL_TERN_CTX_QUERY. Completion of a timeline point
 * does not mean success: a job succeeded iff its seqno is at most
 * @completed_seqno. The error fields describe the first failure only.
 */
struct drm_tern_ctx_query {
	/** @ctx_id: in, context to query */
	__u32 ctx_id;

	/** @flags: in, must be zero */
	__u32 flags;

	/** @state: out, enum drm_tern_ctx_state */
	__u32 state;

	/** @error: out, enum drm_tern_error */
	__u32 error;

	/** @fault_va: out, device VA of the faulting access, else 0 */
	__u64 fault_va;

	/** @fault_reason: out, enum drm_tern_fault_reason */
	__u32 fault_reason;

	/** @fault_access: out, enum drm_tern_access */
	__u32 fault_access;

	/** @engine: out, enum drm_tern_engine of a fault */
	__u32 engine;

	/**
	 * @op_index: out, index of the failing op within the program of an
	 * EXECUTE command, %DRM_TERN_OP_INDEX_HEADER, or
	 * %DRM_TERN_INDEX_NONE
	 */
	__u32 op_index;

	/**
	 * @cmd_index: out, index of the failing (or, on timeout, running)
	 * command in the failed job's command array, or %DRM_TERN_INDEX_NONE
	 */
	__u32 cmd_index;

	/** @pad: zero */
	__u32 pad;

	/** @failed_seqno: out, seqno of the job that failed, else 0 */
	__u64 failed_seqno;

	/**
	 * @submitted_seqno: out, seqno of the last job submitted (the
	 * number of jobs submitted)
	 */
	__u64 submitted_seqno;

	/**
	 * @completed_seqno: out, seqno of the last job that completed
	 * successfully (the number of such jobs)
	 */
	__u64 completed_seqno;
};

/**
 * struct drm_tern_partition_set - program the VF partition table
 *
 * Argument of %DRM_IOCTL_TERN_PARTITION_SET, PF only, CAP_SYS_ADMIN. The
 * table is validated, written to the device and applied while no VF is
 * enabled; the administrator then writes @num_vfs to the PF's
 * sriov_numvfs in sysfs. @num_vfs 0 clears the table.
 */
struct drm_tern_partition_set {
	/** @num_vfs: in, entries at @entries_ptr, 0..%DRM_TERN_MAX_PARTITIONS */
	__u32 num_vfs;

	/** @flags: in, must be zero */
	__u32 flags;

	/**
	 * @entry_size: in, sizeof(struct drm_tern_partition) as userspace
	 * knows it; larger sizes are accepted if the extra bytes are zero
	 */
	__u32 entry_size;

	/** @pad: must be zero */
	__u32 pad;

	/**
	 * @entries_ptr: in, user pointer to @num_vfs entries of
	 * @entry_size bytes; entry i describes VF i
	 */
	__u64 entries_ptr;
};

#if defined(__cplusplus)
}
#endif

#endif /* __UAPI_TERN_ACCEL_H__ */
