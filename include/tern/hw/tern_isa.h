/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR MIT */
/*
 * Tern T1 compute ISA (docs/hw-spec.md, section 7).
 *
 * A program image is a header, a table of tensor descriptors and a list of
 * macro-ops. Tensors do not hold addresses: each names a slot of the
 * binding table that TERN_OP_EXECUTE supplies, so one loaded program runs
 * on many buffers without being patched. The device validates the whole
 * image before the first op runs; a rejected image fails the descriptor
 * with TERN_QERR_PROGRAM and TERN_Q_ERR_OP naming the offending op (or
 * TERN_ISA_ERR_OP_HEADER for the header and tensor table).
 */
#ifndef TERN_HW_ISA_H
#define TERN_HW_ISA_H

#include "tern_hw_common.h"

#define TERN_ISA_MAGIC			0x41534954 /* "TISA" */
#define TERN_ISA_VERSION		1
#define TERN_ISA_MAX_RANK		6
#define TERN_ISA_MAX_TENSORS		4096
#define TERN_ISA_MAX_OPS		65536
#define TERN_ISA_MAX_BINDINGS		256
#define TERN_ISA_MAX_PROGRAM_SIZE	(16U << 20)
#define TERN_ISA_MAX_TENSOR_BYTES	TERN_BIT64(32)
#define TERN_ISA_NONE			0xffff	/* absent optional operand */
#define TERN_ISA_ERR_OP_HEADER		0xffffffffU

enum tern_isa_dtype {
	TERN_ISA_DTYPE_FP32	= 1,
	TERN_ISA_DTYPE_BF16	= 2,
	TERN_ISA_DTYPE_FP16	= 3,
	TERN_ISA_DTYPE_INT32	= 4,
};

enum tern_isa_opcode {
	/* data movement */
	TERN_ISA_COPY		= 0x01,	/* dst = convert(src0) */
	TERN_ISA_FILL		= 0x02,	/* dst = param[0] (f32 bits) */
	TERN_ISA_PERMUTE	= 0x03,	/* dst = src0 with dims permuted */
	TERN_ISA_GATHER		= 0x04,	/* dst[i.., :] = src0[src1[i..], :] */
	/* linear algebra */
	TERN_ISA_MATMUL		= 0x10,	/* dst = alpha * op(src0) op(src1) + src2 */
	TERN_ISA_CONV2D		= 0x11,	/* NCHW x OIHW (+ bias) */
	/* binary elementwise, numpy broadcasting of size-1 dims */
	TERN_ISA_ADD		= 0x20,
	TERN_ISA_SUB		= 0x21,
	TERN_ISA_MUL		= 0x22,
	TERN_ISA_DIV		= 0x23,
	TERN_ISA_MAX		= 0x24,
	TERN_ISA_MIN		= 0x25,
	/* unary elementwise */
	TERN_ISA_RELU		= 0x30,
	TERN_ISA_GELU		= 0x31,	/* exact, with erf */
	TERN_ISA_GELU_TANH	= 0x32,	/* tanh approximation */
	TERN_ISA_SILU		= 0x33,
	TERN_ISA_SIGMOID	= 0x34,
	TERN_ISA_TANH		= 0x35,
	TERN_ISA_EXP		= 0x36,
	TERN_ISA_LOG		= 0x37,
	TERN_ISA_SQRT		= 0x38,
	TERN_ISA_RSQRT		= 0x39,
	TERN_ISA_NEG		= 0x3a,
	TERN_ISA_ABS		= 0x3b,
	TERN_ISA_AFFINE		= 0x3c,	/* param[0] * x + param[1] */
	/* reductions over one axis, keeping it with size 1 */
	TERN_ISA_REDUCE_SUM	= 0x40,
	TERN_ISA_REDUCE_MAX	= 0x41,
	TERN_ISA_REDUCE_MEAN	= 0x42,
	/* normalisation */
	TERN_ISA_SOFTMAX	= 0x50,	/* over axis param[0] */
	TERN_ISA_LAYERNORM	= 0x51,	/* last axis; src1 gamma, src2 beta */
	/* pooling, NCHW */
	TERN_ISA_MAXPOOL2D	= 0x60,
	TERN_ISA_AVGPOOL2D	= 0x61,
};

/* tern_isa_op.flags for TERN_ISA_MATMUL */
#define TERN_ISA_MM_TRANS_A	TERN_BIT(0)
#define TERN_ISA_MM_TRANS_B	TERN_BIT(1)
#define TERN_ISA_MM_ALPHA	TERN_BIT(2)	/* param[0] is alpha, else 1 */

/* Parameter slots (tern_isa_op.param[]) per opcode */
#define TERN_ISA_P_AXIS		0	/* REDUCE_*, SOFTMAX */
#define TERN_ISA_P_EPS		0	/* LAYERNORM epsilon, f32 bits */
#define TERN_ISA_P_STRIDE_H	0	/* CONV2D, *POOL2D */
#define TERN_ISA_P_STRIDE_W	1
#define TERN_ISA_P_PAD_H	2
#define TERN_ISA_P_PAD_W	3
#define TERN_ISA_P_DIL_H	4	/* CONV2D */
#define TERN_ISA_P_DIL_W	5	/* CONV2D */
#define TERN_ISA_P_GROUPS	6	/* CONV2D */
#define TERN_ISA_P_KERNEL_H	4	/* *POOL2D */
#define TERN_ISA_P_KERNEL_W	5	/* *POOL2D */

/**
 * struct tern_isa_header - start of a program image, 64 B aligned in memory
 * @magic: TERN_ISA_MAGIC
 * @version: TERN_ISA_VERSION
 * @flags: must be zero
 * @size: bytes of the whole image, header included
 * @num_tensors: entries in the tensor table, 1..TERN_ISA_MAX_TENSORS
 * @num_ops: entries in the op list, 1..TERN_ISA_MAX_OPS
 * @tensors_offset: byte offset of the tensor table, 8 B aligned
 * @ops_offset: byte offset of the op list, 8 B aligned
 * @rsvd: must be zero
 */
struct tern_isa_header {
	__u32 magic;
	__u16 version;
	__u16 flags;
	__u32 size;
	__u32 num_tensors;
	__u32 num_ops;
	__u32 tensors_offset;
	__u32 ops_offset;
	__u32 rsvd;
};

/**
 * struct tern_isa_tensor - a strided view into one binding
 * @binding: binding-table slot holding the buffer
 * @dtype: enum tern_isa_dtype
 * @rank: 1..TERN_ISA_MAX_RANK
 * @rsvd0: must be zero
 * @offset: byte offset of element [0,...,0] in the binding, dtype aligned
 * @shape: elements per dimension; >= 1 below @rank, exactly 1 at and above
 * @stride: elements between neighbours per dimension, 0 broadcasts; must
 *          be 0 at and above @rank
 * @rsvd: must be zero
 */
struct tern_isa_tensor {
	__u16 binding;
	__u8 dtype;
	__u8 rank;
	__u32 rsvd0;
	__u64 offset;
	__u32 shape[TERN_ISA_MAX_RANK];
	__u64 stride[TERN_ISA_MAX_RANK];
	__u64 rsvd;
};

/**
 * struct tern_isa_op - one macro-op
 * @opcode: enum tern_isa_opcode
 * @flags: opcode-specific (TERN_ISA_MM_*), otherwise must be zero
 * @dst: tensor index written by the op
 * @src: tensor indices read by the op; TERN_ISA_NONE where the opcode has
 *       fewer operands or an optional one is absent
 * @param: opcode-specific parameters (TERN_ISA_P_*); floats as IEEE-754
 *         binary32 bits; unused slots must be zero
 */
struct tern_isa_op {
	__u16 opcode;
	__u16 flags;
	__u16 dst;
	__u16 src[3];
	__u32 param[13];
};

/**
 * struct tern_isa_binding - one binding-table slot, 16 B aligned
 * @va: device virtual address of the buffer
 * @size: bytes; every tensor naming the slot must lie within it
 */
struct tern_isa_binding {
	__u64 va;
	__u64 size;
};

static_assert(sizeof(struct tern_isa_header) == 32, "isa header layout");
static_assert(sizeof(struct tern_isa_tensor) == 96, "isa tensor layout");
static_assert(sizeof(struct tern_isa_op) == 64, "isa op layout");
static_assert(sizeof(struct tern_isa_binding) == 16, "isa binding layout");

#endif /* TERN_HW_ISA_H */
