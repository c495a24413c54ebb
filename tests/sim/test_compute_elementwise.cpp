// SPDX-License-Identifier: MIT
// Binary ops with broadcasting and unary activations.
#include <limits>

#include "test_compute_util.hpp"

namespace tern_test {
namespace {

const double kInf = std::numeric_limits<double>::infinity();

double ref_binary(uint16_t opcode, double a, double b) {
    switch (opcode) {
        case TERN_ISA_ADD:
            return a + b;
        case TERN_ISA_SUB:
            return a - b;
        case TERN_ISA_MUL:
            return a * b;
        case TERN_ISA_DIV:
            return a / b;
        case TERN_ISA_MAX:
            return a > b ? a : b;
        default:
            return a < b ? a : b;
    }
}

constexpr uint16_t kBinaryOps[] = {TERN_ISA_ADD, TERN_ISA_SUB, TERN_ISA_MUL,
                                   TERN_ISA_DIV, TERN_ISA_MAX, TERN_ISA_MIN};

// Flat index of the broadcast operand element for dst index di.
uint64_t bcast_index(const std::vector<uint64_t>& di, const Shape& s) {
    uint64_t off = 0;
    for (size_t d = 0; d < s.size(); ++d) {
        off = off * s[d] + (s[d] == 1 ? 0 : di[d]);
    }
    return off;
}

void check_binary(uint16_t opcode, uint8_t adt, uint8_t bdt, uint8_t ddt, const Shape& as,
                  const Shape& bs, const Shape& ds, std::mt19937& rng) {
    FlatVa va;
    Prog p(va);
    const uint16_t a = p.tensor(adt, as);
    const uint16_t b = p.tensor(bdt, bs);
    const uint16_t d = p.tensor(ddt, ds);
    const auto av = p.stored(a, random_values(numel(as), rng));
    auto braw = random_values(numel(bs), rng, 0.5, 2.0);
    std::bernoulli_distribution neg(0.5);
    for (double& x : braw) {
        x = neg(rng) ? -x : x;
    }
    const auto bv = p.stored(b, braw);
    p.set(a, av);
    p.set(b, bv);
    p.op(opcode, d, {a, b});
    ASSERT_TRUE(ok(p.run()));
    std::vector<double> want(numel(ds));
    for (uint64_t i = 0; i < want.size(); ++i) {
        const auto di = unravel(i, ds);
        want[i] = ref_binary(opcode, av[bcast_index(di, as)], bv[bcast_index(di, bs)]);
    }
    EXPECT_TRUE(all_close(p.get(d), want, rtol(ddt), 1e-30));
}

TEST(ComputeBinary, BroadcastingAllOpsAndDtypes) {
    std::mt19937 rng(30);
    struct Shapes {
        Shape a, b, d;
    };
    const Shapes shapes[] = {
        {{2, 3, 4}, {2, 3, 4}, {2, 3, 4}},
        {{2, 3, 4}, {1, 3, 1}, {2, 3, 4}},
        {{2, 1, 4}, {2, 3, 1}, {2, 3, 4}},
        {{1}, {7}, {7}},
        {{2, 1, 2, 1, 2, 1}, {1, 2, 1, 2, 1, 2}, {2, 2, 2, 2, 2, 2}},
    };
    for (uint16_t opcode : kBinaryOps) {
        for (uint8_t dt : kFloatTypes) {
            for (size_t s = 0; s < std::size(shapes); ++s) {
                SCOPED_TRACE("op " + std::to_string(opcode) + " " + dtype_name(dt) + " shapes " +
                             std::to_string(s));
                check_binary(opcode, dt, dt, dt, shapes[s].a, shapes[s].b, shapes[s].d, rng);
            }
        }
    }
}

TEST(ComputeBinary, MixedDtypes) {
    std::mt19937 rng(31);
    check_binary(TERN_ISA_MUL, TERN_ISA_DTYPE_BF16, TERN_ISA_DTYPE_FP16, TERN_ISA_DTYPE_FP32,
                 {3, 4}, {3, 1}, {3, 4}, rng);
    check_binary(TERN_ISA_ADD, TERN_ISA_DTYPE_FP32, TERN_ISA_DTYPE_FP32, TERN_ISA_DTYPE_BF16, {5},
                 {5}, {5}, rng);
}

TEST(ComputeBinary, NanAndSignedZero) {
    FlatVa va;
    Prog p(va);
    const uint16_t a = p.tensor(TERN_ISA_DTYPE_FP32, {5});
    const uint16_t b = p.tensor(TERN_ISA_DTYPE_FP32, {5});
    const uint16_t mx = p.tensor(TERN_ISA_DTYPE_FP32, {5});
    const uint16_t mn = p.tensor(TERN_ISA_DTYPE_FP32, {5});
    const uint16_t dv = p.tensor(TERN_ISA_DTYPE_FP32, {5});
    p.set(a, {NAN, 1.0, -0.0, 0.0, 1.0});
    p.set(b, {1.0, NAN, 0.0, -0.0, 0.0});
    p.op(TERN_ISA_MAX, mx, {a, b});
    p.op(TERN_ISA_MIN, mn, {a, b});
    p.op(TERN_ISA_DIV, dv, {a, b});
    ASSERT_TRUE(ok(p.run()));
    const auto x = p.get(mx), n = p.get(mn), q = p.get(dv);
    EXPECT_TRUE(std::isnan(x[0]) && std::isnan(x[1]));
    EXPECT_TRUE(std::isnan(n[0]) && std::isnan(n[1]));
    EXPECT_FALSE(std::signbit(x[2]));
    EXPECT_FALSE(std::signbit(x[3]));
    EXPECT_TRUE(std::signbit(n[2]));
    EXPECT_TRUE(std::signbit(n[3]));
    EXPECT_TRUE(std::isnan(q[2]));
    EXPECT_EQ(q[4], kInf);
}

TEST(ComputeBinary, InPlaceBiasAddWithStridedDestination) {
    FlatVa va;
    Prog p(va);
    // x: [3,2] view with row stride 4 of a [3,4] buffer; x += bias[1,2], in place.
    const uint16_t buf = p.buffer(12 * 4);
    const uint16_t whole = p.tensor(TERN_ISA_DTYPE_FP32, {3, 4}, {}, buf);
    const uint16_t x = p.tensor(TERN_ISA_DTYPE_FP32, {3, 2}, {4, 1}, buf, 1);
    const uint16_t bias = p.tensor(TERN_ISA_DTYPE_FP32, {1, 2});
    p.set(whole, {0, 1, 2, 0, 0, 3, 4, 0, 0, 5, 6, 0});
    p.set(bias, {10, 100});
    p.op(TERN_ISA_ADD, x, {x, bias});
    ASSERT_TRUE(ok(p.run()));
    EXPECT_EQ(p.get(whole), (std::vector<double>{0, 11, 102, 0, 0, 13, 104, 0, 0, 15, 106, 0}));
}

// ---------------------------------------------------------------------------

double ref_unary(uint16_t opcode, double x, double scale, double shift) {
    switch (opcode) {
        case TERN_ISA_RELU:
            return x < 0 ? 0 : x;
        case TERN_ISA_GELU:
            return 0.5 * x * (1 + std::erf(x / std::sqrt(2.0)));
        case TERN_ISA_GELU_TANH:
            return 0.5 * x * (1 + std::tanh(std::sqrt(2 / M_PI) * (x + 0.044715 * x * x * x)));
        case TERN_ISA_SILU:
            return x / (1 + std::exp(-x));
        case TERN_ISA_SIGMOID:
            return 1 / (1 + std::exp(-x));
        case TERN_ISA_TANH:
            return std::tanh(x);
        case TERN_ISA_EXP:
            return std::exp(x);
        case TERN_ISA_LOG:
            return std::log(x);
        case TERN_ISA_SQRT:
            return std::sqrt(x);
        case TERN_ISA_RSQRT:
            return 1 / std::sqrt(x);
        case TERN_ISA_NEG:
            return -x;
        case TERN_ISA_ABS:
            return std::fabs(x);
        default:
            return scale * x + shift;
    }
}

constexpr uint16_t kUnaryOps[] = {
    TERN_ISA_RELU, TERN_ISA_GELU, TERN_ISA_GELU_TANH, TERN_ISA_SILU, TERN_ISA_SIGMOID,
    TERN_ISA_TANH, TERN_ISA_EXP,  TERN_ISA_LOG,       TERN_ISA_SQRT, TERN_ISA_RSQRT,
    TERN_ISA_NEG,  TERN_ISA_ABS,  TERN_ISA_AFFINE};

TEST(ComputeUnary, AllOpsAndDtypes) {
    std::mt19937 rng(32);
    const float scale = -1.5f, shift = 0.25f;
    for (uint16_t opcode : kUnaryOps) {
        const bool positive =
            opcode == TERN_ISA_LOG || opcode == TERN_ISA_SQRT || opcode == TERN_ISA_RSQRT;
        for (uint8_t sdt : kFloatTypes) {
            for (uint8_t ddt : kFloatTypes) {
                SCOPED_TRACE("op " + std::to_string(opcode) + " " + dtype_name(sdt) + "->" +
                             dtype_name(ddt));
                FlatVa va;
                Prog p(va);
                // Source: a [4,6] view of every other column of a [4,12] buffer.
                const uint16_t s = p.tensor(sdt, {4, 6}, {12, 2});
                const uint16_t d = p.tensor(ddt, {4, 6});
                const auto v = p.stored(s, positive ? random_values(24, rng, 0.05, 6.0)
                                                    : random_values(24, rng, -5.0, 5.0));
                p.set(s, v);
                if (opcode == TERN_ISA_AFFINE) {
                    p.op(opcode, d, {s}, {fbits(scale), fbits(shift)});
                } else {
                    p.op(opcode, d, {s});
                }
                ASSERT_TRUE(ok(p.run()));
                std::vector<double> want(24);
                for (size_t i = 0; i < 24; ++i) {
                    want[i] = ref_unary(opcode, v[i], scale, shift);
                }
                // fp32 transcendental functions are accurate to a few ulp of
                // their arguments: allow 1e-6 absolute on top.
                EXPECT_TRUE(all_close(p.get(d), want, rtol(ddt) + 2e-6, 1e-6));
            }
        }
    }
}

TEST(ComputeUnary, SpecialValues) {
    FlatVa va;
    Prog p(va);
    const uint16_t s = p.tensor(TERN_ISA_DTYPE_FP32, {6});
    p.set(s, {-0.0, NAN, 0.0, -1.0, 100.0, -100.0});
    const uint16_t relu = p.tensor(TERN_ISA_DTYPE_FP32, {6});
    const uint16_t log = p.tensor(TERN_ISA_DTYPE_FP32, {6});
    const uint16_t sqrt = p.tensor(TERN_ISA_DTYPE_FP32, {6});
    const uint16_t rsqrt = p.tensor(TERN_ISA_DTYPE_FP32, {6});
    const uint16_t exp = p.tensor(TERN_ISA_DTYPE_FP16, {6});
    const uint16_t sig = p.tensor(TERN_ISA_DTYPE_FP32, {6});
    p.op(TERN_ISA_RELU, relu, {s});
    p.op(TERN_ISA_LOG, log, {s});
    p.op(TERN_ISA_SQRT, sqrt, {s});
    p.op(TERN_ISA_RSQRT, rsqrt, {s});
    p.op(TERN_ISA_EXP, exp, {s});
    p.op(TERN_ISA_SIGMOID, sig, {s});
    ASSERT_TRUE(ok(p.run()));
    const auto r = p.get(relu);
    EXPECT_TRUE(r[0] == 0.0 && std::isnan(r[1]) && r[3] == 0.0 && r[4] == 100.0);
    const auto l = p.get(log);
    EXPECT_TRUE(l[0] == -kInf && std::isnan(l[1]) && l[2] == -kInf && std::isnan(l[3]));
    const auto q = p.get(sqrt);
    EXPECT_TRUE(std::isnan(q[3]) && q[4] == 10.0);
    const auto rq = p.get(rsqrt);
    EXPECT_TRUE(rq[0] == -kInf && rq[2] == kInf && std::isnan(rq[3]));
    const auto e = p.get(exp);
    EXPECT_EQ(e[4], kInf);  // overflows fp16
    EXPECT_EQ(e[5], 0.0);
    const auto sg = p.get(sig);
    EXPECT_EQ(sg[4], 1.0);
    EXPECT_EQ(sg[5], 0.0);
}

TEST(ComputeUnary, InPlace) {
    FlatVa va;
    Prog p(va);
    const uint16_t t = p.tensor(TERN_ISA_DTYPE_BF16, {2, 3});
    p.set(t, {-1, 2, -3, 4, -5, 6});
    p.op(TERN_ISA_ABS, t, {t});
    p.op(TERN_ISA_AFFINE, t, {t}, {fbits(2.0f), fbits(-1.0f)});
    ASSERT_TRUE(ok(p.run()));
    EXPECT_EQ(p.get(t), (std::vector<double>{1, 3, 5, 7, 9, 11}));
}

}  // namespace
}  // namespace tern_test
