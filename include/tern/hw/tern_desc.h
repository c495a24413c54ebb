/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR MIT */
/*
 * Tern T1 queue descriptors (docs/hw-spec.md, section 5).
 *
 * A queue is a ring of 2^order 64-byte descriptors in host memory that the
 * device reads by DMA at the bus address in TERN_Q_RING_BASE. The driver
 * writes descriptors, then advances TERN_Q_TAIL; the device executes them
 * in order and advances TERN_Q_HEAD. All addresses inside a descriptor are
 * device virtual addresses in the queue's address space (TERN_Q_ASID).
 */
#ifndef TERN_HW_DESC_H
#define TERN_HW_DESC_H

#include "tern_hw_common.h"

#define TERN_DESC_SIZE			64
#define TERN_RING_ORDER_MIN		4
#define TERN_RING_ORDER_MAX		16

enum tern_desc_opcode {
	TERN_OP_NOP		= 0x00,
	TERN_OP_DMA_COPY	= 0x01,
	TERN_OP_EXECUTE		= 0x02,
	TERN_OP_SEM_SIGNAL	= 0x03,
	TERN_OP_SEM_WAIT	= 0x04,
	TERN_OP_TIMESTAMP	= 0x05,
};

/* tern_desc_hdr.flags */
#define TERN_DESC_F_IRQ		TERN_BIT(0) /* raise the queue's vector when done */
#define TERN_DESC_F_WB		TERN_BIT(1) /* write seqno to TERN_Q_WB_ADDR */
#define TERN_DESC_F_VALID_MASK	(TERN_DESC_F_IRQ | TERN_DESC_F_WB)

/* SEM_SIGNAL operations (tern_desc_sem.op) */
#define TERN_SEM_SET		0	/* sem = value */
#define TERN_SEM_ADD		1	/* sem += value (wrapping) */

/* Largest DMA copy in one descriptor. */
#define TERN_DMA_MAX_SIZE	TERN_BIT64(40)

/**
 * struct tern_desc_hdr - first 16 bytes of every descriptor
 * @opcode: enum tern_desc_opcode
 * @flags: TERN_DESC_F_*
 * @rsvd0: must be zero
 * @rsvd1: must be zero
 * @seqno: written to TERN_Q_COMPLETED_SEQ (and the write-back address
 *         with TERN_DESC_F_WB) when the descriptor completes
 */
struct tern_desc_hdr {
	__u8 opcode;
	__u8 flags;
	__u16 rsvd0;
	__u32 rsvd1;
	__u64 seqno;
};

/**
 * struct tern_desc_dma - TERN_OP_DMA_COPY: copy @size bytes
 * @src_va: source virtual address
 * @dst_va: destination virtual address
 * @size: 1..TERN_DMA_MAX_SIZE bytes; ranges may not wrap the VA space
 * @rsvd: must be zero
 */
struct tern_desc_dma {
	struct tern_desc_hdr hdr;
	__u64 src_va;
	__u64 dst_va;
	__u64 size;
	__u64 rsvd[3];
};

/**
 * struct tern_desc_exec - TERN_OP_EXECUTE: run a compute program
 * @program_va: program image (struct tern_isa_header first), 64 B aligned
 * @bindings_va: array of @binding_count struct tern_isa_binding, 16 B aligned
 * @program_size: bytes of the program image, must equal its header's size
 * @binding_count: entries in the binding table, 0..TERN_ISA_MAX_BINDINGS
 * @core_mask: cores to run on, relative to the function's cores; 0 = all
 * @rsvd0: must be zero
 * @rsvd: must be zero
 */
struct tern_desc_exec {
	struct tern_desc_hdr hdr;
	__u64 program_va;
	__u64 bindings_va;
	__u32 program_size;
	__u32 binding_count;
	__u32 core_mask;
	__u32 rsvd0;
	__u64 rsvd[2];
};

/**
 * struct tern_desc_sem - TERN_OP_SEM_SIGNAL / TERN_OP_SEM_WAIT
 * @index: semaphore, 0..TERN_NUM_SEMAPHORES-1
 * @op: SIGNAL: TERN_SEM_SET or TERN_SEM_ADD; WAIT: must be zero
 * @value: SIGNAL: operand; WAIT: the queue stalls until sem >= value
 * @rsvd: must be zero
 */
struct tern_desc_sem {
	struct tern_desc_hdr hdr;
	__u32 index;
	__u32 op;
	__u64 value;
	__u64 rsvd[4];
};

/**
 * struct tern_desc_ts - TERN_OP_TIMESTAMP: write TERN_REG_TIMESTAMP (u64 ns)
 * @dst_va: 8-byte aligned destination
 * @rsvd: must be zero
 */
struct tern_desc_ts {
	struct tern_desc_hdr hdr;
	__u64 dst_va;
	__u64 rsvd[5];
};

/**
 * union tern_desc - one ring entry
 * @hdr: common header; @hdr.opcode selects the member
 * @dma: TERN_OP_DMA_COPY
 * @exec: TERN_OP_EXECUTE
 * @sem: TERN_OP_SEM_SIGNAL / TERN_OP_SEM_WAIT
 * @ts: TERN_OP_TIMESTAMP
 * @raw: the 64 bytes as words; for NOP everything after @hdr must be zero
 */
union tern_desc {
	struct tern_desc_hdr hdr;
	struct tern_desc_dma dma;
	struct tern_desc_exec exec;
	struct tern_desc_sem sem;
	struct tern_desc_ts ts;
	__u64 raw[8];
};

static_assert(sizeof(struct tern_desc_hdr) == 16, "desc hdr layout");
static_assert(sizeof(struct tern_desc_dma) == TERN_DESC_SIZE, "dma desc layout");
static_assert(sizeof(struct tern_desc_exec) == TERN_DESC_SIZE, "exec desc layout");
static_assert(sizeof(struct tern_desc_sem) == TERN_DESC_SIZE, "sem desc layout");
static_assert(sizeof(struct tern_desc_ts) == TERN_DESC_SIZE, "ts desc layout");
static_assert(sizeof(union tern_desc) == TERN_DESC_SIZE, "desc layout");

#endif /* TERN_HW_DESC_H */
