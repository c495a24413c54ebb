// SPDX-License-Identifier: MIT
// Concurrent submitters: several threads on one queue, and one queue per
// thread; every result is checked byte for byte.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "test_util.hpp"

namespace tern_test {
namespace {

constexpr int kThreads = 4;
constexpr int kRounds = 40;
constexpr uint64_t kSlot = 8192 + 12;  // per thread and round, not page aligned

using RtThreadTest = RuntimeTest;

// All threads share queue_ and one tensor; each owns a disjoint slot, writes
// its pattern, copies it device-to-device into a second tensor, and reads it
// back. The queue is in order, so each thread's read sees its own write.
TEST_F(RtThreadTest, ManyThreadsOneQueue) {
    Tensor a(bytes_tensor(kThreads * kSlot)), b(bytes_tensor(kThreads * kSlot));
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            const uint64_t off = t * kSlot;
            for (int r = 0; r < kRounds; ++r) {
                const auto src = pattern(kSlot, 1000 * t + r);
                std::vector<uint8_t> dst(kSlot, 0);
                tern_event ev = nullptr;
                bool ok = tern_event_create(ctx_.get(), &ev) == TERN_OK;
                ok = ok &&
                     tern_write_async(queue_.get(), a.get(), off, src.data(), kSlot) == TERN_OK;
                ok = ok &&
                     tern_copy_async(queue_.get(), b.get(), off, a.get(), off, kSlot) == TERN_OK;
                ok =
                    ok && tern_read_async(queue_.get(), dst.data(), b.get(), off, kSlot) == TERN_OK;
                ok = ok && tern_event_record(ev, queue_.get()) == TERN_OK;
                ok = ok && tern_event_wait(ev, -1) == TERN_OK;
                if (ev != nullptr) {
                    tern_event_destroy(ev);
                }
                if (!ok || dst != src) {
                    failures.fetch_add(1);
                }
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    EXPECT_EQ(0, failures.load());
    TERN_EXPECT_OK(tern_queue_synchronize(queue_.get(), -1));
}

// Each thread has its own queue (and, for half of them, its own context)
// and its own tensors; the threads also create and destroy objects while
// the others submit.
TEST_F(RtThreadTest, OneQueuePerThread) {
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            tern_context ctx = ctx_.get();
            tern_context own_ctx = nullptr;
            if (t % 2 == 1) {
                if (tern_context_create(device_.get(), &own_ctx) != TERN_OK) {
                    failures.fetch_add(1);
                    return;
                }
                ctx = own_ctx;
            }
            const tern_queue_desc qd = queue_desc();
            tern_queue q = nullptr;
            tern_tensor a = nullptr, b = nullptr;
            const tern_tensor_desc d = tensor_desc(TERN_DTYPE_INT32, {(kSlot + 3) / 4});
            bool ok = tern_queue_create(ctx, &qd, &q) == TERN_OK &&
                      tern_tensor_create(ctx, &d, &a) == TERN_OK &&
                      tern_tensor_create(ctx, &d, &b) == TERN_OK;
            for (int r = 0; ok && r < kRounds; ++r) {
                const auto src = pattern(kSlot, 5000 * t + r);
                std::vector<uint8_t> dst(kSlot, 0);
                ok = tern_write_async(q, a, 0, src.data(), kSlot) == TERN_OK &&
                     tern_copy_async(q, b, 0, a, 0, kSlot) == TERN_OK &&
                     tern_read_async(q, dst.data(), b, 0, kSlot) == TERN_OK &&
                     tern_queue_synchronize(q, -1) == TERN_OK;
                if (!ok || dst != src) {
                    failures.fetch_add(1);
                }
            }
            if (!ok) {
                failures.fetch_add(1);
            }
            for (tern_tensor x : {a, b}) {
                if (x != nullptr && tern_tensor_destroy(x) != TERN_OK) {
                    failures.fetch_add(1);
                }
            }
            if (q != nullptr && tern_queue_destroy(q) != TERN_OK) {
                failures.fetch_add(1);
            }
            if (own_ctx != nullptr && tern_context_destroy(own_ctx) != TERN_OK) {
                failures.fetch_add(1);
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    EXPECT_EQ(0, failures.load());
}

// Concurrent tern_event_record/query/wait and callbacks on one event from
// several threads: no crash, every callback runs exactly once.
TEST_F(RtThreadTest, CallbacksFromManyThreads) {
    std::atomic<int> calls{0};
    std::vector<std::thread> threads;
    std::atomic<int> failures{0};
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&] {
            for (int r = 0; r < kRounds; ++r) {
                tern_event ev = nullptr;
                if (tern_event_create(ctx_.get(), &ev) != TERN_OK) {
                    failures.fetch_add(1);
                    return;
                }
                bool ok = tern_event_record(ev, queue_.get()) == TERN_OK &&
                          tern_event_set_callback(
                              ev,
                              [](tern_event, tern_status s, void* user) {
                                  if (s == TERN_OK) {
                                      static_cast<std::atomic<int>*>(user)->fetch_add(1);
                                  }
                              },
                              &calls) == TERN_OK &&
                          tern_event_wait(ev, -1) == TERN_OK;
                if (!ok) {
                    failures.fetch_add(1);
                }
                tern_event_destroy(ev);
            }
        });
    }
    for (auto& th : threads) {
        th.join();
    }
    TERN_EXPECT_OK(tern_queue_synchronize(queue_.get(), -1));
    // Callbacks run from a runtime thread, possibly just after the wait.
    for (int i = 0; i < 400 && calls.load() < kThreads * kRounds; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_EQ(0, failures.load());
    EXPECT_EQ(kThreads * kRounds, calls.load());
}

}  // namespace
}  // namespace tern_test
