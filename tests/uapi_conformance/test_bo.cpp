// SPDX-License-Identifier: MIT
// BO_CREATE, BO_INFO, GEM_CLOSE and CPU mappings: success paths, every
// documented errno, address-space and locked-memory accounting.
#include <linux/capability.h>
#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "conformance.hpp"

namespace tern::conformance {
namespace {

using BoTest = Conformance;

int create(Dev& d, uint64_t size, uint32_t flags, drm_tern_bo_create* out = nullptr) {
    drm_tern_bo_create c{};
    c.size = size;
    c.flags = flags;
    const int r = d.io(DRM_IOCTL_TERN_BO_CREATE, &c);
    if (out != nullptr) {
        *out = c;
    }
    return r;
}

TEST_F(BoTest, CreateInfoRoundTrip) {
    Dev& d = dev();
    const uint64_t va_start = d.param(DRM_TERN_PARAM_VA_START);
    const uint64_t va_end = d.param(DRM_TERN_PARAM_VA_END);
    struct Case {
        uint64_t size;
        uint32_t flags;
    };
    std::vector<std::pair<uint64_t, uint64_t>> ranges;
    for (const Case& c : {Case{1, DRM_TERN_BO_HOST}, Case{5000, DRM_TERN_BO_DEVICE},
                          Case{4096, DRM_TERN_BO_HOST | DRM_TERN_BO_READ_ONLY},
                          Case{(2u << 20) + 1, DRM_TERN_BO_DEVICE | DRM_TERN_BO_READ_ONLY}}) {
        drm_tern_bo_create bc{};
        ASSERT_EQ(create(d, c.size, c.flags, &bc), 0);
        EXPECT_NE(bc.handle, 0u);
        EXPECT_EQ(bc.va % 4096, 0u);
        EXPECT_GE(bc.va, va_start);
        drm_tern_bo_info info{};
        info.handle = bc.handle;
        ASSERT_EQ(d.io(DRM_IOCTL_TERN_BO_INFO, &info), 0);
        EXPECT_EQ(info.flags, c.flags);
        EXPECT_EQ(info.va, bc.va);
        EXPECT_EQ(info.size, (c.size + 4095) & ~4095ull);  // rounded to the page
        EXPECT_LE(info.va + info.size, va_end);
        EXPECT_NE(info.mmap_offset, 0u);  // DEVICE_MMAP: device BOs map too
        ranges.emplace_back(info.va, info.va + info.size);
    }
    std::sort(ranges.begin(), ranges.end());
    for (size_t i = 1; i < ranges.size(); ++i) {
        EXPECT_LE(ranges[i - 1].second, ranges[i].first);  // no two BOs share a VA
    }
}

TEST_F(BoTest, CreateErrors) {
    Dev& d = dev();
    EXPECT_EQ(create(d, 0, DRM_TERN_BO_HOST), -EINVAL);
    EXPECT_EQ(create(d, 4096, 0), -EINVAL);
    EXPECT_EQ(create(d, 4096, DRM_TERN_BO_HOST | DRM_TERN_BO_DEVICE), -EINVAL);
    EXPECT_EQ(create(d, 4096, DRM_TERN_BO_READ_ONLY), -EINVAL);
    EXPECT_EQ(create(d, 4096, DRM_TERN_BO_HOST | (1u << 3)), -EINVAL);
    EXPECT_EQ(create(d, ~0ull, DRM_TERN_BO_HOST), -E2BIG);  // rounding overflows
    EXPECT_EQ(create(d, 1ull << 48, DRM_TERN_BO_HOST), -E2BIG);
    EXPECT_EQ(create(d, (64ull << 20) + 4096, DRM_TERN_BO_DEVICE), -E2BIG);  // > MEM_SIZE
    // Fields in declaration order: size (EINVAL) before flags.
    EXPECT_EQ(create(d, 0, 0xff), -EINVAL);
    EXPECT_EQ(create(d, ~0ull, 0xff), -E2BIG);
}

TEST_F(BoTest, DeviceMemoryAccounting) {
    Dev& d = dev();
    const uint64_t total = d.param(DRM_TERN_PARAM_MEM_FREE);
    BoRef a = d.bo(40ull << 20, DRM_TERN_BO_DEVICE);
    EXPECT_EQ(d.param(DRM_TERN_PARAM_MEM_FREE), total - (40ull << 20));
    // Fits MEM_SIZE, but not what is free now.
    EXPECT_EQ(create(d, 40ull << 20, DRM_TERN_BO_DEVICE), -ENOSPC);
    d.close_bo(a);  // no job ran: freed at once
    EXPECT_EQ(d.param(DRM_TERN_PARAM_MEM_FREE), total);
    BoRef b = d.bo(40ull << 20, DRM_TERN_BO_DEVICE);
    EXPECT_NE(b.handle, 0u);
}

TEST_F(BoTest, InfoAndCloseErrors) {
    Dev& d = dev();
    drm_tern_bo_info info{};
    info.handle = 77;
    EXPECT_EQ(d.io(DRM_IOCTL_TERN_BO_INFO, &info), -ENOENT);
    drm_gem_close c{};
    c.handle = 77;
    EXPECT_EQ(d.io(DRM_IOCTL_GEM_CLOSE, &c), -EINVAL);  // DRM core's errno
    BoRef bo = d.bo(4096, DRM_TERN_BO_HOST);
    c.handle = bo.handle;
    c.pad = 1;
    EXPECT_EQ(d.io(DRM_IOCTL_GEM_CLOSE, &c), -EINVAL);
    c.pad = 0;
    EXPECT_EQ(d.io(DRM_IOCTL_GEM_CLOSE, &c), 0);
    EXPECT_EQ(d.io(DRM_IOCTL_GEM_CLOSE, &c), -EINVAL);  // already closed
    info.handle = bo.handle;
    EXPECT_EQ(d.io(DRM_IOCTL_TERN_BO_INFO, &info), -ENOENT);
}

TEST_F(BoTest, MmapRules) {
    Dev& d = dev();
    BoRef bo = d.bo(8192, DRM_TERN_BO_HOST);
    drm_tern_bo_info info{};
    info.handle = bo.handle;
    ASSERT_EQ(d.io(DRM_IOCTL_TERN_BO_INFO, &info), 0);
    int err = 0;
    EXPECT_EQ(d.file().mmap(info.mmap_offset + 4096, 4096, &err), nullptr);
    EXPECT_EQ(err, -EINVAL);  // not a BO's offset
    EXPECT_EQ(d.file().mmap(info.mmap_offset, 8192 + 4096, &err), nullptr);
    EXPECT_EQ(err, -EINVAL);  // longer than the BO
    EXPECT_EQ(d.file().mmap(info.mmap_offset, 0, &err), nullptr);
    EXPECT_EQ(err, -EINVAL);
    void* p = d.file().mmap(info.mmap_offset, 8192, &err);
    ASSERT_NE(p, nullptr);
    std::memset(p, 0x5a, 8192);
    // Offsets belong to the file that created the BO.
    auto other = open();
    EXPECT_EQ(other->file().mmap(info.mmap_offset, 8192, &err), nullptr);
    EXPECT_EQ(err, -EINVAL);
    EXPECT_EQ(d.file().munmap(static_cast<uint8_t*>(p) + 4096, 4096), -EINVAL);

    // A mapping outlives GEM_CLOSE (it holds a reference), the offset does not.
    d.close_bo(bo);
    EXPECT_EQ(static_cast<uint8_t*>(p)[8191], 0x5a);
    EXPECT_EQ(d.file().mmap(info.mmap_offset, 8192, &err), nullptr);
    EXPECT_EQ(err, -EINVAL);
    EXPECT_EQ(d.file().munmap(p, 8192), 0);
    EXPECT_EQ(d.file().munmap(p, 8192), -EINVAL);
}

TEST_F(BoTest, ClosedBoStaysMappedUntilEarlierJobsFinish) {
    Dev& d = dev();
    const size_t n = 8 << 20;
    BoRef src = d.bo(n, DRM_TERN_BO_HOST);
    BoRef dst = d.bo(n, DRM_TERN_BO_DEVICE);
    void* p = d.map(src);
    std::memset(p, 0x3c, n);
    ASSERT_EQ(d.file().munmap(p, n), 0);  // mappings hold BOs too: drop ours
    d.leak_mapping(p);                    // (and forget it)
    CtxRef c = d.ctx();
    uint64_t seq = 0;
    for (int i = 0; i < 8; ++i) {
        seq = d.submit(c, {dma(src.va, dst.va, n)});
    }
    d.close_bo(src);  // jobs still reference its VA
    const drm_tern_ctx_query q = d.finish(c, seq);
    EXPECT_EQ(q.state, DRM_TERN_CTX_STATE_OK) << "fault at " << std::hex << q.fault_va;
    // After the jobs, the VA is gone: using it now faults.
    CtxRef c2 = d.ctx();
    const drm_tern_ctx_query q2 = d.finish(c2, d.submit(c2, {dma(src.va, dst.va, 4096)}));
    EXPECT_EQ(q2.state, DRM_TERN_CTX_STATE_FAULTED);
    EXPECT_EQ(q2.fault_reason, DRM_TERN_FAULT_UNMAPPED);
}

class BoAsidTest : public Conformance {
protected:
    rt::mock::MockConfig config() const override {
        auto cfg = small_config();
        cfg.devices[0].num_asids = 2;  // MAX_ADDRESS_SPACES
        return cfg;
    }
};

TEST_F(BoAsidTest, MockAddressSpacesAreTakenAtFirstUse) {
    EXPECT_EQ(dev().param(DRM_TERN_PARAM_MAX_ADDRESS_SPACES), 2u);
    auto a = open();
    auto b = open();
    auto c = open();
    // Parameters only: no address space taken.
    EXPECT_EQ(c->param(DRM_TERN_PARAM_NUM_CORES), 8u);
    a->bo(4096, DRM_TERN_BO_HOST);
    b->ctx();
    EXPECT_EQ(create(*c, 4096, DRM_TERN_BO_HOST), -ENOSPC);
    drm_tern_ctx_create cc{};
    EXPECT_EQ(c->io(DRM_IOCTL_TERN_CTX_CREATE, &cc), -ENOSPC);
    a.reset();  // close() frees the address space
    EXPECT_EQ(create(*c, 4096, DRM_TERN_BO_HOST), 0);
}

TEST_F(BoTest, HostBosCountAgainstMemlock) {
    // account_locked_vm(): without CAP_IPC_LOCK, host BOs beyond
    // RLIMIT_MEMLOCK fail with ENOMEM; device BOs are not host memory.
    rlimit saved{};
    ASSERT_EQ(getrlimit(RLIMIT_MEMLOCK, &saved), 0);
    // Room above what this process already pinned (earlier tests' mappings).
    const uint64_t need = rt::mock::mock_locked_bytes() + (512u << 10);
    rlimit room = saved;
    if (saved.rlim_max != RLIM_INFINITY && saved.rlim_max < need) {
        if (!have_capability(CAP_SYS_RESOURCE)) {
            GTEST_SKIP() << "hard RLIMIT_MEMLOCK below what the test needs";
        }
        room.rlim_max = need;
    }
    auto limit_to = [&](uint64_t soft) {
        rlimit r = room;
        r.rlim_cur = soft;
        return setrlimit(RLIMIT_MEMLOCK, &r);
    };
    auto run = [&] {
        ASSERT_EQ(limit_to(rt::mock::mock_locked_bytes() + (256u << 10)), 0);
        drm_tern_bo_create ok{};
        EXPECT_EQ(create(dev(), 128u << 10, DRM_TERN_BO_HOST, &ok), 0);
        EXPECT_EQ(create(dev(), 1u << 20, DRM_TERN_BO_HOST), -ENOMEM);
        EXPECT_EQ(create(dev(), 1u << 20, DRM_TERN_BO_DEVICE), 0);
        drm_gem_close c{};
        c.handle = ok.handle;
        EXPECT_EQ(dev().io(DRM_IOCTL_GEM_CLOSE, &c), 0);  // uncharged again
        EXPECT_EQ(create(dev(), 200u << 10, DRM_TERN_BO_HOST), 0);
    };
    if (have_capability(CAP_IPC_LOCK)) {
        without_capability(CAP_IPC_LOCK, run);
        // With the capability the limit does not apply.
        ASSERT_EQ(limit_to(rt::mock::mock_locked_bytes()), 0);
        EXPECT_EQ(create(dev(), 1u << 20, DRM_TERN_BO_HOST), 0);
    } else {
        run();
    }
    ASSERT_EQ(setrlimit(RLIMIT_MEMLOCK, &saved), 0);
}

}  // namespace
}  // namespace tern::conformance
