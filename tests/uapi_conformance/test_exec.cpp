// SPDX-License-Identifier: MIT
// The data path: DMA copies through the device MMU, EXECUTE of a program
// built here per docs/isa.md, TIMESTAMP, and many jobs in flight.
#include <cerrno>
#include <cstring>
#include <random>

#include "conformance.hpp"

namespace tern::conformance {
namespace {

using ExecTest = Conformance;

std::vector<uint8_t> pattern(size_t n, uint32_t seed) {
    std::vector<uint8_t> v(n);
    std::mt19937 rng(seed);
    for (auto& b : v) {
        b = static_cast<uint8_t>(rng());
    }
    return v;
}

TEST_F(ExecTest, DmaHostDeviceHostIsByteExact) {
    Dev& d = dev();
    const size_t n = (1u << 20) + 12345;  // not page sized
    BoRef src = d.bo(n, DRM_TERN_BO_HOST);
    BoRef mid = d.bo(n, DRM_TERN_BO_DEVICE);
    BoRef dst = d.bo(n, DRM_TERN_BO_HOST);
    auto* s = static_cast<uint8_t*>(d.map(src));
    auto* o = static_cast<uint8_t*>(d.map(dst));
    const auto data = pattern(n, 1);
    std::memcpy(s, data.data(), n);
    std::memset(o, 0, n);
    CtxRef c = d.ctx();
    // Unaligned sub-ranges too: the copy splits at every page of both sides.
    const uint64_t seq =
        d.submit(c, {dma(src.va, mid.va, n), dma(mid.va + 7, dst.va + 3, n - 100)});
    const drm_tern_ctx_query q = d.finish(c, seq);
    EXPECT_EQ(q.state, DRM_TERN_CTX_STATE_OK);
    EXPECT_EQ(q.completed_seqno, seq);
    EXPECT_EQ(std::memcmp(o + 3, data.data() + 7, n - 100), 0);
    EXPECT_EQ(o[0], 0);
    EXPECT_EQ(o[n - 1], 0);
}

TEST_F(ExecTest, DeviceBoMmapIsTheDeviceMemory) {
    Dev& d = dev();
    ASSERT_NE(d.param(DRM_TERN_PARAM_CAPABILITIES) & DRM_TERN_CAP_DEVICE_MMAP, 0u);
    const size_t n = 3 << 20;  // large pages on both sides
    BoRef dv = d.bo(n, DRM_TERN_BO_DEVICE);
    BoRef host = d.bo(n, DRM_TERN_BO_HOST);
    auto* dp = static_cast<uint8_t*>(d.map(dv));
    auto* hp = static_cast<uint8_t*>(d.map(host));
    const auto data = pattern(n, 2);
    std::memcpy(dp, data.data(), n);  // CPU writes through BAR2
    CtxRef c = d.ctx();
    ASSERT_EQ(d.finish(c, d.submit(c, {dma(dv.va, host.va, n)})).state, DRM_TERN_CTX_STATE_OK);
    EXPECT_EQ(std::memcmp(hp, data.data(), n), 0);
    // And back: device writes are visible through the CPU mapping.
    std::memset(dp, 0, n);
    ASSERT_EQ(d.finish(c, d.submit(c, {dma(host.va, dv.va, n)})).state, DRM_TERN_CTX_STATE_OK);
    EXPECT_EQ(std::memcmp(dp, data.data(), n), 0);
}

// C = A + B and D = A x B (8x8 fp32), one EXECUTE, checked on the CPU.
TEST_F(ExecTest, ExecuteProgram) {
    Dev& d = dev();
    constexpr uint32_t n = 8;
    tern::test::ProgramBuilder p;
    const uint16_t a = p.tensor(0, TERN_ISA_DTYPE_FP32, {n, n});
    const uint16_t b = p.tensor(1, TERN_ISA_DTYPE_FP32, {n, n});
    const uint16_t sum = p.tensor(2, TERN_ISA_DTYPE_FP32, {n, n});
    const uint16_t prod = p.tensor(2, TERN_ISA_DTYPE_FP32, {n, n}, n * n * sizeof(float));
    p.op(TERN_ISA_ADD, sum, {a, b});
    p.op(TERN_ISA_MATMUL, prod, {a, b});
    const std::vector<uint8_t> img = p.build();

    BoRef prog = d.bo(img.size(), DRM_TERN_BO_HOST | DRM_TERN_BO_READ_ONLY);
    BoRef in = d.bo(2 * n * n * sizeof(float), DRM_TERN_BO_DEVICE);
    BoRef out = d.bo(2 * n * n * sizeof(float), DRM_TERN_BO_HOST);
    BoRef tbl = d.bo(4096, DRM_TERN_BO_HOST);
    std::memcpy(d.map(prog), img.data(), img.size());
    auto* ain = static_cast<float*>(d.map(in));
    float A[n * n];
    float B[n * n];
    for (uint32_t i = 0; i < n * n; ++i) {
        A[i] = static_cast<float>(i % 7) - 3.0f;
        B[i] = static_cast<float>(i % 5) * 0.5f;
    }
    std::memcpy(ain, A, sizeof(A));
    std::memcpy(ain + n * n, B, sizeof(B));
    auto* bind = static_cast<tern_isa_binding*>(d.map(tbl));
    bind[0] = {in.va, sizeof(A)};
    bind[1] = {in.va + sizeof(A), sizeof(B)};
    bind[2] = {out.va, out.size};

    CtxRef c = d.ctx();
    const uint64_t seq = d.submit(c, {exec(prog.va, static_cast<uint32_t>(img.size()), tbl.va, 3)});
    const drm_tern_ctx_query q = d.finish(c, seq);
    ASSERT_EQ(q.state, DRM_TERN_CTX_STATE_OK) << "error " << q.error << " op " << q.op_index;
    const auto* res = static_cast<const float*>(d.map(out));
    for (uint32_t i = 0; i < n * n; ++i) {
        EXPECT_FLOAT_EQ(res[i], A[i] + B[i]) << i;
    }
    for (uint32_t r = 0; r < n; ++r) {
        for (uint32_t col = 0; col < n; ++col) {
            float ref = 0;
            for (uint32_t k = 0; k < n; ++k) {
                ref += A[r * n + k] * B[k * n + col];
            }
            EXPECT_NEAR(res[n * n + r * n + col], ref, 1e-4f) << r << "," << col;
        }
    }
}

TEST_F(ExecTest, TimestampIsTheDeviceClock) {
    Dev& d = dev();
    BoRef buf = d.bo(4096, DRM_TERN_BO_HOST);
    auto* ts = static_cast<volatile uint64_t*>(d.map(buf));
    CtxRef c = d.ctx();
    const uint64_t before = d.param(DRM_TERN_PARAM_TIMESTAMP);
    const uint64_t seq = d.submit(c, {timestamp(buf.va), nop(), timestamp(buf.va + 8)});
    ASSERT_EQ(d.finish(c, seq).state, DRM_TERN_CTX_STATE_OK);
    const uint64_t after = d.param(DRM_TERN_PARAM_TIMESTAMP);
    EXPECT_GE(ts[0], before);
    EXPECT_GE(ts[1], ts[0]);
    EXPECT_LE(ts[1], after);
}

TEST_F(ExecTest, ManyJobsInFlightCompleteInOrder) {
    Dev& d = dev();
    BoRef host = d.bo(1 << 16, DRM_TERN_BO_HOST);
    BoRef dv = d.bo(1 << 16, DRM_TERN_BO_DEVICE);
    auto* h = static_cast<uint32_t*>(d.map(host));
    CtxRef c = d.ctx();
    // More descriptors than the ring holds, so submission waits for space.
    constexpr uint32_t kJobs = 3000;
    uint64_t last = 0;
    for (uint32_t i = 0; i < kJobs; ++i) {
        // Each job moves word i to the device and back to slot i + 1.
        h[i % 8192] = i;
        last = d.submit(c, {dma(host.va + 4 * (i % 8192), dv.va, 4),
                            dma(dv.va, host.va + 4 * ((i + 1) % 8192) + 32768, 4)});
        ASSERT_EQ(last, i + 1);
    }
    const drm_tern_ctx_query q = d.finish(c, last);
    EXPECT_EQ(q.state, DRM_TERN_CTX_STATE_OK);
    EXPECT_EQ(q.submitted_seqno, kJobs);
    EXPECT_EQ(q.completed_seqno, kJobs);
    EXPECT_EQ(d.syncobj_query(c.syncobj), kJobs);
    const auto* back = reinterpret_cast<const uint32_t*>(reinterpret_cast<uint8_t*>(h) + 32768);
    EXPECT_EQ(back[kJobs % 8192], kJobs - 1);
}

TEST_F(ExecTest, EmptyJobOrdersAndSignals) {
    Dev& d = dev();
    CtxRef c = d.ctx();
    EXPECT_EQ(d.submit(c, {}), 1u);
    EXPECT_EQ(d.submit(c, {nop()}), 2u);
    const drm_tern_ctx_query q = d.finish(c, 2);
    EXPECT_EQ(q.state, DRM_TERN_CTX_STATE_OK);
    EXPECT_EQ(q.completed_seqno, 2u);
    EXPECT_EQ(q.cmd_index, DRM_TERN_INDEX_NONE);
    EXPECT_EQ(q.op_index, DRM_TERN_INDEX_NONE);
    EXPECT_EQ(q.failed_seqno, 0u);
}

}  // namespace
}  // namespace tern::conformance
