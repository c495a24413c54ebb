// SPDX-License-Identifier: MIT
// REDUCE_SUM, REDUCE_MAX, REDUCE_MEAN over one axis (kept with size 1).
#include "compute/ops.hpp"

namespace tern::sim::compute {

OpStatus run_reduce(const OpEnv& env, const tern_isa_op& op) {
    const TensorView& s = env.src(op, 0);
    std::vector<float> x;
    if (!read_floats(env.mem, s, &x, env.fault)) {
        return OpStatus::kFault;
    }
    const uint32_t axis = op.param[TERN_ISA_P_AXIS];
    const uint64_t outer = extent(s, 0, axis);
    const uint64_t n = s.shape[axis];
    const uint64_t inner = extent(s, axis + 1, s.rank);
    std::vector<float> out(outer * inner);
    for (uint64_t o = 0; o < outer; ++o) {
        for (uint64_t i = 0; i < inner; ++i) {
            const float* line = x.data() + o * n * inner + i;
            float acc = line[0];
            // Sequential fp32 accumulation in index order.
            if (op.opcode == TERN_ISA_REDUCE_MAX) {
                for (uint64_t j = 1; j < n; ++j) {
                    acc = fmax_nan(acc, line[j * inner]);
                }
            } else {
                for (uint64_t j = 1; j < n; ++j) {
                    acc += line[j * inner];
                }
                if (op.opcode == TERN_ISA_REDUCE_MEAN) {
                    acc /= static_cast<float>(n);
                }
            }
            out[o * inner + i] = acc;
        }
    }
    return write_floats(env.mem, env.dst(op), out.data(), env.fault) ? OpStatus::kOk
                                                                     : OpStatus::kFault;
}

}  // namespace tern::sim::compute
