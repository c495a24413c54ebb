// SPDX-License-Identifier: MIT
// Compute through registers: tensors are DMA'd into device memory, a program
// runs by an EXECUTE descriptor, results come back by DMA and are compared
// with naive CPU references written here (double accumulation).
// Tolerances: fp32 1e-4 absolute + 1e-4 relative; bf16 1e-3 absolute + 2e-2
// relative (references use the bf16-rounded inputs the device sees).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <vector>

#include "harness/desc.hpp"
#include "harness/device_tensor.hpp"
#include "harness/expect.hpp"
#include "harness/fixture.hpp"
#include "harness/numerics.hpp"
#include "harness/program_slot.hpp"
#include "isa_program.hpp"

namespace tern::test {
namespace {

constexpr double kF32Abs = 1e-4, kF32Rel = 1e-4;
constexpr double kBf16Abs = 1e-3, kBf16Rel = 2e-2;

class ExecTest : public TernTest {
protected:
    void SetUp() override {
        TernTest::SetUp();
        ws_ = &workspace(pf(), 1, 0);
        slot_ = std::make_unique<ProgramSlot>(arena(), ws_->space());
        alloc_ = std::make_unique<DeviceAllocator>(0x100000, ws_->mem_size());
    }
    Workspace& ws() { return *ws_; }
    DeviceTensor tensor(size_t n, uint8_t dtype) { return alloc_->alloc(n, dtype); }
    // Uploads values, rounding them to the dtype, and returns what the
    // device actually holds (as floats) for use by the reference.
    std::vector<float> put(const DeviceTensor& t, const std::vector<float>& v) {
        EXPECT_TRUE(write_tensor(ws(), t, v));
        if (t.dtype == TERN_ISA_DTYPE_BF16) {
            return from_bf16(to_bf16(v));
        }
        return v;
    }
    std::vector<tern_isa_binding> bind(std::initializer_list<DeviceTensor> ts) {
        std::vector<tern_isa_binding> b;
        for (const DeviceTensor& t : ts) {
            b.push_back(binding_of(ws(), t));
        }
        return b;
    }
    ::testing::AssertionResult run(const ProgramBuilder& pb, const std::vector<tern_isa_binding>& b,
                                   uint32_t core_mask = 0) {
        QueueDriver& q = ws().queue();
        return completes(q, q.submit(slot_->load(pb.build(), b, core_mask)));
    }

    Workspace* ws_ = nullptr;
    std::unique_ptr<ProgramSlot> slot_;
    std::unique_ptr<DeviceAllocator> alloc_;
    std::mt19937 rng_{2024};
};

// ---- CPU references --------------------------------------------------------

// out[m][n] = alpha * sum_k A[m][k] * B(k, n) + C[m][n]; B is [K][N], or
// [N][K] when trans_b.
std::vector<float> ref_matmul(const std::vector<float>& a, const std::vector<float>& b,
                              const std::vector<float>* c, int m_, int k_, int n_, bool trans_b,
                              double alpha) {
    std::vector<float> out(static_cast<size_t>(m_) * n_);
    for (int m = 0; m < m_; ++m) {
        for (int n = 0; n < n_; ++n) {
            double acc = 0;
            for (int k = 0; k < k_; ++k) {
                const double bv = trans_b ? b[static_cast<size_t>(n) * k_ + k]
                                          : b[static_cast<size_t>(k) * n_ + n];
                acc += static_cast<double>(a[static_cast<size_t>(m) * k_ + k]) * bv;
            }
            acc *= alpha;
            if (c != nullptr) {
                acc += (*c)[static_cast<size_t>(m) * n_ + n];
            }
            out[static_cast<size_t>(m) * n_ + n] = static_cast<float>(acc);
        }
    }
    return out;
}

struct ConvShape {
    int n, c, h, w, o, kh, kw, stride, pad, dil, groups;
    int oh() const { return (h + 2 * pad - dil * (kh - 1) - 1) / stride + 1; }
    int ow() const { return (w + 2 * pad - dil * (kw - 1) - 1) / stride + 1; }
};

std::vector<float> ref_conv2d(const ConvShape& s, const std::vector<float>& x,
                              const std::vector<float>& wt, const std::vector<float>* bias) {
    const int oh = s.oh(), ow = s.ow();
    const int cg = s.c / s.groups, og = s.o / s.groups;
    std::vector<float> out(static_cast<size_t>(s.n) * s.o * oh * ow);
    for (int n = 0; n < s.n; ++n) {
        for (int o = 0; o < s.o; ++o) {
            const int g = o / og;
            for (int y = 0; y < oh; ++y) {
                for (int xo = 0; xo < ow; ++xo) {
                    double acc = bias != nullptr ? (*bias)[o] : 0.0;
                    for (int ci = 0; ci < cg; ++ci) {
                        const int c = g * cg + ci;
                        for (int ky = 0; ky < s.kh; ++ky) {
                            for (int kx = 0; kx < s.kw; ++kx) {
                                const int iy = y * s.stride - s.pad + ky * s.dil;
                                const int ix = xo * s.stride - s.pad + kx * s.dil;
                                if (iy < 0 || iy >= s.h || ix < 0 || ix >= s.w) {
                                    continue;
                                }
                                acc += static_cast<double>(
                                           x[((static_cast<size_t>(n) * s.c + c) * s.h + iy) * s.w +
                                             ix]) *
                                       wt[((static_cast<size_t>(o) * cg + ci) * s.kh + ky) * s.kw +
                                          kx];
                            }
                        }
                    }
                    out[((static_cast<size_t>(n) * s.o + o) * oh + y) * ow + xo] =
                        static_cast<float>(acc);
                }
            }
        }
    }
    return out;
}

// Softmax of a [rows][cols] matrix along `axis` (0 or 1).
std::vector<float> ref_softmax(const std::vector<float>& x, int rows, int cols, int axis) {
    std::vector<float> out(x.size());
    const int outer = axis == 1 ? rows : cols;
    const int len = axis == 1 ? cols : rows;
    for (int i = 0; i < outer; ++i) {
        auto at = [&](int j) -> size_t {
            return axis == 1 ? static_cast<size_t>(i) * cols + j
                             : static_cast<size_t>(j) * cols + i;
        };
        double mx = -INFINITY;
        for (int j = 0; j < len; ++j) {
            mx = std::max(mx, static_cast<double>(x[at(j)]));
        }
        double sum = 0;
        for (int j = 0; j < len; ++j) {
            sum += std::exp(x[at(j)] - mx);
        }
        for (int j = 0; j < len; ++j) {
            out[at(j)] = static_cast<float>(std::exp(x[at(j)] - mx) / sum);
        }
    }
    return out;
}

std::vector<float> ref_layernorm(const std::vector<float>& x, const std::vector<float>& gamma,
                                 const std::vector<float>& beta, int rows, int d, double eps) {
    std::vector<float> out(x.size());
    for (int r = 0; r < rows; ++r) {
        const float* row = &x[static_cast<size_t>(r) * d];
        double mean = 0;
        for (int i = 0; i < d; ++i) {
            mean += row[i];
        }
        mean /= d;
        double var = 0;
        for (int i = 0; i < d; ++i) {
            var += (row[i] - mean) * (row[i] - mean);
        }
        var /= d;
        const double inv = 1.0 / std::sqrt(var + eps);
        for (int i = 0; i < d; ++i) {
            out[static_cast<size_t>(r) * d + i] =
                static_cast<float>((row[i] - mean) * inv * gamma[i] + beta[i]);
        }
    }
    return out;
}

double ref_gelu(double x) {
    return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
}

// ---- tests -----------------------------------------------------------------

TEST_F(ExecTest, MatmulFp32TransposedWithAlphaAndAddend) {
    constexpr int M = 37, K = 53, N = 29;
    const DeviceTensor a = tensor(M * K, TERN_ISA_DTYPE_FP32);
    const DeviceTensor b = tensor(N * K, TERN_ISA_DTYPE_FP32);
    const DeviceTensor c = tensor(M * N, TERN_ISA_DTYPE_FP32);
    const DeviceTensor o = tensor(M * N, TERN_ISA_DTYPE_FP32);
    const auto av = put(a, random_floats(rng_, M * K, -1, 1));
    const auto bv = put(b, random_floats(rng_, N * K, -1, 1));
    const auto cv = put(c, random_floats(rng_, M * N, -2, 2));
    ProgramBuilder pb;
    const uint16_t ta = pb.tensor(0, TERN_ISA_DTYPE_FP32, {M, K});
    const uint16_t tb = pb.tensor(1, TERN_ISA_DTYPE_FP32, {N, K});
    const uint16_t tc = pb.tensor(2, TERN_ISA_DTYPE_FP32, {M, N});
    const uint16_t to = pb.tensor(3, TERN_ISA_DTYPE_FP32, {M, N});
    pb.op(TERN_ISA_MATMUL, to, {ta, tb, tc}, {f32_bits(0.75f)},
          TERN_ISA_MM_TRANS_B | TERN_ISA_MM_ALPHA);
    ASSERT_TRUE(run(pb, bind({a, b, c, o})));
    EXPECT_TRUE(all_close(read_tensor(ws(), o), ref_matmul(av, bv, &cv, M, K, N, true, 0.75),
                          kF32Abs, kF32Rel));
}

TEST_F(ExecTest, MatmulFp32InOneSubmissionOnSelectedCores) {
    // Upload by DMA, execute on cores {0, 2}, download by DMA: one kick.
    constexpr int M = 16, K = 24, N = 20;
    const DeviceTensor a = tensor(M * K, TERN_ISA_DTYPE_FP32);
    const DeviceTensor b = tensor(K * N, TERN_ISA_DTYPE_FP32);
    const DeviceTensor o = tensor(M * N, TERN_ISA_DTYPE_FP32);
    const auto av = random_floats(rng_, M * K, -1, 1);
    const auto bv = random_floats(rng_, K * N, -1, 1);
    uint8_t* st = ws().staging().ptr;
    std::memcpy(st, av.data(), a.bytes());
    std::memcpy(st + 0x10000, bv.data(), b.bytes());
    std::memset(st + 0x20000, 0xff, o.bytes());
    ProgramBuilder pb;
    const uint16_t ta = pb.tensor(0, TERN_ISA_DTYPE_FP32, {M, K});
    const uint16_t tb = pb.tensor(1, TERN_ISA_DTYPE_FP32, {K, N});
    const uint16_t to = pb.tensor(2, TERN_ISA_DTYPE_FP32, {M, N});
    pb.op(TERN_ISA_MATMUL, to, {ta, tb});
    QueueDriver& q = ws().queue();
    q.push(make_dma(Workspace::kStagingVa, ws().dev_va(a.offset), a.bytes()));
    q.push(make_dma(Workspace::kStagingVa + 0x10000, ws().dev_va(b.offset), b.bytes()));
    q.push(slot_->load(pb.build(), bind({a, b, o}), 0b101));
    const uint64_t last =
        q.push(make_dma(ws().dev_va(o.offset), Workspace::kStagingVa + 0x20000, o.bytes()));
    q.kick();
    ASSERT_TRUE(completes(q, last));
    std::vector<float> got(M * N);
    std::memcpy(got.data(), st + 0x20000, o.bytes());
    EXPECT_TRUE(all_close(got, ref_matmul(av, bv, nullptr, M, K, N, false, 1), kF32Abs, kF32Rel));
}

TEST_F(ExecTest, MatmulBf16) {
    constexpr int M = 32, K = 64, N = 48;
    const DeviceTensor a = tensor(M * K, TERN_ISA_DTYPE_BF16);
    const DeviceTensor b = tensor(K * N, TERN_ISA_DTYPE_BF16);
    const DeviceTensor o = tensor(M * N, TERN_ISA_DTYPE_BF16);
    const auto av = put(a, random_floats(rng_, M * K, -1, 1));
    const auto bv = put(b, random_floats(rng_, K * N, -1, 1));
    ProgramBuilder pb;
    const uint16_t ta = pb.tensor(0, TERN_ISA_DTYPE_BF16, {M, K});
    const uint16_t tb = pb.tensor(1, TERN_ISA_DTYPE_BF16, {K, N});
    const uint16_t to = pb.tensor(2, TERN_ISA_DTYPE_BF16, {M, N});
    pb.op(TERN_ISA_MATMUL, to, {ta, tb});
    ASSERT_TRUE(run(pb, bind({a, b, o})));
    EXPECT_TRUE(all_close(read_tensor(ws(), o), ref_matmul(av, bv, nullptr, M, K, N, false, 1),
                          kBf16Abs, kBf16Rel));
}

TEST_F(ExecTest, Conv2dFp32StridePadBias) {
    const ConvShape s{2, 3, 9, 9, 4, 3, 3, /*stride*/ 2, /*pad*/ 1, /*dil*/ 1, /*groups*/ 1};
    ASSERT_EQ(s.oh(), 5);
    const DeviceTensor x = tensor(s.n * s.c * s.h * s.w, TERN_ISA_DTYPE_FP32);
    const DeviceTensor w = tensor(s.o * s.c * s.kh * s.kw, TERN_ISA_DTYPE_FP32);
    const DeviceTensor bias = tensor(s.o, TERN_ISA_DTYPE_FP32);
    const DeviceTensor o = tensor(s.n * s.o * s.oh() * s.ow(), TERN_ISA_DTYPE_FP32);
    const auto xv = put(x, random_floats(rng_, x.count, -1, 1));
    const auto wv = put(w, random_floats(rng_, w.count, -1, 1));
    const auto bv = put(bias, random_floats(rng_, bias.count, -1, 1));
    ProgramBuilder pb;
    const uint16_t tx = pb.tensor(0, TERN_ISA_DTYPE_FP32, {2, 3, 9, 9});
    const uint16_t tw = pb.tensor(1, TERN_ISA_DTYPE_FP32, {4, 3, 3, 3});
    const uint16_t tbias = pb.tensor(2, TERN_ISA_DTYPE_FP32, {4});
    const uint16_t to = pb.tensor(3, TERN_ISA_DTYPE_FP32, {2, 4, 5, 5});
    pb.op(TERN_ISA_CONV2D, to, {tx, tw, tbias}, {2, 2, 1, 1, 1, 1, 1});
    ASSERT_TRUE(run(pb, bind({x, w, bias, o})));
    EXPECT_TRUE(all_close(read_tensor(ws(), o), ref_conv2d(s, xv, wv, &bv), kF32Abs, kF32Rel));
}

TEST_F(ExecTest, Conv2dFp32DilatedGrouped) {
    const ConvShape s{1, 4, 10, 8, 6, 3, 2, /*stride*/ 1, /*pad*/ 2, /*dil*/ 2, /*groups*/ 2};
    const DeviceTensor x = tensor(s.n * s.c * s.h * s.w, TERN_ISA_DTYPE_FP32);
    const DeviceTensor w = tensor(s.o * (s.c / s.groups) * s.kh * s.kw, TERN_ISA_DTYPE_FP32);
    const DeviceTensor o = tensor(s.n * s.o * s.oh() * s.ow(), TERN_ISA_DTYPE_FP32);
    const auto xv = put(x, random_floats(rng_, x.count, -1, 1));
    const auto wv = put(w, random_floats(rng_, w.count, -1, 1));
    ProgramBuilder pb;
    const uint16_t tx = pb.tensor(0, TERN_ISA_DTYPE_FP32, {1, 4, 10, 8});
    const uint16_t tw = pb.tensor(1, TERN_ISA_DTYPE_FP32, {6, 2, 3, 2});
    const uint16_t to =
        pb.tensor(2, TERN_ISA_DTYPE_FP32,
                  {1, 6, static_cast<uint32_t>(s.oh()), static_cast<uint32_t>(s.ow())});
    pb.op(TERN_ISA_CONV2D, to, {tx, tw}, {1, 1, 2, 2, 2, 2, 2});
    ASSERT_TRUE(run(pb, bind({x, w, o})));
    EXPECT_TRUE(all_close(read_tensor(ws(), o), ref_conv2d(s, xv, wv, nullptr), kF32Abs, kF32Rel));
}

TEST_F(ExecTest, Conv2dBf16) {
    const ConvShape s{1, 5, 8, 8, 3, 3, 3, 1, 0, 1, 1};
    const DeviceTensor x = tensor(s.n * s.c * s.h * s.w, TERN_ISA_DTYPE_BF16);
    const DeviceTensor w = tensor(s.o * s.c * s.kh * s.kw, TERN_ISA_DTYPE_BF16);
    const DeviceTensor o = tensor(s.n * s.o * s.oh() * s.ow(), TERN_ISA_DTYPE_BF16);
    const auto xv = put(x, random_floats(rng_, x.count, -1, 1));
    const auto wv = put(w, random_floats(rng_, w.count, -1, 1));
    ProgramBuilder pb;
    const uint16_t tx = pb.tensor(0, TERN_ISA_DTYPE_BF16, {1, 5, 8, 8});
    const uint16_t tw = pb.tensor(1, TERN_ISA_DTYPE_BF16, {3, 5, 3, 3});
    const uint16_t to = pb.tensor(2, TERN_ISA_DTYPE_BF16, {1, 3, 6, 6});
    pb.op(TERN_ISA_CONV2D, to, {tx, tw}, {1, 1, 0, 0, 1, 1, 1});
    ASSERT_TRUE(run(pb, bind({x, w, o})));
    EXPECT_TRUE(
        all_close(read_tensor(ws(), o), ref_conv2d(s, xv, wv, nullptr), kBf16Abs, kBf16Rel));
}

TEST_F(ExecTest, SoftmaxFp32BothAxes) {
    constexpr int R = 6, C = 33;
    const DeviceTensor x = tensor(R * C, TERN_ISA_DTYPE_FP32);
    const DeviceTensor o1 = tensor(R * C, TERN_ISA_DTYPE_FP32);
    const DeviceTensor o0 = tensor(R * C, TERN_ISA_DTYPE_FP32);
    const auto xv = put(x, random_floats(rng_, R * C, -6, 6));
    ProgramBuilder pb;
    const uint16_t tx = pb.tensor(0, TERN_ISA_DTYPE_FP32, {R, C});
    const uint16_t t1 = pb.tensor(1, TERN_ISA_DTYPE_FP32, {R, C});
    const uint16_t t0 = pb.tensor(2, TERN_ISA_DTYPE_FP32, {R, C});
    pb.op(TERN_ISA_SOFTMAX, t1, {tx}, {1});
    pb.op(TERN_ISA_SOFTMAX, t0, {tx}, {0});
    ASSERT_TRUE(run(pb, bind({x, o1, o0})));
    EXPECT_TRUE(all_close(read_tensor(ws(), o1), ref_softmax(xv, R, C, 1), kF32Abs, kF32Rel));
    EXPECT_TRUE(all_close(read_tensor(ws(), o0), ref_softmax(xv, R, C, 0), kF32Abs, kF32Rel));
}

TEST_F(ExecTest, SoftmaxBf16) {
    constexpr int R = 8, C = 40;
    const DeviceTensor x = tensor(R * C, TERN_ISA_DTYPE_BF16);
    const DeviceTensor o = tensor(R * C, TERN_ISA_DTYPE_BF16);
    const auto xv = put(x, random_floats(rng_, R * C, -4, 4));
    ProgramBuilder pb;
    const uint16_t tx = pb.tensor(0, TERN_ISA_DTYPE_BF16, {R, C});
    const uint16_t to = pb.tensor(1, TERN_ISA_DTYPE_BF16, {R, C});
    pb.op(TERN_ISA_SOFTMAX, to, {tx}, {1});
    ASSERT_TRUE(run(pb, bind({x, o})));
    EXPECT_TRUE(all_close(read_tensor(ws(), o), ref_softmax(xv, R, C, 1), kBf16Abs, kBf16Rel));
}

TEST_F(ExecTest, LayerNormFp32) {
    constexpr int R = 5, D = 48;
    const DeviceTensor x = tensor(R * D, TERN_ISA_DTYPE_FP32);
    const DeviceTensor g = tensor(D, TERN_ISA_DTYPE_FP32);
    const DeviceTensor b = tensor(D, TERN_ISA_DTYPE_FP32);
    const DeviceTensor o = tensor(R * D, TERN_ISA_DTYPE_FP32);
    const auto xv = put(x, random_floats(rng_, R * D, -3, 5));
    const auto gv = put(g, random_floats(rng_, D, 0.5f, 1.5f));
    const auto bv = put(b, random_floats(rng_, D, -0.5f, 0.5f));
    ProgramBuilder pb;
    const uint16_t tx = pb.tensor(0, TERN_ISA_DTYPE_FP32, {R, D});
    const uint16_t tg = pb.tensor(1, TERN_ISA_DTYPE_FP32, {D});
    const uint16_t tb = pb.tensor(2, TERN_ISA_DTYPE_FP32, {D});
    const uint16_t to = pb.tensor(3, TERN_ISA_DTYPE_FP32, {R, D});
    pb.op(TERN_ISA_LAYERNORM, to, {tx, tg, tb}, {f32_bits(1e-5f)});
    ASSERT_TRUE(run(pb, bind({x, g, b, o})));
    EXPECT_TRUE(
        all_close(read_tensor(ws(), o), ref_layernorm(xv, gv, bv, R, D, 1e-5), kF32Abs, kF32Rel));
}

TEST_F(ExecTest, LayerNormBf16) {
    constexpr int R = 7, D = 64;
    const DeviceTensor x = tensor(R * D, TERN_ISA_DTYPE_BF16);
    const DeviceTensor g = tensor(D, TERN_ISA_DTYPE_BF16);
    const DeviceTensor b = tensor(D, TERN_ISA_DTYPE_BF16);
    const DeviceTensor o = tensor(R * D, TERN_ISA_DTYPE_BF16);
    const auto xv = put(x, random_floats(rng_, R * D, -2, 2));
    const auto gv = put(g, random_floats(rng_, D, 0.5f, 1.5f));
    const auto bv = put(b, random_floats(rng_, D, -0.5f, 0.5f));
    ProgramBuilder pb;
    const uint16_t tx = pb.tensor(0, TERN_ISA_DTYPE_BF16, {R, D});
    const uint16_t tg = pb.tensor(1, TERN_ISA_DTYPE_BF16, {D});
    const uint16_t tb = pb.tensor(2, TERN_ISA_DTYPE_BF16, {D});
    const uint16_t to = pb.tensor(3, TERN_ISA_DTYPE_BF16, {R, D});
    pb.op(TERN_ISA_LAYERNORM, to, {tx, tg, tb}, {f32_bits(1e-5f)});
    ASSERT_TRUE(run(pb, bind({x, g, b, o})));
    EXPECT_TRUE(
        all_close(read_tensor(ws(), o), ref_layernorm(xv, gv, bv, R, D, 1e-5), kBf16Abs, kBf16Rel));
}

// ADD with a broadcast row, then GELU in place (aliasing is allowed).
TEST_F(ExecTest, AddBroadcastThenGeluInPlaceFp32) {
    constexpr int R = 9, C = 31;
    const DeviceTensor a = tensor(R * C, TERN_ISA_DTYPE_FP32);
    const DeviceTensor b = tensor(C, TERN_ISA_DTYPE_FP32);
    const DeviceTensor t = tensor(R * C, TERN_ISA_DTYPE_FP32);
    const auto av = put(a, random_floats(rng_, R * C, -3, 3));
    const auto bv = put(b, random_floats(rng_, C, -1, 1));
    ProgramBuilder pb;
    const uint16_t ta = pb.tensor(0, TERN_ISA_DTYPE_FP32, {R, C});
    const uint16_t tb = pb.tensor(1, TERN_ISA_DTYPE_FP32, {1, C});
    const uint16_t tt = pb.tensor(2, TERN_ISA_DTYPE_FP32, {R, C});
    pb.op(TERN_ISA_ADD, tt, {ta, tb});
    pb.op(TERN_ISA_GELU, tt, {tt});
    ASSERT_TRUE(run(pb, bind({a, b, t})));
    std::vector<float> want(R * C);
    for (int r = 0; r < R; ++r) {
        for (int c = 0; c < C; ++c) {
            const float sum = av[r * C + c] + bv[c];
            want[r * C + c] = static_cast<float>(ref_gelu(sum));
        }
    }
    EXPECT_TRUE(all_close(read_tensor(ws(), t), want, kF32Abs, kF32Rel));
}

TEST_F(ExecTest, AddThenGeluBf16) {
    constexpr int R = 12, C = 20;
    const DeviceTensor a = tensor(R * C, TERN_ISA_DTYPE_BF16);
    const DeviceTensor b = tensor(R * C, TERN_ISA_DTYPE_BF16);
    const DeviceTensor t = tensor(R * C, TERN_ISA_DTYPE_BF16);
    const DeviceTensor o = tensor(R * C, TERN_ISA_DTYPE_BF16);
    const auto av = put(a, random_floats(rng_, R * C, -3, 3));
    const auto bv = put(b, random_floats(rng_, R * C, -3, 3));
    ProgramBuilder pb;
    const uint16_t ta = pb.tensor(0, TERN_ISA_DTYPE_BF16, {R, C});
    const uint16_t tb = pb.tensor(1, TERN_ISA_DTYPE_BF16, {R, C});
    const uint16_t tt = pb.tensor(2, TERN_ISA_DTYPE_BF16, {R, C});
    const uint16_t to = pb.tensor(3, TERN_ISA_DTYPE_BF16, {R, C});
    pb.op(TERN_ISA_ADD, tt, {ta, tb});
    pb.op(TERN_ISA_GELU, to, {tt});
    ASSERT_TRUE(run(pb, bind({a, b, t, o})));
    std::vector<float> want_t(R * C), want(R * C);
    for (int i = 0; i < R * C; ++i) {
        want_t[i] = av[i] + bv[i];
        // The intermediate is stored as bf16 before GELU reads it.
        want[i] = static_cast<float>(ref_gelu(bf16_round(want_t[i])));
    }
    EXPECT_TRUE(all_close(read_tensor(ws(), t), want_t, kBf16Abs, kBf16Rel));
    EXPECT_TRUE(all_close(read_tensor(ws(), o), want, kBf16Abs, kBf16Rel));
}

TEST_F(ExecTest, GatherRowsAndIndexOutOfRange) {
    constexpr int Rows = 5, D = 8, N = 4;
    const DeviceTensor src = tensor(Rows * D, TERN_ISA_DTYPE_FP32);
    const DeviceTensor idx = tensor(N, TERN_ISA_DTYPE_INT32);
    const DeviceTensor o = tensor(N * D, TERN_ISA_DTYPE_FP32);
    const auto sv = put(src, random_floats(rng_, Rows * D, -1, 1));
    ASSERT_TRUE(write_tensor_i32(ws(), idx, {4, 0, 2, 4}));
    ProgramBuilder pb;
    const uint16_t ts = pb.tensor(0, TERN_ISA_DTYPE_FP32, {Rows, D});
    const uint16_t ti = pb.tensor(1, TERN_ISA_DTYPE_INT32, {N});
    const uint16_t to = pb.tensor(2, TERN_ISA_DTYPE_FP32, {N, D});
    pb.op(TERN_ISA_GATHER, to, {ts, ti});
    ASSERT_TRUE(run(pb, bind({src, idx, o})));
    std::vector<float> want;
    for (int r : {4, 0, 2, 4}) {
        want.insert(want.end(), sv.begin() + r * D, sv.begin() + (r + 1) * D);
    }
    EXPECT_EQ(read_tensor(ws(), o), want);
    // Row index == rows: TERN_QERR_INDEX naming the op (op 1 here).
    ASSERT_TRUE(write_tensor_i32(ws(), idx, {0, 1, Rows, 2}));
    ProgramBuilder pb2;
    const uint16_t s2 = pb2.tensor(0, TERN_ISA_DTYPE_FP32, {Rows, D});
    const uint16_t i2 = pb2.tensor(1, TERN_ISA_DTYPE_INT32, {N});
    const uint16_t o2 = pb2.tensor(2, TERN_ISA_DTYPE_FP32, {N, D});
    pb2.op(TERN_ISA_FILL, o2, {}, {f32_bits(0.0f)});
    pb2.op(TERN_ISA_GATHER, o2, {s2, i2});
    QueueDriver& q = ws().queue();
    q.submit(slot_->load(pb2.build(), bind({src, idx, o})));
    ASSERT_TRUE(halts_with(q, TERN_QERR_INDEX));
    EXPECT_EQ(q.regs().err_op, 1u);
}

}  // namespace
}  // namespace tern::test
