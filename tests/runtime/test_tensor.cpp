// SPDX-License-Identifier: MIT
// Queues and tensors: creation, info, argument checks, synchronous copies in
// both memory kinds, device-memory exhaustion and the pinned-memory limit.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <vector>

#include "c_callers.h"
#include "test_util.hpp"

namespace tern_test {
namespace {

// ---- queues ----------------------------------------------------------------

using RtQueueTest = RuntimeTest;

TEST_F(RtQueueTest, CreateEveryPriority) {
    for (tern_priority p :
         {TERN_PRIORITY_LOW, TERN_PRIORITY_NORMAL, TERN_PRIORITY_HIGH, TERN_PRIORITY_REALTIME}) {
        const tern_queue_desc d = queue_desc(p);
        Queue q;
        TERN_EXPECT_OK(tern_queue_create(ctx_.get(), &d, q.out())) << "priority " << p;
        TERN_EXPECT_OK(tern_queue_synchronize(q.get(), -1));
    }
}

// TERN_PRIORITY_REALTIME needs CAP_SYS_NICE, on the mock as on the kernel.
void realtime_child() {
    if (!drop_capability(CAP_SYS_NICE)) {
        fprintf(stderr, "capset failed\n");
        _exit(2);
    }
    const tern_init_info info = init_info();
    tern_device dev = nullptr;
    tern_context ctx = nullptr;
    if (tern_init(&info) != TERN_OK || tern_device_open(0, &dev) != TERN_OK ||
        tern_context_create(dev, &ctx) != TERN_OK) {
        fprintf(stderr, "setup failed: %s\n", last_error_line().c_str());
        _exit(3);
    }
    tern_queue rt = nullptr, normal = nullptr;
    tern_queue_desc d = queue_desc(TERN_PRIORITY_REALTIME);
    const tern_status s_rt = tern_queue_create(ctx, &d, &rt);
    const std::string msg = last_error_line();
    d = queue_desc(TERN_PRIORITY_HIGH);
    const tern_status s_high = tern_queue_create(ctx, &d, &normal);
    fprintf(stderr, "realtime=%s high=%s detail=%s\n", tern_status_str(s_rt),
            tern_status_str(s_high), msg.c_str());
    _exit(s_rt == TERN_ERROR_PERMISSION && rt == nullptr && s_high == TERN_OK ? 0 : 1);
}

TEST(RtQueueDeathTest, RealtimeNeedsCapSysNice) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(realtime_child(), ::testing::ExitedWithCode(0),
                "realtime=TERN_ERROR_PERMISSION high=TERN_OK detail=.*CAP_SYS_NICE");
}

TEST_F(RtQueueTest, CreateRejectsBadArguments) {
    tern_queue q = nullptr;
    tern_queue_desc d = queue_desc();
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_queue_create(nullptr, &d, &q));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE,
                       tern_queue_create(reinterpret_cast<tern_context>(queue_.get()), &d, &q));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_queue_create(ctx_.get(), &d, nullptr));
    d.struct_size = 2;
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_queue_create(ctx_.get(), &d, &q));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, c_queue_create_priority(ctx_.get(), 42, &q));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, c_queue_create_priority(ctx_.get(), -1, &q));
    EXPECT_EQ(nullptr, q);
}

TEST_F(RtQueueTest, SynchronizeAndErrorOfAHealthyQueue) {
    TERN_EXPECT_OK(tern_queue_synchronize(queue_.get(), -1));
    TERN_EXPECT_OK(tern_queue_synchronize(queue_.get(), 0));
    tern_error_detail d{};
    d.struct_size = sizeof(d);
    d.status = TERN_ERROR_INTERNAL;  // must be overwritten
    TERN_EXPECT_OK(tern_queue_get_error(queue_.get(), &d));
    EXPECT_EQ(TERN_OK, d.status);
    EXPECT_EQ(0u, d.fault_address);
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_queue_get_error(queue_.get(), nullptr));
    d.struct_size = 4;
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_queue_get_error(queue_.get(), &d));
    d.struct_size = sizeof(d);
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_queue_get_error(nullptr, &d));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_queue_synchronize(nullptr, -1));
}

TEST_F(RtQueueTest, UseAfterDestroy) {
    const tern_queue_desc qd = queue_desc();
    tern_queue q = nullptr;
    TERN_ASSERT_OK(tern_queue_create(ctx_.get(), &qd, &q));
    Tensor t(bytes_tensor(64));
    const std::vector<uint8_t> data(64, 1);
    TERN_ASSERT_OK(tern_write_async(q, t.get(), 0, data.data(), data.size()));
    TERN_ASSERT_OK(tern_queue_destroy(q));  // waits for or cancels the write
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_queue_destroy(q));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_queue_synchronize(q, -1));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE,
                       tern_write_async(q, t.get(), 0, data.data(), data.size()));
    tern_error_detail d{};
    d.struct_size = sizeof(d);
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_queue_get_error(q, &d));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_queue_destroy(nullptr));
}

// ---- tensors ---------------------------------------------------------------

using RtTensorTest = RuntimeTest;

TEST_F(RtTensorTest, InfoForEveryDtypeAndMemory) {
    const struct {
        tern_dtype dtype;
        uint64_t esize;
    } dtypes[] = {{TERN_DTYPE_FLOAT32, 4},
                  {TERN_DTYPE_BFLOAT16, 2},
                  {TERN_DTYPE_FLOAT16, 2},
                  {TERN_DTYPE_INT32, 4}};
    for (tern_memory mem : {TERN_MEMORY_DEVICE, TERN_MEMORY_HOST_PINNED}) {
        std::vector<std::pair<uint64_t, uint64_t>> ranges;
        std::vector<Tensor> keep;
        for (const auto& dt : dtypes) {
            const std::vector<uint64_t> shape = {3, 5, 7};
            Tensor t(make(ctx_.get(), dt.dtype, shape, mem));
            ASSERT_TRUE(t);
            const tern_tensor_info i = tensor_info(t.get());
            EXPECT_EQ(dt.dtype, i.dtype);
            EXPECT_EQ(3u, i.rank);
            EXPECT_EQ(mem, i.memory);
            EXPECT_EQ(3u, i.shape[0]);
            EXPECT_EQ(5u, i.shape[1]);
            EXPECT_EQ(7u, i.shape[2]);
            EXPECT_EQ(0u, i.shape[3]);
            EXPECT_EQ(105 * dt.esize, i.size_bytes);
            EXPECT_NE(0u, i.device_address);
            EXPECT_LT(i.device_address, uint64_t{1} << 48);
            ranges.emplace_back(i.device_address, i.device_address + i.size_bytes);
            keep.push_back(std::move(t));
        }
        std::sort(ranges.begin(), ranges.end());
        for (size_t k = 1; k < ranges.size(); ++k) {
            EXPECT_LE(ranges[k - 1].second, ranges[k].first) << "tensors overlap in the VA space";
        }
    }
    // Rank 6, the maximum.
    Tensor t6(make(ctx_.get(), TERN_DTYPE_FLOAT32, {1, 2, 1, 3, 1, 2}));
    EXPECT_EQ(48u, tensor_info(t6.get()).size_bytes);
}

TEST_F(RtTensorTest, CreateRejectsBadDescriptors) {
    tern_tensor t = nullptr;
    tern_tensor_desc d = tensor_desc(TERN_DTYPE_FLOAT32, {16});
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_tensor_create(nullptr, &d, &t));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE,
                       tern_tensor_create(reinterpret_cast<tern_context>(queue_.get()), &d, &t));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_tensor_create(ctx_.get(), nullptr, &t));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_tensor_create(ctx_.get(), &d, nullptr));

    const struct {
        const char* what;
        void (*mutate)(tern_tensor_desc&);
    } cases[] = {
        {"struct_size too small", [](tern_tensor_desc& x) { x.struct_size = 8; }},
        {"struct_size zero", [](tern_tensor_desc& x) { x.struct_size = 0; }},
        {"rank 0", [](tern_tensor_desc& x) { x.rank = 0; }},
        {"rank 7", [](tern_tensor_desc& x) { x.rank = TERN_MAX_RANK + 1; }},
        {"zero dimension", [](tern_tensor_desc& x) { x.shape[0] = 0; }},
        {"dtype 0", [](tern_tensor_desc& x) { x.dtype = static_cast<tern_dtype>(0); }},
        {"reserved set", [](tern_tensor_desc& x) { x.reserved = 1; }},
        {"flags set", [](tern_tensor_desc& x) { x.flags = 1; }},
        {"size overflows 64 bits",
         [](tern_tensor_desc& x) {
             x.rank = 3;
             x.shape[0] = x.shape[1] = x.shape[2] = uint64_t{1} << 30;
         }},
    };
    for (const auto& c : cases) {
        d = tensor_desc(TERN_DTYPE_FLOAT32, {16});
        c.mutate(d);
        t = nullptr;
        TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_tensor_create(ctx_.get(), &d, &t))
            << c.what;
        EXPECT_EQ(nullptr, t) << c.what;
        tern_error_detail det{};
        det.struct_size = sizeof(det);
        ASSERT_EQ(TERN_OK, tern_last_error(&det));
        EXPECT_NE(nullptr, std::strstr(det.message, "tern_tensor_create"))
            << c.what << ": " << det.message;
    }
}

// Enum values outside every enumerator, as C callers can pass them.
TEST_F(RtTensorTest, CreateRejectsUnknownEnumValues) {
    const struct {
        int dtype, memory;
    } cases[] = {{99, TERN_MEMORY_DEVICE},
                 {-1, TERN_MEMORY_DEVICE},
                 {5, TERN_MEMORY_DEVICE},
                 {TERN_DTYPE_FLOAT32, 7},
                 {TERN_DTYPE_FLOAT32, -1}};
    for (const auto& c : cases) {
        tern_tensor t = nullptr;
        TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                           c_tensor_create_raw(ctx_.get(), c.dtype, c.memory, &t))
            << "dtype " << c.dtype << " memory " << c.memory;
        EXPECT_EQ(nullptr, t);
    }
    Tensor ok;
    TERN_EXPECT_OK(c_tensor_create_raw(ctx_.get(), TERN_DTYPE_INT32, TERN_MEMORY_DEVICE, ok.out()));
}

TEST_F(RtTensorTest, InfoRejectsBadArguments) {
    Tensor t(bytes_tensor(64));
    tern_tensor_info i{};
    i.struct_size = sizeof(i);
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_tensor_get_info(nullptr, &i));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_tensor_get_info(t.get(), nullptr));
    i.struct_size = 4;
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_tensor_get_info(t.get(), &i));
    void* p = nullptr;
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_tensor_host_pointer(t.get(), &p))
        << "a device-memory tensor has no host pointer";
    EXPECT_EQ(nullptr, p);
    Tensor pinned(bytes_tensor(64, TERN_MEMORY_HOST_PINNED));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                       tern_tensor_host_pointer(pinned.get(), nullptr));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_tensor_host_pointer(nullptr, &p));
}

TEST_F(RtTensorTest, UseAfterDestroy) {
    tern_tensor t = bytes_tensor(256);
    ASSERT_NE(nullptr, t);
    TERN_ASSERT_OK(tern_tensor_destroy(t));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_tensor_destroy(t));
    tern_tensor_info i{};
    i.struct_size = sizeof(i);
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_tensor_get_info(t, &i));
    uint8_t buf[16] = {};
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_tensor_write(t, 0, buf, sizeof(buf)));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_tensor_read(t, 0, buf, sizeof(buf)));
    void* p = nullptr;
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_tensor_host_pointer(t, &p));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE,
                       tern_write_async(queue_.get(), t, 0, buf, sizeof(buf)));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_tensor_destroy(nullptr));
}

class RtSyncCopyTest : public RuntimeTest, public ::testing::WithParamInterface<tern_memory> {};

TEST_P(RtSyncCopyTest, WriteReadRoundTrip) {
    const tern_memory mem = GetParam();
    const uint64_t size = 3 * 4096 + 20;  // several pages, not page aligned
    Tensor t(bytes_tensor(size, mem));
    ASSERT_TRUE(t);
    const auto a = pattern(size, 1);
    TERN_ASSERT_OK(tern_tensor_write(t.get(), 0, a.data(), size));
    std::vector<uint8_t> back(size, 0);
    TERN_ASSERT_OK(tern_tensor_read(t.get(), 0, back.data(), size));
    EXPECT_EQ(a, back);

    // Odd offset and size inside, the rest untouched.
    const auto b = pattern(1001, 2);
    TERN_ASSERT_OK(tern_tensor_write(t.get(), 4093, b.data(), b.size()));
    std::vector<uint8_t> expect = a;
    std::copy(b.begin(), b.end(), expect.begin() + 4093);
    TERN_ASSERT_OK(tern_tensor_read(t.get(), 0, back.data(), size));
    EXPECT_EQ(expect, back);
    std::vector<uint8_t> piece(7);
    TERN_ASSERT_OK(tern_tensor_read(t.get(), 4095, piece.data(), 7));
    EXPECT_TRUE(std::equal(piece.begin(), piece.end(), expect.begin() + 4095));

    // The very last byte.
    const uint8_t last = 0x5a;
    TERN_ASSERT_OK(tern_tensor_write(t.get(), size - 1, &last, 1));
    uint8_t got = 0;
    TERN_ASSERT_OK(tern_tensor_read(t.get(), size - 1, &got, 1));
    EXPECT_EQ(last, got);
}

TEST_P(RtSyncCopyTest, OutOfRangeWritesNothing) {
    const tern_memory mem = GetParam();
    const uint64_t size = 4096;
    Tensor t(bytes_tensor(size, mem));
    const auto a = pattern(size, 3);
    TERN_ASSERT_OK(tern_tensor_write(t.get(), 0, a.data(), size));
    std::vector<uint8_t> junk(size + 8, 0xee);
    TERN_EXPECT_STATUS(TERN_ERROR_OUT_OF_RANGE,
                       tern_tensor_write(t.get(), 0, junk.data(), size + 1));
    TERN_EXPECT_STATUS(TERN_ERROR_OUT_OF_RANGE,
                       tern_tensor_write(t.get(), size - 3, junk.data(), 4));
    TERN_EXPECT_STATUS(TERN_ERROR_OUT_OF_RANGE, tern_tensor_write(t.get(), size, junk.data(), 1));
    TERN_EXPECT_STATUS(TERN_ERROR_OUT_OF_RANGE,
                       tern_tensor_write(t.get(), UINT64_MAX - 2, junk.data(), 8));  // wraps
    TERN_EXPECT_STATUS(TERN_ERROR_OUT_OF_RANGE, tern_tensor_read(t.get(), 1, junk.data(), size));
    TERN_EXPECT_STATUS(TERN_ERROR_OUT_OF_RANGE,
                       tern_tensor_read(t.get(), 8, junk.data(), UINT64_MAX - 4));  // wraps
    tern_error_detail d{};
    d.struct_size = sizeof(d);
    TERN_ASSERT_OK(tern_last_error(&d));
    EXPECT_NE(nullptr, std::strstr(d.message, "tern_tensor_read")) << d.message;

    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_tensor_write(t.get(), 0, nullptr, 4));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_tensor_read(t.get(), 0, nullptr, 4));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_tensor_write(nullptr, 0, junk.data(), 4));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_tensor_read(nullptr, 0, junk.data(), 4));

    std::vector<uint8_t> back(size);
    TERN_ASSERT_OK(tern_tensor_read(t.get(), 0, back.data(), size));
    EXPECT_EQ(a, back) << "a rejected copy changed the tensor";
}

INSTANTIATE_TEST_SUITE_P(BothMemories, RtSyncCopyTest,
                         ::testing::Values(TERN_MEMORY_DEVICE, TERN_MEMORY_HOST_PINNED),
                         [](const auto& info) { return std::string(memory_name(info.param)); });

TEST_F(RtTensorTest, PinnedHostPointerIsTheTensor) {
    const uint64_t size = 8192;
    Tensor t(bytes_tensor(size, TERN_MEMORY_HOST_PINNED));
    void* p = nullptr;
    TERN_ASSERT_OK(tern_tensor_host_pointer(t.get(), &p));
    ASSERT_NE(nullptr, p);
    const auto a = pattern(size, 4);
    std::memcpy(p, a.data(), size);
    std::vector<uint8_t> back(size);
    TERN_ASSERT_OK(tern_tensor_read(t.get(), 0, back.data(), size));
    EXPECT_EQ(a, back);
    const auto b = pattern(100, 5);
    TERN_ASSERT_OK(tern_tensor_write(t.get(), 77, b.data(), b.size()));
    EXPECT_EQ(0, std::memcmp(static_cast<uint8_t*>(p) + 77, b.data(), b.size()));
    // The device sees it too: D2D-style copy to a device tensor and back.
    Tensor dev(bytes_tensor(size));
    TERN_ASSERT_OK(tern_copy_async(queue_.get(), dev.get(), 0, t.get(), 0, size));
    TERN_ASSERT_OK(tern_queue_synchronize(queue_.get(), -1));
    TERN_ASSERT_OK(tern_tensor_read(dev.get(), 0, back.data(), size));
    EXPECT_EQ(0, std::memcmp(back.data(), p, size));
}

TEST_F(RtTensorTest, DeviceMemoryExhaustion) {
    tern_device_info before{};
    before.struct_size = sizeof(before);
    TERN_ASSERT_OK(tern_device_get_info(device_.get(), &before));
    ASSERT_GT(before.memory_free, uint64_t{16} << 20);

    // Larger than the whole device.
    tern_tensor t = nullptr;
    tern_tensor_desc d = tensor_desc(TERN_DTYPE_FLOAT32, {before.memory_total / 4 + 1024});
    TERN_EXPECT_STATUS(TERN_ERROR_OUT_OF_DEVICE_MEMORY, tern_tensor_create(ctx_.get(), &d, &t));
    EXPECT_EQ(nullptr, t);

    // Fill it in quarters; the allocation that does not fit fails cleanly.
    const uint64_t chunk = before.memory_total / 4;
    std::vector<Tensor> held;
    tern_status s = TERN_OK;
    for (int i = 0; i < 8 && s == TERN_OK; ++i) {
        d = tensor_desc(TERN_DTYPE_INT32, {chunk / 4});
        t = nullptr;
        s = tern_tensor_create(ctx_.get(), &d, &t);
        if (s == TERN_OK) {
            held.emplace_back(t);
        }
    }
    EXPECT_EQ(TERN_ERROR_OUT_OF_DEVICE_MEMORY, s) << tern_status_str(s);
    EXPECT_GE(held.size(), 1u);
    EXPECT_LE(held.size(), 4u);
    tern_error_detail det{};
    det.struct_size = sizeof(det);
    TERN_ASSERT_OK(tern_last_error(&det));
    EXPECT_NE(nullptr, std::strstr(det.message, "tern_tensor_create")) << det.message;

    tern_device_info full{};
    full.struct_size = sizeof(full);
    TERN_ASSERT_OK(tern_device_get_info(device_.get(), &full));
    EXPECT_LE(full.memory_free + held.size() * chunk, before.memory_free);
    // Pinned host memory is not device memory: still available.
    Tensor pinned(bytes_tensor(1 << 20, TERN_MEMORY_HOST_PINNED));
    EXPECT_TRUE(pinned);

    held.clear();
    tern_device_info after{};
    after.struct_size = sizeof(after);
    TERN_ASSERT_OK(tern_device_get_info(device_.get(), &after));
    EXPECT_EQ(before.memory_free, after.memory_free) << "memory not returned on destroy";
    Tensor again(bytes_tensor(chunk));
    EXPECT_TRUE(again);
}

// ---- pinned-memory limit ---------------------------------------------------
//
// The child drops CAP_IPC_LOCK (root ignores RLIMIT_MEMLOCK with it) and
// lowers RLIMIT_MEMLOCK, then asks for more pinned memory than the limit.

void pinned_limit_child() {
    // At most 4 MiB, and never above the current hard limit (raising that
    // would need CAP_SYS_RESOURCE, which containers often lack).
    rlimit rl{};
    if (getrlimit(RLIMIT_MEMLOCK, &rl) != 0) {
        fprintf(stderr, "getrlimit failed\n");
        _exit(2);
    }
    const uint64_t kLimit = std::min<uint64_t>(rl.rlim_max, 4ull << 20);
    if (kLimit < (1u << 20)) {
        fprintf(stderr, "RLIMIT_MEMLOCK hard limit below 1 MiB\n");
        _exit(2);
    }
    if (!drop_capability(CAP_IPC_LOCK)) {
        fprintf(stderr, "capset failed\n");
        _exit(2);
    }
    rl.rlim_cur = rl.rlim_max = kLimit;
    if (setrlimit(RLIMIT_MEMLOCK, &rl) != 0) {
        fprintf(stderr, "setrlimit failed\n");
        _exit(2);
    }
    // Prove the limit binds this process before blaming the runtime. The raw
    // system call: ASan's mlock() interceptor does nothing and returns 0.
    std::vector<uint8_t> probe(kLimit * 2);
    if (syscall(SYS_mlock, probe.data(), probe.size()) == 0) {
        fprintf(stderr, "mlock beyond RLIMIT_MEMLOCK succeeded; cannot test\n");
        _exit(3);
    }
    default_to_mock();
    const tern_init_info info = init_info();
    tern_status s = tern_init(&info);
    tern_device dev = nullptr;
    tern_context ctx = nullptr;
    if (s == TERN_OK) {
        s = tern_device_open(0, &dev);
    }
    if (s == TERN_OK) {
        s = tern_context_create(dev, &ctx);
    }
    if (s != TERN_OK) {
        fprintf(stderr, "setup failed: %s\n", tern_status_str(s));
        _exit(4);
    }
    // Within the limit: fine. Beyond it: TERN_ERROR_PINNED_LIMIT.
    tern_tensor small = nullptr, big = nullptr, dev_big = nullptr;
    tern_tensor_desc d = tensor_desc(TERN_DTYPE_INT32, {kLimit / 16 / 4}, TERN_MEMORY_HOST_PINNED);
    const tern_status s_small = tern_tensor_create(ctx, &d, &small);
    d = tensor_desc(TERN_DTYPE_INT32, {2 * kLimit / 4}, TERN_MEMORY_HOST_PINNED);
    const tern_status s_big = tern_tensor_create(ctx, &d, &big);
    tern_error_detail det{};
    det.struct_size = sizeof(det);
    tern_last_error(&det);
    // Device memory is not limited by RLIMIT_MEMLOCK.
    d = tensor_desc(TERN_DTYPE_INT32, {2 * kLimit / 4}, TERN_MEMORY_DEVICE);
    const tern_status s_dev = tern_tensor_create(ctx, &d, &dev_big);
    fprintf(stderr, "small=%s big=%s device=%s message=%s\n", tern_status_str(s_small),
            tern_status_str(s_big), tern_status_str(s_dev), det.message);
    _exit(s_small == TERN_OK && s_big == TERN_ERROR_PINNED_LIMIT && big == nullptr &&
                  s_dev == TERN_OK
              ? 0
              : 1);
}

TEST(RtPinnedLimitDeathTest, RlimitMemlockGivesPinnedLimit) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(
        pinned_limit_child(), ::testing::ExitedWithCode(0),
        "small=TERN_OK big=TERN_ERROR_PINNED_LIMIT device=TERN_OK message=.*(MEMLOCK|memlock)");
}

}  // namespace
}  // namespace tern_test
