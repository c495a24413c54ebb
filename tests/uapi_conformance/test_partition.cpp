// SPDX-License-Identifier: MIT
// PARTITION_SET and the VFs it enables: what a VF reports and refuses, its
// data path, every validation rule, privilege and busy checks.
#include <linux/capability.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "conformance.hpp"

namespace tern::conformance {
namespace {

constexpr uint64_t kMiB = 1ull << 20;

class PartitionTest : public Conformance {
protected:
    void SetUp() override {
        Conformance::SetUp();
        if (!have_capability(CAP_SYS_ADMIN)) {
            GTEST_SKIP() << "PARTITION_SET needs CAP_SYS_ADMIN";
        }
    }
    static drm_tern_partition entry(uint64_t base, uint64_t size, uint32_t cores,
                                    uint32_t queues = 4, uint32_t asids = 8) {
        drm_tern_partition e{};
        e.mem_base = base;
        e.mem_size = size;
        e.core_mask = cores;
        e.num_queues = queues;
        e.num_asids = asids;
        return e;
    }
    int set(Dev& d, const std::vector<drm_tern_partition>& es, uint32_t entry_size = 0,
            uint32_t flags = 0) {
        drm_tern_partition_set s{};
        s.num_vfs = static_cast<uint32_t>(es.size());
        s.flags = flags;
        s.entry_size = entry_size != 0 ? entry_size : sizeof(drm_tern_partition);
        s.entries_ptr = es.empty() ? 0 : reinterpret_cast<uintptr_t>(es.data());
        return d.io(DRM_IOCTL_TERN_PARTITION_SET, &s);
    }
};

TEST_F(PartitionTest, TwoVfs) {
    Dev& pf = dev();
    const uint64_t free_before = pf.param(DRM_TERN_PARAM_MEM_FREE);
    ASSERT_EQ(set(pf, {entry(0, 16 * kMiB, 0x03, 4, 8), entry(32 * kMiB, 8 * kMiB, 0x30, 2, 4)}),
              0);
    EXPECT_EQ(pf.param(DRM_TERN_PARAM_MEM_FREE), free_before - 24 * kMiB);
    const auto nodes = backend().enumerate();
    ASSERT_EQ(nodes.size(), 3u);

    drm_tern_partition_table t{};
    drm_tern_get_info g{};
    g.query = DRM_TERN_INFO_PARTITIONS;
    g.size = sizeof(t);
    g.data_ptr = reinterpret_cast<uintptr_t>(&t);
    ASSERT_EQ(pf.io(DRM_IOCTL_TERN_GET_INFO, &g), 0);
    EXPECT_EQ(t.num_vfs, 2u);
    EXPECT_EQ(t.enabled_vfs, 2u);
    EXPECT_EQ(t.entries[1].mem_base, 32 * kMiB);
    EXPECT_EQ(t.entries[1].core_mask, 0x30u);
    EXPECT_EQ(t.entries[2].mem_size, 0u);

    auto vf = open(2);  // VF 1
    ASSERT_NE(vf, nullptr);
    EXPECT_EQ(vf->param(DRM_TERN_PARAM_DEVICE_ID), kDeviceVf);
    EXPECT_EQ(vf->param(DRM_TERN_PARAM_FUNCTION), DRM_TERN_FUNCTION_IS_VF | (1u << 8));
    EXPECT_EQ(vf->param(DRM_TERN_PARAM_NUM_CORES), 2u);
    EXPECT_EQ(vf->param(DRM_TERN_PARAM_CORE_MASK), 0x30u);
    EXPECT_EQ(vf->param(DRM_TERN_PARAM_MEM_SIZE), 8 * kMiB);
    EXPECT_EQ(vf->param(DRM_TERN_PARAM_NUM_QUEUES), 2u);
    EXPECT_EQ(vf->param(DRM_TERN_PARAM_MAX_ADDRESS_SPACES), 4u);
    EXPECT_EQ(vf->param(DRM_TERN_PARAM_MAX_PARTITIONS), 0u);
    EXPECT_NE(vf->param(DRM_TERN_PARAM_PCI_ADDRESS), pf.param(DRM_TERN_PARAM_PCI_ADDRESS));
    const uint64_t caps = vf->param(DRM_TERN_PARAM_CAPABILITIES);
    EXPECT_EQ(caps & (DRM_TERN_CAP_PARTITION_SET | DRM_TERN_CAP_PARTITIONING), 0u);
    // PF-only operations.
    EXPECT_EQ(set(*vf, {}), -EOPNOTSUPP);
    g.query = DRM_TERN_INFO_PARTITIONS;
    EXPECT_EQ(vf->io(DRM_IOCTL_TERN_GET_INFO, &g), -EOPNOTSUPP);
    drm_tern_telemetry tel{};
    g.query = DRM_TERN_INFO_TELEMETRY;
    g.size = sizeof(tel);
    g.data_ptr = reinterpret_cast<uintptr_t>(&tel);
    ASSERT_EQ(vf->io(DRM_IOCTL_TERN_GET_INFO, &g), 0);
    EXPECT_EQ(tel.num_cores, 2u);

    // The VF's own data path, on its own cores and window.
    const size_t n = 1 * kMiB;
    BoRef h = vf->bo(n, DRM_TERN_BO_HOST);
    BoRef dv = vf->bo(n, DRM_TERN_BO_DEVICE);
    BoRef back = vf->bo(n, DRM_TERN_BO_HOST);
    std::memset(vf->map(h), 0x77, n);
    CtxRef c = vf->ctx();
    EXPECT_EQ(vf->finish(c, vf->submit(c, {dma(h.va, dv.va, n), dma(dv.va, back.va, n)})).state,
              DRM_TERN_CTX_STATE_OK);
    EXPECT_EQ(static_cast<uint8_t*>(vf->map(back))[n - 1], 0x77);
    drm_tern_bo_create big{};
    big.size = 9 * kMiB;
    big.flags = DRM_TERN_BO_DEVICE;
    EXPECT_EQ(vf->io(DRM_IOCTL_TERN_BO_CREATE, &big), -E2BIG);  // beyond its window

    // Busy while a VF is in use; teardown once it is not.
    EXPECT_EQ(set(pf, {}), -EBUSY);
    vf.reset();
    ASSERT_EQ(set(pf, {}), 0);
    EXPECT_EQ(backend().enumerate().size(), 1u);
    EXPECT_EQ(pf.param(DRM_TERN_PARAM_MEM_FREE), free_before);
}

// A PF function reset removes the VFs: their open files get ENODEV, and
// cleanup (CTX_DESTROY, GEM_CLOSE, munmap, close) still succeeds.
TEST_F(PartitionTest, MockVfRemovedUnderItsFiles) {
    Dev& pf = dev();
    ASSERT_EQ(set(pf, {entry(16 * kMiB, 16 * kMiB, 0x0f)}), 0);
    auto vf = open(1);
    BoRef bo = vf->bo(4096, DRM_TERN_BO_HOST);
    void* p = vf->map(bo);
    CtxRef c = vf->ctx();
    const uint64_t seq = vf->submit(c, {nop()});
    ASSERT_EQ(rt::mock::inject_fatal_error(backend(), 0), 0);
    EXPECT_EQ(vf->wait(c.syncobj, seq), 0);
    for (int i = 0; i < 2000 && backend().enumerate().size() != 1; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_EQ(backend().enumerate().size(), 1u);
    drm_tern_param prm{};
    EXPECT_EQ(vf->io(DRM_IOCTL_TERN_GET_PARAM, &prm), -ENODEV);
    drm_tern_bo_create bc{};
    bc.size = 4096;
    bc.flags = DRM_TERN_BO_HOST;
    EXPECT_EQ(vf->io(DRM_IOCTL_TERN_BO_CREATE, &bc), -ENODEV);
    EXPECT_EQ(vf->try_submit(c, {nop()}), -ENODEV);
    drm_tern_bo_info info{};
    info.handle = bo.handle;
    EXPECT_EQ(vf->io(DRM_IOCTL_TERN_BO_INFO, &info), -ENODEV);
    int err = 0;
    EXPECT_EQ(vf->file().mmap(4096, 4096, &err), nullptr);
    EXPECT_EQ(err, -ENODEV);
    EXPECT_EQ(vf->file().munmap(p, 4096), 0);
    vf->leak_mapping(p);
    vf->destroy(c);
    vf->close_bo(bo);
    vf.reset();
    // The PF carries on, with the whole card again.
    EXPECT_EQ(pf.param(DRM_TERN_PARAM_MEM_FREE), pf.param(DRM_TERN_PARAM_MEM_SIZE));
    CtxRef pc = pf.ctx();
    EXPECT_EQ(pf.finish(pc, pf.submit(pc, {nop()})).state, DRM_TERN_CTX_STATE_OK);
}

TEST_F(PartitionTest, PfMemoryInAWindowIsBusy) {
    Dev& pf = dev();
    BoRef b = pf.bo(8 * kMiB, DRM_TERN_BO_DEVICE);  // lands at the start of memory
    EXPECT_EQ(set(pf, {entry(0, 16 * kMiB, 1)}), -EBUSY);
    pf.close_bo(b);
    EXPECT_EQ(set(pf, {entry(0, 16 * kMiB, 1)}), 0);
    EXPECT_EQ(set(pf, {}), 0);
}

TEST_F(PartitionTest, Validation) {
    Dev& pf = dev();
    const uint64_t mem = pf.param(DRM_TERN_PARAM_MEM_SIZE);
    struct Case {
        const char* what;
        std::vector<drm_tern_partition> es;
        int err;
    };
    auto flagged = [&] {
        auto e = entry(0, 2 * kMiB, 1);
        e.flags = 1;
        return e;
    };
    const Case cases[] = {
        {"base align", {entry(kMiB, 2 * kMiB, 1)}, -EINVAL},
        {"size align", {entry(0, 3 * kMiB, 1)}, -EINVAL},
        {"size 0", {entry(0, 0, 1)}, -EINVAL},
        {"beyond memory", {entry(mem - 2 * kMiB, 4 * kMiB, 1)}, -EINVAL},
        {"overflow", {entry(~0ull & ~(2 * kMiB - 1), 4 * kMiB, 1)}, -EINVAL},
        {"overlap", {entry(0, 4 * kMiB, 1), entry(2 * kMiB, 2 * kMiB, 2)}, -EINVAL},
        {"cores empty", {entry(0, 2 * kMiB, 0)}, -EINVAL},
        {"cores outside", {entry(0, 2 * kMiB, 0x100)}, -EINVAL},
        {"cores shared", {entry(0, 2 * kMiB, 3), entry(2 * kMiB, 2 * kMiB, 2)}, -EINVAL},
        {"queues 0", {entry(0, 2 * kMiB, 1, 0)}, -EINVAL},
        {"queues 17", {entry(0, 2 * kMiB, 1, 17)}, -EINVAL},
        {"asids 0", {entry(0, 2 * kMiB, 1, 1, 0)}, -EINVAL},
        {"asids 65", {entry(0, 2 * kMiB, 1, 1, 65)}, -EINVAL},
        {"entry flags", {flagged()}, -EINVAL},
        {"nine", std::vector<drm_tern_partition>(9, entry(0, 2 * kMiB, 1)), -E2BIG},
        {"whole card", {entry(0, mem, 0xff, 16, 64)}, 0},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(set(pf, c.es), c.err) << c.what;
        if (c.err == 0) {
            EXPECT_EQ(set(pf, {}), 0);
        }
    }
    EXPECT_EQ(set(pf, {entry(0, 2 * kMiB, 1)}, 0, 1), -EINVAL);  // flags
    EXPECT_EQ(set(pf, {entry(0, 2 * kMiB, 1)}, 16), -EINVAL);    // entry_size too small
    // A larger entry_size is accepted when the extra bytes are zero.
    struct Bigger {
        drm_tern_partition e;
        uint64_t extra;
    };
    std::vector<Bigger> big = {{entry(0, 2 * kMiB, 1), 0}};
    drm_tern_partition_set s{};
    s.num_vfs = 1;
    s.entry_size = sizeof(Bigger);
    s.entries_ptr = reinterpret_cast<uintptr_t>(big.data());
    EXPECT_EQ(pf.io(DRM_IOCTL_TERN_PARTITION_SET, &s), 0);
    EXPECT_EQ(set(pf, {}), 0);
    big[0].extra = 1;
    EXPECT_EQ(pf.io(DRM_IOCTL_TERN_PARTITION_SET, &s), -EINVAL);
    s.pad = 1;
    big[0].extra = 0;
    EXPECT_EQ(pf.io(DRM_IOCTL_TERN_PARTITION_SET, &s), -EINVAL);
    s.pad = 0;
    s.entries_ptr = 0;
    EXPECT_EQ(pf.io(DRM_IOCTL_TERN_PARTITION_SET, &s), -EFAULT);
    s.num_vfs = 9;  // E2BIG (num_vfs) before EINVAL (flags) before EFAULT
    s.flags = 1;
    EXPECT_EQ(pf.io(DRM_IOCTL_TERN_PARTITION_SET, &s), -E2BIG);
    EXPECT_EQ(backend().enumerate().size(), 1u);
}

TEST_F(PartitionTest, NeedsSysAdmin) {
    without_capability(CAP_SYS_ADMIN, [&] {
        EXPECT_EQ(set(dev(), {entry(0, 2 * kMiB, 1)}), -EPERM);
        // EPERM comes before EINVAL.
        EXPECT_EQ(set(dev(), {entry(0, 2 * kMiB, 1)}, 0, 1), -EPERM);
    });
    EXPECT_EQ(backend().enumerate().size(), 1u);
}

}  // namespace
}  // namespace tern::conformance
