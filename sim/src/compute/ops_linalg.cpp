// SPDX-License-Identifier: MIT
// MATMUL and CONV2D. All products go through Eigen's GEMM over dense fp32
// buffers; convolution is im2col followed by one GEMM per image and group.
#include <Eigen/Core>
#include <algorithm>

#include "compute/ops.hpp"
#include "compute/program.hpp"

namespace tern::sim::compute {

namespace {

using MatRM = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using MapRM = Eigen::Map<MatRM>;
using ConstMapRM = Eigen::Map<const MatRM>;
using StridedMapRM = Eigen::Map<MatRM, Eigen::Unaligned, Eigen::OuterStride<>>;

// Upper bound of the im2col buffer, in floats; larger outputs are processed
// in column chunks.
constexpr uint64_t kColumnBudget = uint64_t{1} << 18;

OpStatus finish(const OpEnv& env, const tern_isa_op& op, const std::vector<float>& out) {
    return write_floats(env.mem, env.dst(op), out.data(), env.fault) ? OpStatus::kOk
                                                                     : OpStatus::kFault;
}

}  // namespace

OpStatus run_matmul(const OpEnv& env, const tern_isa_op& op) {
    const TensorView& av = env.src(op, 0);
    const TensorView& bv = env.src(op, 1);
    const TensorView& dv = env.dst(op);
    std::vector<float> a, b, c;
    if (!read_floats(env.mem, av, &a, env.fault) || !read_floats(env.mem, bv, &b, env.fault)) {
        return OpStatus::kFault;
    }
    const bool bias = env.has(op, 2);
    if (bias && !read_floats(env.mem, env.src(op, 2), &c, env.fault)) {
        return OpStatus::kFault;
    }
    const bool ta = op.flags & TERN_ISA_MM_TRANS_A;
    const bool tb = op.flags & TERN_ISA_MM_TRANS_B;
    const float alpha = (op.flags & TERN_ISA_MM_ALPHA) ? param_float(op, 0) : 1.0f;
    const Eigen::Index a_rows = av.shape[av.rank - 2], a_cols = av.shape[av.rank - 1];
    const Eigen::Index b_rows = bv.shape[bv.rank - 2], b_cols = bv.shape[bv.rank - 1];
    const Eigen::Index m = dv.shape[dv.rank - 2], n = dv.shape[dv.rank - 1];
    const uint64_t batch = dv.rank == 3 ? dv.shape[0] : 1;
    const uint64_t a_step = av.rank == 3 ? uint64_t(a_rows * a_cols) : 0;
    const uint64_t b_step = bv.rank == 3 ? uint64_t(b_rows * b_cols) : 0;
    std::vector<float> out(batch * m * n);
    for (uint64_t i = 0; i < batch; ++i) {
        const ConstMapRM am(a.data() + i * a_step, a_rows, a_cols);
        const ConstMapRM bm(b.data() + i * b_step, b_rows, b_cols);
        MapRM dm(out.data() + i * m * n, m, n);
        if (!ta && !tb) {
            dm.noalias() = alpha * am * bm;
        } else if (ta && !tb) {
            dm.noalias() = alpha * am.transpose() * bm;
        } else if (!ta && tb) {
            dm.noalias() = alpha * am * bm.transpose();
        } else {
            dm.noalias() = alpha * am.transpose() * bm.transpose();
        }
    }
    if (bias) {
        // src2 broadcasts to dst aligned at the last axis; pad to rank 3.
        uint64_t st[3] = {0, 0, 0};
        broadcast_strides(env.src(op, 2), dv.rank, st + (3 - dv.rank));
        size_t o = 0;
        for (uint64_t i = 0; i < batch; ++i) {
            for (Eigen::Index r = 0; r < m; ++r) {
                const float* row = c.data() + i * st[0] + r * st[1];
                for (Eigen::Index col = 0; col < n; ++col) {
                    out[o++] += row[col * st[2]];
                }
            }
        }
    }
    return finish(env, op, out);
}

OpStatus run_conv2d(const OpEnv& env, const tern_isa_op& op) {
    const TensorView& xv = env.src(op, 0);
    const TensorView& wv = env.src(op, 1);
    const TensorView& yv = env.dst(op);
    std::vector<float> x, w, bias;
    if (!read_floats(env.mem, xv, &x, env.fault) || !read_floats(env.mem, wv, &w, env.fault)) {
        return OpStatus::kFault;
    }
    const bool has_bias = env.has(op, 2);
    if (has_bias && !read_floats(env.mem, env.src(op, 2), &bias, env.fault)) {
        return OpStatus::kFault;
    }
    const int64_t batch = xv.shape[0], cin = xv.shape[1], h = xv.shape[2], wd = xv.shape[3];
    const int64_t cout = wv.shape[0], kh = wv.shape[2], kw = wv.shape[3];
    const int64_t oh = yv.shape[2], ow = yv.shape[3];
    const int64_t sh = op.param[TERN_ISA_P_STRIDE_H], sw = op.param[TERN_ISA_P_STRIDE_W];
    const int64_t ph = op.param[TERN_ISA_P_PAD_H], pw = op.param[TERN_ISA_P_PAD_W];
    const int64_t dh = op.param[TERN_ISA_P_DIL_H], dw = op.param[TERN_ISA_P_DIL_W];
    const int64_t groups = op.param[TERN_ISA_P_GROUPS];
    const int64_t cg = cin / groups, og = cout / groups;
    const int64_t k = cg * kh * kw;  // GEMM depth
    const int64_t p = oh * ow;       // output pixels per channel
    const int64_t chunk = std::clamp<int64_t>(kColumnBudget / k, 1, p);

    std::vector<float> y(uint64_t(batch) * cout * p);
    std::vector<float> col(uint64_t(k) * chunk);
    std::vector<int64_t> row0(chunk), col0(chunk);  // input origin of each column
    for (int64_t n = 0; n < batch; ++n) {
        for (int64_t g = 0; g < groups; ++g) {
            const ConstMapRM wm(w.data() + g * og * k, og, k);
            const float* xg = x.data() + (n * cin + g * cg) * h * wd;
            for (int64_t p0 = 0; p0 < p; p0 += chunk) {
                const int64_t pc = std::min(chunk, p - p0);
                for (int64_t j = 0; j < pc; ++j) {
                    row0[j] = ((p0 + j) / ow) * sh - ph;
                    col0[j] = ((p0 + j) % ow) * sw - pw;
                }
                // col[(c, i, j), pixel] = x[n, g*cg + c, row0 + i*dh, col0 + j*dw] or 0.
                float* dstc = col.data();
                for (int64_t c = 0; c < cg; ++c) {
                    const float* plane = xg + c * h * wd;
                    for (int64_t i = 0; i < kh; ++i) {
                        for (int64_t jj = 0; jj < kw; ++jj) {
                            for (int64_t q = 0; q < pc; ++q) {
                                const int64_t r = row0[q] + i * dh;
                                const int64_t s = col0[q] + jj * dw;
                                *dstc++ = (r >= 0 && r < h && s >= 0 && s < wd) ? plane[r * wd + s]
                                                                                : 0.0f;
                            }
                        }
                    }
                }
                const ConstMapRM cm(col.data(), k, pc);
                StridedMapRM ym(y.data() + (n * cout + g * og) * p + p0, og, pc,
                                Eigen::OuterStride<>(p));
                ym.noalias() = wm * cm;
            }
        }
        if (has_bias) {
            for (int64_t o = 0; o < cout; ++o) {
                float* plane = y.data() + (n * cout + o) * p;
                for (int64_t q = 0; q < p; ++q) {
                    plane[q] += bias[o];
                }
            }
        }
    }
    return finish(env, op, y);
}

}  // namespace tern::sim::compute
