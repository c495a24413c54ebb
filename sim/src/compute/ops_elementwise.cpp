// SPDX-License-Identifier: MIT
// Binary (numpy broadcasting of size-1 dims) and unary elementwise ops.
#include <cmath>

#include "compute/ops.hpp"
#include "compute/program.hpp"

namespace tern::sim::compute {

namespace {

// Calls f(i, ia, ib) for every dst element i (row-major) with the dense
// offsets of the corresponding operand elements.
template <class F>
void broadcast_loop(const TensorView& d, const uint64_t* sa, const uint64_t* sb, F f) {
    const uint32_t r = d.rank;
    const uint64_t inner = d.shape[r - 1];
    const uint64_t total = d.count();
    uint64_t idx[kMaxRank] = {};
    uint64_t ia = 0, ib = 0;
    for (uint64_t i = 0; i < total; i += inner) {
        for (uint64_t j = 0; j < inner; ++j) {
            f(i + j, ia + j * sa[r - 1], ib + j * sb[r - 1]);
        }
        for (uint32_t k = r - 1; k-- > 0;) {
            ++idx[k];
            ia += sa[k];
            ib += sb[k];
            if (idx[k] < d.shape[k]) {
                break;
            }
            ia -= sa[k] * idx[k];
            ib -= sb[k] * idx[k];
            idx[k] = 0;
        }
    }
}

template <class F>
void binary(const TensorView& d, const std::vector<float>& a, const uint64_t* sa,
            const std::vector<float>& b, const uint64_t* sb, std::vector<float>* out, F f) {
    float* o = out->data();
    broadcast_loop(d, sa, sb,
                   [&](uint64_t i, uint64_t ia, uint64_t ib) { o[i] = f(a[ia], b[ib]); });
}

template <class F>
void unary(std::vector<float>* v, F f) {
    for (float& x : *v) {
        x = f(x);
    }
}

}  // namespace

OpStatus run_binary(const OpEnv& env, const tern_isa_op& op) {
    const TensorView& d = env.dst(op);
    std::vector<float> a, b;
    if (!read_floats(env.mem, env.src(op, 0), &a, env.fault) ||
        !read_floats(env.mem, env.src(op, 1), &b, env.fault)) {
        return OpStatus::kFault;
    }
    uint64_t sa[kMaxRank], sb[kMaxRank];
    broadcast_strides(env.src(op, 0), d.rank, sa);
    broadcast_strides(env.src(op, 1), d.rank, sb);
    std::vector<float> out(d.count());
    switch (op.opcode) {
        case TERN_ISA_ADD:
            binary(d, a, sa, b, sb, &out, [](float x, float y) { return x + y; });
            break;
        case TERN_ISA_SUB:
            binary(d, a, sa, b, sb, &out, [](float x, float y) { return x - y; });
            break;
        case TERN_ISA_MUL:
            binary(d, a, sa, b, sb, &out, [](float x, float y) { return x * y; });
            break;
        case TERN_ISA_DIV:
            binary(d, a, sa, b, sb, &out, [](float x, float y) { return x / y; });
            break;
        case TERN_ISA_MAX:
            binary(d, a, sa, b, sb, &out, fmax_nan);
            break;
        default:
            binary(d, a, sa, b, sb, &out, fmin_nan);
            break;
    }
    return write_floats(env.mem, d, out.data(), env.fault) ? OpStatus::kOk : OpStatus::kFault;
}

OpStatus run_unary(const OpEnv& env, const tern_isa_op& op) {
    std::vector<float> v;
    if (!read_floats(env.mem, env.src(op, 0), &v, env.fault)) {
        return OpStatus::kFault;
    }
    switch (op.opcode) {
        case TERN_ISA_RELU:
            unary(&v, [](float x) { return x < 0.0f ? 0.0f : x; });
            break;
        case TERN_ISA_GELU:
            unary(&v,
                  [](float x) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f)); });
            break;
        case TERN_ISA_GELU_TANH:
            unary(&v, [](float x) {
                const float inner = 0.79788456080286536f * (x + 0.044715f * x * x * x);
                return 0.5f * x * (1.0f + std::tanh(inner));
            });
            break;
        case TERN_ISA_SILU:
            unary(&v, [](float x) { return x / (1.0f + std::exp(-x)); });
            break;
        case TERN_ISA_SIGMOID:
            unary(&v, [](float x) { return 1.0f / (1.0f + std::exp(-x)); });
            break;
        case TERN_ISA_TANH:
            unary(&v, [](float x) { return std::tanh(x); });
            break;
        case TERN_ISA_EXP:
            unary(&v, [](float x) { return std::exp(x); });
            break;
        case TERN_ISA_LOG:
            unary(&v, [](float x) { return std::log(x); });
            break;
        case TERN_ISA_SQRT:
            unary(&v, [](float x) { return std::sqrt(x); });
            break;
        case TERN_ISA_RSQRT:
            unary(&v, [](float x) { return 1.0f / std::sqrt(x); });
            break;
        case TERN_ISA_NEG:
            unary(&v, [](float x) { return -x; });
            break;
        case TERN_ISA_ABS:
            unary(&v, [](float x) { return std::fabs(x); });
            break;
        default: {  // AFFINE
            const float scale = param_float(op, 0);
            const float shift = param_float(op, 1);
            unary(&v, [=](float x) { return scale * x + shift; });
            break;
        }
    }
    return write_floats(env.mem, env.dst(op), v.data(), env.fault) ? OpStatus::kOk
                                                                   : OpStatus::kFault;
}

}  // namespace tern::sim::compute
