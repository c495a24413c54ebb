// SPDX-License-Identifier: MIT
// MATMUL and CONV2D against naive double-precision references.
#include <numeric>
#include <thread>

#include "test_compute_util.hpp"

namespace tern_test {
namespace {

// ---------------------------------------------------------------------------
// MATMUL

struct MatmulCase {
    Shape a, b, c, d;  // c empty: no addend
    bool ta = false, tb = false;
    float alpha = 1.0f;
    bool use_alpha = false;
    uint8_t adt = TERN_ISA_DTYPE_FP32, bdt = TERN_ISA_DTYPE_FP32, cdt = TERN_ISA_DTYPE_FP32,
            ddt = TERN_ISA_DTYPE_FP32;
};

// Reference: d[b, i, j] = alpha * sum_k opA[b, i, k] opB[b, k, j] + c (broadcast).
void reference_matmul(const MatmulCase& mc, const std::vector<double>& a,
                      const std::vector<double>& b, const std::vector<double>& c,
                      std::vector<double>* want, std::vector<double>* scale) {
    const size_t dr = mc.d.size();
    const uint64_t batch = dr == 3 ? mc.d[0] : 1, m = mc.d[dr - 2], n = mc.d[dr - 1];
    const uint64_t ar = mc.a[mc.a.size() - 2], ac = mc.a.back();
    const uint64_t br = mc.b[mc.b.size() - 2], bc = mc.b.back();
    const uint64_t k = mc.ta ? ar : ac;
    want->assign(batch * m * n, 0.0);
    scale->assign(batch * m * n, 0.0);
    for (uint64_t bi = 0; bi < batch; ++bi) {
        const double* ab = a.data() + (mc.a.size() == 3 ? bi * ar * ac : 0);
        const double* bb = b.data() + (mc.b.size() == 3 ? bi * br * bc : 0);
        for (uint64_t i = 0; i < m; ++i) {
            for (uint64_t j = 0; j < n; ++j) {
                double s = 0, sa = 0;
                for (uint64_t q = 0; q < k; ++q) {
                    const double x = mc.ta ? ab[q * ac + i] : ab[i * ac + q];
                    const double y = mc.tb ? bb[j * bc + q] : bb[q * bc + j];
                    s += x * y;
                    sa += std::fabs(x * y);
                }
                const uint64_t o = (bi * m + i) * n + j;
                (*want)[o] = mc.alpha * s;
                (*scale)[o] = std::fabs(mc.alpha) * sa;
                if (!mc.c.empty()) {
                    // Right-aligned broadcast of c to [batch, m, n].
                    const uint64_t full[3] = {bi, i, j};
                    uint64_t off = 0;
                    const size_t lead = 3 - mc.c.size();
                    for (size_t dd = 0; dd < mc.c.size(); ++dd) {
                        off = off * mc.c[dd] + (mc.c[dd] == 1 ? 0 : full[lead + dd]);
                    }
                    (*want)[o] += c[off];
                    (*scale)[o] += std::fabs(c[off]);
                }
            }
        }
    }
}

void check_matmul(const MatmulCase& mc, std::mt19937& rng) {
    FlatVa va(size_t{1} << 20);
    Prog p(va);
    const uint16_t a = p.tensor(mc.adt, mc.a);
    const uint16_t b = p.tensor(mc.bdt, mc.b);
    const uint16_t c = mc.c.empty() ? kNone : p.tensor(mc.cdt, mc.c);
    const uint16_t d = p.tensor(mc.ddt, mc.d);
    const auto av = p.stored(a, random_values(numel(mc.a), rng));
    const auto bv = p.stored(b, random_values(numel(mc.b), rng));
    std::vector<double> cv;
    p.set(a, av);
    p.set(b, bv);
    if (c != kNone) {
        cv = p.stored(c, random_values(numel(mc.c), rng));
        p.set(c, cv);
    }
    uint16_t flags = (mc.ta ? TERN_ISA_MM_TRANS_A : 0) | (mc.tb ? TERN_ISA_MM_TRANS_B : 0);
    std::initializer_list<uint32_t> params = {};
    if (mc.use_alpha) {
        flags |= TERN_ISA_MM_ALPHA;
    }
    tern_isa_op& o = p.op(TERN_ISA_MATMUL, d, {a, b, c}, params, flags);
    if (mc.use_alpha) {
        o.param[0] = fbits(mc.alpha);
    }
    ASSERT_TRUE(ok(p.run()));
    std::vector<double> want, scale;
    reference_matmul(mc, av, bv, cv, &want, &scale);
    const uint64_t k = mc.ta ? mc.a[mc.a.size() - 2] : mc.a.back();
    for (double& s : scale) {
        s *= 2e-7 * double(k + 1);
    }
    EXPECT_TRUE(all_close(p.get(d), want, rtol(mc.ddt), scale));
}

TEST(ComputeMatmul, TransposesAlphaAndDtypes) {
    std::mt19937 rng(10);
    const uint32_t m = 5, k = 7, n = 3;
    for (uint8_t dt : kFloatTypes) {
        for (int t = 0; t < 4; ++t) {
            for (bool alpha : {false, true}) {
                MatmulCase mc;
                mc.ta = t & 1;
                mc.tb = t & 2;
                mc.a = mc.ta ? Shape{k, m} : Shape{m, k};
                mc.b = mc.tb ? Shape{n, k} : Shape{k, n};
                mc.d = {m, n};
                mc.use_alpha = alpha;
                mc.alpha = alpha ? -0.75f : 1.0f;
                mc.adt = mc.bdt = mc.ddt = dt;
                SCOPED_TRACE(std::string(dtype_name(dt)) + " trans " + std::to_string(t) +
                             " alpha " + std::to_string(alpha));
                check_matmul(mc, rng);
            }
        }
    }
}

TEST(ComputeMatmul, BiasShapes) {
    std::mt19937 rng(11);
    const Shape biases[] = {{4}, {1}, {3, 1}, {3, 4}, {1, 4}, {2, 3, 4}, {2, 1, 4}, {1, 1, 1}};
    for (const Shape& c : biases) {
        for (uint8_t dt : kFloatTypes) {
            MatmulCase mc;
            mc.a = {2, 3, 6};
            mc.b = {2, 6, 4};
            mc.d = {2, 3, 4};
            mc.c = c;
            mc.adt = mc.bdt = mc.cdt = mc.ddt = dt;
            SCOPED_TRACE(std::string(dtype_name(dt)) + " bias rank " + std::to_string(c.size()));
            check_matmul(mc, rng);
        }
    }
}

TEST(ComputeMatmul, BatchBroadcastOfRank2Operand) {
    std::mt19937 rng(12);
    for (int which = 0; which < 3; ++which) {
        MatmulCase mc;
        mc.a = which == 0 ? Shape{6, 5} : Shape{3, 6, 5};
        mc.b = which == 1 ? Shape{4, 6} : Shape{3, 4, 6};
        mc.ta = true;
        mc.tb = true;
        mc.d = {3, 5, 4};
        mc.c = {5, 4};
        mc.use_alpha = true;
        mc.alpha = 0.5f;
        SCOPED_TRACE(which);
        check_matmul(mc, rng);
    }
}

TEST(ComputeMatmul, MixedDtypes) {
    std::mt19937 rng(13);
    MatmulCase mc;
    mc.a = {4, 8};
    mc.b = {8, 5};
    mc.c = {5};
    mc.d = {4, 5};
    mc.adt = TERN_ISA_DTYPE_BF16;
    mc.bdt = TERN_ISA_DTYPE_FP16;
    mc.cdt = TERN_ISA_DTYPE_FP32;
    mc.ddt = TERN_ISA_DTYPE_FP32;
    check_matmul(mc, rng);
    mc.adt = TERN_ISA_DTYPE_FP32;
    mc.bdt = TERN_ISA_DTYPE_FP32;
    mc.cdt = TERN_ISA_DTYPE_BF16;
    mc.ddt = TERN_ISA_DTYPE_FP16;
    check_matmul(mc, rng);
}

TEST(ComputeMatmul, StridedViews) {
    std::mt19937 rng(14);
    for (uint8_t dt : kFloatTypes) {
        SCOPED_TRACE(dtype_name(dt));
        FlatVa va;
        Prog p(va);
        // A [4,6] given as a transposed view of a [6,4] buffer; B [6,3] as
        // every other row of a [12,3] buffer; dst a [4,3] block of a [6,8] matrix.
        const uint16_t abuf = p.tensor(dt, {6, 4});
        const uint16_t a = p.tensor(dt, {4, 6}, {1, 4}, p.tensor_at(abuf).binding);
        const uint16_t bbuf = p.tensor(dt, {12, 3});
        const uint16_t b = p.tensor(dt, {6, 3}, {6, 1}, p.tensor_at(bbuf).binding, 3);
        const uint16_t dbuf = p.buffer(6 * 8 * esize(dt));
        const uint16_t d = p.tensor(dt, {4, 3}, {8, 1}, dbuf, 8 + 2);
        p.set(abuf, random_values(24, rng));
        p.set(bbuf, random_values(36, rng));
        const auto av = p.get(a), bv = p.get(b);
        p.op(TERN_ISA_MATMUL, d, {a, b});
        ASSERT_TRUE(ok(p.run()));
        std::vector<double> want(12, 0.0);
        for (int i = 0; i < 4; ++i) {
            for (int j = 0; j < 3; ++j) {
                for (int q = 0; q < 6; ++q) {
                    want[i * 3 + j] += av[i * 6 + q] * bv[q * 3 + j];
                }
            }
        }
        EXPECT_TRUE(all_close(p.get(d), want, rtol(dt), 1e-5));
        // Rows 0 and 5 of the dst buffer are untouched.
        const uint8_t* base = va.ptr(p.bindings[dbuf].va);
        for (size_t i = 0; i < 8 * esize(dt); ++i) {
            ASSERT_EQ(base[i], FlatVa::kSentinel);
            ASSERT_EQ(base[5 * 8 * esize(dt) + i], FlatVa::kSentinel);
        }
    }
}

TEST(ComputeMatmul, DestinationAliasesOperands) {
    std::mt19937 rng(15);
    FlatVa va;
    Prog p(va);
    const uint16_t a = p.tensor(TERN_ISA_DTYPE_FP32, {4, 4});
    const uint16_t b = p.tensor(TERN_ISA_DTYPE_FP32, {4, 4});
    const uint16_t c = p.tensor(TERN_ISA_DTYPE_FP32, {4, 4});
    const auto av = p.stored(a, random_values(16, rng));
    const auto bv = p.stored(b, random_values(16, rng));
    const auto cv = p.stored(c, random_values(16, rng));
    p.set(a, av);
    p.set(b, bv);
    p.set(c, cv);
    p.op(TERN_ISA_MATMUL, c, {a, b, c});  // c += a b
    p.op(TERN_ISA_MATMUL, a, {a, a});     // a = a a
    ASSERT_TRUE(ok(p.run()));
    std::vector<double> wc = cv, wa(16, 0.0);
    for (int i = 0; i < 4; ++i) {
        for (int j = 0; j < 4; ++j) {
            for (int q = 0; q < 4; ++q) {
                wc[i * 4 + j] += av[i * 4 + q] * bv[q * 4 + j];
                wa[i * 4 + j] += av[i * 4 + q] * av[q * 4 + j];
            }
        }
    }
    EXPECT_TRUE(all_close(p.get(c), wc, 1e-5, 1e-5));
    EXPECT_TRUE(all_close(p.get(a), wa, 1e-5, 1e-5));
}

TEST(ComputeMatmul, Larger) {
    std::mt19937 rng(16);
    MatmulCase mc;
    mc.a = {48, 96};
    mc.b = {80, 96};
    mc.tb = true;
    mc.c = {80};
    mc.d = {48, 80};
    check_matmul(mc, rng);
}

// ---------------------------------------------------------------------------
// CONV2D

struct ConvCase {
    uint32_t n = 1, c = 1, h = 5, w = 5, o = 1, kh = 3, kw = 3;
    uint32_t sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1, groups = 1;
    bool bias = false;
    bool nhwc = false;  // input stored NHWC, presented as NCHW through strides
    uint8_t dt = TERN_ISA_DTYPE_FP32;

    uint32_t oh() const { return (h + 2 * ph - dh * (kh - 1) - 1) / sh + 1; }
    uint32_t ow() const { return (w + 2 * pw - dw * (kw - 1) - 1) / sw + 1; }
};

void check_conv(const ConvCase& cc, std::mt19937& rng, size_t mem = size_t{1} << 20) {
    FlatVa va(mem);
    Prog p(va);
    const uint32_t cg = cc.c / cc.groups, og = cc.o / cc.groups;
    const uint16_t x =
        cc.nhwc ? p.tensor(cc.dt, {cc.n, cc.c, cc.h, cc.w},
                           {uint64_t(cc.h) * cc.w * cc.c, 1, uint64_t(cc.w) * cc.c, cc.c})
                : p.tensor(cc.dt, {cc.n, cc.c, cc.h, cc.w});
    const uint16_t wt = p.tensor(cc.dt, {cc.o, cg, cc.kh, cc.kw});
    const uint16_t b = cc.bias ? p.tensor(cc.dt, {cc.o}) : kNone;
    const uint32_t oh = cc.oh(), ow = cc.ow();
    const uint16_t y = p.tensor(cc.dt, {cc.n, cc.o, oh, ow});
    const auto xv = p.stored(x, random_values(p.count(x), rng));
    const auto wv = p.stored(wt, random_values(p.count(wt), rng));
    std::vector<double> bv;
    p.set(x, xv);
    p.set(wt, wv);
    if (cc.bias) {
        bv = p.stored(b, random_values(cc.o, rng));
        p.set(b, bv);
    }
    p.op(TERN_ISA_CONV2D, y, {x, wt, b}, {cc.sh, cc.sw, cc.ph, cc.pw, cc.dh, cc.dw, cc.groups});
    ASSERT_TRUE(ok(p.run()));
    std::vector<double> want(p.count(y)), scale(p.count(y));
    for (uint32_t n = 0; n < cc.n; ++n) {
        for (uint32_t o = 0; o < cc.o; ++o) {
            const uint32_t g = o / og;
            for (uint32_t i = 0; i < oh; ++i) {
                for (uint32_t j = 0; j < ow; ++j) {
                    double s = cc.bias ? bv[o] : 0.0, sa = cc.bias ? std::fabs(bv[o]) : 0.0;
                    for (uint32_t ci = 0; ci < cg; ++ci) {
                        for (uint32_t a = 0; a < cc.kh; ++a) {
                            for (uint32_t bb = 0; bb < cc.kw; ++bb) {
                                const int64_t r = int64_t(i * cc.sh + a * cc.dh) - cc.ph;
                                const int64_t q = int64_t(j * cc.sw + bb * cc.dw) - cc.pw;
                                if (r < 0 || r >= cc.h || q < 0 || q >= cc.w) {
                                    continue;
                                }
                                const double xx =
                                    xv[((uint64_t(n) * cc.c + g * cg + ci) * cc.h + r) * cc.w + q];
                                const double ww =
                                    wv[((uint64_t(o) * cg + ci) * cc.kh + a) * cc.kw + bb];
                                s += xx * ww;
                                sa += std::fabs(xx * ww);
                            }
                        }
                    }
                    const uint64_t idx = ((uint64_t(n) * cc.o + o) * oh + i) * ow + j;
                    want[idx] = s;
                    scale[idx] = sa * 2e-7 * (cg * cc.kh * cc.kw + 1);
                }
            }
        }
    }
    EXPECT_TRUE(all_close(p.get(y), want, rtol(cc.dt), scale));
}

TEST(ComputeConv2d, ParameterCombinations) {
    std::mt19937 rng(20);
    std::vector<ConvCase> cases;
    ConvCase base;
    base.n = 2, base.c = 3, base.h = 7, base.w = 6, base.o = 4, base.kh = 3, base.kw = 2;
    cases.push_back(base);
    ConvCase c = base;
    c.sh = 2, c.sw = 1, c.ph = 1, c.pw = 2, c.bias = true;
    cases.push_back(c);
    c = base;
    c.dh = 2, c.dw = 3, c.ph = 2, c.pw = 1;
    cases.push_back(c);
    c = base;
    c.c = 4, c.o = 6, c.groups = 2, c.bias = true, c.sh = 3, c.sw = 2, c.ph = 1;
    cases.push_back(c);
    c = base;
    c.c = 3, c.o = 3, c.groups = 3, c.kh = 3, c.kw = 3, c.ph = 1, c.pw = 1;  // depthwise
    cases.push_back(c);
    c = base;
    c.kh = 1, c.kw = 1, c.o = 5, c.bias = true;  // pointwise
    cases.push_back(c);
    c = base;
    c.kh = 9, c.kw = 8, c.ph = 1, c.pw = 1;  // one output pixel
    cases.push_back(c);
    c = base;
    c.nhwc = true, c.ph = 1, c.pw = 1, c.bias = true;
    cases.push_back(c);
    for (uint8_t dt : kFloatTypes) {
        for (size_t i = 0; i < cases.size(); ++i) {
            ConvCase cc = cases[i];
            cc.dt = dt;
            SCOPED_TRACE(std::string(dtype_name(dt)) + " case " + std::to_string(i));
            check_conv(cc, rng);
        }
    }
}

TEST(ComputeConv2d, ChunkedIm2col) {
    // k * p = 18 * 16384 exceeds the engine's im2col budget (2^18 floats).
    std::mt19937 rng(21);
    ConvCase cc;
    cc.n = 1, cc.c = 2, cc.h = 128, cc.w = 128, cc.o = 3, cc.ph = 1, cc.pw = 1, cc.bias = true;
    check_conv(cc, rng, size_t{2} << 20);
}

TEST(ComputeConv2d, InPlaceOneByOne) {
    // 1x1 convolution with C == O writing over its own input.
    FlatVa va;
    Prog p(va);
    const uint16_t x = p.tensor(TERN_ISA_DTYPE_FP32, {1, 2, 2, 2});
    const uint16_t w = p.tensor(TERN_ISA_DTYPE_FP32, {2, 2, 1, 1});
    p.set(x, {1, 2, 3, 4, 5, 6, 7, 8});
    p.set(w, {0, 1, 1, 0});  // swap channels
    p.op(TERN_ISA_CONV2D, x, {x, w}, {1, 1, 0, 0, 1, 1, 1});
    ASSERT_TRUE(ok(p.run()));
    EXPECT_EQ(p.get(x), (std::vector<double>{5, 6, 7, 8, 1, 2, 3, 4}));
}

TEST(ComputeConcurrency, ParallelProgramsAgree) {
    // execute_program keeps no global state: programs on separate threads
    // (separate address spaces) give the same results as a serial run.
    auto run_one = [](uint32_t seed, std::vector<double>* out) {
        std::mt19937 rng(seed);
        FlatVa va;
        Prog p(va);
        const uint16_t a = p.tensor(TERN_ISA_DTYPE_FP32, {16, 24});
        const uint16_t b = p.tensor(TERN_ISA_DTYPE_BF16, {24, 12});
        const uint16_t d = p.tensor(TERN_ISA_DTYPE_FP32, {16, 12});
        p.set(a, random_values(16 * 24, rng));
        p.set(b, random_values(24 * 12, rng));
        p.op(TERN_ISA_MATMUL, d, {a, b});
        p.op(TERN_ISA_SOFTMAX, d, {d}, {1});
        for (int i = 0; i < 10; ++i) {
            if (!ok(p.run())) {
                return;
            }
        }
        *out = p.get(d);
    };
    std::vector<double> serial[2], parallel[2];
    run_one(1, &serial[0]);
    run_one(2, &serial[1]);
    std::thread t0(run_one, 1, &parallel[0]);
    std::thread t1(run_one, 2, &parallel[1]);
    t0.join();
    t1.join();
    ASSERT_FALSE(serial[0].empty());
    EXPECT_EQ(parallel[0], serial[0]);
    EXPECT_EQ(parallel[1], serial[1]);
}

}  // namespace
}  // namespace tern_test
