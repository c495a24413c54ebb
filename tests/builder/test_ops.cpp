// SPDX-License-Identifier: MIT
// Every builder op, lowered to the ISA and run on the mock device, against
// the host reference, in fp32, bf16 and fp16.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "device.hpp"
#include "test_util.hpp"

namespace tern_test::builder {
namespace {

using tern::builder::AttentionWeights;
using tern::builder::BinaryOp;
using tern::builder::Conv2dOptions;
using tern::builder::MatmulOptions;
using tern::builder::Pool2dOptions;
using tern::builder::ReduceOp;
using tern::builder::UnaryOp;

class OpTest : public DeviceTest, public ::testing::WithParamInterface<DType> {
protected:
    DType dt() const { return GetParam(); }
};

// ---- linear algebra -------------------------------------------------------

TEST_P(OpTest, Matmul) {
    Harness h("matmul");
    Tensor a = h.input("a", dt(), {5, 7});
    Tensor b = h.input("b", dt(), {7, 3});
    h.b.output("y", h.b.matmul(a, b));
    EXPECT_TRUE(h.check(device(), accumulating(dt())));
}

TEST_P(OpTest, MatmulTransposedOperandsAndAlpha) {
    Harness h("matmul_t");
    Tensor a = h.input("a", dt(), {7, 5});  // used as [5, 7]
    Tensor b = h.input("b", dt(), {3, 7});  // used as [7, 3]
    MatmulOptions o;
    o.transpose_a = true;
    o.transpose_b = true;
    o.alpha = 0.375f;
    h.b.output("y", h.b.matmul(a, b, o));
    MatmulOptions only_b;
    only_b.transpose_b = true;
    h.b.output("z", h.b.matmul(h.b.transpose(a), b, only_b));
    EXPECT_TRUE(h.check(device(), accumulating(dt())));
}

TEST_P(OpTest, MatmulBatched) {
    Harness h("matmul_batched");
    Tensor a = h.input("a", dt(), {2, 3, 4, 6});
    Tensor b = h.input("b", dt(), {2, 3, 6, 5});
    Tensor w = h.input("w", dt(), {6, 2});
    Tensor c = h.input("c", dt(), {4, 6});
    h.b.output("ab", h.b.matmul(a, b));  // both batched
    h.b.output("aw", h.b.matmul(a, w));  // batch folds into rows
    h.b.output("cb", h.b.matmul(c, b));  // rank-2 A for every batch
    EXPECT_TRUE(h.check(device(), accumulating(dt())));
}

TEST_P(OpTest, MatmulOnPermutedViewsCopiesWhenBatchAxesDoNotMerge) {
    Harness h("matmul_views");
    Tensor x = h.input("x", dt(), {2, 5, 3, 4});  // [B, S, H, D]
    Tensor q = h.b.permute(x, {0, 2, 1, 3});      // [B, H, S, D], not mergeable
    MatmulOptions o;
    o.transpose_b = true;
    h.b.output("scores", h.b.matmul(q, q, o));                    // [B, H, S, S]
    h.b.output("gram", h.b.matmul(q, q, {.transpose_a = true}));  // [B, H, D, D]
    EXPECT_TRUE(h.check(device(), accumulating(dt())));
}

TEST_P(OpTest, Linear) {
    Harness h("linear");
    Tensor x = h.input("x", dt(), {2, 3, 8});
    Tensor w = h.weight("w", dt(), {8, 6});
    Tensor bias = h.weight("bias", dt(), {6});
    Tensor v = h.input("v", dt(), {8});
    h.b.output("y", h.b.linear(x, w, bias));
    h.b.output("y_nobias", h.b.linear(x, w));
    h.b.output("yv", h.b.linear(v, w, bias));
    EXPECT_TRUE(h.check(device(), accumulating(dt())));
}

TEST_P(OpTest, Conv2d) {
    Harness h("conv2d");
    Tensor x = h.input("x", dt(), {2, 4, 9, 8});
    Tensor w = h.weight("w", dt(), {6, 2, 3, 3});
    Tensor bias = h.weight("bias", dt(), {6});
    Conv2dOptions o;
    o.stride_h = 2;
    o.pad_h = 1;
    o.pad_w = 2;
    o.dilation_w = 2;
    o.groups = 2;
    h.b.output("y", h.b.conv2d(x, w, bias, o));
    Tensor w1 = h.weight("w1", dt(), {3, 4, 1, 1});
    h.b.output("pointwise", h.b.conv2d(x, w1));
    EXPECT_TRUE(h.check(device(), accumulating(dt())));
}

// ---- elementwise -------------------------------------------------------------

TEST_P(OpTest, BinaryOpsBroadcast) {
    Harness h("binary");
    Tensor a = h.input("a", dt(), {2, 3, 4});
    Tensor b = h.input("b", dt(), {3, 1}, 0.5f, 2.0f);  // rank promotion, size-1 axis
    Tensor c = h.input("c", dt(), {2, 1, 4}, 0.5f, 2.0f);
    for (BinaryOp op : {BinaryOp::kAdd, BinaryOp::kSub, BinaryOp::kMul, BinaryOp::kDiv,
                        BinaryOp::kMax, BinaryOp::kMin}) {
        const std::string n = std::to_string(static_cast<int>(op));
        h.b.output("ab" + n, h.b.binary(op, a, b));
        h.b.output("ba" + n, h.b.binary(op, b, a));
        h.b.output("bc" + n, h.b.binary(op, b, c));  // both sides broadcast
    }
    // Results of the same ops computed in fp32 and rounded once: equal bits.
    EXPECT_TRUE(h.check(device(), exact()));
}

TEST_P(OpTest, ExactUnaryOps) {
    Harness h("unary_exact");
    Tensor x = h.input("x", dt(), {3, 17}, -4.0f, 4.0f);
    for (UnaryOp op : {UnaryOp::kRelu, UnaryOp::kNeg, UnaryOp::kAbs}) {
        h.b.output("y" + std::to_string(static_cast<int>(op)), h.b.unary(op, x));
    }
    EXPECT_TRUE(h.check(device(), exact()));
}

TEST_P(OpTest, TranscendentalUnaryOps) {
    Harness h("unary");
    Tensor x = h.input("x", dt(), {3, 17}, -4.0f, 4.0f);
    Tensor pos = h.input("pos", dt(), {3, 17}, 0.05f, 9.0f);
    for (UnaryOp op : {UnaryOp::kGelu, UnaryOp::kGeluTanh, UnaryOp::kSilu, UnaryOp::kSigmoid,
                       UnaryOp::kTanh, UnaryOp::kExp}) {
        h.b.output("y" + std::to_string(static_cast<int>(op)), h.b.unary(op, x));
    }
    for (UnaryOp op : {UnaryOp::kLog, UnaryOp::kSqrt, UnaryOp::kRsqrt}) {
        h.b.output("p" + std::to_string(static_cast<int>(op)), h.b.unary(op, pos));
    }
    h.b.output("affine", h.b.affine(x, -1.75f, 0.5f));
    EXPECT_TRUE(h.check(device(), transcendental(dt())));
}

TEST_P(OpTest, Cast) {
    Harness h("cast");
    Tensor x = h.input("x", dt(), {4, 5}, -300.0f, 300.0f);
    h.b.output("f32", h.b.cast(x, DType::kFp32));
    h.b.output("bf16", h.b.cast(x, DType::kBf16));
    h.b.output("f16", h.b.cast(x, DType::kFp16));
    Tensor i = h.b.cast(x, DType::kInt32);
    h.b.output("i32", i);
    h.b.output("back", h.b.cast(i, dt()));
    EXPECT_TRUE(h.check(device(), exact()));
}

// ---- normalisation and reductions -------------------------------------------

TEST_P(OpTest, Softmax) {
    Harness h("softmax");
    Tensor x = h.input("x", dt(), {3, 4, 5}, -3.0f, 3.0f);
    h.b.output("last", h.b.softmax(x));
    h.b.output("middle", h.b.softmax(x, 1));
    h.b.output("first", h.b.softmax(x, 0));
    EXPECT_TRUE(h.check(device(), accumulating(dt())));
}

TEST_P(OpTest, LayerNorm) {
    Harness h("layernorm");
    Tensor x = h.input("x", dt(), {2, 3, 16}, -2.0f, 3.0f);
    Tensor g = h.weight("gamma", dt(), {16}, 0.5f, 1.5f);
    Tensor beta = h.weight("beta", dt(), {16});
    h.b.output("affine", h.b.layernorm(x, g, beta, 1e-5f));
    h.b.output("plain", h.b.layernorm(x, {}, {}, 1e-3f));
    h.b.output("gamma_only", h.b.layernorm(x, g));
    EXPECT_TRUE(h.check(device(), accumulating(dt())));
}

TEST_P(OpTest, Reductions) {
    Harness h("reduce");
    Tensor x = h.input("x", dt(), {3, 4, 5});
    for (ReduceOp op : {ReduceOp::kSum, ReduceOp::kMax, ReduceOp::kMean}) {
        const std::string n = std::to_string(static_cast<int>(op));
        h.b.output("a0_" + n, h.b.reduce(op, x, 0));
        h.b.output("a1k_" + n, h.b.reduce(op, x, 1, true));
        h.b.output("last_" + n, h.b.reduce(op, x, -1));
    }
    Tensor v = h.input("v", dt(), {9});
    h.b.output("vector", h.b.reduce_sum(v, 0));
    EXPECT_EQ((Shape{4, 5}), h.b.reduce_sum(x, 0).shape());
    EXPECT_EQ((Shape{3, 1, 5}), h.b.reduce_sum(x, 1, true).shape());
    EXPECT_TRUE(h.check(device(), accumulating(dt())));
}

// ---- layout -------------------------------------------------------------

TEST_P(OpTest, PermuteTransposeReshape) {
    Harness h("layout");
    Tensor x = h.input("x", dt(), {2, 3, 4});
    Tensor p = h.b.permute(x, {2, 0, 1});
    h.b.output("permuted", p);  // copied into the output
    h.b.output("transposed", h.b.transpose(x, 0, 2));
    h.b.output("reshaped", h.b.reshape(x, {4, -1}));         // a view of the input, copied out
    h.b.output("reshaped_permuted", h.b.reshape(p, {-1}));   // needs a copy first
    h.b.output("relu_of_view", h.b.relu(h.b.transpose(x)));  // ops read strided views
    EXPECT_TRUE(h.check(device(), exact()));
}

TEST_P(OpTest, Pooling) {
    Harness h("pool");
    Tensor x = h.input("x", dt(), {2, 3, 7, 6});
    Pool2dOptions o;
    o.kernel_h = 3;
    o.kernel_w = 2;
    o.stride_h = 2;
    o.stride_w = 1;
    o.pad_h = 1;
    o.pad_w = 1;
    h.b.output("max", h.b.maxpool2d(x, o));
    h.b.output("avg", h.b.avgpool2d(x, o));
    h.b.output("max2", h.b.maxpool2d(x, {}));
    EXPECT_TRUE(h.check(device(), accumulating(dt())));
}

TEST_P(OpTest, Gather) {
    Harness h("gather");
    Tensor table = h.weight("table", dt(), {10, 6});
    Tensor idx = h.int_input("idx", {2, 3}, {9, 0, 3, 3, 7, 1});
    Tensor idx_const = h.b.constant_int32("idx_const", {4}, std::vector<int32_t>{2, 2, 5, 0});
    h.b.output("rows", h.b.gather(table, idx));
    h.b.output("rows_const", h.b.gather(table, idx_const));
    EXPECT_TRUE(h.check(device(), exact()));
}

TEST_P(OpTest, MultiHeadAttentionWithMask) {
    Harness h("attention");
    const uint64_t B = 2, S = 5, D = 8;
    Tensor x = h.input("x", dt(), {B, S, D});
    AttentionWeights w;
    w.wq = h.weight("wq", dt(), {D, D}, -0.5f, 0.5f);
    w.bq = h.weight("bq", dt(), {D});
    w.wk = h.weight("wk", dt(), {D, D}, -0.5f, 0.5f);
    w.wv = h.weight("wv", dt(), {D, D}, -0.5f, 0.5f);
    w.bv = h.weight("bv", dt(), {D});
    w.wo = h.weight("wo", dt(), {D, D}, -0.5f, 0.5f);
    std::vector<float> causal(S * S);
    for (uint64_t i = 0; i < S; ++i) {
        for (uint64_t j = 0; j < S; ++j) {
            causal[i * S + j] = j > i ? -std::numeric_limits<float>::infinity() : 0.0f;
        }
    }
    Tensor mask = h.b.constant("mask", dt(), {S, S}, causal);
    h.b.output("y", tern::builder::multi_head_attention(h.b, x, w, 2, mask));
    // Several bf16/fp16 roundings in a row: a few ulp of the output.
    Tolerance tol = accumulating(dt());
    tol.rtol *= 4;
    tol.atol = dt() == DType::kFp32 ? 1e-5 : 4e-3;
    EXPECT_TRUE(h.check(device(), tol));
}

INSTANTIATE_TEST_SUITE_P(Dtypes, OpTest,
                         ::testing::Values(DType::kFp32, DType::kBf16, DType::kFp16),
                         [](const ::testing::TestParamInfo<DType>& info) {
                             switch (info.param) {
                                 case DType::kBf16:
                                     return std::string("bf16");
                                 case DType::kFp16:
                                     return std::string("fp16");
                                 default:
                                     return std::string("fp32");
                             }
                         });

// ---- special values ------------------------------------------------------

class SpecialValuesTest : public DeviceTest {};

TEST_F(SpecialValuesTest, NanInfAndSignedZeroFollowTheIsa) {
    Harness h("special");
    const float inf = std::numeric_limits<float>::infinity();
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const std::vector<float> a = {nan, 1.0f, -0.0f, inf, -inf, 0.0f, 2.0f, -3.0f};
    const std::vector<float> b = {1.0f, nan, 0.0f, 1.0f, 5.0f, -0.0f, 0.0f, -inf};
    h.inputs.push_back(tern::builder::HostTensor::from_floats(DType::kFp32, {8}, a));
    h.inputs.push_back(tern::builder::HostTensor::from_floats(DType::kFp32, {8}, b));
    Tensor ta = h.b.input("a", DType::kFp32, {8});
    Tensor tb = h.b.input("b", DType::kFp32, {8});
    h.b.output("max", h.b.maximum(ta, tb));
    h.b.output("min", h.b.minimum(ta, tb));
    h.b.output("div", h.b.div(ta, tb));
    h.b.output("relu", h.b.relu(ta));
    h.b.output("bf16", h.b.cast(ta, DType::kBf16));
    h.b.output("int", h.b.cast(ta, DType::kInt32));
    EXPECT_TRUE(h.check(device(), exact()));
    // The reference follows IEEE maximum: NaN wins, -0 < +0.
    const auto ref = h.b.evaluate_reference(h.inputs);
    const std::vector<float> mx = ref[0].to_floats();
    EXPECT_TRUE(std::isnan(mx[0]) && std::isnan(mx[1]));
    EXPECT_FALSE(std::signbit(mx[2]));
    EXPECT_TRUE(std::signbit(ref[1].to_floats()[5]));

    // Softmax: a line holding NaN or +inf is NaN; -inf entries give 0.
    Harness s("special_softmax");
    s.inputs.push_back(h.inputs[0]);
    s.b.output("softmax", s.b.softmax(s.b.reshape(s.b.input("a", DType::kFp32, {8}), {2, 4})));
    EXPECT_TRUE(s.check(device(), accumulating(DType::kFp32)));
    const std::vector<float> sm = s.b.evaluate_reference(s.inputs)[0].to_floats();
    EXPECT_TRUE(std::isnan(sm[0]) && std::isnan(sm[3]));
    EXPECT_EQ(0.0f, sm[4]);
}

TEST_F(SpecialValuesTest, GatherIndexOutOfRangeFailsOnDeviceAndInReference) {
    Harness h("bad_gather");
    Tensor table = h.weight("table", DType::kFp32, {4, 2});
    Tensor idx = h.int_input("idx", {3}, {0, 4, 1});
    h.b.output("rows", h.b.gather(table, idx));
    EXPECT_THROW(h.b.evaluate_reference(h.inputs), tern::builder::BuildError);
    // A separate queue: the fault breaks only the queue it ran on.
    Device dev;
    try {
        run_programs(dev, h.b.build(), h.inputs);
        ADD_FAILURE() << "the device accepted an index outside the table";
    } catch (const tern::Error& e) {
        EXPECT_EQ(TERN_ERROR_DEVICE_FAULT, e.status()) << e.what();
    }
}

}  // namespace
}  // namespace tern_test::builder
