// SPDX-License-Identifier: MIT
// Initialisation, version handshake, backend selection, status strings,
// error detail, and the device calls.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <thread>

#include "c_callers.h"
#include "test_util.hpp"

namespace tern_test {
namespace {

// ---- status strings -------------------------------------------------------

TEST(RtStatusStr, NamesEveryStatus) {
    const struct {
        tern_status s;
        const char* name;
    } expected[] = {
        {TERN_OK, "TERN_OK"},
        {TERN_ERROR_INVALID_ARGUMENT, "TERN_ERROR_INVALID_ARGUMENT"},
        {TERN_ERROR_INVALID_HANDLE, "TERN_ERROR_INVALID_HANDLE"},
        {TERN_ERROR_NOT_INITIALIZED, "TERN_ERROR_NOT_INITIALIZED"},
        {TERN_ERROR_VERSION_MISMATCH, "TERN_ERROR_VERSION_MISMATCH"},
        {TERN_ERROR_NO_DEVICE, "TERN_ERROR_NO_DEVICE"},
        {TERN_ERROR_PERMISSION, "TERN_ERROR_PERMISSION"},
        {TERN_ERROR_OUT_OF_HOST_MEMORY, "TERN_ERROR_OUT_OF_HOST_MEMORY"},
        {TERN_ERROR_OUT_OF_DEVICE_MEMORY, "TERN_ERROR_OUT_OF_DEVICE_MEMORY"},
        {TERN_ERROR_PINNED_LIMIT, "TERN_ERROR_PINNED_LIMIT"},
        {TERN_ERROR_OUT_OF_RANGE, "TERN_ERROR_OUT_OF_RANGE"},
        {TERN_ERROR_DTYPE_MISMATCH, "TERN_ERROR_DTYPE_MISMATCH"},
        {TERN_ERROR_SHAPE_MISMATCH, "TERN_ERROR_SHAPE_MISMATCH"},
        {TERN_ERROR_NOT_READY, "TERN_ERROR_NOT_READY"},
        {TERN_ERROR_TIMEOUT, "TERN_ERROR_TIMEOUT"},
        {TERN_ERROR_DEVICE_FAULT, "TERN_ERROR_DEVICE_FAULT"},
        {TERN_ERROR_QUEUE_BROKEN, "TERN_ERROR_QUEUE_BROKEN"},
        {TERN_ERROR_DEVICE_LOST, "TERN_ERROR_DEVICE_LOST"},
        {TERN_ERROR_NOT_SUPPORTED, "TERN_ERROR_NOT_SUPPORTED"},
        {TERN_ERROR_BUSY, "TERN_ERROR_BUSY"},
        {TERN_ERROR_IO, "TERN_ERROR_IO"},
        {TERN_ERROR_INVALID_PROGRAM, "TERN_ERROR_INVALID_PROGRAM"},
        {TERN_ERROR_INVALID_MODEL, "TERN_ERROR_INVALID_MODEL"},
        {TERN_ERROR_INTERNAL, "TERN_ERROR_INTERNAL"},
    };
    for (const auto& e : expected) {
        const char* got = tern_status_str(e.s);
        ASSERT_NE(nullptr, got);
        EXPECT_STREQ(e.name, got);
    }
}

TEST(RtStatusStr, UnknownValueIsNotNull) {
    for (int v : {24, 1000, -1}) {
        const char* got = c_status_str(v);
        ASSERT_NE(nullptr, got) << v;
        EXPECT_GT(std::strlen(got), 0u) << v;
    }
}

// ---- initialisation --------------------------------------------------------

TEST(RtInit, CallsBeforeInitFail) {
    default_to_mock();
    uint32_t count = 0;
    TERN_EXPECT_STATUS(TERN_ERROR_NOT_INITIALIZED, tern_device_count(&count));
    tern_device d = nullptr;
    TERN_EXPECT_STATUS(TERN_ERROR_NOT_INITIALIZED, tern_device_open(0, &d));
    EXPECT_EQ(nullptr, d);
    TERN_EXPECT_STATUS(TERN_ERROR_NOT_INITIALIZED, tern_shutdown());
}

TEST(RtInit, RuntimeVersionWithoutInit) {
    uint32_t v = 0;
    TERN_EXPECT_OK(tern_runtime_version(&v));
    EXPECT_EQ(static_cast<uint32_t>(TERN_API_VERSION), v);
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_runtime_version(nullptr));
}

TEST(RtInit, IsReferenceCounted) {
    default_to_mock();
    const tern_init_info info = init_info();
    TERN_ASSERT_OK(tern_init(&info));
    TERN_ASSERT_OK(tern_init(&info));
    uint32_t count = 0;
    TERN_EXPECT_OK(tern_shutdown());
    TERN_EXPECT_OK(tern_device_count(&count));  // one reference left
    EXPECT_GE(count, 1u);
    TERN_EXPECT_OK(tern_shutdown());
    TERN_EXPECT_STATUS(TERN_ERROR_NOT_INITIALIZED, tern_device_count(&count));
    TERN_EXPECT_STATUS(TERN_ERROR_NOT_INITIALIZED, tern_shutdown());
    // A second cycle works.
    TERN_ASSERT_OK(tern_init(&info));
    TERN_EXPECT_OK(tern_device_count(&count));
    TERN_EXPECT_OK(tern_shutdown());
}

TEST(RtInit, RejectsBadInfo) {
    default_to_mock();
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_init(nullptr));
    tern_init_info info = init_info();
    info.struct_size = 4;  // smaller than any version of the struct
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_init(&info));
    info.struct_size = 0;
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_init(&info));
    uint32_t count = 0;
    TERN_EXPECT_STATUS(TERN_ERROR_NOT_INITIALIZED, tern_device_count(&count));
}

TEST(RtInit, VersionMismatchNamesBothVersions) {
    default_to_mock();
    for (uint32_t v : {uint32_t{(TERN_API_VERSION_MAJOR + 1) << 16},
                       uint32_t{(TERN_API_VERSION_MAJOR - 1) << 16 | 7}}) {
        tern_init_info info = init_info();
        info.api_version = v;
        TERN_EXPECT_STATUS(TERN_ERROR_VERSION_MISMATCH, tern_init(&info));
        tern_error_detail d{};
        d.struct_size = sizeof(d);
        TERN_ASSERT_OK(tern_last_error(&d));
        EXPECT_EQ(TERN_ERROR_VERSION_MISMATCH, d.status);
        const std::string msg = d.message;
        EXPECT_NE(std::string::npos, msg.find("tern_init")) << msg;
        EXPECT_NE(std::string::npos, msg.find(std::to_string(v >> 16))) << msg;
        EXPECT_NE(std::string::npos, msg.find(std::to_string(TERN_API_VERSION_MAJOR))) << msg;
        uint32_t count = 0;
        TERN_EXPECT_STATUS(TERN_ERROR_NOT_INITIALIZED, tern_device_count(&count));
    }
}

TEST(RtInit, NewerMinorIsAccepted) {
    // tern.h: only a different major fails the handshake.
    default_to_mock();
    tern_init_info info = init_info();
    info.api_version = (TERN_API_VERSION_MAJOR << 16) | (TERN_API_VERSION_MINOR + 5);
    TERN_ASSERT_OK(tern_init(&info));
    TERN_EXPECT_OK(tern_shutdown());
}

TEST(RtInit, UnknownBackendIsNamedInTheError) {
    default_to_mock();
    const tern_init_info info = init_info("warp-drive");
    TERN_EXPECT_STATUS(TERN_ERROR_NO_DEVICE, tern_init(&info));
    tern_error_detail d{};
    d.struct_size = sizeof(d);
    TERN_ASSERT_OK(tern_last_error(&d));
    const std::string msg = d.message;
    EXPECT_NE(std::string::npos, msg.find("warp-drive")) << msg;
    EXPECT_NE(std::string::npos, msg.find("mock")) << msg;
    uint32_t count = 0;
    TERN_EXPECT_STATUS(TERN_ERROR_NOT_INITIALIZED, tern_device_count(&count));
}

TEST(RtInit, ExplicitMockBackend) {
    setenv("TERN_BACKEND", "warp-drive", 1);  // the explicit name wins
    const tern_init_info info = init_info("mock");
    const tern_status s = tern_init(&info);
    setenv("TERN_BACKEND", "mock", 1);
    TERN_ASSERT_OK(s);
    tern_device dev = nullptr;
    TERN_ASSERT_OK(tern_device_open(0, &dev));
    tern_device_info di{};
    di.struct_size = sizeof(di);
    TERN_EXPECT_OK(tern_device_get_info(dev, &di));
    EXPECT_STREQ("mock", di.backend);
    TERN_EXPECT_OK(tern_device_close(dev));
    TERN_EXPECT_OK(tern_shutdown());
}

// The kernel backend on a machine without a Tern device (this one: no
// /dev/accel, no /dev/dri) must fail tern_init with an error that tells the
// user about the mock. Run in a child so the environment change stays there.
void kernel_backend_child(const char* env_value) {
    if (env_value != nullptr) {
        setenv("TERN_BACKEND", env_value, 1);
    } else {
        unsetenv("TERN_BACKEND");
    }
    const tern_init_info info = init_info(nullptr);
    const tern_status s = tern_init(&info);
    tern_error_detail d{};
    d.struct_size = sizeof(d);
    tern_last_error(&d);
    fprintf(stderr, "status=%s detail=%s message=%s\n", tern_status_str(s),
            tern_status_str(d.status), d.message);
    _exit(s == TERN_ERROR_NO_DEVICE && d.status == TERN_ERROR_NO_DEVICE ? 0 : 1);
}

TEST(RtInitDeathTest, KernelBackendWithoutDeviceNamesTheMock) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    if (access("/dev/accel", F_OK) == 0 || access("/dev/dri", F_OK) == 0) {
        GTEST_SKIP() << "this machine has DRM/accel nodes; the test needs a machine without";
    }
    EXPECT_EXIT(kernel_backend_child("kernel"), ::testing::ExitedWithCode(0),
                "status=TERN_ERROR_NO_DEVICE.*TERN_BACKEND=mock");
    // No TERN_BACKEND at all: the default is the kernel backend.
    EXPECT_EXIT(kernel_backend_child(nullptr), ::testing::ExitedWithCode(0),
                "status=TERN_ERROR_NO_DEVICE.*TERN_BACKEND=mock");
}

// A bad mock configuration fails tern_init with a message naming the
// variable, never a silent default. The mock devices are created once per
// process, so each case runs in a child.
void mock_config_child(const char* name, const char* value) {
    setenv(name, value, 1);
    const tern_init_info info = init_info("mock");
    const tern_status s = tern_init(&info);
    fprintf(stderr, "status=%s detail=%s\n", tern_status_str(s), last_error_line().c_str());
    _exit(s != TERN_OK ? 0 : 1);
}

TEST(RtInitDeathTest, BadMockConfigurationIsNamed) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(mock_config_child("TERN_MOCK_MEMORY", "lots"), ::testing::ExitedWithCode(0),
                "status=TERN_ERROR_[A-Z_]+ detail=.*TERN_MOCK_MEMORY");
    EXPECT_EXIT(mock_config_child("TERN_MOCK_CORES", "99"), ::testing::ExitedWithCode(0),
                "status=TERN_ERROR_[A-Z_]+ detail=.*TERN_MOCK_CORES");
    EXPECT_EXIT(mock_config_child("TERN_MOCK_CONFIG", "/nonexistent/tern.json"),
                ::testing::ExitedWithCode(0),
                "status=TERN_ERROR_[A-Z_]+ detail=.*TERN_MOCK_CONFIG");
}

// TERN_MOCK_DEVICES=2: two devices, each with its own memory; an event of
// one device cannot be recorded on a queue of the other.
void two_devices_child() {
    setenv("TERN_MOCK_DEVICES", "2", 1);
    setenv("TERN_MOCK_MEMORY", "64M", 1);
    const tern_init_info info = init_info("mock");
    uint32_t n = 0;
    tern_device d0 = nullptr, d1 = nullptr;
    tern_context c0 = nullptr, c1 = nullptr;
    tern_queue q1 = nullptr;
    tern_event e0 = nullptr;
    const tern_queue_desc qd = queue_desc();
    if (tern_init(&info) != TERN_OK || tern_device_count(&n) != TERN_OK || n != 2 ||
        tern_device_open(0, &d0) != TERN_OK || tern_device_open(1, &d1) != TERN_OK ||
        tern_context_create(d0, &c0) != TERN_OK || tern_context_create(d1, &c1) != TERN_OK ||
        tern_queue_create(c1, &qd, &q1) != TERN_OK || tern_event_create(c0, &e0) != TERN_OK) {
        fprintf(stderr, "setup failed (%u devices): %s\n", n, last_error_line().c_str());
        _exit(2);
    }
    tern_device_info i1{};
    i1.struct_size = sizeof(i1);
    tern_device_get_info(d1, &i1);
    const tern_status cross = tern_event_record(e0, q1);
    fprintf(stderr, "index=%u node=%s memory=%llu cross=%s\n", i1.index, i1.node,
            static_cast<unsigned long long>(i1.memory_total >> 20), tern_status_str(cross));
    _exit(0);
}

TEST(RtInitDeathTest, TwoMockDevices) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(two_devices_child(), ::testing::ExitedWithCode(0),
                "index=1 node=mock:1 memory=64 cross=TERN_ERROR_INVALID_ARGUMENT");
}

// ---- logging -----------------------------------------------------------------
//
// The logger reads TERN_LOG_LEVEL once per process, so each case runs in a
// child. gtest matches the regex against the child's whole stderr.

void log_child(const char* level, const char* backend) {
    setenv("TERN_LOG_LEVEL", level, 1);
    const tern_init_info info = init_info(backend);
    if (tern_init(&info) == TERN_OK) {
        tern_shutdown();
    }
    fprintf(stderr, "done\n");
    _exit(0);
}

TEST(RtLogDeathTest, LevelsFromTernLogLevel) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    // info: tern_init says which backend it runs on.
    EXPECT_EXIT(log_child("info", "mock"), ::testing::ExitedWithCode(0),
                "\\[tern\\] \\[info\\] [^\n]*mock backend");
    // error: a failure is logged, routine messages are not.
    EXPECT_EXIT(log_child("error", "no-such-backend"), ::testing::ExitedWithCode(0),
                "^\\[tern\\] \\[error\\] [^\n]*no-such-backend[^\n]*\ndone\n$");
    EXPECT_EXIT(log_child("error", "mock"), ::testing::ExitedWithCode(0), "^done\n$");
    // off: nothing at all, not even errors.
    EXPECT_EXIT(log_child("off", "no-such-backend"), ::testing::ExitedWithCode(0), "^done\n$");
    // An unknown level is reported, not silently ignored.
    EXPECT_EXIT(log_child("chatty", "mock"), ::testing::ExitedWithCode(0), "TERN_LOG_LEVEL=chatty");
}

// ---- error detail ----------------------------------------------------------

TEST(RtLastError, RejectsBadArguments) {
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_last_error(nullptr));
    tern_error_detail d{};
    d.struct_size = 8;
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_last_error(&d));
}

TEST(RtLastError, NamesTheFailedCallAndIsPerThread) {
    default_to_mock();
    tern_device d = nullptr;
    TERN_ASSERT_STATUS(TERN_ERROR_NOT_INITIALIZED, tern_device_open(0, &d));
    std::thread other([] {
        EXPECT_EQ(TERN_ERROR_INVALID_ARGUMENT, tern_runtime_version(nullptr));
        tern_error_detail od{};
        od.struct_size = sizeof(od);
        EXPECT_EQ(TERN_OK, tern_last_error(&od));
        EXPECT_EQ(TERN_ERROR_INVALID_ARGUMENT, od.status);
        EXPECT_NE(nullptr, std::strstr(od.message, "tern_runtime_version")) << od.message;
    });
    other.join();
    tern_error_detail det{};
    det.struct_size = sizeof(det);
    TERN_ASSERT_OK(tern_last_error(&det));
    EXPECT_EQ(TERN_ERROR_NOT_INITIALIZED, det.status);
    EXPECT_NE(nullptr, std::strstr(det.message, "tern_device_open")) << det.message;
    EXPECT_EQ(TERN_ENGINE_NONE, det.engine);
    EXPECT_EQ(0u, det.fault_address);
}

// ---- devices ---------------------------------------------------------------

class RtDeviceTest : public ::testing::Test {
protected:
    void SetUp() override {
        default_to_mock();
        const tern_init_info info = init_info();
        TERN_ASSERT_OK(tern_init(&info));
        up_ = true;
    }
    void TearDown() override {
        if (up_) {
            EXPECT_EQ(TERN_OK, tern_shutdown());
        }
    }
    bool up_ = false;
};

TEST_F(RtDeviceTest, CountAndOpenRange) {
    uint32_t count = 0;
    TERN_ASSERT_OK(tern_device_count(&count));
    ASSERT_GE(count, 1u);
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_device_count(nullptr));
    tern_device d = nullptr;
    TERN_EXPECT_STATUS(TERN_ERROR_NO_DEVICE, tern_device_open(count, &d));
    EXPECT_EQ(nullptr, d);
    TERN_EXPECT_STATUS(TERN_ERROR_NO_DEVICE, tern_device_open(UINT32_MAX, &d));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_device_open(0, nullptr));
}

TEST_F(RtDeviceTest, InfoDescribesTheMockDevice) {
    Device dev;
    TERN_ASSERT_OK(tern_device_open(0, dev.out()));
    tern_device_info i{};
    i.struct_size = sizeof(i);
    TERN_ASSERT_OK(tern_device_get_info(dev.get(), &i));
    EXPECT_EQ(0u, i.index);
    EXPECT_STREQ("mock", i.backend);
    EXPECT_NE(nullptr, std::strstr(i.name, "Tern T1")) << i.name;
    EXPECT_STREQ("mock:0", i.node);
    EXPECT_GE(i.num_cores, 1u);
    EXPECT_LE(i.num_cores, 32u);
    EXPECT_EQ(0u, i.is_partition);
    EXPECT_GT(i.memory_total, 0u);
    EXPECT_LE(i.memory_free, i.memory_total);
    EXPECT_EQ(1u, i.uapi_version >> 16) << std::hex << i.uapi_version;
    EXPECT_NE(0u, i.hw_version);
    EXPECT_GE(i.numa_node, -1);
}

TEST_F(RtDeviceTest, InfoRejectsBadArguments) {
    Device dev;
    TERN_ASSERT_OK(tern_device_open(0, dev.out()));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_device_get_info(dev.get(), nullptr));
    tern_device_info i{};
    i.struct_size = 4;
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_device_get_info(dev.get(), &i));
    i.struct_size = sizeof(i);
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_device_get_info(nullptr, &i));
}

TEST_F(RtDeviceTest, CloseAndUseAfterClose) {
    tern_device dev = nullptr;
    TERN_ASSERT_OK(tern_device_open(0, &dev));
    TERN_ASSERT_OK(tern_device_close(dev));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_device_close(dev));
    tern_device_info i{};
    i.struct_size = sizeof(i);
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_device_get_info(dev, &i));
    tern_context c = nullptr;
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_context_create(dev, &c));
    EXPECT_EQ(nullptr, c);
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_device_close(nullptr));
    // Reopening after close works.
    Device again;
    TERN_EXPECT_OK(tern_device_open(0, again.out()));
}

TEST_F(RtDeviceTest, HandlesDoNotSurviveShutdown) {
    tern_device dev = nullptr;
    TERN_ASSERT_OK(tern_device_open(0, &dev));
    tern_context ctx = nullptr;
    TERN_ASSERT_OK(tern_context_create(dev, &ctx));
    // Shutdown with live objects releases them (LSan checks the rest).
    TERN_ASSERT_OK(tern_shutdown());
    const tern_init_info info = init_info();
    TERN_ASSERT_OK(tern_init(&info));
    tern_device_info i{};
    i.struct_size = sizeof(i);
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_device_get_info(dev, &i));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_context_destroy(ctx));
}

TEST_F(RtDeviceTest, ContextCalls) {
    Device dev;
    TERN_ASSERT_OK(tern_device_open(0, dev.out()));
    tern_context a = nullptr, b = nullptr;
    TERN_ASSERT_OK(tern_context_create(dev.get(), &a));
    TERN_ASSERT_OK(tern_context_create(dev.get(), &b));
    EXPECT_NE(a, b);
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_context_create(dev.get(), nullptr));
    tern_context c = nullptr;
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_context_create(nullptr, &c));
    // A handle of another type is a foreign handle.
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE,
                       tern_context_create(reinterpret_cast<tern_device>(a), &c));
    EXPECT_EQ(nullptr, c);
    TERN_EXPECT_OK(tern_context_destroy(a));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_context_destroy(a));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_context_destroy(nullptr));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE,
                       tern_context_destroy(reinterpret_cast<tern_context>(dev.get())));
    TERN_EXPECT_OK(tern_context_destroy(b));
}

}  // namespace
}  // namespace tern_test
