// SPDX-License-Identifier: MIT
// MAXPOOL2D and AVGPOOL2D over NCHW; padding positions are ignored (the
// average divides by the number of in-bounds elements of the window).
#include <algorithm>

#include "compute/ops.hpp"

namespace tern::sim::compute {

OpStatus run_pool2d(const OpEnv& env, const tern_isa_op& op) {
    const TensorView& xv = env.src(op, 0);
    const TensorView& yv = env.dst(op);
    std::vector<float> x;
    if (!read_floats(env.mem, xv, &x, env.fault)) {
        return OpStatus::kFault;
    }
    const int64_t planes = int64_t{xv.shape[0]} * xv.shape[1];
    const int64_t h = xv.shape[2], w = xv.shape[3];
    const int64_t oh = yv.shape[2], ow = yv.shape[3];
    const int64_t sh = op.param[TERN_ISA_P_STRIDE_H], sw = op.param[TERN_ISA_P_STRIDE_W];
    const int64_t ph = op.param[TERN_ISA_P_PAD_H], pw = op.param[TERN_ISA_P_PAD_W];
    const int64_t kh = op.param[TERN_ISA_P_KERNEL_H], kw = op.param[TERN_ISA_P_KERNEL_W];
    const bool is_max = op.opcode == TERN_ISA_MAXPOOL2D;
    std::vector<float> y(uint64_t(planes) * oh * ow);
    float* out = y.data();
    for (int64_t p = 0; p < planes; ++p) {
        const float* plane = x.data() + p * h * w;
        for (int64_t i = 0; i < oh; ++i) {
            // pad < kernel, so every window holds at least one input element.
            const int64_t r0 = std::max<int64_t>(i * sh - ph, 0);
            const int64_t r1 = std::min<int64_t>(i * sh - ph + kh, h);
            for (int64_t j = 0; j < ow; ++j) {
                const int64_t c0 = std::max<int64_t>(j * sw - pw, 0);
                const int64_t c1 = std::min<int64_t>(j * sw - pw + kw, w);
                float acc = plane[r0 * w + c0];
                bool first = true;
                for (int64_t r = r0; r < r1; ++r) {
                    for (int64_t c = c0; c < c1; ++c) {
                        const float v = plane[r * w + c];
                        if (first) {
                            first = false;
                        } else {
                            acc = is_max ? fmax_nan(acc, v) : acc + v;
                        }
                    }
                }
                if (!is_max) {
                    acc /= static_cast<float>((r1 - r0) * (c1 - c0));
                }
                *out++ = acc;
            }
        }
    }
    return write_floats(env.mem, yv, y.data(), env.fault) ? OpStatus::kOk : OpStatus::kFault;
}

}  // namespace tern::sim::compute
