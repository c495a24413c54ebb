// SPDX-License-Identifier: MIT
// The administration calls of the C ABI (tern_get_version_info,
// tern_device_get_properties, _get_telemetry, _get_health, _get_processes,
// tern_device_reset) on the mock backend, with their error paths; and their
// C++ wrappers.
#include <gtest/gtest.h>
#include <unistd.h>

#include <bitset>
#include <chrono>
#include <fstream>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tern/tern.hpp"
#include "test_util.hpp"

namespace tern_test {
namespace {

// Every device call checks initialisation before anything else.
TEST(RtAdmin, DeviceCallsNeedInit) {
    default_to_mock();
    tern_device_properties p{};
    p.struct_size = sizeof(p);
    TERN_EXPECT_STATUS(TERN_ERROR_NOT_INITIALIZED, tern_device_get_properties(nullptr, &p));
    tern_telemetry t{};
    t.struct_size = sizeof(t);
    TERN_EXPECT_STATUS(TERN_ERROR_NOT_INITIALIZED, tern_device_get_telemetry(nullptr, &t));
    tern_device_health h{};
    h.struct_size = sizeof(h);
    TERN_EXPECT_STATUS(TERN_ERROR_NOT_INITIALIZED, tern_device_get_health(nullptr, &h));
    uint32_t count = 0;
    TERN_EXPECT_STATUS(TERN_ERROR_NOT_INITIALIZED,
                       tern_device_get_processes(nullptr, nullptr, 0, &count, nullptr));
    TERN_EXPECT_STATUS(TERN_ERROR_NOT_INITIALIZED, tern_device_reset(nullptr, 0, nullptr));
}

TEST(RtAdmin, VersionInfoBeforeAndAfterInit) {
    default_to_mock();
    tern_version_info v{};
    v.struct_size = sizeof(v);
    TERN_ASSERT_OK(tern_get_version_info(&v));
    EXPECT_EQ(uint32_t(TERN_API_VERSION), v.api_version);
    EXPECT_EQ(1u, v.uapi_version >> 16) << "UAPI major";
    EXPECT_TRUE(std::regex_match(v.release, std::regex("[0-9]+\\.[0-9]+\\.[0-9]+"))) << v.release;
    EXPECT_STREQ("", v.backend) << "no backend before tern_init";

    const tern_init_info info = init_info();
    TERN_ASSERT_OK(tern_init(&info));
    TERN_EXPECT_OK(tern_get_version_info(&v));
    EXPECT_STREQ("mock", v.backend);
    uint32_t api = 0;
    TERN_EXPECT_OK(tern_runtime_version(&api));
    EXPECT_EQ(api, v.api_version);
    TERN_EXPECT_OK(tern_shutdown());
}

TEST(RtAdmin, VersionInfoStructSizes) {
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_get_version_info(nullptr));
    tern_version_info v{};
    v.struct_size = sizeof(v) - 1;
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_get_version_info(&v));
    // A newer caller's larger struct: filled up to ours, zero beyond.
    struct {
        tern_version_info v;
        uint64_t future;
    } big;
    std::memset(&big, 0xab, sizeof(big));
    big.v.struct_size = sizeof(big);
    TERN_EXPECT_OK(tern_get_version_info(&big.v));
    EXPECT_EQ(0u, big.future);
    EXPECT_EQ(sizeof(big), big.v.struct_size);
}

class RtAdminDevice : public RuntimeTest {
protected:
    tern_device_info info() {
        tern_device_info i{};
        i.struct_size = sizeof(i);
        EXPECT_EQ(TERN_OK, tern_device_get_info(device_.get(), &i));
        return i;
    }
};

// The error paths every device call shares.
template <class S, class F>
void expect_handle_and_struct_errors(tern_device live, F call) {
    S s{};
    s.struct_size = sizeof(s);
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, call(nullptr, &s));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE,
                       call(reinterpret_cast<tern_device>(uintptr_t(0x1234)), &s));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, call(live, nullptr));
    s.struct_size = 4;
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, call(live, &s));
}

TEST_F(RtAdminDevice, Properties) {
    tern_device_properties p{};
    p.struct_size = sizeof(p);
    TERN_ASSERT_OK(tern_device_get_properties(device_.get(), &p));
    const tern_device_info i = info();
    EXPECT_NE(0u, p.vendor_id);
    EXPECT_EQ(0x0001u, p.device_id) << "a PF";
    EXPECT_NE(0u, p.capabilities & TERN_CAP_TELEMETRY);
    EXPECT_NE(0u, p.capabilities & TERN_CAP_EMULATED);
    EXPECT_NE(0u, p.capabilities & TERN_CAP_FP32);
    EXPECT_EQ(i.num_cores, std::bitset<32>(p.core_mask).count());
    EXPECT_GE(p.num_queues, 1u);
    EXPECT_GE(p.max_contexts, 1u);
    EXPECT_GE(p.max_address_spaces, 1u);
    EXPECT_EQ(48u, p.va_bits);
    EXPECT_EQ(4096u, p.page_size);
    EXPECT_EQ(1000000000u, p.timestamp_freq_hz);
    EXPECT_STREQ("mock", p.transport);
    // No PCIe link on the mock: 0 = unknown.
    EXPECT_EQ(0u, p.link_speed_mts);
    EXPECT_EQ(0u, p.link_width);
    EXPECT_EQ(0u, p.link_max_speed_mts);
    EXPECT_EQ(0u, p.link_max_width);
    expect_handle_and_struct_errors<tern_device_properties>(device_.get(),
                                                            tern_device_get_properties);
}

TEST_F(RtAdminDevice, Telemetry) {
    tern_telemetry t{};
    t.struct_size = sizeof(t);
    TERN_ASSERT_OK(tern_device_get_telemetry(device_.get(), &t));
    const uint32_t all = TERN_TELEMETRY_TEMP_DIE | TERN_TELEMETRY_TEMP_HBM |
                         TERN_TELEMETRY_COOLANT_IN | TERN_TELEMETRY_COOLANT_OUT |
                         TERN_TELEMETRY_COOLANT_FLOW | TERN_TELEMETRY_POWER |
                         TERN_TELEMETRY_ENERGY | TERN_TELEMETRY_CORE_UTIL | TERN_TELEMETRY_ECC |
                         TERN_TELEMETRY_CLOCK;
    EXPECT_EQ(all, t.valid) << "the device model has every sensor";
    EXPECT_EQ(info().num_cores, t.num_cores);
    EXPECT_GT(t.temp_die_mc, t.coolant_in_mc) << "the die is warmer than its coolant";
    EXPECT_GE(t.coolant_out_mc, t.coolant_in_mc);
    EXPECT_GT(t.temp_limit_mc, t.temp_die_mc);
    EXPECT_GT(t.power_mw, 0u);
    EXPECT_GT(t.coolant_flow_ml_min, 0u);
    EXPECT_GT(t.clock_mhz, 0u);
    EXPECT_EQ(0u, t.ecc_uncorrected);
    for (uint32_t c = 0; c < t.num_cores; ++c)
        EXPECT_LE(t.core_util[c], 10000u) << c;
    for (uint32_t c = t.num_cores; c < TERN_TELEMETRY_MAX_CORES; ++c)
        EXPECT_EQ(0u, t.core_util[c]) << "beyond num_cores: " << c;
    // The device refreshes every 10 ms: a later sample moves on (bounded wait).
    tern_telemetry later = t;
    for (int i = 0; i < 500 && later.heartbeat == t.heartbeat; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        TERN_ASSERT_OK(tern_device_get_telemetry(device_.get(), &later));
    }
    EXPECT_GT(later.heartbeat, t.heartbeat);
    EXPECT_GE(later.energy_uj, t.energy_uj);
    expect_handle_and_struct_errors<tern_telemetry>(device_.get(), tern_device_get_telemetry);
}

TEST_F(RtAdminDevice, Health) {
    tern_device_health h{};
    h.struct_size = sizeof(h);
    TERN_ASSERT_OK(tern_device_get_health(device_.get(), &h));
    EXPECT_EQ(TERN_DEVICE_STATE_UNKNOWN, h.state) << "the mock has no driver state";
    EXPECT_EQ(0u, h.valid & TERN_HEALTH_RESET_COUNT);
    EXPECT_NE(0u, h.valid & TERN_HEALTH_HEARTBEAT);
    EXPECT_EQ(1u, h.heartbeat_advancing);
    expect_handle_and_struct_errors<tern_device_health>(device_.get(), tern_device_get_health);
}

std::string own_comm() {
    std::ifstream in("/proc/self/comm");
    std::string s;
    std::getline(in, s);
    return s;
}

TEST_F(RtAdminDevice, ProcessesOnTheMockAreTheCaller) {
    uint32_t count = 99, uninspected = 99;
    TERN_ASSERT_OK(tern_device_get_processes(device_.get(), nullptr, 0, &count, &uninspected));
    EXPECT_EQ(1u, count);
    EXPECT_EQ(0u, uninspected);

    // 1 MiB of device memory in this process shows up as its memory.
    Tensor t(make(ctx_.get(), TERN_DTYPE_INT32, {256 * 1024}));
    std::vector<tern_process_info> list(3);
    for (auto& p : list)
        p.struct_size = sizeof(p);
    TERN_ASSERT_OK(tern_device_get_processes(device_.get(), list.data(), 3, &count, nullptr));
    ASSERT_EQ(1u, count);
    EXPECT_EQ(getpid(), list[0].pid);
    EXPECT_EQ(own_comm(), list[0].command);
    EXPECT_EQ(uint32_t(TERN_PROCESS_DEVICE_MEMORY), list[0].valid)
        << "engine time, host memory and files are unknown on the mock";
    EXPECT_GE(list[0].device_memory_bytes, 1u << 20);
    EXPECT_LE(list[0].device_memory_bytes, info().memory_total);
    EXPECT_EQ(0u, list[0].engine_time_ns);
    EXPECT_EQ(0, list[1].pid) << "entries beyond the count are left alone";

    const tern::Processes cpp = tern::processes(tern::Device(0));
    ASSERT_EQ(1u, cpp.list.size());
    EXPECT_EQ(getpid(), cpp.list[0].pid);
}

TEST_F(RtAdminDevice, ProcessesErrors) {
    uint32_t count = 0;
    tern_process_info p[2] = {};
    p[0].struct_size = p[1].struct_size = sizeof(tern_process_info);
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE,
                       tern_device_get_processes(nullptr, p, 2, &count, nullptr));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                       tern_device_get_processes(device_.get(), p, 2, nullptr, nullptr));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                       tern_device_get_processes(device_.get(), nullptr, 1, &count, nullptr));
    p[0].struct_size = 8;
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                       tern_device_get_processes(device_.get(), p, 2, &count, nullptr));
    p[0].struct_size = sizeof(tern_process_info);
    p[1].struct_size = 0;  // every entry must say its size
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                       tern_device_get_processes(device_.get(), p, 2, &count, nullptr));
    EXPECT_EQ(0, p[0].pid) << "a rejected call writes nothing";
}

TEST_F(RtAdminDevice, ResetIsNotSupportedOnTheMock) {
    tern_reset_result r{};
    r.struct_size = sizeof(r);
    r.reset_count_before = 77;
    TERN_EXPECT_STATUS(TERN_ERROR_NOT_SUPPORTED, tern_device_reset(device_.get(), 1000000, &r));
    EXPECT_EQ(TERN_DEVICE_STATE_UNKNOWN, r.state);
    EXPECT_EQ(0u, r.reset_count_before) << "the result is filled on failure too";
    tern_error_detail d{};
    d.struct_size = sizeof(d);
    TERN_EXPECT_OK(tern_last_error(&d));
    EXPECT_NE(nullptr, std::strstr(d.message, "no administrator reset")) << d.message;
    TERN_EXPECT_STATUS(TERN_ERROR_NOT_SUPPORTED, tern_device_reset(device_.get(), -1, nullptr));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_device_reset(nullptr, 0, &r));
    r.struct_size = 4;
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_device_reset(device_.get(), 0, &r));
    try {
        tern::reset(tern::Device(0), std::chrono::seconds(1));
        ADD_FAILURE() << "tern::reset did not throw";
    } catch (const tern::Error& e) {
        EXPECT_EQ(TERN_ERROR_NOT_SUPPORTED, e.status());
    }
}

TEST_F(RtAdminDevice, CppWrappers) {
    tern::Device d(0);
    EXPECT_STREQ("mock", tern::properties(d).transport);
    EXPECT_NE(0u, tern::telemetry(d).valid);
    EXPECT_EQ(1u, tern::health(d).heartbeat_advancing);
    EXPECT_STREQ("mock", tern::version_info().backend);
    try {
        (void)tern::telemetry(tern::Device());  // an empty handle
        ADD_FAILURE() << "no throw";
    } catch (const tern::Error& e) {
        EXPECT_EQ(TERN_ERROR_INVALID_HANDLE, e.status());
    }
}

}  // namespace
}  // namespace tern_test
