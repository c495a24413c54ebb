// SPDX-License-Identifier: MIT
// Shared helpers of the runtime tests: status assertions that print names
// and the runtime's error detail, RAII holders for C handles, and a fixture
// that brings up one mock device with a context and a queue.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "capability.hpp"
#include "tern/tern.h"

namespace tern_test {

// The calling thread's last error detail, as one line.
inline std::string last_error_line() {
    tern_error_detail d{};
    d.struct_size = sizeof(d);
    if (tern_last_error(&d) != TERN_OK) {
        return "(tern_last_error failed)";
    }
    return std::string(tern_status_str(d.status)) + ": " + d.message;
}

// Compares statuses by name and appends the runtime's detail of the call.
inline ::testing::AssertionResult status_eq(const char* expected_expr, const char* actual_expr,
                                            tern_status expected, tern_status actual) {
    if (expected == actual) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << actual_expr << " returned " << tern_status_str(actual)
                                         << ", expected " << tern_status_str(expected) << " ("
                                         << expected_expr << ") [" << last_error_line() << "]";
}

#define TERN_EXPECT_STATUS(expected, expr) \
    EXPECT_PRED_FORMAT2(::tern_test::status_eq, expected, expr)
#define TERN_ASSERT_STATUS(expected, expr) \
    ASSERT_PRED_FORMAT2(::tern_test::status_eq, expected, expr)
#define TERN_EXPECT_OK(expr) TERN_EXPECT_STATUS(TERN_OK, expr)
#define TERN_ASSERT_OK(expr) TERN_ASSERT_STATUS(TERN_OK, expr)

// Owns one C handle; destroys it unless released.
template <typename H, tern_status (*Destroy)(H)>
class Owned {
public:
    Owned() = default;
    explicit Owned(H h) : h_(h) {}
    Owned(const Owned&) = delete;
    Owned& operator=(const Owned&) = delete;
    Owned(Owned&& o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    Owned& operator=(Owned&& o) noexcept {
        reset();
        h_ = std::exchange(o.h_, nullptr);
        return *this;
    }
    ~Owned() { reset(); }
    void reset() {
        if (h_ != nullptr) {
            const tern_status s = Destroy(h_);
            EXPECT_EQ(TERN_OK, s) << "destroy in Owned: " << tern_status_str(s);
            h_ = nullptr;
        }
    }
    H get() const { return h_; }
    H* out() {
        reset();
        return &h_;
    }
    H release() { return std::exchange(h_, nullptr); }
    explicit operator bool() const { return h_ != nullptr; }

private:
    H h_ = nullptr;
};

using Device = Owned<tern_device, tern_device_close>;
using Context = Owned<tern_context, tern_context_destroy>;
using Queue = Owned<tern_queue, tern_queue_destroy>;
using Tensor = Owned<tern_tensor, tern_tensor_destroy>;
using Event = Owned<tern_event, tern_event_destroy>;
using Program = Owned<tern_program, tern_program_destroy>;

inline tern_init_info init_info(const char* backend = nullptr) {
    tern_init_info info{};
    info.struct_size = sizeof(info);
    info.api_version = TERN_API_VERSION;
    info.backend = backend;
    return info;
}

inline tern_queue_desc queue_desc(tern_priority priority = TERN_PRIORITY_NORMAL) {
    tern_queue_desc d{};
    d.struct_size = sizeof(d);
    d.priority = priority;
    return d;
}

inline tern_tensor_desc tensor_desc(tern_dtype dtype, std::vector<uint64_t> shape,
                                    tern_memory memory = TERN_MEMORY_DEVICE) {
    tern_tensor_desc d{};
    d.struct_size = sizeof(d);
    d.dtype = dtype;
    d.rank = static_cast<uint32_t>(shape.size());
    for (size_t i = 0; i < shape.size() && i < TERN_MAX_RANK; ++i) {
        d.shape[i] = shape[i];
    }
    d.memory = memory;
    return d;
}

inline tern_tensor_info tensor_info(tern_tensor t) {
    tern_tensor_info i{};
    i.struct_size = sizeof(i);
    const tern_status s = tern_tensor_get_info(t, &i);
    EXPECT_EQ(TERN_OK, s) << tern_status_str(s);
    return i;
}

// Deterministic bytes that differ per seed and position.
inline std::vector<uint8_t> pattern(size_t n, uint32_t seed) {
    std::vector<uint8_t> v(n);
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; ++i) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        v[i] = static_cast<uint8_t>(x);
    }
    return v;
}

inline const char* memory_name(tern_memory m) {
    return m == TERN_MEMORY_DEVICE ? "device" : "pinned";
}

// Makes the test process use the mock backend when run outside CTest.
inline void default_to_mock() {
    setenv("TERN_BACKEND", "mock", 0);
}

// An event callback that takes a while to return, then records that it
// did: a caller that should wait for it cannot get ahead by luck.
struct SlowCallback {
    std::chrono::milliseconds delay{100};
    std::atomic<bool> returned{false};

    static void fn(tern_event, tern_status, void* self) {
        auto* cb = static_cast<SlowCallback*>(self);
        std::this_thread::sleep_for(cb->delay);
        cb->returned.store(true);
    }
};

// One initialised runtime, device 0, a context and a queue.
class RuntimeTest : public ::testing::Test {
protected:
    void SetUp() override {
        default_to_mock();
        const tern_init_info info = init_info();
        TERN_ASSERT_OK(tern_init(&info));
        initialised_ = true;
        TERN_ASSERT_OK(tern_device_open(0, device_.out()));
        TERN_ASSERT_OK(tern_context_create(device_.get(), ctx_.out()));
        const tern_queue_desc qd = queue_desc();
        TERN_ASSERT_OK(tern_queue_create(ctx_.get(), &qd, queue_.out()));
    }
    void TearDown() override {
        queue_.reset();
        ctx_.reset();
        device_.reset();
        if (initialised_) {
            EXPECT_EQ(TERN_OK, tern_shutdown());
        }
    }

    // A 1-D INT32 tensor of at least `bytes` bytes (the C ABI has no byte
    // dtype; odd sizes are exercised through offsets and copy sizes).
    tern_tensor make(tern_context ctx, tern_dtype dtype, std::vector<uint64_t> shape,
                     tern_memory memory = TERN_MEMORY_DEVICE) {
        const tern_tensor_desc d = tensor_desc(dtype, std::move(shape), memory);
        tern_tensor t = nullptr;
        const tern_status s = tern_tensor_create(ctx, &d, &t);
        EXPECT_EQ(TERN_OK, s) << "tern_tensor_create: " << tern_status_str(s) << " ["
                              << last_error_line() << "]";
        return t;
    }
    tern_tensor bytes_tensor(uint64_t bytes, tern_memory memory = TERN_MEMORY_DEVICE,
                             tern_context ctx = nullptr) {
        return make(ctx ? ctx : ctx_.get(), TERN_DTYPE_INT32, {(bytes + 3) / 4}, memory);
    }

    bool initialised_ = false;
    Device device_;
    Context ctx_;
    Queue queue_;
};

}  // namespace tern_test
