// SPDX-License-Identifier: MIT
// Keeps a queue busy for a known while with real work (device-to-device
// copies), so that tests can observe pending events and ordering without
// sleeping in the device. The amount is calibrated on the running machine.
#pragma once

#include <chrono>
#include <cstdint>

#include "test_util.hpp"

namespace tern_test {

class BusyWork {
public:
    static constexpr uint64_t kBytes = 16ull << 20;

    // Allocates two device tensors in `ctx` and measures one copy on `q`.
    BusyWork(tern_context ctx, tern_queue q) {
        const tern_tensor_desc d = tensor_desc(TERN_DTYPE_INT32, {kBytes / 4});
        EXPECT_EQ(TERN_OK, tern_tensor_create(ctx, &d, a_.out()));
        EXPECT_EQ(TERN_OK, tern_tensor_create(ctx, &d, b_.out()));
        // Warm up (first touches of fresh memory are slower), then measure.
        EXPECT_EQ(TERN_OK, tern_copy_async(q, b_.get(), 0, a_.get(), 0, kBytes));
        EXPECT_EQ(TERN_OK, tern_copy_async(q, a_.get(), 0, b_.get(), 0, kBytes));
        EXPECT_EQ(TERN_OK, tern_queue_synchronize(q, -1));
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < 3; ++i) {
            EXPECT_EQ(TERN_OK, tern_copy_async(q, b_.get(), 0, a_.get(), 0, kBytes));
        }
        EXPECT_EQ(TERN_OK, tern_queue_synchronize(q, -1));
        per_copy_ = (std::chrono::steady_clock::now() - t0) / 3;
        if (per_copy_ < std::chrono::microseconds(50)) {
            per_copy_ = std::chrono::microseconds(50);
        }
    }

    // Enqueues about `duration` of copies on `q` (a queue of the same
    // context); returns how many.
    int enqueue(tern_queue q, std::chrono::milliseconds duration) {
        const int n = static_cast<int>(duration / per_copy_) + 1;
        for (int i = 0; i < n; ++i) {
            const tern_status s = tern_copy_async(q, (i & 1) ? a_.get() : b_.get(), 0,
                                                  (i & 1) ? b_.get() : a_.get(), 0, kBytes);
            EXPECT_EQ(TERN_OK, s) << tern_status_str(s);
        }
        return n;
    }

    std::chrono::nanoseconds per_copy() const { return per_copy_; }

private:
    Tensor a_, b_;
    std::chrono::nanoseconds per_copy_{};
};

}  // namespace tern_test
