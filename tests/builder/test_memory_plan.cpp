// SPDX-License-Identifier: MIT
// Memory planning: the interval allocator on its own, then whole models
// whose activations share scratch bytes and still compute the right thing.
#include <gtest/gtest.h>

#include "memory_plan.hpp"
#include "test_util.hpp"

namespace tern_test::builder {
namespace {

using tern::builder::detail::Lifetime;
using tern::builder::detail::MemoryPlan;
using tern::builder::detail::plan_memory;

bool overlap(uint64_t a0, uint64_t a1, uint64_t b0, uint64_t b1) {
    return a0 < b1 && b0 < a1;
}

// No two buffers alive at the same time share a byte; all are aligned.
void expect_valid(const std::vector<Lifetime>& buffers, const MemoryPlan& plan, uint64_t align) {
    for (size_t i = 0; i < buffers.size(); ++i) {
        EXPECT_EQ(0u, plan.offsets[i] % align);
        EXPECT_LE(plan.offsets[i] + buffers[i].bytes, plan.total);
        for (size_t j = i + 1; j < buffers.size(); ++j) {
            if (overlap(buffers[i].begin, buffers[i].end, buffers[j].begin, buffers[j].end)) {
                EXPECT_FALSE(overlap(plan.offsets[i], plan.offsets[i] + buffers[i].bytes,
                                     plan.offsets[j], plan.offsets[j] + buffers[j].bytes))
                    << "buffers " << i << " and " << j << " are alive together and overlap";
            }
        }
    }
}

TEST(MemoryPlan, DisjointLifetimesShareBytes) {
    // A chain: each buffer is read by the op that writes the next.
    const std::vector<Lifetime> chain = {{1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}, {1000, 3, 4}};
    const MemoryPlan plan = plan_memory(chain, 64, true);
    expect_valid(chain, plan, 64);
    EXPECT_EQ(1024u, plan.total);  // one buffer, reused in place
    const MemoryPlan none = plan_memory(chain, 64, false);
    EXPECT_EQ(4096u, none.total);
    expect_valid(chain, none, 64);
}

TEST(MemoryPlan, OverlappingLifetimesGetSeparateBytes) {
    const std::vector<Lifetime> live = {{100, 0, 5}, {200, 1, 3}, {300, 2, 4}, {50, 4, 6}};
    const MemoryPlan plan = plan_memory(live, 64, true);
    expect_valid(live, plan, 64);
    // 0, 1 and 2 are alive at op 2: at least their aligned sizes.
    EXPECT_GE(plan.total, 128u + 256u + 320u);
    EXPECT_LT(plan.total, 128u + 256u + 320u + 64u);  // 3 reuses a freed range
}

TEST(MemoryPlan, RandomLifetimesAreAlwaysValid) {
    std::vector<float> r = random_floats(3 * 300, 99, 0.0f, 1.0f);
    std::vector<Lifetime> buffers;
    uint64_t sum = 0;
    for (size_t i = 0; i < 300; ++i) {
        const uint32_t begin = static_cast<uint32_t>(r[3 * i] * 200);
        const uint32_t len = 1 + static_cast<uint32_t>(r[3 * i + 1] * 30);
        const uint64_t bytes = 4 + static_cast<uint64_t>(r[3 * i + 2] * 5000);
        buffers.push_back({bytes, begin, begin + len});
        sum += (bytes + 63) / 64 * 64;
    }
    const MemoryPlan plan = plan_memory(buffers, 64, true);
    expect_valid(buffers, plan, 64);
    EXPECT_LT(plan.total, sum);
}

class MemoryPlanModelTest : public DeviceTest {};

TEST_F(MemoryPlanModelTest, ChainOfOpsReusesScratchAndStaysCorrect) {
    Harness h("chain");
    Tensor x = h.input("x", DType::kFp32, {64, 64});
    Tensor w = h.weight("w", DType::kFp32, {64, 64}, -0.1f, 0.1f);
    Tensor skip = h.b.relu(x);
    Tensor t = x;
    for (int i = 0; i < 6; ++i) {
        t = h.b.gelu(h.b.matmul(t, w));
    }
    h.b.output("y", h.b.add(t, skip));

    BuildStats reuse, no_reuse;
    EXPECT_TRUE(h.check(device(), accumulating(DType::kFp32), {}, &reuse));
    BuildOptions off;
    off.reuse_scratch = false;
    EXPECT_TRUE(h.check(device(), accumulating(DType::kFp32), off, &no_reuse));

    const uint64_t activation = 64 * 64 * 4;
    // 12 activations in the chain plus the skip; the output goes straight
    // into its binding.
    EXPECT_EQ(13u, reuse.activations);
    EXPECT_EQ(13 * activation, reuse.scratch_bytes_without_reuse);
    EXPECT_EQ(13 * activation, no_reuse.scratch_bytes);
    // The skip lives across the chain; the chain reuses one buffer in place.
    EXPECT_EQ(2 * activation, reuse.scratch_bytes);
    EXPECT_EQ(1u, reuse.outputs_written_in_place);
    EXPECT_EQ(64 * 64 * 4u, reuse.weights_bytes);
}

TEST_F(MemoryPlanModelTest, WeightsArePackedAligned) {
    Harness h("weights");
    Tensor x = h.input("x", DType::kBf16, {3});
    Tensor a = h.weight("a", DType::kBf16, {3});  // 6 bytes
    Tensor b = h.weight("b", DType::kBf16, {5});  // 10 bytes
    Tensor c = h.weight("c", DType::kBf16, {3});
    h.b.output("y", h.b.add(h.b.add(x, a), c));
    h.b.output("z", b);
    BuildStats stats;
    EXPECT_TRUE(h.check(device(), exact(), {}, &stats));
    EXPECT_EQ(3u * 64u, stats.weights_bytes);  // three constants, 64-byte aligned
}

}  // namespace
}  // namespace tern_test::builder
