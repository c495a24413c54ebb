// SPDX-License-Identifier: MIT
// Isolation and page faults below the C ABI. Through tern.h a context can
// only name its own tensors (the runtime refuses foreign handles), so a
// real device page fault cannot be provoked there. Here a second address
// space names the first one's VAs directly, through the UAPI as the mock
// backend implements it (the same ioctls tern.ko serves): the device must
// fault (UNMAPPED, at that VA), copy nothing, and leave the first address
// space's contexts running.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend.hpp"
#include "drm/tern_accel.h"
#include "isa_program.hpp"
#include "mock/mock_backend.hpp"
#include "uapi_space.hpp"

namespace tern_test {
namespace {

using tern::rt::Backend;
using tern::test::ProgramBuilder;

using Bo = UapiBo;
using Space = UapiSpace;

class RtUapiIsolationTest : public ::testing::Test {
protected:
    void SetUp() override {
        tern::rt::mock::MockConfig cfg;
        cfg.devices.resize(1);
        std::string why;
        backend_ = tern::rt::mock::make_mock_backend(cfg, &why);
        ASSERT_NE(nullptr, backend_) << why;
    }
    tern::rt::NodeInfo node() const { return backend_->enumerate().at(0); }
    std::unique_ptr<Backend> backend_;
};

bool overlaps(const Bo& b, uint64_t va, uint64_t size) {
    return va < b.va + b.size && b.va < va + size;
}

TEST_F(RtUapiIsolationTest, ForeignVaFaultsAndCopiesNothing) {
    constexpr uint64_t kSize = 64 * 1024;
    Space a(*backend_, node()), b(*backend_, node());

    // A: a few buffers, the last one holding the secret. A has more BOs
    // than B, so the secret's VA is beyond everything B has mapped.
    std::vector<Bo> a_bos;
    for (int i = 0; i < 6; ++i) {
        a_bos.push_back(a.bo(kSize, DRM_TERN_BO_HOST));
    }
    const Bo secret = a_bos.back();
    ASSERT_NE(nullptr, secret.cpu);
    std::memset(secret.cpu, 0x5e, kSize);

    // B: a program image, its binding table and an output buffer.
    const Bo prog_bo = b.bo(4096, DRM_TERN_BO_HOST);
    const Bo table_bo = b.bo(4096, DRM_TERN_BO_HOST);
    const Bo out = b.bo(kSize, DRM_TERN_BO_HOST);
    for (const Bo& mine : {prog_bo, table_bo, out}) {
        ASSERT_FALSE(overlaps(mine, secret.va, kSize))
            << "B happens to map A's secret VA itself; the test needs a VA B does not map";
    }
    std::memset(out.cpu, 0x00, kSize);

    ProgramBuilder p;
    const uint16_t src = p.tensor(0, TERN_ISA_DTYPE_INT32, {kSize / 4});
    const uint16_t dst = p.tensor(1, TERN_ISA_DTYPE_INT32, {kSize / 4});
    p.op(TERN_ISA_COPY, dst, {src});
    const auto img = p.build();
    std::memcpy(prog_bo.cpu, img.data(), img.size());
    const uint64_t table[2][2] = {{secret.va, kSize}, {out.va, kSize}};
    std::memcpy(table_bo.cpu, table, sizeof(table));

    const drm_tern_ctx_create cb = b.ctx();
    drm_tern_cmd exec{};
    exec.type = DRM_TERN_CMD_EXECUTE;
    exec.exec.program_va = prog_bo.va;
    exec.exec.bindings_va = table_bo.va;
    exec.exec.program_size = static_cast<uint32_t>(img.size());
    exec.exec.binding_count = 2;
    uint64_t seq = 0;
    ASSERT_EQ(0, b.submit(cb, exec, &seq));
    const drm_tern_ctx_query q = b.wait_and_query(cb, seq);
    EXPECT_EQ(uint32_t{DRM_TERN_CTX_STATE_FAULTED}, q.state);
    EXPECT_EQ(uint32_t{DRM_TERN_ERR_PAGE_FAULT}, q.error);
    EXPECT_EQ(uint32_t{DRM_TERN_FAULT_UNMAPPED}, q.fault_reason);
    EXPECT_EQ(uint32_t{DRM_TERN_ACCESS_READ}, q.fault_access);
    EXPECT_EQ(uint32_t{DRM_TERN_ENGINE_COMPUTE}, q.engine);
    EXPECT_EQ(secret.va, q.fault_va);
    EXPECT_EQ(0u, q.op_index);
    EXPECT_EQ(seq, q.failed_seqno);
    for (uint64_t i = 0; i < kSize; ++i) {
        ASSERT_EQ(0, out.cpu[i]) << "byte " << i << " of A's buffer reached B";
    }
    // B's context is stopped for good.
    uint64_t seq2 = 0;
    EXPECT_EQ(-ECANCELED, b.submit(cb, exec, &seq2));

    // The same VA through B's DMA engine faults too, in a fresh context.
    const drm_tern_ctx_create cb2 = b.ctx();
    drm_tern_cmd dma{};
    dma.type = DRM_TERN_CMD_DMA_COPY;
    dma.dma.src_va = secret.va + 100;
    dma.dma.dst_va = out.va;
    dma.dma.size = 1000;
    ASSERT_EQ(0, b.submit(cb2, dma, &seq));
    const drm_tern_ctx_query q2 = b.wait_and_query(cb2, seq);
    EXPECT_EQ(uint32_t{DRM_TERN_ERR_PAGE_FAULT}, q2.error);
    EXPECT_EQ(uint32_t{DRM_TERN_ENGINE_DMA}, q2.engine);
    EXPECT_EQ(secret.va + 100, q2.fault_va);
    EXPECT_EQ(0, out.cpu[0]);

    // A is not disturbed: its own copy of the secret works.
    const drm_tern_ctx_create ca = a.ctx();
    const Bo a_out = a.bo(kSize, DRM_TERN_BO_HOST);
    drm_tern_cmd acopy{};
    acopy.type = DRM_TERN_CMD_DMA_COPY;
    acopy.dma.src_va = secret.va;
    acopy.dma.dst_va = a_out.va;
    acopy.dma.size = kSize;
    ASSERT_EQ(0, a.submit(ca, acopy, &seq));
    const drm_tern_ctx_query qa = a.wait_and_query(ca, seq);
    EXPECT_EQ(uint32_t{DRM_TERN_CTX_STATE_OK}, qa.state);
    EXPECT_EQ(seq, qa.completed_seqno);
    EXPECT_EQ(0x5e, a_out.cpu[kSize - 1]);
}

// The same VA number in two address spaces names two different buffers.
TEST_F(RtUapiIsolationTest, SameVaDifferentMemory) {
    constexpr uint64_t kSize = 4096;
    Space a(*backend_, node()), b(*backend_, node());
    const Bo ba = a.bo(kSize, DRM_TERN_BO_HOST);
    const Bo bb = b.bo(kSize, DRM_TERN_BO_HOST);
    if (ba.va != bb.va) {
        GTEST_SKIP() << "the two address spaces allocated different VAs";
    }
    std::memset(ba.cpu, 0xaa, kSize);
    std::memset(bb.cpu, 0xbb, kSize);
    const Bo out = b.bo(kSize, DRM_TERN_BO_HOST);
    const drm_tern_ctx_create cb = b.ctx();
    drm_tern_cmd dma{};
    dma.type = DRM_TERN_CMD_DMA_COPY;
    dma.dma.src_va = bb.va;  // == ba.va
    dma.dma.dst_va = out.va;
    dma.dma.size = kSize;
    uint64_t seq = 0;
    ASSERT_EQ(0, b.submit(cb, dma, &seq));
    const drm_tern_ctx_query q = b.wait_and_query(cb, seq);
    EXPECT_EQ(uint32_t{DRM_TERN_CTX_STATE_OK}, q.state);
    EXPECT_EQ(0xbb, out.cpu[0]);
    EXPECT_EQ(0xbb, out.cpu[kSize - 1]);
}

}  // namespace
}  // namespace tern_test
