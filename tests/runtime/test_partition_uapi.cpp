// SPDX-License-Identifier: MIT
// VF isolation below the C ABI: what a VF's userspace can put in a job
// through the UAPI, aimed at another VF. VF B fills device and host
// buffers with a secret; VF A submits DMA copies and programs whose source
// is every address B's buffers have (their first, middle and last bytes),
// VA 0, the top of the VA range, and addresses beyond 2^48. Each one either
// reads A's own memory (the same VA number in A's address space), faults
// in A's context only (UNMAPPED, at that VA), or is refused by SUBMIT;
// nothing of B's ever reaches A, and B's contexts never notice. Page-table
// entries beyond a VF's window (a malicious VF driver) are the model's
// business: tests/sim/test_partition.cpp.
#include <gtest/gtest.h>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "backend/backend.hpp"
#include "capability.hpp"
#include "drm/tern_accel.h"
#include "isa_program.hpp"
#include "mock/mock_backend.hpp"
#include "uapi_space.hpp"

namespace tern_test {
namespace {

using tern::rt::Backend;
using tern::rt::NodeInfo;
using tern::test::ProgramBuilder;

constexpr uint64_t kMiB = 1ull << 20;
constexpr uint64_t kVaBits = 48;
constexpr uint8_t kSecret = 0x5e;
constexpr uint8_t kMine = 0xa1;

using Bo = UapiBo;
using Space = UapiSpace;

class VfUapiIsolationTest : public ::testing::Test {
protected:
    void SetUp() override {
        if (!has_capability(CAP_SYS_ADMIN)) {
            GTEST_SKIP() << "PARTITION_SET needs CAP_SYS_ADMIN";
        }
        tern::rt::mock::MockConfig cfg;
        cfg.devices.resize(1);
        cfg.devices[0].mem_size = 64 * kMiB;
        std::string why;
        backend_ = tern::rt::mock::make_mock_backend(cfg, &why);
        ASSERT_NE(nullptr, backend_) << why;
        pf_ = std::make_unique<Space>(*backend_, backend_->enumerate()[0]);
        drm_tern_partition e[2] = {};
        for (uint32_t i = 0; i < 2; ++i) {
            e[i].mem_base = i * 32 * kMiB;
            e[i].mem_size = 32 * kMiB;
            e[i].core_mask = 0x0fu << (4 * i);
            e[i].num_queues = 8;
            e[i].num_asids = 32;
        }
        drm_tern_partition_set s{};
        s.num_vfs = 2;
        s.entry_size = sizeof(drm_tern_partition);
        s.entries_ptr = reinterpret_cast<uintptr_t>(e);
        ASSERT_EQ(0, pf_->f().ioctl(DRM_IOCTL_TERN_PARTITION_SET, &s));
        nodes_ = backend_->enumerate();
        ASSERT_EQ(3u, nodes_.size());
    }
    void TearDown() override {
        pf_.reset();
        backend_.reset();
    }
    const NodeInfo& vf(int i) const { return nodes_[1 + i]; }

    std::unique_ptr<Backend> backend_;
    std::unique_ptr<Space> pf_;
    std::vector<NodeInfo> nodes_;
};

// Where A's probe lands: its own buffer (and which byte), or nothing.
const Bo* owner(const std::vector<Bo>& bos, uint64_t va) {
    for (const Bo& b : bos) {
        if (va >= b.va && va < b.va + b.size) {
            return &b;
        }
    }
    return nullptr;
}

TEST_F(VfUapiIsolationTest, NoAddressOfVfBReadsItsData) {
    Space b(*backend_, vf(1));
    // B: device and host buffers full of the secret; more of them than A
    // has, so that most of B's VAs are mapped by nothing in A.
    std::vector<Bo> b_bos;
    b_bos.push_back(b.bo(4 * kMiB, DRM_TERN_BO_DEVICE, kSecret));
    for (int i = 0; i < 4; ++i) {
        b_bos.push_back(b.bo(64 * 1024, i % 2 ? DRM_TERN_BO_HOST : DRM_TERN_BO_DEVICE, kSecret));
    }
    const drm_tern_ctx_create cb = b.ctx();

    std::vector<uint64_t> probes = {0, (1ull << kVaBits) - 4096, 1ull << kVaBits, 1ull << 63,
                                    ~0ull - 4095};
    for (const Bo& x : b_bos) {
        probes.push_back(x.va);
        probes.push_back(x.va + x.size / 2);
        probes.push_back(x.va + x.size - 1);
    }
    constexpr uint64_t kCopy = 256;
    for (uint64_t probe : probes) {
        SCOPED_TRACE(::testing::Message() << "probe VA 0x" << std::hex << probe);
        // A fresh address space per probe: a faulting context is final, and
        // a file with many faults is banned.
        Space a(*backend_, vf(0));
        std::vector<Bo> a_bos;
        const Bo out = a.bo(64 * 1024, DRM_TERN_BO_HOST, 0);
        a_bos.push_back(out);
        a_bos.push_back(a.bo(64 * 1024, DRM_TERN_BO_DEVICE, kMine));
        const uint64_t size = probe > ~0ull - kCopy ? 1 : kCopy;
        const Bo* own = owner(a_bos, probe);
        const bool inside = own != nullptr && probe + size <= own->va + own->size;

        // DMA from the probe.
        const drm_tern_ctx_create ca = a.ctx();
        drm_tern_cmd dma{};
        dma.type = DRM_TERN_CMD_DMA_COPY;
        dma.dma.src_va = probe;
        dma.dma.dst_va = out.va + 4096;
        dma.dma.size = size;
        uint64_t seq = 0;
        const int r = a.submit(ca, dma, &seq);
        if (probe + size > (1ull << kVaBits) || probe + size < probe) {
            EXPECT_EQ(-EINVAL, r) << "an address beyond 2^48 is refused at SUBMIT";
        } else {
            ASSERT_EQ(0, r);
            const drm_tern_ctx_query q = a.wait_and_query(ca, seq);
            if (inside) {
                EXPECT_EQ(uint32_t{DRM_TERN_CTX_STATE_OK}, q.state) << "A's own memory";
            } else {
                EXPECT_EQ(uint32_t{DRM_TERN_ERR_PAGE_FAULT}, q.error);
                EXPECT_EQ(uint32_t{DRM_TERN_FAULT_UNMAPPED}, q.fault_reason);
                EXPECT_EQ(uint32_t{DRM_TERN_ENGINE_DMA}, q.engine);
                EXPECT_LE(probe, q.fault_va);
                EXPECT_GT(probe + size, q.fault_va);
            }
        }
        for (uint64_t i = 0; i < kCopy; ++i) {
            ASSERT_NE(kSecret, out.cpu[4096 + i]) << "byte " << i << " of B's reached A";
        }

        // A program whose binding names the probe.
        if (probe <= (1ull << kVaBits) - 4096) {
            const Bo prog = a.bo(4096, DRM_TERN_BO_HOST, 0);
            const Bo table = a.bo(4096, DRM_TERN_BO_HOST, 0);
            ProgramBuilder p;
            const uint16_t src = p.tensor(0, TERN_ISA_DTYPE_INT32, {64});
            const uint16_t dst = p.tensor(1, TERN_ISA_DTYPE_INT32, {64});
            p.op(TERN_ISA_COPY, dst, {src});
            const auto img = p.build();
            std::memcpy(prog.cpu, img.data(), img.size());
            const uint64_t bindings[2][2] = {{probe, 256}, {out.va + 8192, 256}};
            std::memcpy(table.cpu, bindings, sizeof(bindings));
            const drm_tern_ctx_create cx = a.ctx();
            drm_tern_cmd exec{};
            exec.type = DRM_TERN_CMD_EXECUTE;
            exec.exec.program_va = prog.va;
            exec.exec.bindings_va = table.va;
            exec.exec.program_size = static_cast<uint32_t>(img.size());
            exec.exec.binding_count = 2;
            ASSERT_EQ(0, a.submit(cx, exec, &seq));
            const drm_tern_ctx_query q = a.wait_and_query(cx, seq);
            if (q.state == DRM_TERN_CTX_STATE_OK) {
                const Bo* o = owner({out, a_bos[1], prog, table}, probe);
                EXPECT_NE(nullptr, o) << "a program read memory A does not map";
            } else {
                EXPECT_EQ(uint32_t{DRM_TERN_ERR_PAGE_FAULT}, q.error);
                EXPECT_EQ(uint32_t{DRM_TERN_FAULT_UNMAPPED}, q.fault_reason);
                EXPECT_EQ(uint32_t{DRM_TERN_ENGINE_COMPUTE}, q.engine);
            }
            for (uint64_t i = 0; i < 256; ++i) {
                ASSERT_NE(kSecret, out.cpu[8192 + i]) << "byte " << i << " of B's reached A";
            }
        }
    }

    // B never noticed: its context works and its secret is intact.
    const Bo b_out = b.bo(4096, DRM_TERN_BO_HOST, 0);
    drm_tern_cmd copy{};
    copy.type = DRM_TERN_CMD_DMA_COPY;
    copy.dma.src_va = b_bos[0].va + 4 * kMiB - 4096;
    copy.dma.dst_va = b_out.va;
    copy.dma.size = 4096;
    uint64_t seq = 0;
    ASSERT_EQ(0, b.submit(cb, copy, &seq));
    const drm_tern_ctx_query qb = b.wait_and_query(cb, seq);
    EXPECT_EQ(uint32_t{DRM_TERN_CTX_STATE_OK}, qb.state);
    EXPECT_EQ(seq, qb.completed_seqno);
    for (uint64_t i = 0; i < 4096; ++i) {
        ASSERT_EQ(kSecret, b_out.cpu[i]);
    }
    for (const Bo& x : b_bos) {
        EXPECT_EQ(kSecret, x.cpu[0]);
        EXPECT_EQ(kSecret, x.cpu[x.size - 1]);
    }
}

// A VF's device memory is its window: every byte a VF can allocate, A
// sees blank and B's bytes stay B's; the PF sees both windows as card
// memory (it is the trusted host).
TEST_F(VfUapiIsolationTest, WindowsAreDisjointCardMemory) {
    Space a(*backend_, vf(0)), b(*backend_, vf(1));
    EXPECT_EQ(32 * kMiB, a.param(DRM_TERN_PARAM_MEM_SIZE));
    const Bo bb = b.bo(32 * kMiB, DRM_TERN_BO_DEVICE, kSecret);
    const Bo ab = a.bo(32 * kMiB, DRM_TERN_BO_DEVICE, kMine);
    for (uint64_t i = 0; i < ab.size; i += 4096) {
        ASSERT_EQ(kMine, ab.cpu[i]) << i;
        ASSERT_EQ(kSecret, bb.cpu[i]) << i;
    }
    drm_tern_bo_create more{};
    more.size = 4096;
    more.flags = DRM_TERN_BO_DEVICE;
    EXPECT_EQ(-ENOSPC, a.f().ioctl(DRM_IOCTL_TERN_BO_CREATE, &more)) << "beyond A's window";
    EXPECT_EQ(0u, pf_->param(DRM_TERN_PARAM_MEM_FREE)) << "the windows are not PF memory";
}

}  // namespace
}  // namespace tern_test
