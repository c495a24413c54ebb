// SPDX-License-Identifier: MIT
// Per-opcode operand rules (docs/isa.md, "Opcodes").
#include <cmath>

#include "compute/dtype.hpp"
#include "compute/program.hpp"

namespace tern::sim::compute {

namespace {

class Check {
public:
    Check(const tern_isa_op& op, const std::vector<TensorView>& t) : op_(op), t_(t) {}

    // Operand presence: required, optional or unused (must be NONE).
    bool required(unsigned k) const { return op_.src[k] < t_.size(); }
    bool optional(unsigned k) const { return op_.src[k] == TERN_ISA_NONE || required(k); }
    bool unused(unsigned k) const { return op_.src[k] == TERN_ISA_NONE; }
    bool present(unsigned k) const { return op_.src[k] != TERN_ISA_NONE; }
    bool params_zero_from(unsigned first) const {
        for (unsigned i = first; i < 13; ++i) {
            if (op_.param[i] != 0) {
                return false;
            }
        }
        return true;
    }
    const TensorView& dst() const { return t_[op_.dst]; }
    const TensorView& src(unsigned k) const { return t_[op_.src[k]]; }
    // dst and every present src have float dtypes.
    bool all_float() const {
        if (!dtype_is_float(dst().dtype)) {
            return false;
        }
        for (unsigned k = 0; k < 3; ++k) {
            if (present(k) && !dtype_is_float(src(k).dtype)) {
                return false;
            }
        }
        return true;
    }

private:
    const tern_isa_op& op_;
    const std::vector<TensorView>& t_;
};

bool same_shape(const TensorView& a, const TensorView& b) {
    return a.rank == b.rank && a.shape == b.shape;
}

// Every dimension of s equals dst's or is 1; ranks equal.
bool broadcasts_to(const TensorView& s, const TensorView& dst) {
    if (s.rank != dst.rank) {
        return false;
    }
    for (uint32_t d = 0; d < dst.rank; ++d) {
        if (s.shape[d] != dst.shape[d] && s.shape[d] != 1) {
            return false;
        }
    }
    return true;
}

// As broadcasts_to, but s may have a lower rank (aligned at the last axis).
bool broadcasts_to_right(const TensorView& s, const TensorView& dst) {
    if (s.rank > dst.rank) {
        return false;
    }
    const uint32_t lead = dst.rank - s.rank;
    for (uint32_t d = 0; d < s.rank; ++d) {
        if (s.shape[d] != dst.shape[lead + d] && s.shape[d] != 1) {
            return false;
        }
    }
    return true;
}

// Output extent of a window op along one axis; 0 if the window does not fit.
uint64_t window_out(uint64_t in, uint64_t pad, uint64_t kernel, uint64_t dil, uint64_t stride) {
    const uint64_t padded = in + 2 * pad;
    const uint64_t eff = dil * (kernel - 1) + 1;
    if (eff > padded) {
        return 0;
    }
    return (padded - eff) / stride + 1;
}

bool check_matmul(const tern_isa_op& op, const Check& c) {
    constexpr uint16_t kKnown = TERN_ISA_MM_TRANS_A | TERN_ISA_MM_TRANS_B | TERN_ISA_MM_ALPHA;
    if ((op.flags & ~kKnown) != 0 || !c.required(0) || !c.required(1) || !c.optional(2)) {
        return false;
    }
    if (!c.params_zero_from((op.flags & TERN_ISA_MM_ALPHA) ? 1 : 0) || !c.all_float()) {
        return false;
    }
    const TensorView& a = c.src(0);
    const TensorView& b = c.src(1);
    const TensorView& d = c.dst();
    if (a.rank < 2 || a.rank > 3 || b.rank < 2 || b.rank > 3) {
        return false;
    }
    if (d.rank != (a.rank > b.rank ? a.rank : b.rank)) {
        return false;
    }
    const bool ta = op.flags & TERN_ISA_MM_TRANS_A;
    const bool tb = op.flags & TERN_ISA_MM_TRANS_B;
    const uint32_t m = a.shape[a.rank - (ta ? 1 : 2)];
    const uint32_t ka = a.shape[a.rank - (ta ? 2 : 1)];
    const uint32_t kb = b.shape[b.rank - (tb ? 1 : 2)];
    const uint32_t n = b.shape[b.rank - (tb ? 2 : 1)];
    if (ka != kb || d.shape[d.rank - 2] != m || d.shape[d.rank - 1] != n) {
        return false;
    }
    if ((a.rank == 3 && a.shape[0] != d.shape[0]) || (b.rank == 3 && b.shape[0] != d.shape[0])) {
        return false;
    }
    return !c.present(2) || broadcasts_to_right(c.src(2), d);
}

bool check_conv2d(const tern_isa_op& op, const Check& c) {
    if (op.flags != 0 || !c.required(0) || !c.required(1) || !c.optional(2) ||
        !c.params_zero_from(7) || !c.all_float()) {
        return false;
    }
    const TensorView& x = c.src(0);
    const TensorView& w = c.src(1);
    const TensorView& y = c.dst();
    const uint32_t* p = op.param;
    const uint32_t groups = p[TERN_ISA_P_GROUPS];
    if (x.rank != 4 || w.rank != 4 || y.rank != 4 || p[TERN_ISA_P_STRIDE_H] == 0 ||
        p[TERN_ISA_P_STRIDE_W] == 0 || p[TERN_ISA_P_DIL_H] == 0 || p[TERN_ISA_P_DIL_W] == 0 ||
        groups == 0) {
        return false;
    }
    const uint32_t cin = x.shape[1];
    const uint32_t cout = w.shape[0];
    if (cin % groups != 0 || cout % groups != 0 || w.shape[1] != cin / groups) {
        return false;
    }
    if (c.present(2) && (c.src(2).rank != 1 || c.src(2).shape[0] != cout)) {
        return false;
    }
    const uint64_t oh = window_out(x.shape[2], p[TERN_ISA_P_PAD_H], w.shape[2], p[TERN_ISA_P_DIL_H],
                                   p[TERN_ISA_P_STRIDE_H]);
    const uint64_t ow = window_out(x.shape[3], p[TERN_ISA_P_PAD_W], w.shape[3], p[TERN_ISA_P_DIL_W],
                                   p[TERN_ISA_P_STRIDE_W]);
    return oh != 0 && ow != 0 && y.shape[0] == x.shape[0] && y.shape[1] == cout &&
           y.shape[2] == oh && y.shape[3] == ow;
}

bool check_pool2d(const tern_isa_op& op, const Check& c) {
    if (op.flags != 0 || !c.required(0) || !c.unused(1) || !c.unused(2) || !c.params_zero_from(6) ||
        !c.all_float()) {
        return false;
    }
    const TensorView& x = c.src(0);
    const TensorView& y = c.dst();
    const uint32_t* p = op.param;
    const uint32_t kh = p[TERN_ISA_P_KERNEL_H];
    const uint32_t kw = p[TERN_ISA_P_KERNEL_W];
    if (x.rank != 4 || y.rank != 4 || p[TERN_ISA_P_STRIDE_H] == 0 || p[TERN_ISA_P_STRIDE_W] == 0 ||
        kh == 0 || kw == 0 || p[TERN_ISA_P_PAD_H] >= kh || p[TERN_ISA_P_PAD_W] >= kw) {
        return false;
    }
    const uint64_t oh = window_out(x.shape[2], p[TERN_ISA_P_PAD_H], kh, 1, p[TERN_ISA_P_STRIDE_H]);
    const uint64_t ow = window_out(x.shape[3], p[TERN_ISA_P_PAD_W], kw, 1, p[TERN_ISA_P_STRIDE_W]);
    return oh != 0 && ow != 0 && y.shape[0] == x.shape[0] && y.shape[1] == x.shape[1] &&
           y.shape[2] == oh && y.shape[3] == ow;
}

bool check_permute(const tern_isa_op& op, const Check& c) {
    if (op.flags != 0 || !c.required(0) || !c.unused(1) || !c.unused(2)) {
        return false;
    }
    const TensorView& s = c.src(0);
    const TensorView& d = c.dst();
    if (s.rank != d.rank || !c.params_zero_from(s.rank)) {
        return false;
    }
    bool seen[kMaxRank] = {};
    for (uint32_t i = 0; i < s.rank; ++i) {
        const uint32_t from = op.param[i];
        if (from >= s.rank || seen[from] || d.shape[i] != s.shape[from]) {
            return false;
        }
        seen[from] = true;
    }
    return true;
}

bool check_gather(const tern_isa_op& op, const Check& c) {
    if (op.flags != 0 || !c.required(0) || !c.required(1) || !c.unused(2) ||
        !c.params_zero_from(0)) {
        return false;
    }
    const TensorView& table = c.src(0);
    const TensorView& idx = c.src(1);
    const TensorView& d = c.dst();
    if (table.rank != 2 || idx.dtype != TERN_ISA_DTYPE_INT32 || idx.rank > kMaxRank - 1 ||
        d.rank != idx.rank + 1 || d.shape[idx.rank] != table.shape[1]) {
        return false;
    }
    for (uint32_t i = 0; i < idx.rank; ++i) {
        if (d.shape[i] != idx.shape[i]) {
            return false;
        }
    }
    return true;
}

// REDUCE_* (keep_dim) and SOFTMAX (same shape) over axis param[0].
bool check_axis_op(const tern_isa_op& op, const Check& c, bool reduce) {
    if (op.flags != 0 || !c.required(0) || !c.unused(1) || !c.unused(2) || !c.params_zero_from(1) ||
        !c.all_float()) {
        return false;
    }
    const TensorView& s = c.src(0);
    const TensorView& d = c.dst();
    const uint32_t axis = op.param[TERN_ISA_P_AXIS];
    if (axis >= s.rank || d.rank != s.rank) {
        return false;
    }
    for (uint32_t i = 0; i < s.rank; ++i) {
        const uint32_t want = (reduce && i == axis) ? 1 : s.shape[i];
        if (d.shape[i] != want) {
            return false;
        }
    }
    return true;
}

bool check_layernorm(const tern_isa_op& op, const Check& c) {
    if (op.flags != 0 || !c.required(0) || !c.optional(1) || !c.optional(2) ||
        !c.params_zero_from(1) || !c.all_float()) {
        return false;
    }
    const float eps = param_float(op, TERN_ISA_P_EPS);
    if (!std::isfinite(eps) || eps < 0.0f) {
        return false;
    }
    const TensorView& s = c.src(0);
    if (!same_shape(s, c.dst())) {
        return false;
    }
    const uint32_t width = s.shape[s.rank - 1];
    for (unsigned k = 1; k < 3; ++k) {
        if (c.present(k) && (c.src(k).rank != 1 || c.src(k).shape[0] != width)) {
            return false;
        }
    }
    return true;
}

}  // namespace

bool validate_op(const tern_isa_op& op, const std::vector<TensorView>& tensors) {
    if (op.dst >= tensors.size()) {
        return false;
    }
    const Check c(op, tensors);
    switch (op.opcode) {
        case TERN_ISA_COPY:
            return op.flags == 0 && c.required(0) && c.unused(1) && c.unused(2) &&
                   c.params_zero_from(0) && same_shape(c.src(0), c.dst());
        case TERN_ISA_FILL:
            return op.flags == 0 && c.unused(0) && c.unused(1) && c.unused(2) &&
                   c.params_zero_from(1);
        case TERN_ISA_PERMUTE:
            return check_permute(op, c);
        case TERN_ISA_GATHER:
            return check_gather(op, c);
        case TERN_ISA_MATMUL:
            return check_matmul(op, c);
        case TERN_ISA_CONV2D:
            return check_conv2d(op, c);
        case TERN_ISA_ADD:
        case TERN_ISA_SUB:
        case TERN_ISA_MUL:
        case TERN_ISA_DIV:
        case TERN_ISA_MAX:
        case TERN_ISA_MIN:
            return op.flags == 0 && c.required(0) && c.required(1) && c.unused(2) &&
                   c.params_zero_from(0) && c.all_float() && broadcasts_to(c.src(0), c.dst()) &&
                   broadcasts_to(c.src(1), c.dst());
        case TERN_ISA_RELU:
        case TERN_ISA_GELU:
        case TERN_ISA_GELU_TANH:
        case TERN_ISA_SILU:
        case TERN_ISA_SIGMOID:
        case TERN_ISA_TANH:
        case TERN_ISA_EXP:
        case TERN_ISA_LOG:
        case TERN_ISA_SQRT:
        case TERN_ISA_RSQRT:
        case TERN_ISA_NEG:
        case TERN_ISA_ABS:
        case TERN_ISA_AFFINE:
            return op.flags == 0 && c.required(0) && c.unused(1) && c.unused(2) &&
                   c.params_zero_from(op.opcode == TERN_ISA_AFFINE ? 2 : 0) && c.all_float() &&
                   same_shape(c.src(0), c.dst());
        case TERN_ISA_REDUCE_SUM:
        case TERN_ISA_REDUCE_MAX:
        case TERN_ISA_REDUCE_MEAN:
            return check_axis_op(op, c, true);
        case TERN_ISA_SOFTMAX:
            return check_axis_op(op, c, false);
        case TERN_ISA_LAYERNORM:
            return check_layernorm(op, c);
        case TERN_ISA_MAXPOOL2D:
        case TERN_ISA_AVGPOOL2D:
            return check_pool2d(op, c);
        default:
            return false;
    }
}

}  // namespace tern::sim::compute
