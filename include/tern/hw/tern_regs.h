/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR MIT */
/*
 * Tern T1 register map (docs/hw-spec.md, sections 2-9).
 *
 * Every function (the PF and each VF) has its own 64 KiB register window
 * in BAR0. All registers are little-endian; 32-bit registers are accessed
 * with 32-bit accesses, 64-bit registers with naturally aligned 64-bit
 * accesses. "Trigger" registers (marked T) act when their value changes;
 * see hw-spec section 3 for why (the emulation transport cannot trap
 * individual writes, so the device reacts to values, not to write cycles).
 */
#ifndef TERN_HW_REGS_H
#define TERN_HW_REGS_H

#include "tern_hw_common.h"

/* ---- PCI identity (hw-spec 2) ---------------------------------------- */
#define TERN_PCI_VENDOR_ID		0x7e12	/* placeholder, see hw-spec */
#define TERN_PCI_DEVICE_PF		0x0001
#define TERN_PCI_DEVICE_VF		0x0002
#define TERN_PCI_CLASS			0x120000 /* processing accelerator */
#define TERN_PCI_REVISION		0x01

#define TERN_BAR_REGS			0	/* 64 KiB register window */
#define TERN_BAR_MEM			2	/* device-memory aperture */
#define TERN_BAR_MSIX			4	/* MSI-X table and PBA */
#define TERN_REGS_SIZE			0x10000

/* MSI-X: vector 0 device events, vector 1 + q completion/error of queue q */
#define TERN_MSIX_DEVICE		0
#define TERN_MSIX_QUEUE(q)		(1 + (q))
#define TERN_MSIX_COUNT			(1 + TERN_MAX_QUEUES)

/* ---- Architectural limits --------------------------------------------- */
#define TERN_MAX_QUEUES			16	/* per function */
#define TERN_MAX_ASIDS			64	/* per function */
#define TERN_MAX_CORES			32
#define TERN_NUM_SEMAPHORES		64	/* per function */
#define TERN_MAX_VFS			8

/* ---- Identity and device control: 0x0000 ------------------------------ */
#define TERN_REG_ID			0x0000	/* RO, TERN_ID_MAGIC */
#define   TERN_ID_MAGIC			0x4e524554 /* "TERN" */
#define TERN_REG_HW_VERSION		0x0004	/* RO, major << 16 | minor */
#define TERN_REG_FW_VERSION		0x0008	/* RO, major<<24|minor<<16|patch */
#define TERN_REG_FUNC_INFO		0x000c	/* RO */
#define   TERN_FUNC_IS_VF		TERN_BIT(0)
#define   TERN_FUNC_VF_INDEX		TERN_MASK(15, 8)
#define   TERN_FUNC_VF_INDEX_SHIFT	8
#define TERN_REG_CAPS			0x0010	/* RO, TERN_CAP_* */
#define   TERN_CAP_FP32			TERN_BIT(0)
#define   TERN_CAP_BF16			TERN_BIT(1)
#define   TERN_CAP_FP16			TERN_BIT(2)
#define   TERN_CAP_INT32		TERN_BIT(3)
#define   TERN_CAP_SEMAPHORES		TERN_BIT(4)
#define   TERN_CAP_TIMESTAMP		TERN_BIT(5)
#define   TERN_CAP_LARGE_PAGES		TERN_BIT(6)
#define   TERN_CAP_PARTITIONING		TERN_BIT(7)	/* PF only */
#define   TERN_CAP_ERR_INJECT		TERN_BIT(8)
#define TERN_REG_NUM_CORES		0x0014	/* RO, cores of this function */
#define TERN_REG_NUM_QUEUES		0x0018	/* RO, queues of this function */
#define TERN_REG_NUM_ASIDS		0x001c	/* RO */
#define TERN_REG_MEM_SIZE		0x0020	/* RO 64, bytes of device memory */
#define TERN_REG_CORE_MASK		0x0028	/* RO, physical cores owned */
#define TERN_REG_NUM_SEMAPHORES		0x002c	/* RO */
#define TERN_REG_DEV_STATUS		0x0030	/* RO, TERN_DEV_STATUS_* */
#define   TERN_DEV_STATUS_READY		TERN_BIT(0)
#define   TERN_DEV_STATUS_FATAL		TERN_BIT(1)
#define   TERN_DEV_STATUS_THROTTLED	TERN_BIT(2)
#define   TERN_DEV_STATUS_RESETTING	TERN_BIT(3)
#define   TERN_DEV_STATUS_PART_ACTIVE	TERN_BIT(4)	/* PF: VFs enabled */
#define TERN_REG_DEV_RESET_REQ		0x0034	/* RW, T: function reset */
#define TERN_REG_DEV_RESET_ACK		0x0038	/* RO */
#define TERN_REG_IRQ_MASK		0x003c	/* RW, T: bit v masks vector v */
#define TERN_REG_HEARTBEAT		0x0040	/* RO, +1 every 10 ms */
#define TERN_REG_EVENT_SEQ		0x0044	/* RO, +1 per vector-0 event */
#define TERN_REG_TIMESTAMP		0x0048	/* RO 64, device clock in ns */
#define TERN_REG_SCRATCH		0x0050	/* RW, no effect */
#define TERN_REG_FATAL_CODE		0x0054	/* RO, TERN_FATAL_* */
#define   TERN_FATAL_NONE		0
#define   TERN_FATAL_ECC_UNCORRECTED	1
#define   TERN_FATAL_THERMAL_TRIP	2

/* ---- Queues: 0x1000 + q * 0x80 ----------------------------------------- */
#define TERN_REG_QUEUE_BASE		0x1000
#define TERN_REG_QUEUE_STRIDE		0x80
#define TERN_QREG(q, r)			(TERN_REG_QUEUE_BASE + \
					 (q) * TERN_REG_QUEUE_STRIDE + (r))

#define TERN_Q_RING_BASE		0x00	/* RW 64, bus addr, 4 KiB aligned */
#define TERN_Q_RING_ORDER		0x08	/* RW, log2 entries, 4..16 */
#define TERN_Q_CTRL			0x0c	/* RW, T: TERN_Q_CTRL_* */
#define   TERN_Q_CTRL_ENABLE		TERN_BIT(0)
#define   TERN_Q_CTRL_PRIO		TERN_MASK(9, 8)
#define   TERN_Q_CTRL_PRIO_SHIFT	8
#define TERN_Q_ASID			0x10	/* RW, address space of the queue */
#define TERN_Q_TAIL			0x14	/* RW, T: producer index */
#define TERN_Q_HEAD			0x18	/* RO, consumer index */
#define TERN_Q_STATUS			0x1c	/* RO, TERN_Q_STATUS_* */
#define   TERN_Q_STATUS_ENABLED		TERN_BIT(0)
#define   TERN_Q_STATUS_BUSY		TERN_BIT(1)
#define   TERN_Q_STATUS_WAITING		TERN_BIT(2)	/* on a semaphore */
#define   TERN_Q_STATUS_HALTED		TERN_BIT(3)	/* stopped on error */
#define   TERN_Q_STATUS_ERR		TERN_MASK(15, 8)
#define   TERN_Q_STATUS_ERR_SHIFT	8
#define TERN_Q_WB_ADDR			0x20	/* RW 64, bus addr, 8 B aligned */
#define TERN_Q_COMPLETED_SEQ		0x28	/* RO 64 */
#define TERN_Q_FAULT_VA			0x30	/* RO 64 */
#define TERN_Q_FAULT_INFO		0x38	/* RO, TERN_FAULT_* fields */
#define TERN_Q_ERR_INDEX		0x3c	/* RO, ring index of failed desc */
#define TERN_Q_ERR_OP			0x40	/* RO, op index within program */
#define TERN_Q_RESET_REQ		0x44	/* RW, T: queue reset */
#define TERN_Q_RESET_ACK		0x48	/* RO */
#define TERN_Q_BUSY_NS			0x50	/* RO 64, time spent executing */
#define TERN_Q_DESC_COUNT		0x58	/* RO 64, descriptors completed */

/* Queue error codes (TERN_Q_STATUS_ERR) */
#define TERN_QERR_NONE			0
#define TERN_QERR_PAGE_FAULT		1	/* see TERN_Q_FAULT_VA/INFO */
#define TERN_QERR_BAD_OPCODE		2	/* unknown descriptor opcode */
#define TERN_QERR_BAD_DESC		3	/* reserved field set, bad size */
#define TERN_QERR_PROGRAM		4	/* program failed validation */
#define TERN_QERR_RING			5	/* ring unreadable or misconfigured */
#define TERN_QERR_BAD_SEMAPHORE		6	/* semaphore index out of range */
#define TERN_QERR_NO_CORES		7	/* core mask names a core >= NUM_CORES */
#define TERN_QERR_WB			8	/* write-back address unreachable */
#define TERN_QERR_ASID			9	/* queue's ASID has no page table */
#define TERN_QERR_INDEX			10	/* gather index out of range */

/* Fault info fields (TERN_Q_FAULT_INFO) */
#define TERN_FAULT_REASON		TERN_MASK(3, 0)
#define   TERN_FAULT_UNMAPPED		1	/* no valid PTE */
#define   TERN_FAULT_WRITE		2	/* write to a read-only page */
#define   TERN_FAULT_WINDOW		3	/* device address outside window */
#define   TERN_FAULT_BUS		4	/* host bus address unreachable */
#define   TERN_FAULT_NONCANONICAL	5	/* VA beyond 48 bits */
#define   TERN_FAULT_PT_BUS		6	/* page-table walk unreachable */
#define   TERN_FAULT_PTE_RSVD		7	/* PTE has reserved bits set */
#define TERN_FAULT_WRITE_ACCESS		TERN_BIT(4)	/* 1 write, 0 read */
#define TERN_FAULT_ENGINE		TERN_MASK(7, 5)
#define TERN_FAULT_ENGINE_SHIFT		5
#define   TERN_ENGINE_QUEUE		0	/* descriptor fetch/write-back */
#define   TERN_ENGINE_DMA		1
#define   TERN_ENGINE_COMPUTE		2
#define   TERN_ENGINE_SYNC		3	/* timestamp */
#define TERN_FAULT_LEVEL		TERN_MASK(9, 8)	/* page-table level */
#define TERN_FAULT_LEVEL_SHIFT		8

/* ---- MMU: 0x2000 ------------------------------------------------------- */
#define TERN_REG_MMU_ROOT(asid)		(0x2000 + (asid) * 8) /* RW 64 */
#define   TERN_MMU_ROOT_VALID		TERN_BIT64(0)
#define   TERN_MMU_ROOT_ADDR		TERN_MASK64(51, 12)
#define TERN_REG_MMU_INV_ASID		0x2800	/* RW */
#define TERN_REG_MMU_INV_FLAGS		0x2804	/* RW */
#define   TERN_MMU_INV_ALL_ASIDS	TERN_BIT(0)
#define   TERN_MMU_INV_RANGE		TERN_BIT(1)	/* else whole ASID */
#define TERN_REG_MMU_INV_VA		0x2808	/* RW 64 */
#define TERN_REG_MMU_INV_SIZE		0x2810	/* RW 64 */
#define TERN_REG_MMU_INV_REQ		0x2818	/* RW, T */
#define TERN_REG_MMU_INV_ACK		0x281c	/* RO */
#define TERN_REG_MMU_FAULTS		0x2820	/* RO, total faults */
#define TERN_REG_MMU_TLB_HITS		0x2828	/* RO 64 */
#define TERN_REG_MMU_TLB_MISSES		0x2830	/* RO 64 */

/* ---- Semaphores: 0x3000 ------------------------------------------------ */
#define TERN_REG_SEM(i)			(0x3000 + (i) * 8)	/* RW 64, T */

/* ---- Telemetry: 0x3800 (all RO) ------------------------------------------ */
#define TERN_REG_TELEM_VALID		0x3800	/* TERN_TELEM_* present */
#define   TERN_TELEM_TEMP_DIE		TERN_BIT(0)
#define   TERN_TELEM_TEMP_HBM		TERN_BIT(1)
#define   TERN_TELEM_COOLANT_IN		TERN_BIT(2)
#define   TERN_TELEM_COOLANT_OUT	TERN_BIT(3)
#define   TERN_TELEM_COOLANT_FLOW	TERN_BIT(4)
#define   TERN_TELEM_POWER		TERN_BIT(5)
#define   TERN_TELEM_ENERGY		TERN_BIT(6)
#define   TERN_TELEM_CORE_UTIL		TERN_BIT(7)
#define   TERN_TELEM_ECC		TERN_BIT(8)
#define   TERN_TELEM_CLOCK		TERN_BIT(9)
#define TERN_REG_TELEM_SEQ		0x3804	/* +1 per telemetry update */
#define TERN_REG_TEMP_DIE		0x3808	/* s32, milli-degrees Celsius */
#define TERN_REG_TEMP_HBM		0x380c	/* s32, milli-degrees Celsius */
#define TERN_REG_COOLANT_IN		0x3810	/* s32, milli-degrees Celsius */
#define TERN_REG_COOLANT_OUT		0x3814	/* s32, milli-degrees Celsius */
#define TERN_REG_COOLANT_FLOW		0x3818	/* u32, millilitres per minute */
#define TERN_REG_POWER			0x381c	/* u32, milliwatts */
#define TERN_REG_ENERGY			0x3820	/* u64, microjoules */
#define TERN_REG_CLOCK_MHZ		0x3828	/* u32, core clock in MHz */
#define TERN_REG_TEMP_LIMIT		0x382c	/* s32, m°C throttle threshold */
#define TERN_REG_ECC_CORRECTED		0x3830	/* u64 */
#define TERN_REG_ECC_UNCORRECTED	0x3838	/* u64 */
#define TERN_REG_CORE_UTIL(c)		(0x3840 + (c) * 4) /* u32, 0..10000 = 0..100.00 % */

/* ---- Error injection (TERN_CAP_ERR_INJECT): 0x3f00 ---------------------- */
#define TERN_REG_ERR_INJECT		0x3f00	/* RW, T: see below */
#define   TERN_INJECT_KIND		TERN_MASK(7, 0)
#define   TERN_INJECT_ECC_CORRECTED	1
#define   TERN_INJECT_ECC_UNCORRECTED	2	/* becomes FATAL */
#define   TERN_INJECT_SEQ		TERN_MASK(31, 16) /* change to re-fire */
#define   TERN_INJECT_SEQ_SHIFT		16

/* ---- Partition table (PF only): 0x4000 ------------------------------------ */
#define TERN_REG_PART_NUM_VFS		0x4000	/* RW, VFs to enable, 0..8 */
#define TERN_REG_PART_APPLY_REQ		0x4004	/* RW, T */
#define TERN_REG_PART_APPLY_ACK		0x4008	/* RO */
#define TERN_REG_PART_STATUS		0x400c	/* RO, TERN_PART_ERR_* of last apply */
#define   TERN_PART_OK			0
#define   TERN_PART_ERR_OVERLAP		1	/* memory windows overlap */
#define   TERN_PART_ERR_RANGE		2	/* window beyond device memory */
#define   TERN_PART_ERR_CORES		3	/* core masks overlap / empty */
#define   TERN_PART_ERR_QUEUES		4	/* queue or ASID count out of range */
#define   TERN_PART_ERR_ALIGN		5	/* window not 2 MiB aligned */
#define   TERN_PART_ERR_BUSY		6	/* a queue of an affected VF is enabled */
#define   TERN_PART_ERR_COUNT		7	/* NUM_VFS > TERN_MAX_VFS */
#define TERN_REG_PART_ENTRY(i)		(0x4040 + (i) * 0x20)
#define TERN_PART_MEM_BASE		0x00	/* RW 64, 2 MiB aligned */
#define TERN_PART_MEM_SIZE		0x08	/* RW 64, 2 MiB multiple */
#define TERN_PART_CORE_MASK		0x10	/* RW */
#define TERN_PART_NUM_QUEUES		0x14	/* RW, 1..16 */
#define TERN_PART_NUM_ASIDS		0x18	/* RW, 1..64 */
#define TERN_PART_ALIGN			0x200000ULL

#endif /* TERN_HW_REGS_H */
