// SPDX-License-Identifier: MIT
// SOFTMAX (any axis, max-subtracted) and LAYERNORM (last axis).
#include <cmath>
#include <limits>

#include "compute/ops.hpp"
#include "compute/program.hpp"

namespace tern::sim::compute {

namespace {

OpStatus softmax(const OpEnv& env, const tern_isa_op& op) {
    const TensorView& s = env.src(op, 0);
    std::vector<float> x;
    if (!read_floats(env.mem, s, &x, env.fault)) {
        return OpStatus::kFault;
    }
    const uint32_t axis = op.param[TERN_ISA_P_AXIS];
    const uint64_t outer = extent(s, 0, axis);
    const uint64_t n = s.shape[axis];
    const uint64_t inner = extent(s, axis + 1, s.rank);
    for (uint64_t o = 0; o < outer; ++o) {
        for (uint64_t i = 0; i < inner; ++i) {
            float* line = x.data() + o * n * inner + i;
            float m = line[0];
            for (uint64_t j = 1; j < n; ++j) {
                m = fmax_nan(m, line[j * inner]);
            }
            float sum = 0.0f;
            for (uint64_t j = 0; j < n; ++j) {
                line[j * inner] = std::exp(line[j * inner] - m);
                sum += line[j * inner];
            }
            for (uint64_t j = 0; j < n; ++j) {
                line[j * inner] /= sum;
            }
        }
    }
    return write_floats(env.mem, env.dst(op), x.data(), env.fault) ? OpStatus::kOk
                                                                   : OpStatus::kFault;
}

OpStatus layernorm(const OpEnv& env, const tern_isa_op& op) {
    const TensorView& s = env.src(op, 0);
    std::vector<float> x, gamma, beta;
    if (!read_floats(env.mem, s, &x, env.fault)) {
        return OpStatus::kFault;
    }
    const bool has_gamma = env.has(op, 1);
    const bool has_beta = env.has(op, 2);
    if ((has_gamma && !read_floats(env.mem, env.src(op, 1), &gamma, env.fault)) ||
        (has_beta && !read_floats(env.mem, env.src(op, 2), &beta, env.fault))) {
        return OpStatus::kFault;
    }
    const float eps = param_float(op, TERN_ISA_P_EPS);
    const uint64_t width = s.shape[s.rank - 1];
    const uint64_t rows = x.size() / width;
    const float inv_width = 1.0f / static_cast<float>(width);
    for (uint64_t r = 0; r < rows; ++r) {
        float* row = x.data() + r * width;
        float sum = 0.0f;
        for (uint64_t j = 0; j < width; ++j) {
            sum += row[j];
        }
        const float mean = sum * inv_width;
        float sq = 0.0f;
        for (uint64_t j = 0; j < width; ++j) {
            const float dev = row[j] - mean;
            sq += dev * dev;
        }
        const float rstd = 1.0f / std::sqrt(sq * inv_width + eps);
        for (uint64_t j = 0; j < width; ++j) {
            float y = (row[j] - mean) * rstd;
            if (has_gamma) {
                y *= gamma[j];
            }
            if (has_beta) {
                y += beta[j];
            }
            row[j] = y;
        }
    }
    return write_floats(env.mem, env.dst(op), x.data(), env.fault) ? OpStatus::kOk
                                                                   : OpStatus::kFault;
}

}  // namespace

OpStatus run_normalize(const OpEnv& env, const tern_isa_op& op) {
    return op.opcode == TERN_ISA_SOFTMAX ? softmax(env, op) : layernorm(env, op);
}

}  // namespace tern::sim::compute
