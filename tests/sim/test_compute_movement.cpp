// SPDX-License-Identifier: MIT
// COPY, FILL, PERMUTE, GATHER and the dtype conversion rules.
#include <algorithm>
#include <limits>
#include <numeric>

#include "test_compute_util.hpp"

namespace tern_test {
namespace {

constexpr uint8_t kAllTypes[] = {TERN_ISA_DTYPE_FP32, TERN_ISA_DTYPE_BF16, TERN_ISA_DTYPE_FP16,
                                 TERN_ISA_DTYPE_INT32};

std::vector<double> values_for(uint8_t dtype, size_t n, std::mt19937& rng) {
    if (dtype == TERN_ISA_DTYPE_INT32) {
        std::uniform_int_distribution<int> d(-1000, 1000);
        std::vector<double> v(n);
        for (double& x : v) {
            x = d(rng);
        }
        return v;
    }
    return random_values(n, rng, -100.0, 100.0);
}

TEST(ComputeCopy, AllDtypePairs) {
    std::mt19937 rng(1);
    for (uint8_t sd : kAllTypes) {
        for (uint8_t dd : kAllTypes) {
            SCOPED_TRACE(std::string(dtype_name(sd)) + "->" + dtype_name(dd));
            FlatVa va;
            Prog p(va);
            const uint16_t s = p.tensor(sd, {3, 5});
            const uint16_t d = p.tensor(dd, {3, 5});
            const auto v = values_for(sd, 15, rng);
            p.set(s, v);
            p.op(TERN_ISA_COPY, d, {s});
            ASSERT_TRUE(ok(p.run()));
            std::vector<double> want(15);
            for (size_t i = 0; i < 15; ++i) {
                want[i] = quantize(dd, quantize(sd, v[i]));
            }
            EXPECT_TRUE(all_close(p.get(d), want, 0.0));
        }
    }
}

// Raw bits of element i of a 2-byte tensor.
uint16_t bits16(FlatVa& va, const Prog& p, uint16_t t, uint64_t i) {
    uint16_t b;
    std::memcpy(&b, va.ptr(p.elem_va(t, i)), 2);
    return b;
}

TEST(ComputeCopy, RoundsToNearestEven) {
    FlatVa va;
    Prog p(va);
    const std::vector<double> in = {
        1.0 + std::ldexp(1.0, -8),          // bf16 tie -> 1.0 (even)
        1.0 + 3 * std::ldexp(1.0, -8),      // bf16 tie -> 1 + 2^-6 (even)
        1.0 + std::ldexp(1.0, -11),         // fp16 tie -> 1.0
        1.0 + 3 * std::ldexp(1.0, -11),     // fp16 tie -> 1 + 2^-9
        65519.0,                            // fp16: below the midpoint to 65536 -> 65504
        70000.0,                            // fp16 overflow -> inf
        std::numeric_limits<float>::max(),  // bf16 rounds up to inf
        -std::ldexp(1.0, -20),              // fp16 subnormal
    };
    const uint16_t s = p.tensor(TERN_ISA_DTYPE_FP32, {8});
    const uint16_t b = p.tensor(TERN_ISA_DTYPE_BF16, {8});
    const uint16_t h = p.tensor(TERN_ISA_DTYPE_FP16, {8});
    p.set(s, in);
    p.op(TERN_ISA_COPY, b, {s});
    p.op(TERN_ISA_COPY, h, {s});
    ASSERT_TRUE(ok(p.run()));
    EXPECT_EQ(bits16(va, p, b, 0), 0x3f80);
    EXPECT_EQ(bits16(va, p, b, 1), 0x3f82);
    EXPECT_EQ(bits16(va, p, h, 2), 0x3c00);
    EXPECT_EQ(bits16(va, p, h, 3), 0x3c02);
    EXPECT_EQ(bits16(va, p, h, 4), 0x7bff);
    EXPECT_EQ(bits16(va, p, h, 5), 0x7c00);
    EXPECT_EQ(bits16(va, p, b, 6), 0x7f80);
    EXPECT_EQ(bits16(va, p, h, 7), 0x8010);
}

TEST(ComputeCopy, FloatToInt32TruncatesAndSaturates) {
    FlatVa va;
    Prog p(va);
    const double inf = std::numeric_limits<double>::infinity();
    const std::vector<double> in = {2.9, -2.9, -0.5, 3e9, -3e9, inf, -inf, NAN, 2147483520.0};
    const std::vector<double> want = {2,         -2,        0, INT32_MAX,   INT32_MIN,
                                      INT32_MAX, INT32_MIN, 0, 2147483520.0};
    const uint16_t s = p.tensor(TERN_ISA_DTYPE_FP32, {9});
    const uint16_t d = p.tensor(TERN_ISA_DTYPE_INT32, {9});
    const uint16_t sh = p.tensor(TERN_ISA_DTYPE_FP16, {2});
    const uint16_t dh = p.tensor(TERN_ISA_DTYPE_INT32, {2});
    p.set(s, in);
    p.set(sh, {-1000.5, 65504});
    p.op(TERN_ISA_COPY, d, {s});
    p.op(TERN_ISA_COPY, dh, {sh});
    ASSERT_TRUE(ok(p.run()));
    EXPECT_EQ(p.get(d), want);
    EXPECT_EQ(p.get(dh), (std::vector<double>{-1000, 65504}));
}

TEST(ComputeCopy, Int32IsExactAndConvertsToFloatNearestEven) {
    FlatVa va;
    Prog p(va);
    const std::vector<double> in = {2147483647.0, -2147483648.0, 16777217.0, 16777219.0, -5};
    const uint16_t s = p.tensor(TERN_ISA_DTYPE_INT32, {5});
    const uint16_t d = p.tensor(TERN_ISA_DTYPE_INT32, {5});
    const uint16_t f = p.tensor(TERN_ISA_DTYPE_FP32, {5});
    p.set(s, in);
    p.op(TERN_ISA_COPY, d, {s});
    p.op(TERN_ISA_COPY, f, {s});
    ASSERT_TRUE(ok(p.run()));
    EXPECT_EQ(p.get(d), in);
    EXPECT_EQ(p.get(f),
              (std::vector<double>{2147483648.0, -2147483648.0, 16777216.0, 16777220.0, -5}));
}

TEST(ComputeCopy, SameDtypeCopiesBits) {
    FlatVa va;
    Prog p(va);
    const uint16_t s = p.tensor(TERN_ISA_DTYPE_FP32, {3});
    const uint16_t d = p.tensor(TERN_ISA_DTYPE_FP32, {3});
    const uint32_t in[3] = {0x7fa00001u /* signalling NaN */, 0x80000000u, 0x00000001u};
    std::memcpy(va.ptr(p.elem_va(s, 0)), in, sizeof(in));
    p.op(TERN_ISA_COPY, d, {s});
    ASSERT_TRUE(ok(p.run()));
    EXPECT_EQ(std::memcmp(va.ptr(p.elem_va(d, 0)), in, sizeof(in)), 0);
}

TEST(ComputeCopy, StridedAndBroadcastSources) {
    std::mt19937 rng(2);
    for (uint8_t dt : kFloatTypes) {
        SCOPED_TRACE(dtype_name(dt));
        FlatVa va;
        Prog p(va);
        // A [4,3] view of every other column of a [4,8] buffer, starting at column 1.
        const uint16_t buf = p.buffer(4 * 8 * esize(dt));
        const uint16_t whole = p.tensor(dt, {4, 8}, {}, buf);
        const uint16_t s = p.tensor(dt, {4, 3}, {8, 2}, buf, 1);
        // A [4,3] broadcast of a [3] row and of a single element.
        const uint16_t row = p.tensor(dt, {4, 3}, {0, 1});
        const uint16_t one = p.tensor(dt, {4, 3}, {0, 0});
        const uint16_t d1 = p.tensor(dt, {4, 3});
        const uint16_t d2 = p.tensor(dt, {4, 3});
        const uint16_t d3 = p.tensor(dt, {4, 3});
        const auto v = p.stored(whole, random_values(32, rng));
        p.set(whole, v);
        p.set(row, {1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3});
        p.set(one, std::vector<double>(12, 7.5));
        p.op(TERN_ISA_COPY, d1, {s});
        p.op(TERN_ISA_COPY, d2, {row});
        p.op(TERN_ISA_COPY, d3, {one});
        ASSERT_TRUE(ok(p.run()));
        std::vector<double> want;
        for (int i = 0; i < 4; ++i) {
            for (int j = 0; j < 3; ++j) {
                want.push_back(v[i * 8 + 1 + 2 * j]);
            }
        }
        EXPECT_EQ(p.get(d1), want);
        EXPECT_EQ(p.get(d2), (std::vector<double>{1, 2, 3, 1, 2, 3, 1, 2, 3, 1, 2, 3}));
        EXPECT_EQ(p.get(d3), std::vector<double>(12, 7.5));
    }
}

TEST(ComputeCopy, StridedDestinationKeepsGaps) {
    FlatVa va;
    Prog p(va);
    // dst: columns 2..4 of a [5,8] fp32 matrix; everything else keeps its sentinel.
    const uint16_t buf = p.buffer(5 * 8 * 4);
    const uint16_t d = p.tensor(TERN_ISA_DTYPE_FP32, {5, 3}, {8, 1}, buf, 2);
    const uint16_t s = p.tensor(TERN_ISA_DTYPE_BF16, {5, 3});
    std::vector<double> v(15);
    std::iota(v.begin(), v.end(), 1.0);
    p.set(s, v);
    p.op(TERN_ISA_COPY, d, {s});
    ASSERT_TRUE(ok(p.run()));
    EXPECT_EQ(p.get(d), v);
    const uint8_t* base = va.ptr(p.bindings[buf].va);
    for (int i = 0; i < 5; ++i) {
        for (int j = 0; j < 8; ++j) {
            if (j >= 2 && j < 5) {
                continue;
            }
            for (int b = 0; b < 4; ++b) {
                ASSERT_EQ(base[(i * 8 + j) * 4 + b], FlatVa::kSentinel) << i << "," << j;
            }
        }
    }
}

TEST(ComputeCopy, TransposedDestination) {
    FlatVa va;
    Prog p(va);
    const uint16_t s = p.tensor(TERN_ISA_DTYPE_FP32, {3, 4});
    const uint16_t d = p.tensor(TERN_ISA_DTYPE_FP16, {3, 4}, {1, 3});  // column-major
    std::vector<double> v(12);
    std::iota(v.begin(), v.end(), -5.0);
    p.set(s, v);
    p.op(TERN_ISA_COPY, d, {s});
    ASSERT_TRUE(ok(p.run()));
    EXPECT_EQ(p.get(d), v);
    // Memory order is the transpose.
    const uint16_t flat = p.tensor(TERN_ISA_DTYPE_FP16, {12}, {}, p.tensor_at(d).binding);
    std::vector<double> want;
    for (int j = 0; j < 4; ++j) {
        for (int i = 0; i < 3; ++i) {
            want.push_back(v[i * 4 + j]);
        }
    }
    EXPECT_EQ(p.get(flat), want);
}

TEST(ComputeCopy, OverlappingDestinationLastElementWins) {
    FlatVa va;
    Prog p(va);
    const uint16_t s = p.tensor(TERN_ISA_DTYPE_FP32, {2, 3});
    const uint16_t d = p.tensor(TERN_ISA_DTYPE_FP32, {2, 3}, {1, 0});  // (i, j) -> element i
    p.set(s, {1, 2, 3, 4, 5, 6});
    p.op(TERN_ISA_COPY, d, {s});
    ASSERT_TRUE(ok(p.run()));
    EXPECT_EQ(p.get(d), (std::vector<double>{3, 3, 3, 6, 6, 6}));
}

TEST(ComputeCopy, SourceAndDestinationMayOverlap) {
    for (int shift : {2, -2}) {
        FlatVa va;
        Prog p(va);
        const uint16_t buf = p.buffer(10 * 4);
        const uint16_t all = p.tensor(TERN_ISA_DTYPE_INT32, {10}, {}, buf);
        const uint16_t s = p.tensor(TERN_ISA_DTYPE_INT32, {8}, {}, buf, shift > 0 ? 0 : 2);
        const uint16_t d = p.tensor(TERN_ISA_DTYPE_INT32, {8}, {}, buf, shift > 0 ? 2 : 0);
        std::vector<double> v(10);
        std::iota(v.begin(), v.end(), 100.0);
        p.set(all, v);
        p.op(TERN_ISA_COPY, d, {s});
        ASSERT_TRUE(ok(p.run()));
        std::vector<double> want = v;
        for (int i = 0; i < 8; ++i) {
            want[shift > 0 ? i + 2 : i] = v[shift > 0 ? i : i + 2];
        }
        EXPECT_EQ(p.get(all), want);
    }
}

TEST(ComputeFill, AllDtypes) {
    FlatVa va;
    Prog p(va);
    uint16_t t[4];
    for (int i = 0; i < 4; ++i) {
        t[i] = p.tensor(kAllTypes[i], {2, 3, 4});
        p.op(TERN_ISA_FILL, t[i], {}, {fbits(-7.9f)});
    }
    // Strided fill touches only its elements.
    const uint16_t buf = p.buffer(16 * 4);
    const uint16_t strided = p.tensor(TERN_ISA_DTYPE_FP32, {4}, {4}, buf, 1);
    p.op(TERN_ISA_FILL, strided, {}, {fbits(2.5f)});
    const uint16_t negzero = p.tensor(TERN_ISA_DTYPE_FP32, {1});
    p.op(TERN_ISA_FILL, negzero, {}, {0x80000000u});
    ASSERT_TRUE(ok(p.run()));
    for (int i = 0; i < 4; ++i) {
        SCOPED_TRACE(dtype_name(kAllTypes[i]));
        EXPECT_EQ(p.get(t[i]), std::vector<double>(24, quantize(kAllTypes[i], -7.9f)));
    }
    EXPECT_EQ(p.get(t[3])[0], -7.0);
    const uint16_t whole = p.tensor(TERN_ISA_DTYPE_FP32, {16}, {}, buf);
    const auto w = p.get(whole);
    for (int i = 0; i < 16; ++i) {
        if (i % 4 == 1) {
            EXPECT_EQ(w[i], 2.5);
        } else {
            EXPECT_EQ(f32_bits(float(w[i])), 0xA5A5A5A5u) << i;
        }
    }
    uint32_t nz;
    std::memcpy(&nz, va.ptr(p.elem_va(negzero, 0)), 4);
    EXPECT_EQ(nz, 0x80000000u);
}

// ---------------------------------------------------------------------------

void check_permute(uint8_t sd, uint8_t dd, const Shape& shape, const std::vector<uint32_t>& perm,
                   bool strided_src, std::mt19937& rng) {
    FlatVa va;
    Prog p(va);
    const size_t r = shape.size();
    uint16_t s;
    if (strided_src) {
        // Pad the innermost dimension by 1 element.
        Shape padded = shape;
        padded.back() += 1;
        s = p.tensor(sd, shape, dense_strides(padded));
    } else {
        s = p.tensor(sd, shape);
    }
    Shape dshape(r);
    for (size_t i = 0; i < r; ++i) {
        dshape[i] = shape[perm[i]];
    }
    const uint16_t d = p.tensor(dd, dshape);
    const auto v = p.stored(s, values_for(sd, numel(shape), rng));
    p.set(s, v);
    std::vector<uint32_t> params(perm.begin(), perm.end());
    tern_isa_op& o = p.op(TERN_ISA_PERMUTE, d, {s});
    std::copy(params.begin(), params.end(), o.param);
    ASSERT_TRUE(ok(p.run()));
    const auto sst = dense_strides(shape);
    std::vector<double> want(numel(dshape));
    for (uint64_t i = 0; i < want.size(); ++i) {
        const auto di = unravel(i, dshape);
        uint64_t off = 0;
        for (size_t k = 0; k < r; ++k) {
            off += di[k] * sst[perm[k]];
        }
        want[i] = quantize(dd, v[off]);
    }
    EXPECT_EQ(p.get(d), want);
}

TEST(ComputePermute, AllRanksAndDtypes) {
    std::mt19937 rng(3);
    const Shape shapes[] = {{5},          {3, 4},          {2, 3, 4},
                            {2, 3, 2, 3}, {2, 1, 3, 2, 2}, {2, 2, 1, 3, 2, 2}};
    for (const Shape& shape : shapes) {
        std::vector<uint32_t> perm(shape.size());
        std::iota(perm.begin(), perm.end(), 0u);
        for (int trial = 0; trial < 3; ++trial) {
            std::shuffle(perm.begin(), perm.end(), rng);
            for (uint8_t dt : kAllTypes) {
                SCOPED_TRACE(std::string(dtype_name(dt)) + " rank " + std::to_string(shape.size()));
                check_permute(dt, dt, shape, perm, trial == 1, rng);
            }
        }
    }
}

TEST(ComputePermute, ConvertsDtype) {
    std::mt19937 rng(4);
    check_permute(TERN_ISA_DTYPE_FP32, TERN_ISA_DTYPE_BF16, {3, 5, 2}, {2, 0, 1}, false, rng);
    check_permute(TERN_ISA_DTYPE_INT32, TERN_ISA_DTYPE_FP16, {4, 6}, {1, 0}, true, rng);
}

TEST(ComputePermute, InPlaceSquareTranspose) {
    FlatVa va;
    Prog p(va);
    const uint16_t t = p.tensor(TERN_ISA_DTYPE_FP32, {4, 4});
    std::vector<double> v(16);
    std::iota(v.begin(), v.end(), 0.0);
    p.set(t, v);
    p.op(TERN_ISA_PERMUTE, t, {t}, {1, 0});
    ASSERT_TRUE(ok(p.run()));
    std::vector<double> want(16);
    for (int i = 0; i < 4; ++i) {
        for (int j = 0; j < 4; ++j) {
            want[i * 4 + j] = v[j * 4 + i];
        }
    }
    EXPECT_EQ(p.get(t), want);
}

// ---------------------------------------------------------------------------

void check_gather(uint8_t table_dt, uint8_t dst_dt, const Shape& idx_shape, bool strided_table,
                  std::mt19937& rng) {
    FlatVa va;
    Prog p(va);
    const uint32_t rows = 7, width = 5;
    // A strided table: every other column of a [7, 10] buffer.
    const uint16_t table = strided_table ? p.tensor(table_dt, {rows, width}, {10, 2})
                                         : p.tensor(table_dt, {rows, width});
    const uint16_t idx = p.tensor(TERN_ISA_DTYPE_INT32, idx_shape);
    Shape dshape = idx_shape;
    dshape.push_back(width);
    const uint16_t d = p.tensor(dst_dt, dshape);
    const auto tv = p.stored(table, values_for(table_dt, rows * width, rng));
    p.set(table, tv);
    std::uniform_int_distribution<int> pick(0, rows - 1);
    std::vector<double> iv(numel(idx_shape));
    for (double& x : iv) {
        x = pick(rng);
    }
    iv[0] = rows - 1;
    p.set(idx, iv);
    p.op(TERN_ISA_GATHER, d, {table, idx});
    ASSERT_TRUE(ok(p.run()));
    std::vector<double> want;
    for (double r : iv) {
        for (uint32_t j = 0; j < width; ++j) {
            want.push_back(quantize(dst_dt, tv[size_t(r) * width + j]));
        }
    }
    EXPECT_EQ(p.get(d), want);
}

TEST(ComputeGather, RowsForEveryIndexRank) {
    std::mt19937 rng(5);
    const Shape idx_shapes[] = {{6}, {3, 4}, {2, 1, 2}, {2, 2, 1, 2}, {2, 1, 2, 1, 2}};
    for (const Shape& s : idx_shapes) {
        for (uint8_t dt : kAllTypes) {
            SCOPED_TRACE(std::string(dtype_name(dt)) + " idx rank " + std::to_string(s.size()));
            check_gather(dt, dt, s, s.size() == 2, rng);
        }
    }
    check_gather(TERN_ISA_DTYPE_FP32, TERN_ISA_DTYPE_BF16, {9}, false, rng);
    check_gather(TERN_ISA_DTYPE_BF16, TERN_ISA_DTYPE_FP32, {4}, true, rng);
}

TEST(ComputeGather, IndexOutOfRange) {
    for (int bad : {7, -1, INT32_MAX, INT32_MIN}) {
        FlatVa va;
        Prog p(va);
        const uint16_t table = p.tensor(TERN_ISA_DTYPE_FP32, {7, 2});
        const uint16_t idx = p.tensor(TERN_ISA_DTYPE_INT32, {3});
        const uint16_t d = p.tensor(TERN_ISA_DTYPE_FP32, {3, 2});
        const uint16_t marker = p.tensor(TERN_ISA_DTYPE_FP32, {1});
        p.set(table, std::vector<double>(14, 1.0));
        p.set(idx, {0, double(bad), 1});
        p.op(TERN_ISA_FILL, marker, {}, {fbits(9.0f)});
        p.op(TERN_ISA_GATHER, d, {table, idx});
        p.op(TERN_ISA_FILL, marker, {}, {fbits(10.0f)});
        const ExecResult r = p.run();
        EXPECT_EQ(r.qerr, uint32_t{TERN_QERR_INDEX}) << bad;
        EXPECT_EQ(r.op_index, 1u);
        EXPECT_EQ(p.get(marker), std::vector<double>{9.0});  // op 0 ran, op 2 did not
        // dst is untouched.
        EXPECT_EQ(f32_bits(float(p.get(d)[0])), 0xA5A5A5A5u);
    }
}

TEST(ComputeGather, DestinationAliasesIndices) {
    FlatVa va;
    Prog p(va);
    const uint16_t table = p.tensor(TERN_ISA_DTYPE_INT32, {4, 1});
    const uint16_t idx = p.tensor(TERN_ISA_DTYPE_INT32, {5});
    const uint16_t d = p.tensor(TERN_ISA_DTYPE_INT32, {5, 1}, {}, p.tensor_at(idx).binding);
    p.set(table, {10, 20, 30, 40});
    p.set(idx, {3, 0, 0, 2, 1});
    p.op(TERN_ISA_GATHER, d, {table, idx});
    ASSERT_TRUE(ok(p.run()));
    EXPECT_EQ(p.get(d), (std::vector<double>{40, 10, 10, 30, 20}));
}

}  // namespace
}  // namespace tern_test
