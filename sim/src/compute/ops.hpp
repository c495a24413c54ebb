// SPDX-License-Identifier: MIT
// Execution of validated ops (docs/isa.md, "Opcodes"). Every op reads all of
// its sources into dense buffers before it writes dst, so operands may alias.
#pragma once

#include <cstdint>
#include <vector>

#include "compute/compute.hpp"
#include "compute/tensor_io.hpp"
#include "tern/hw/tern_isa.h"

namespace tern::sim::compute {

enum class OpStatus { kOk, kFault, kIndex };

struct OpEnv {
    VaSpace& mem;
    const std::vector<TensorView>& tensors;
    Fault* fault;

    const TensorView& dst(const tern_isa_op& op) const { return tensors[op.dst]; }
    const TensorView& src(const tern_isa_op& op, unsigned k) const { return tensors[op.src[k]]; }
    bool has(const tern_isa_op& op, unsigned k) const { return op.src[k] != TERN_ISA_NONE; }
};

// Runs one validated op.
OpStatus run_op(const OpEnv& env, const tern_isa_op& op);

// Families (ops_*.cpp).
OpStatus run_movement(const OpEnv& env, const tern_isa_op& op);  // COPY FILL PERMUTE GATHER
OpStatus run_matmul(const OpEnv& env, const tern_isa_op& op);
OpStatus run_conv2d(const OpEnv& env, const tern_isa_op& op);
OpStatus run_binary(const OpEnv& env, const tern_isa_op& op);     // ADD..MIN
OpStatus run_unary(const OpEnv& env, const tern_isa_op& op);      // RELU..AFFINE
OpStatus run_reduce(const OpEnv& env, const tern_isa_op& op);     // REDUCE_*
OpStatus run_normalize(const OpEnv& env, const tern_isa_op& op);  // SOFTMAX LAYERNORM
OpStatus run_pool2d(const OpEnv& env, const tern_isa_op& op);

// Helpers shared by the families.

// Product of shape[begin..end).
uint64_t extent(const TensorView& v, uint32_t begin, uint32_t end);

// Dense (row-major, element) strides of s as an operand broadcast to a
// rank-`rank` result, s aligned at the last axis: 0 where s has size 1 or no
// such axis.
void broadcast_strides(const TensorView& s, uint32_t rank, uint64_t* strides);

// IEEE 754-2019 maximum/minimum: NaN if either is NaN, -0 < +0.
float fmax_nan(float a, float b);
float fmin_nan(float a, float b);

}  // namespace tern::sim::compute
