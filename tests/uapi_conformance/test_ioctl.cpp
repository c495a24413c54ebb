// SPDX-License-Identifier: MIT
// Ioctl decoding (DRM core rules), GET_PARAM, GET_INFO and DRM_IOCTL_VERSION.
#include <sys/ioctl.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "conformance.hpp"

namespace tern::conformance {
namespace {

using IoctlTest = Conformance;

TEST_F(IoctlTest, UnknownNumbersAndTypes) {
    drm_tern_param p{};
    // A driver number past the table, and a core number the driver lacks.
    EXPECT_EQ(dev().io(DRM_IOWR(DRM_COMMAND_BASE + 0x3f, drm_tern_param), &p), -EINVAL);
    EXPECT_EQ(dev().io(DRM_IOWR(0x3e, drm_tern_param), &p), -EINVAL);
    // Not a DRM ioctl at all.
    EXPECT_EQ(dev().io(_IOWR('x', DRM_COMMAND_BASE, drm_tern_param), &p), -ENOTTY);
    // The argument itself unreadable.
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_GET_PARAM, nullptr), -EFAULT);
}

TEST_F(IoctlTest, ArgumentSizeIsTheCallers) {
    // Shorter than the kernel's struct: zero-extended (param 0 = DEVICE_ID,
    // the missing index reads 0), and only `usize` bytes are written back.
    struct {
        uint32_t param;
        uint32_t index;
        uint64_t value;
        uint64_t canary;
    } big{};
    big.param = DRM_TERN_PARAM_VENDOR_ID;
    big.canary = 0x1122334455667788ull;
    const unsigned long larger = _IOC(_IOC_READ | _IOC_WRITE, DRM_IOCTL_BASE,
                                      DRM_COMMAND_BASE + DRM_TERN_GET_PARAM, sizeof(big));
    ASSERT_EQ(dev().io(larger, &big), 0);
    EXPECT_EQ(big.value, kVendorId);
    EXPECT_EQ(big.canary, 0x1122334455667788ull);  // truncated: ignored, written back as is

    struct {
        uint32_t param;
    } small{DRM_TERN_PARAM_VENDOR_ID};
    const unsigned long shorter = _IOC(_IOC_READ | _IOC_WRITE, DRM_IOCTL_BASE,
                                       DRM_COMMAND_BASE + DRM_TERN_GET_PARAM, sizeof(small));
    EXPECT_EQ(dev().io(shorter, &small), 0);  // index zero-extended: valid

    // Direction: an IOW encoding gets nothing copied back.
    drm_tern_param p{};
    p.param = DRM_TERN_PARAM_VENDOR_ID;
    const unsigned long write_only =
        _IOC(_IOC_WRITE, DRM_IOCTL_BASE, DRM_COMMAND_BASE + DRM_TERN_GET_PARAM, sizeof(p));
    EXPECT_EQ(dev().io(write_only, &p), 0);
    EXPECT_EQ(p.value, 0u);
}

TEST_F(IoctlTest, Version) {
    char name[16] = {};
    char desc[64] = {};
    drm_version v{};
    v.name = name;
    v.name_len = sizeof(name);
    v.desc = desc;
    v.desc_len = sizeof(desc);
    ASSERT_EQ(dev().io(DRM_IOCTL_VERSION, &v), 0);
    EXPECT_STREQ(name, "tern");
    EXPECT_EQ(v.name_len, 4u);
    EXPECT_GT(v.date_len, 0u);  // length reported even without a buffer
}

TEST_F(IoctlTest, Params) {
    Dev& d = dev();
    const uint64_t ver = d.param(DRM_TERN_PARAM_UAPI_VERSION);
    EXPECT_EQ(TERN_UAPI_VERSION_GET_MAJOR(ver), TERN_UAPI_VERSION_MAJOR);
    EXPECT_GE(TERN_UAPI_VERSION_GET_MINOR(ver), TERN_UAPI_VERSION_MINOR);
    EXPECT_EQ(d.param(DRM_TERN_PARAM_DEVICE_ID), kDevicePf);
    EXPECT_EQ(d.param(DRM_TERN_PARAM_VENDOR_ID), kVendorId);
    EXPECT_EQ(d.param(DRM_TERN_PARAM_REVISION), kRevision);
    const uint64_t caps = d.param(DRM_TERN_PARAM_CAPABILITIES);
    for (uint64_t bit : {DRM_TERN_CAP_FP32, DRM_TERN_CAP_TIMESTAMP, DRM_TERN_CAP_TIMELINE_SYNCOBJ,
                         DRM_TERN_CAP_TELEMETRY, DRM_TERN_CAP_PARTITION_SET}) {
        EXPECT_NE(caps & bit, 0u) << std::hex << bit;
    }
    EXPECT_EQ(d.param(DRM_TERN_PARAM_NUM_CORES), 8u);
    EXPECT_EQ(d.param(DRM_TERN_PARAM_CORE_MASK), 0xffu);
    EXPECT_EQ(d.param(DRM_TERN_PARAM_MEM_SIZE), 64ull << 20);
    EXPECT_EQ(d.param(DRM_TERN_PARAM_MEM_FREE), 64ull << 20);
    EXPECT_EQ(d.param(DRM_TERN_PARAM_NUM_QUEUES), 16u);
    EXPECT_EQ(d.param(DRM_TERN_PARAM_MAX_CONTEXTS), 16u);
    EXPECT_EQ(d.param(DRM_TERN_PARAM_MAX_ADDRESS_SPACES), 64u);
    EXPECT_EQ(d.param(DRM_TERN_PARAM_VA_BITS), 48u);
    const uint64_t page = d.param(DRM_TERN_PARAM_PAGE_SIZE);
    EXPECT_EQ(page, 4096u);
    EXPECT_GE(d.param(DRM_TERN_PARAM_VA_START), page);
    EXPECT_LE(d.param(DRM_TERN_PARAM_VA_END), 1ull << 48);
    EXPECT_LT(d.param(DRM_TERN_PARAM_VA_START), d.param(DRM_TERN_PARAM_VA_END));
    EXPECT_EQ(static_cast<int64_t>(d.param(DRM_TERN_PARAM_NUMA_NODE)), -1);  // configured so
    EXPECT_NE(d.param(DRM_TERN_PARAM_PCI_ADDRESS), 0u);
    EXPECT_EQ(d.param(DRM_TERN_PARAM_FUNCTION), 0u);
    EXPECT_EQ(d.param(DRM_TERN_PARAM_HW_VERSION), 0x10000u);
    EXPECT_NE(d.param(DRM_TERN_PARAM_FW_VERSION), 0u);
    EXPECT_EQ(d.param(DRM_TERN_PARAM_TIMESTAMP_FREQ), 1000000000u);
    EXPECT_EQ(d.param(DRM_TERN_PARAM_MAX_PARTITIONS), 8u);
    const uint64_t t0 = d.param(DRM_TERN_PARAM_TIMESTAMP);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    EXPECT_GT(d.param(DRM_TERN_PARAM_TIMESTAMP), t0 + 1000000);
}

TEST_F(IoctlTest, ParamErrors) {
    drm_tern_param p{};
    p.param = DRM_TERN_PARAM_MAX_PARTITIONS + 1;
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_GET_PARAM, &p), -EINVAL);
    p.param = DRM_TERN_PARAM_DEVICE_ID;
    p.index = 1;
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_GET_PARAM, &p), -EINVAL);
}

drm_tern_telemetry telemetry(Dev& d) {
    drm_tern_telemetry t{};
    drm_tern_get_info g{};
    g.query = DRM_TERN_INFO_TELEMETRY;
    g.size = sizeof(t);
    g.data_ptr = reinterpret_cast<uintptr_t>(&t);
    EXPECT_EQ(d.io(DRM_IOCTL_TERN_GET_INFO, &g), 0);
    EXPECT_EQ(g.size, sizeof(t));
    return t;
}

TEST_F(IoctlTest, Telemetry) {
    const drm_tern_telemetry t = telemetry(dev());
    EXPECT_EQ(t.valid, 0x3ffu);
    EXPECT_GT(t.temp_die_mc, 20000);
    EXPECT_LT(t.temp_die_mc, 110000);
    EXPECT_EQ(t.coolant_in_mc, 30000);
    EXPECT_GT(t.coolant_out_mc, t.coolant_in_mc);
    EXPECT_EQ(t.coolant_flow_ml_min, 1500u);
    EXPECT_GE(t.power_mw, 45000u);
    EXPECT_EQ(t.temp_limit_mc, 95000);
    EXPECT_TRUE(t.clock_mhz == 1400 || t.clock_mhz == 700);
    EXPECT_EQ(t.num_cores, 8u);
    for (uint32_t c = 0; c < t.num_cores; ++c) {
        EXPECT_LE(t.core_util[c], 10000u);
    }
    // The device refreshes every tick (2 ms in this config).
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    const drm_tern_telemetry u = telemetry(dev());
    EXPECT_NE(u.seq, t.seq);
    EXPECT_NE(u.heartbeat, t.heartbeat);
    EXPECT_GE(u.energy_uj, t.energy_uj);
    EXPECT_GT(u.timestamp_ns, t.timestamp_ns);
}

TEST_F(IoctlTest, GetInfoSizeProtocol) {
    drm_tern_get_info g{};
    g.query = DRM_TERN_INFO_TELEMETRY;
    ASSERT_EQ(dev().io(DRM_IOCTL_TERN_GET_INFO, &g), 0);  // size 0: size only, no pointer
    EXPECT_EQ(g.size, sizeof(drm_tern_telemetry));

    // Old userspace: a shorter buffer gets a prefix.
    uint8_t small[16];
    std::memset(small, 0xaa, sizeof(small));
    g.size = 8;
    g.data_ptr = reinterpret_cast<uintptr_t>(small);
    ASSERT_EQ(dev().io(DRM_IOCTL_TERN_GET_INFO, &g), 0);
    EXPECT_EQ(g.size, sizeof(drm_tern_telemetry));
    EXPECT_EQ(reinterpret_cast<drm_tern_telemetry*>(small)->valid, 0x3ffu);
    EXPECT_EQ(small[8], 0xaa);  // untouched beyond the given size

    // New userspace: a longer buffer gets the block, then zeroes.
    std::vector<uint8_t> big(sizeof(drm_tern_telemetry) + 64, 0xaa);
    g.size = static_cast<uint32_t>(big.size());
    g.data_ptr = reinterpret_cast<uintptr_t>(big.data());
    ASSERT_EQ(dev().io(DRM_IOCTL_TERN_GET_INFO, &g), 0);
    EXPECT_EQ(g.size, sizeof(drm_tern_telemetry));
    for (size_t i = sizeof(drm_tern_telemetry); i < big.size(); ++i) {
        ASSERT_EQ(big[i], 0) << i;
    }
}

TEST_F(IoctlTest, GetInfoErrors) {
    drm_tern_telemetry t{};
    drm_tern_get_info g{};
    g.size = sizeof(t);
    g.data_ptr = reinterpret_cast<uintptr_t>(&t);
    g.query = 2;
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_GET_INFO, &g), -EINVAL);
    g.query = DRM_TERN_INFO_TELEMETRY;
    g.flags = 1;
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_GET_INFO, &g), -EINVAL);
    g.flags = 0;
    g.pad = 1;
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_GET_INFO, &g), -EINVAL);
    g.pad = 0;
    g.data_ptr = 0;
    EXPECT_EQ(dev().io(DRM_IOCTL_TERN_GET_INFO, &g), -EFAULT);
}

TEST_F(IoctlTest, PartitionTableOnPf) {
    drm_tern_partition_table t{};
    drm_tern_get_info g{};
    g.query = DRM_TERN_INFO_PARTITIONS;
    g.size = sizeof(t);
    g.data_ptr = reinterpret_cast<uintptr_t>(&t);
    ASSERT_EQ(dev().io(DRM_IOCTL_TERN_GET_INFO, &g), 0);
    EXPECT_EQ(t.num_vfs, 0u);
    EXPECT_EQ(t.max_vfs, 8u);
    EXPECT_EQ(t.enabled_vfs, 0u);
    EXPECT_EQ(t.card_core_mask, 0xffu);
    EXPECT_EQ(t.card_mem_size, 64ull << 20);
}

}  // namespace
}  // namespace tern::conformance
