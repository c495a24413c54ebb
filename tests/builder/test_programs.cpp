// SPDX-License-Identifier: MIT
// The encoded model: program images, the binding table, outputs written in
// place or copied, and programs split at the ISA's table limits.
#include <gtest/gtest.h>
#include <tern/hw/tern_isa.h>

#include <cstring>

#include "test_util.hpp"

namespace tern_test::builder {
namespace {

using tern::model::BindingRole;

tern_isa_header header_of(const std::vector<uint8_t>& image) {
    tern_isa_header h;
    std::memcpy(&h, image.data(), sizeof(h));
    return h;
}

std::vector<tern_isa_tensor> tensors_of(const std::vector<uint8_t>& image) {
    const tern_isa_header h = header_of(image);
    std::vector<tern_isa_tensor> t(h.num_tensors);
    std::memcpy(t.data(), image.data() + h.tensors_offset, t.size() * sizeof(tern_isa_tensor));
    return t;
}

std::vector<tern_isa_op> ops_of(const std::vector<uint8_t>& image) {
    const tern_isa_header h = header_of(image);
    std::vector<tern_isa_op> ops(h.num_ops);
    std::memcpy(ops.data(), image.data() + h.ops_offset, ops.size() * sizeof(tern_isa_op));
    return ops;
}

class ProgramTest : public DeviceTest {};

TEST_F(ProgramTest, ImageHeaderAndBindingTable) {
    Harness h("layout");
    Tensor x = h.input("x", DType::kFp32, {4, 8});
    Tensor w = h.weight("w", DType::kFp32, {8, 2});
    Tensor y = h.b.relu(h.b.matmul(x, w));
    h.b.output("y", y);
    h.b.output("y_again", y);                // the same value twice: one copy
    h.b.output("x_copy", h.b.transpose(x));  // a view of an input: copied
    BuildStats stats;
    const tern::model::ModelImage image = h.b.build({}, &stats);
    ASSERT_EQ(1u, image.programs.size());
    const tern_isa_header hd = header_of(image.programs[0]);
    EXPECT_EQ(TERN_ISA_MAGIC, hd.magic);
    EXPECT_EQ(TERN_ISA_VERSION, hd.version);
    EXPECT_EQ(image.programs[0].size(), hd.size);
    EXPECT_EQ(sizeof(tern_isa_header), hd.tensors_offset);
    EXPECT_EQ(hd.tensors_offset + hd.num_tensors * sizeof(tern_isa_tensor), hd.ops_offset);
    EXPECT_EQ(4u, hd.num_ops);  // matmul, relu, two copies
    EXPECT_EQ(stats.ops, hd.num_ops);
    EXPECT_EQ(1u, stats.outputs_written_in_place);

    // inputs, outputs, weights, scratch
    ASSERT_EQ(6u, image.bindings.size());
    EXPECT_EQ(BindingRole::kInput, image.bindings[0].role);
    EXPECT_EQ(128u, image.bindings[0].size);
    for (uint32_t i = 0; i < 3; ++i) {
        EXPECT_EQ(BindingRole::kOutput, image.bindings[1 + i].role);
        EXPECT_EQ(i, image.bindings[1 + i].index);
    }
    EXPECT_EQ(BindingRole::kWeights, image.bindings[4].role);
    EXPECT_EQ(64u, image.bindings[4].size);
    EXPECT_EQ(BindingRole::kScratch, image.bindings[5].role);
    EXPECT_EQ(image.scratch_bytes, image.bindings[5].size);
    EXPECT_EQ(64u, image.scratch_bytes);  // the matmul result, [4, 2] fp32, aligned

    // Every descriptor obeys the ISA's tensor rules.
    for (const tern_isa_tensor& t : tensors_of(image.programs[0])) {
        EXPECT_LT(t.binding, image.bindings.size());
        EXPECT_GE(t.rank, 1u);
        EXPECT_LE(t.rank, 6u);
        for (unsigned d = t.rank; d < 6; ++d) {
            EXPECT_EQ(1u, t.shape[d]);
            EXPECT_EQ(0u, t.stride[d]);
        }
        EXPECT_EQ(0u, t.rsvd0);
        EXPECT_EQ(0u, t.rsvd);
    }
    EXPECT_TRUE(h.check(device(), accumulating(DType::kFp32)));
}

TEST_F(ProgramTest, TransposedMatmulOperandsUseTheTransFlags) {
    ModelBuilder b("flags");
    Tensor a = b.input("a", DType::kFp32, {8, 4});
    Tensor c = b.input("c", DType::kFp32, {8, 3});
    b.output("y", b.matmul(a, c, {.transpose_a = true}));
    const auto ops = ops_of(b.build().programs[0]);
    ASSERT_EQ(1u, ops.size());
    EXPECT_EQ(TERN_ISA_MATMUL, ops[0].opcode);
    EXPECT_EQ(TERN_ISA_MM_TRANS_A, ops[0].flags);
}

TEST_F(ProgramTest, SplitsIntoSeveralProgramsAtTheLimits) {
    Harness h("split");
    Tensor x = h.input("x", DType::kFp32, {3, 5});
    Tensor t = x;
    for (int i = 0; i < 40; ++i) {
        t = h.b.add(h.b.affine(t, 0.5f, float(i)),
                    h.weight("c" + std::to_string(i), DType::kFp32, {5}));
    }
    h.b.output("y", t);
    BuildOptions small;
    small.max_ops_per_program = 7;
    small.max_tensors_per_program = 9;
    BuildStats split, whole;
    const auto image = h.b.build(small, &split);
    EXPECT_GE(split.programs, 12u);  // 80 ops, 7 at most per program
    for (const auto& p : image.programs) {
        EXPECT_LE(header_of(p).num_ops, 7u);
        EXPECT_LE(header_of(p).num_tensors, 9u);
    }
    EXPECT_TRUE(h.check(device(), transcendental(DType::kFp32), small));
    const auto one = h.b.build({}, &whole);
    EXPECT_EQ(1u, whole.programs);
    // Same results either way, bit for bit.
    EXPECT_EQ(run_programs(device(), one, h.inputs)[0].data,
              run_programs(device(), image, h.inputs)[0].data);
}

TEST_F(ProgramTest, MoreThan4096TensorsNeedASecondProgram) {
    Harness h("wide_table");
    Tensor t = h.input("x", DType::kFp32, {2});
    const int n = 4200;  // each constant is a distinct descriptor
    for (int i = 0; i < n; ++i) {
        const std::vector<float> c = {float(i % 7) * 0.125f, -float(i % 5) * 0.25f};
        t = h.b.add(t, h.b.constant("c" + std::to_string(i), DType::kFp32, {2}, c));
    }
    h.b.output("y", t);
    BuildStats stats;
    const auto image = h.b.build({}, &stats);
    EXPECT_EQ(2u, stats.programs);
    EXPECT_GT(stats.tensors, 4096u);
    for (const auto& p : image.programs) {
        EXPECT_LE(header_of(p).num_tensors, uint32_t{TERN_ISA_MAX_TENSORS});
    }
    EXPECT_TRUE(h.check(device(), exact()));
}

}  // namespace
}  // namespace tern_test::builder
