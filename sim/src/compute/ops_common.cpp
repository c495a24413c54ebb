// SPDX-License-Identifier: MIT
// Op dispatch and helpers shared by the op families.
#include <cmath>
#include <limits>

#include "compute/ops.hpp"

namespace tern::sim::compute {

uint64_t extent(const TensorView& v, uint32_t begin, uint32_t end) {
    uint64_t n = 1;
    for (uint32_t d = begin; d < end; ++d) {
        n *= v.shape[d];
    }
    return n;
}

void broadcast_strides(const TensorView& s, uint32_t rank, uint64_t* strides) {
    const uint32_t lead = rank - s.rank;
    uint64_t dense = 1;
    for (uint32_t d = rank; d-- > 0;) {
        if (d < lead) {
            strides[d] = 0;
            continue;
        }
        const uint32_t sd = d - lead;
        strides[d] = s.shape[sd] == 1 ? 0 : dense;
        dense *= s.shape[sd];
    }
}

float fmax_nan(float a, float b) {
    if (std::isnan(a) || std::isnan(b)) {
        return std::numeric_limits<float>::quiet_NaN();
    }
    if (a == b) {
        return std::signbit(a) ? b : a;
    }
    return a > b ? a : b;
}

float fmin_nan(float a, float b) {
    if (std::isnan(a) || std::isnan(b)) {
        return std::numeric_limits<float>::quiet_NaN();
    }
    if (a == b) {
        return std::signbit(a) ? a : b;
    }
    return a < b ? a : b;
}

OpStatus run_op(const OpEnv& env, const tern_isa_op& op) {
    switch (op.opcode) {
        case TERN_ISA_COPY:
        case TERN_ISA_FILL:
        case TERN_ISA_PERMUTE:
        case TERN_ISA_GATHER:
            return run_movement(env, op);
        case TERN_ISA_MATMUL:
            return run_matmul(env, op);
        case TERN_ISA_CONV2D:
            return run_conv2d(env, op);
        case TERN_ISA_ADD:
        case TERN_ISA_SUB:
        case TERN_ISA_MUL:
        case TERN_ISA_DIV:
        case TERN_ISA_MAX:
        case TERN_ISA_MIN:
            return run_binary(env, op);
        case TERN_ISA_REDUCE_SUM:
        case TERN_ISA_REDUCE_MAX:
        case TERN_ISA_REDUCE_MEAN:
            return run_reduce(env, op);
        case TERN_ISA_SOFTMAX:
        case TERN_ISA_LAYERNORM:
            return run_normalize(env, op);
        case TERN_ISA_MAXPOOL2D:
        case TERN_ISA_AVGPOOL2D:
            return run_pool2d(env, op);
        default:
            return run_unary(env, op);
    }
}

}  // namespace tern::sim::compute
