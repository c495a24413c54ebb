// SPDX-License-Identifier: MIT
// REDUCE_*, SOFTMAX, LAYERNORM and the 2-D pools.
#include <limits>

#include "test_compute_util.hpp"

namespace tern_test {
namespace {

const double kInf = std::numeric_limits<double>::infinity();

// Splits shape around axis: outer * n * inner.
void split(const Shape& s, uint32_t axis, uint64_t* outer, uint64_t* n, uint64_t* inner) {
    *outer = 1;
    *inner = 1;
    for (uint32_t d = 0; d < axis; ++d) {
        *outer *= s[d];
    }
    for (uint32_t d = axis + 1; d < s.size(); ++d) {
        *inner *= s[d];
    }
    *n = s[axis];
}

void check_reduce(uint16_t opcode, uint8_t dt, const Shape& shape, uint32_t axis,
                  std::mt19937& rng) {
    FlatVa va;
    Prog p(va);
    const uint16_t s = p.tensor(dt, shape);
    Shape ds = shape;
    ds[axis] = 1;
    const uint16_t d = p.tensor(dt, ds);
    const auto v = p.stored(s, random_values(numel(shape), rng));
    p.set(s, v);
    p.op(opcode, d, {s}, {axis});
    ASSERT_TRUE(ok(p.run()));
    uint64_t outer, n, inner;
    split(shape, axis, &outer, &n, &inner);
    std::vector<double> want(outer * inner), tol(outer * inner);
    for (uint64_t o = 0; o < outer; ++o) {
        for (uint64_t i = 0; i < inner; ++i) {
            double acc = opcode == TERN_ISA_REDUCE_MAX ? -kInf : 0.0, mag = 0.0;
            for (uint64_t j = 0; j < n; ++j) {
                const double x = v[(o * n + j) * inner + i];
                acc = opcode == TERN_ISA_REDUCE_MAX ? std::max(acc, x) : acc + x;
                mag += std::fabs(x);
            }
            if (opcode == TERN_ISA_REDUCE_MEAN) {
                acc /= double(n);
                mag /= double(n);
            }
            want[o * inner + i] = acc;
            tol[o * inner + i] = 2e-7 * double(n) * mag;
        }
    }
    EXPECT_TRUE(all_close(p.get(d), want, rtol(dt), tol));
}

TEST(ComputeReduce, EveryAxisOpAndDtype) {
    std::mt19937 rng(40);
    const std::pair<Shape, std::vector<uint32_t>> cases[] = {
        {{3, 4, 5}, {0, 1, 2}},
        {{7}, {0}},
        {{2, 1, 3, 1, 2, 2}, {1, 2, 5}},
    };
    for (uint16_t opcode : {TERN_ISA_REDUCE_SUM, TERN_ISA_REDUCE_MAX, TERN_ISA_REDUCE_MEAN}) {
        for (uint8_t dt : kFloatTypes) {
            for (const auto& [shape, axes] : cases) {
                for (uint32_t axis : axes) {
                    SCOPED_TRACE("op " + std::to_string(opcode) + " " + dtype_name(dt) + " rank " +
                                 std::to_string(shape.size()) + " axis " + std::to_string(axis));
                    check_reduce(opcode, dt, shape, axis, rng);
                }
            }
        }
    }
}

TEST(ComputeReduce, MaxPropagatesNanAndInPlace) {
    FlatVa va;
    Prog p(va);
    const uint16_t s = p.tensor(TERN_ISA_DTYPE_FP32, {2, 3});
    const uint16_t m = p.tensor(TERN_ISA_DTYPE_FP32, {2, 1});
    // In place: the sum lands on the first column of the source rows.
    const uint16_t sum = p.tensor(TERN_ISA_DTYPE_FP32, {2, 1}, {3, 1}, p.tensor_at(s).binding);
    p.set(s, {1, NAN, 3, -4, -5, -6});
    p.op(TERN_ISA_REDUCE_MAX, m, {s}, {1});
    p.op(TERN_ISA_REDUCE_SUM, sum, {s}, {1});
    ASSERT_TRUE(ok(p.run()));
    const auto mv = p.get(m);
    EXPECT_TRUE(std::isnan(mv[0]));
    EXPECT_EQ(mv[1], -4.0);
    const auto sv = p.get(s);
    EXPECT_TRUE(std::isnan(sv[0]));
    EXPECT_EQ(sv[3], -15.0);
    EXPECT_EQ(sv[4], -5.0);
}

// ---------------------------------------------------------------------------

std::vector<double> ref_softmax(const std::vector<double>& v, const Shape& shape, uint32_t axis) {
    uint64_t outer, n, inner;
    split(shape, axis, &outer, &n, &inner);
    std::vector<double> out(v.size());
    for (uint64_t o = 0; o < outer; ++o) {
        for (uint64_t i = 0; i < inner; ++i) {
            double m = -kInf, s = 0;
            for (uint64_t j = 0; j < n; ++j) {
                m = std::max(m, v[(o * n + j) * inner + i]);
            }
            for (uint64_t j = 0; j < n; ++j) {
                s += std::exp(v[(o * n + j) * inner + i] - m);
            }
            for (uint64_t j = 0; j < n; ++j) {
                out[(o * n + j) * inner + i] = std::exp(v[(o * n + j) * inner + i] - m) / s;
            }
        }
    }
    return out;
}

TEST(ComputeSoftmax, EveryAxisAndDtype) {
    std::mt19937 rng(41);
    const Shape shape = {3, 4, 5};
    for (uint8_t dt : kFloatTypes) {
        for (uint32_t axis = 0; axis < 3; ++axis) {
            SCOPED_TRACE(std::string(dtype_name(dt)) + " axis " + std::to_string(axis));
            FlatVa va;
            Prog p(va);
            const uint16_t s = p.tensor(dt, shape);
            const uint16_t d = p.tensor(dt, shape);
            const auto v = p.stored(s, random_values(60, rng, -4.0, 4.0));
            p.set(s, v);
            p.op(TERN_ISA_SOFTMAX, d, {s}, {axis});
            ASSERT_TRUE(ok(p.run()));
            EXPECT_TRUE(all_close(p.get(d), ref_softmax(v, shape, axis), rtol(dt), 1e-6));
        }
    }
}

TEST(ComputeSoftmax, StableForLargeInputsAndMasks) {
    FlatVa va;
    Prog p(va);
    const uint16_t s = p.tensor(TERN_ISA_DTYPE_FP32, {3, 4});
    const uint16_t d = p.tensor(TERN_ISA_DTYPE_FP32, {3, 4});
    const std::vector<double> v = {1000, 1001,  1002,  999,   0,     -kInf,
                                   1,    -kInf, -kInf, -kInf, -kInf, -kInf};
    p.set(s, v);
    p.op(TERN_ISA_SOFTMAX, d, {s}, {1});
    p.op(TERN_ISA_SOFTMAX, s, {s}, {1});  // in place
    ASSERT_TRUE(ok(p.run()));
    for (uint16_t t : {d, s}) {
        const auto got = p.get(t);
        const auto want = ref_softmax(v, {3, 4}, 1);
        EXPECT_TRUE(all_close(std::vector<double>(got.begin(), got.begin() + 8),
                              std::vector<double>(want.begin(), want.begin() + 8), 1e-5, 1e-7));
        EXPECT_EQ(got[5], 0.0);
        for (int i = 8; i < 12; ++i) {
            EXPECT_TRUE(std::isnan(got[i])) << i;  // a fully masked line
        }
    }
}

// ---------------------------------------------------------------------------

void check_layernorm(uint8_t dt, const Shape& shape, bool gamma, bool beta, float eps,
                     bool strided_gamma, std::mt19937& rng) {
    FlatVa va;
    Prog p(va);
    const uint32_t width = shape.back();
    const uint16_t x = p.tensor(dt, shape);
    const uint16_t y = p.tensor(dt, shape);
    const uint16_t g =
        gamma ? (strided_gamma ? p.tensor(dt, {width}, {2}) : p.tensor(dt, {width})) : kNone;
    const uint16_t b = beta ? p.tensor(TERN_ISA_DTYPE_FP32, {width}) : kNone;
    auto xv = random_values(numel(shape), rng, -3.0, 3.0);
    for (size_t i = 0; i < xv.size(); ++i) {
        xv[i] += double(i / width);  // rows with different means
    }
    xv = p.stored(x, xv);
    p.set(x, xv);
    std::vector<double> gv(width, 1.0), bv(width, 0.0);
    if (gamma) {
        gv = p.stored(g, random_values(width, rng, 0.5, 1.5));
        p.set(g, gv);
    }
    if (beta) {
        bv = p.stored(b, random_values(width, rng));
        p.set(b, bv);
    }
    p.op(TERN_ISA_LAYERNORM, y, {x, g, b}, {fbits(eps)});
    ASSERT_TRUE(ok(p.run()));
    std::vector<double> want(xv.size());
    for (size_t r = 0; r < xv.size() / width; ++r) {
        double mean = 0, var = 0;
        for (uint32_t j = 0; j < width; ++j) {
            mean += xv[r * width + j];
        }
        mean /= width;
        for (uint32_t j = 0; j < width; ++j) {
            var += (xv[r * width + j] - mean) * (xv[r * width + j] - mean);
        }
        var /= width;
        for (uint32_t j = 0; j < width; ++j) {
            want[r * width + j] = (xv[r * width + j] - mean) / std::sqrt(var + eps) * gv[j] + bv[j];
        }
    }
    EXPECT_TRUE(all_close(p.get(y), want, rtol(dt), dt == TERN_ISA_DTYPE_FP32 ? 2e-5 : 1e-2));
}

TEST(ComputeLayernorm, AffineCombinationsAndDtypes) {
    std::mt19937 rng(42);
    for (uint8_t dt : kFloatTypes) {
        for (int mask = 0; mask < 4; ++mask) {
            SCOPED_TRACE(std::string(dtype_name(dt)) + " mask " + std::to_string(mask));
            check_layernorm(dt, {4, 6}, mask & 1, mask & 2, 1e-5f, mask == 3, rng);
            check_layernorm(dt, {2, 3, 8}, mask & 1, mask & 2, 0.0f, false, rng);
        }
    }
    check_layernorm(TERN_ISA_DTYPE_FP32, {16}, true, true, 0.5f, true, rng);
}

TEST(ComputeLayernorm, ConstantRow) {
    FlatVa va;
    Prog p(va);
    const uint16_t x = p.tensor(TERN_ISA_DTYPE_FP32, {2, 3});
    const uint16_t b = p.tensor(TERN_ISA_DTYPE_FP32, {3});
    const uint16_t y1 = p.tensor(TERN_ISA_DTYPE_FP32, {2, 3});
    const uint16_t y2 = p.tensor(TERN_ISA_DTYPE_FP32, {2, 3});
    p.set(x, {5, 5, 5, 1, 2, 3});
    p.set(b, {7, 8, 9});
    p.op(TERN_ISA_LAYERNORM, y1, {x, kNone, b}, {fbits(1e-5f)});
    p.op(TERN_ISA_LAYERNORM, y2, {x}, {0});
    ASSERT_TRUE(ok(p.run()));
    const auto v1 = p.get(y1), v2 = p.get(y2);
    EXPECT_EQ(v1[0], 7.0);
    EXPECT_EQ(v1[2], 9.0);
    EXPECT_TRUE(std::isnan(v2[0]));  // 0 / sqrt(0)
    EXPECT_NEAR(v2[3], -std::sqrt(1.5), 1e-6);
}

// ---------------------------------------------------------------------------

struct PoolCase {
    uint32_t kh, kw, sh, sw, ph, pw;
};

void check_pool(uint16_t opcode, uint8_t dt, const Shape& xs, const PoolCase& pc,
                std::mt19937& rng) {
    FlatVa va;
    Prog p(va);
    const uint32_t oh = (xs[2] + 2 * pc.ph - pc.kh) / pc.sh + 1;
    const uint32_t ow = (xs[3] + 2 * pc.pw - pc.kw) / pc.sw + 1;
    const uint16_t x = p.tensor(dt, xs);
    const uint16_t y = p.tensor(dt, {xs[0], xs[1], oh, ow});
    const auto v = p.stored(x, random_values(numel(xs), rng));
    p.set(x, v);
    p.op(opcode, y, {x}, {pc.sh, pc.sw, pc.ph, pc.pw, pc.kh, pc.kw});
    ASSERT_TRUE(ok(p.run()));
    std::vector<double> want;
    for (uint64_t plane = 0; plane < uint64_t(xs[0]) * xs[1]; ++plane) {
        for (uint32_t i = 0; i < oh; ++i) {
            for (uint32_t j = 0; j < ow; ++j) {
                double acc = opcode == TERN_ISA_MAXPOOL2D ? -kInf : 0.0;
                int cnt = 0;
                for (uint32_t a = 0; a < pc.kh; ++a) {
                    for (uint32_t b = 0; b < pc.kw; ++b) {
                        const int64_t r = int64_t(i * pc.sh + a) - pc.ph;
                        const int64_t c = int64_t(j * pc.sw + b) - pc.pw;
                        if (r < 0 || r >= xs[2] || c < 0 || c >= xs[3]) {
                            continue;
                        }
                        const double val = v[(plane * xs[2] + r) * xs[3] + c];
                        acc = opcode == TERN_ISA_MAXPOOL2D ? std::max(acc, val) : acc + val;
                        ++cnt;
                    }
                }
                want.push_back(opcode == TERN_ISA_MAXPOOL2D ? acc : acc / cnt);
            }
        }
    }
    EXPECT_TRUE(all_close(p.get(y), want, rtol(dt), 1e-6));
}

TEST(ComputePool2d, MaxAndAvgParameterCombinations) {
    std::mt19937 rng(43);
    const PoolCase cases[] = {
        {2, 2, 2, 2, 0, 0}, {3, 2, 2, 1, 1, 1}, {3, 3, 1, 1, 2, 2}, {7, 6, 1, 1, 0, 0},  // global
        {1, 1, 3, 2, 0, 0},
    };
    for (uint16_t opcode : {TERN_ISA_MAXPOOL2D, TERN_ISA_AVGPOOL2D}) {
        for (uint8_t dt : kFloatTypes) {
            for (size_t i = 0; i < std::size(cases); ++i) {
                SCOPED_TRACE("op " + std::to_string(opcode) + " " + dtype_name(dt) + " case " +
                             std::to_string(i));
                check_pool(opcode, dt, {2, 3, 7, 6}, cases[i], rng);
            }
        }
    }
}

TEST(ComputePool2d, AverageIgnoresPaddingAndMaxPropagatesNan) {
    FlatVa va;
    Prog p(va);
    const uint16_t x = p.tensor(TERN_ISA_DTYPE_FP32, {1, 1, 2, 2});
    const uint16_t avg = p.tensor(TERN_ISA_DTYPE_FP32, {1, 1, 2, 2});
    const uint16_t mx = p.tensor(TERN_ISA_DTYPE_FP32, {1, 1, 1, 1});
    p.set(x, {1, 2, 3, NAN});
    p.op(TERN_ISA_AVGPOOL2D, avg, {x}, {2, 2, 1, 1, 2, 2});
    p.op(TERN_ISA_MAXPOOL2D, mx, {x}, {1, 1, 0, 0, 2, 2});
    ASSERT_TRUE(ok(p.run()));
    const auto a = p.get(avg);
    EXPECT_EQ(a[0], 1.0);  // only x[0,0] is in bounds
    EXPECT_EQ(a[1], 2.0);
    EXPECT_EQ(a[2], 3.0);
    EXPECT_TRUE(std::isnan(a[3]));
    EXPECT_TRUE(std::isnan(p.get(mx)[0]));
}

}  // namespace
}  // namespace tern_test
