// SPDX-License-Identifier: MIT
// Build-time errors: every bad shape, dtype, axis, option and limit is
// reported with the op and operands named, and leaves the graph unchanged.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>

#include "test_util.hpp"

namespace tern_test::builder {
namespace {

using tern::builder::BuildError;
using tern::builder::Conv2dOptions;
using tern::builder::Pool2dOptions;

// Runs `fn`, expects a BuildError whose message contains every fragment.
void expect_error(const std::function<void()>& fn, std::initializer_list<const char*> fragments) {
    try {
        fn();
        ADD_FAILURE() << "no BuildError thrown";
    } catch (const BuildError& e) {
        const std::string msg = e.what();
        for (const char* f : fragments) {
            EXPECT_NE(std::string::npos, msg.find(f)) << "'" << f << "' missing in: " << msg;
        }
    }
}

std::vector<float> zeros(size_t n) {
    return std::vector<float>(n, 0.0f);
}

class BuilderErrorTest : public ::testing::Test {
protected:
    ModelBuilder b{"errors"};
    Tensor x = b.input("x", DType::kFp32, {2, 3});
    Tensor y = b.input("y", DType::kFp32, {4, 5});
    Tensor h = b.input("h", DType::kBf16, {3, 2});
};

TEST_F(BuilderErrorTest, MatmulShapesAndDtypes) {
    expect_error([&] { b.matmul(x, y); },
                 {"model 'errors'", "matmul", "[2, 3]", "[4, 5]", "inner dimensions differ"});
    expect_error([&] { b.matmul(x, h); }, {"matmul", "fp32", "bf16", "cast()"});
    Tensor v = b.input("v", DType::kFp32, {3});
    expect_error([&] { b.matmul(x, v); }, {"rank >= 2"});
    Tensor a3 = b.input("a3", DType::kFp32, {2, 2, 3});
    Tensor b3 = b.input("b3", DType::kFp32, {3, 3, 4});
    expect_error([&] { b.matmul(a3, b3); }, {"batch axes differ"});
    expect_error([&] { b.matmul(x, Tensor{}); }, {"b is absent"});
    Tensor i = b.input("i", DType::kInt32, {3, 3});
    expect_error([&] { b.matmul(i, i); }, {"float dtype"});
}

TEST_F(BuilderErrorTest, LinearConvPoolOptions) {
    Tensor w = b.constant("w", DType::kFp32, {4, 2}, zeros(8));
    expect_error([&] { b.linear(x, w); }, {"linear", "weight is [in, out]"});
    Tensor w3 = b.constant("w3", DType::kFp32, {3, 2}, zeros(6));
    Tensor bad_bias = b.constant("bias", DType::kFp32, {3}, zeros(3));
    expect_error([&] { b.linear(x, w3, bad_bias); }, {"bias [3] fp32", "must be [2]"});

    Tensor img = b.input("img", DType::kFp32, {1, 4, 5, 5});
    Tensor k = b.constant("k", DType::kFp32, {6, 2, 3, 3}, zeros(108));
    expect_error([&] { b.conv2d(img, k); }, {"conv2d", "groups"});
    Conv2dOptions zero_stride;
    zero_stride.stride_h = 0;
    zero_stride.groups = 2;
    expect_error([&] { b.conv2d(img, k, {}, zero_stride); }, {">= 1"});
    Tensor big = b.constant("big", DType::kFp32, {1, 4, 7, 7}, zeros(196));
    expect_error([&] { b.conv2d(img, big); }, {"does not fit"});

    Pool2dOptions pad_too_big;
    pad_too_big.pad_h = 2;
    expect_error([&] { b.maxpool2d(img, pad_too_big); }, {"maxpool2d", "smaller than the kernel"});
    expect_error([&] { b.avgpool2d(x, {}); }, {"avgpool2d", "rank 4"});
}

TEST_F(BuilderErrorTest, ElementwiseAndAxes) {
    expect_error([&] { b.add(x, y); }, {"add", "[2, 3]", "[4, 5]", "do not broadcast"});
    expect_error([&] { b.mul(x, h); }, {"mul", "fp32", "bf16"});
    expect_error([&] { b.softmax(x, 2); }, {"softmax", "axis 2 is out of range for rank 2"});
    expect_error([&] { b.reduce_sum(x, -3); }, {"reduce_sum", "axis -3"});
    expect_error([&] { b.affine(x, NAN); }, {"finite"});
    Tensor g = b.constant("g", DType::kFp32, {2}, zeros(2));
    expect_error([&] { b.layernorm(x, g); }, {"layernorm", "gamma [2] fp32", "must be [3]"});
    expect_error([&] { b.layernorm(x, {}, {}, -1.0f); }, {"eps"});
}

TEST_F(BuilderErrorTest, LayoutOps) {
    expect_error([&] { b.permute(x, {0, 0}); }, {"permute", "appears twice"});
    expect_error([&] { b.permute(x, {0}); }, {"permutation has 1 entries"});
    expect_error([&] { b.reshape(x, {4, 2}); }, {"reshape", "6 elements", "[4, 2] has 8"});
    expect_error([&] { b.reshape(x, {-1, -1}); }, {"dimension 1 is -1"});
    expect_error([&] { b.reshape(x, {0, 6}); }, {"dimension 0 is 0"});
    Tensor r6 = b.input("r6", DType::kFp32, {1, 1, 1, 1, 1, 2});
    expect_error([&] { b.reshape(r6, {1, 1, 1, 1, 1, 1, 2}); }, {"rank 7", "rank 1..6"});
}

TEST_F(BuilderErrorTest, GatherNeedsInt32Indices) {
    Tensor table = b.constant("t", DType::kFp32, {4, 2}, zeros(8));
    expect_error([&] { b.gather(table, x); }, {"gather", "must be int32"});
    expect_error([&] { b.gather(x, table); }, {"gather", "must be int32"});
    Tensor t3 = b.input("t3", DType::kFp32, {2, 2, 2});
    Tensor idx = b.input("idx", DType::kInt32, {2});
    expect_error([&] { b.gather(t3, idx); }, {"table [2, 2, 2] fp32", "rank 2"});
}

TEST_F(BuilderErrorTest, NamesInputsOutputs) {
    expect_error([&] { b.input("x", DType::kFp32, {1}); }, {"already an input"});
    expect_error([&] { b.input("", DType::kFp32, {1}); }, {"printable"});
    expect_error([&] { b.input("z", DType::kFp32, {}); }, {"rank 0"});
    expect_error([&] { b.input("z", DType::kFp32, {0, 3}); }, {"every dimension"});
    expect_error([&] { b.input("z", DType::kFp32, {uint64_t{1} << 32}); }, {"every dimension"});
    expect_error([&] { b.input("z", DType::kFp32, {1u << 16, 1u << 15}); }, {"4 GiB"});
    expect_error([&] { b.input("z", static_cast<DType>(9), {1}); }, {"unknown dtype"});
    expect_error([&] { b.constant("c", DType::kFp32, {2, 2}, zeros(3)); }, {"3 values"});
    b.output("out", x);
    expect_error([&] { b.output("out", y); }, {"already an output"});
    expect_error([&] { b.output("y2", Tensor{}); }, {"absent"});
    ModelBuilder other("other");
    Tensor foreign = other.input("f", DType::kFp32, {1});
    expect_error([&] { b.relu(foreign); }, {"another ModelBuilder"});
    EXPECT_THROW(ModelBuilder(""), BuildError);
    EXPECT_THROW(ModelBuilder(std::string(256, 'm')), BuildError);
}

TEST_F(BuilderErrorTest, BuildNeedsOutputsAndRespectsLimits) {
    expect_error([&] { b.build(); }, {"no outputs"});
    b.output("out", b.relu(x));
    BuildOptions bad;
    bad.max_tensors_per_program = 5000;
    expect_error([&] { b.build(bad); }, {"program limits"});
    bad = {};
    bad.max_ops_per_program = 0;
    expect_error([&] { b.build(bad); }, {"program limits"});
}

TEST(BuilderErrors, TooManyBindings) {
    ModelBuilder b("wide");
    Tensor acc = b.input("in0", DType::kFp32, {1});
    for (int i = 1; i < 200; ++i) {
        acc = b.add(acc, b.input("in" + std::to_string(i), DType::kFp32, {1}));
        b.output("out" + std::to_string(i), acc);
    }
    expect_error([&] { b.build(); }, {"bindings", "256"});
}

TEST(BuilderErrors, FailedOpsLeaveTheGraphUsable) {
    ModelBuilder b("recover");
    Tensor x = b.input("x", DType::kFp32, {2, 3});
    EXPECT_THROW(b.matmul(x, x), BuildError);
    EXPECT_THROW(b.softmax(x, 5), BuildError);
    b.output("y", b.relu(x));
    tern::builder::BuildStats stats;
    const tern::model::ModelImage image = b.build({}, &stats);
    EXPECT_EQ(1u, stats.ops);  // only the relu
    EXPECT_EQ(1u, stats.outputs_written_in_place);
}

TEST(BuilderErrors, ReferenceChecksItsInputs) {
    ModelBuilder b("ref");
    Tensor x = b.input("x", DType::kFp32, {2});
    b.output("y", b.relu(x));
    const std::vector<float> v = {1, 2};
    const auto good = tern::builder::HostTensor::from_floats(DType::kFp32, {2}, v);
    const auto wrong_dtype = tern::builder::HostTensor::from_floats(DType::kBf16, {2}, v);
    const auto wrong_shape = tern::builder::HostTensor::from_floats(DType::kFp32, {1, 2}, v);
    EXPECT_NO_THROW(b.evaluate_reference(std::vector{good}));
    expect_error([&] { b.evaluate_reference(std::vector{wrong_dtype}); },
                 {"input 'x'", "given [2] bf16, declared [2] fp32"});
    expect_error([&] { b.evaluate_reference(std::vector{wrong_shape}); }, {"given [1, 2]"});
    expect_error([&] { b.evaluate_reference({}); }, {"0 inputs given"});
}

}  // namespace
}  // namespace tern_test::builder
