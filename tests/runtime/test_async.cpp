// SPDX-License-Identifier: MIT
// Asynchronous copies and events: byte-exact H2D/D2H/D2D copies of odd and
// multi-chunk sizes, argument checks, event record/query/wait/timeout,
// callbacks, and cross-queue ordering proven with data.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "busy.hpp"
#include "test_util.hpp"

namespace tern_test {
namespace {

using namespace std::chrono_literals;

// ---- copies ------------------------------------------------------------------

struct CopyCase {
    uint64_t size;
    uint64_t offset;
};

class RtAsyncCopyTest : public RuntimeTest,
                        public ::testing::WithParamInterface<std::tuple<tern_memory, CopyCase>> {};

// Host → tensor (pageable source), tensor → tensor (to a device tensor),
// tensor → host (pageable destination), each byte-exact at an offset, with
// the bytes around the copied range untouched.
TEST_P(RtAsyncCopyTest, HostToDeviceToDeviceToHost) {
    const tern_memory mem = std::get<0>(GetParam());
    const CopyCase c = std::get<1>(GetParam());
    const uint64_t cap = c.offset + c.size + 64;
    Tensor a(bytes_tensor(cap, mem));
    Tensor b(bytes_tensor(cap));
    ASSERT_TRUE(a && b);
    const auto fill_a = pattern(cap, 10);
    const auto fill_b = pattern(cap, 11);
    TERN_ASSERT_OK(tern_tensor_write(a.get(), 0, fill_a.data(), cap));
    TERN_ASSERT_OK(tern_tensor_write(b.get(), 0, fill_b.data(), cap));

    const auto src = pattern(c.size, 12);
    std::vector<uint8_t> out(c.size + 2, 0xcd);  // guard bytes at both ends
    TERN_ASSERT_OK(tern_write_async(queue_.get(), a.get(), c.offset, src.data(), c.size));
    TERN_ASSERT_OK(tern_copy_async(queue_.get(), b.get(), c.offset + 1, a.get(), c.offset, c.size));
    TERN_ASSERT_OK(tern_read_async(queue_.get(), out.data() + 1, b.get(), c.offset + 1, c.size));
    TERN_ASSERT_OK(tern_queue_synchronize(queue_.get(), -1));

    EXPECT_EQ(0xcd, out.front());
    EXPECT_EQ(0xcd, out.back());
    EXPECT_TRUE(std::equal(src.begin(), src.end(), out.begin() + 1)) << "size " << c.size;

    std::vector<uint8_t> got(cap);
    TERN_ASSERT_OK(tern_tensor_read(a.get(), 0, got.data(), cap));
    std::vector<uint8_t> want = fill_a;
    std::copy(src.begin(), src.end(), want.begin() + c.offset);
    EXPECT_TRUE(got == want) << "H2D wrote outside [offset, offset + size)";
    TERN_ASSERT_OK(tern_tensor_read(b.get(), 0, got.data(), cap));
    want = fill_b;
    std::copy(src.begin(), src.end(), want.begin() + c.offset + 1);
    EXPECT_TRUE(got == want) << "D2D wrote outside its range";
}

INSTANTIATE_TEST_SUITE_P(
    Sizes, RtAsyncCopyTest,
    ::testing::Combine(::testing::Values(TERN_MEMORY_DEVICE, TERN_MEMORY_HOST_PINNED),
                       ::testing::Values(CopyCase{1, 0}, CopyCase{3, 5}, CopyCase{4095, 1},
                                         CopyCase{4097, 4095}, CopyCase{(1 << 20) + 13, 7},
                                         // larger than any sane staging chunk
                                         CopyCase{(8 << 20) + 5, 4093})),
    [](const auto& info) {
        return std::string(memory_name(std::get<0>(info.param))) + "_" +
               std::to_string(std::get<1>(info.param).size) + "_at_" +
               std::to_string(std::get<1>(info.param).offset);
    });

using RtCopyArgsTest = RuntimeTest;

TEST_F(RtCopyArgsTest, RejectsBadArgumentsAndQueuesNothing) {
    const uint64_t size = 4096;
    Tensor a(bytes_tensor(size)), b(bytes_tensor(size));
    const auto init = pattern(size, 20);
    TERN_ASSERT_OK(tern_tensor_write(a.get(), 0, init.data(), size));
    TERN_ASSERT_OK(tern_tensor_write(b.get(), 0, init.data(), size));
    std::vector<uint8_t> host(2 * size, 0x77);
    tern_queue q = queue_.get();

    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE,
                       tern_copy_async(nullptr, a.get(), 0, b.get(), 0, 4));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_copy_async(q, nullptr, 0, b.get(), 0, 4));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_copy_async(q, a.get(), 0, nullptr, 0, 4));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE,
                       tern_write_async(nullptr, a.get(), 0, host.data(), 4));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_write_async(q, nullptr, 0, host.data(), 4));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE,
                       tern_read_async(nullptr, host.data(), a.get(), 0, 4));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_read_async(q, host.data(), nullptr, 0, 4));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_write_async(q, a.get(), 0, nullptr, 4));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_read_async(q, nullptr, a.get(), 0, 4));

    TERN_EXPECT_STATUS(TERN_ERROR_OUT_OF_RANGE, tern_copy_async(q, a.get(), 1, b.get(), 0, size));
    TERN_EXPECT_STATUS(TERN_ERROR_OUT_OF_RANGE, tern_copy_async(q, a.get(), 0, b.get(), 1, size));
    TERN_EXPECT_STATUS(TERN_ERROR_OUT_OF_RANGE,
                       tern_copy_async(q, a.get(), UINT64_MAX, b.get(), 0, 2));
    TERN_EXPECT_STATUS(TERN_ERROR_OUT_OF_RANGE,
                       tern_write_async(q, a.get(), size - 1, host.data(), 2));
    TERN_EXPECT_STATUS(TERN_ERROR_OUT_OF_RANGE,
                       tern_write_async(q, a.get(), 8, host.data(), UINT64_MAX - 4));
    TERN_EXPECT_STATUS(TERN_ERROR_OUT_OF_RANGE,
                       tern_read_async(q, host.data(), a.get(), 0, size + 1));
    TERN_EXPECT_STATUS(TERN_ERROR_OUT_OF_RANGE,
                       tern_read_async(q, host.data(), a.get(), UINT64_MAX - 1, 4));
    tern_error_detail d{};
    d.struct_size = sizeof(d);
    TERN_ASSERT_OK(tern_last_error(&d));
    EXPECT_NE(nullptr, std::strstr(d.message, "tern_read_async")) << d.message;

    // Tensors of another context are foreign to this queue.
    Context other;
    TERN_ASSERT_OK(tern_context_create(device_.get(), other.out()));
    Tensor foreign(bytes_tensor(size, TERN_MEMORY_DEVICE, other.get()));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE,
                       tern_copy_async(q, a.get(), 0, foreign.get(), 0, 4));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE,
                       tern_copy_async(q, foreign.get(), 0, a.get(), 0, 4));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE,
                       tern_write_async(q, foreign.get(), 0, host.data(), 4));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE,
                       tern_read_async(q, host.data(), foreign.get(), 0, 4));

    TERN_ASSERT_OK(tern_queue_synchronize(q, -1));
    std::vector<uint8_t> got(size);
    TERN_ASSERT_OK(tern_tensor_read(a.get(), 0, got.data(), size));
    EXPECT_EQ(init, got);
    TERN_ASSERT_OK(tern_tensor_read(b.get(), 0, got.data(), size));
    EXPECT_EQ(init, got);
    EXPECT_TRUE(std::all_of(host.begin(), host.end(), [](uint8_t x) { return x == 0x77; }))
        << "a rejected read_async wrote host memory";
    tern_error_detail qe{};
    qe.struct_size = sizeof(qe);
    TERN_ASSERT_OK(tern_queue_get_error(q, &qe));
    EXPECT_EQ(TERN_OK, qe.status) << "argument errors must not break the queue";
}

// ---- events ------------------------------------------------------------------

class RtEventTest : public RuntimeTest {
protected:
    void SetUp() override {
        RuntimeTest::SetUp();
        if (HasFatalFailure()) {
            return;
        }
        busy_ = std::make_unique<BusyWork>(ctx_.get(), queue_.get());
    }
    void TearDown() override {
        if (queue_) {
            tern_queue_synchronize(queue_.get(), -1);
        }
        busy_.reset();
        RuntimeTest::TearDown();
    }
    std::unique_ptr<BusyWork> busy_;
};

TEST_F(RtEventTest, CreateRecordArgumentChecks) {
    tern_event e = nullptr;
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_event_create(nullptr, &e));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT, tern_event_create(ctx_.get(), nullptr));
    Event ev;
    TERN_ASSERT_OK(tern_event_create(ctx_.get(), ev.out()));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_event_record(nullptr, queue_.get()));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_event_record(ev.get(), nullptr));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE,
                       tern_event_record(reinterpret_cast<tern_event>(queue_.get()), queue_.get()));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_event_query(nullptr));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_event_wait(nullptr, -1));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_queue_wait_event(queue_.get(), nullptr));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_queue_wait_event(nullptr, ev.get()));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE,
                       tern_event_set_callback(
                           nullptr, [](tern_event, tern_status, void*) {}, nullptr));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                       tern_event_set_callback(ev.get(), nullptr, nullptr));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_event_destroy(nullptr));

    tern_event dead = nullptr;
    TERN_ASSERT_OK(tern_event_create(ctx_.get(), &dead));
    TERN_ASSERT_OK(tern_event_destroy(dead));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_event_destroy(dead));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_event_record(dead, queue_.get()));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_event_query(dead));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_event_wait(dead, 0));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_queue_wait_event(queue_.get(), dead));
}

// tern.h: an event never recorded counts as passed.
TEST_F(RtEventTest, NeverRecordedCountsAsPassed) {
    Event ev;
    TERN_ASSERT_OK(tern_event_create(ctx_.get(), ev.out()));
    TERN_EXPECT_OK(tern_event_query(ev.get()));
    TERN_EXPECT_OK(tern_event_wait(ev.get(), 0));
    TERN_EXPECT_OK(tern_queue_wait_event(queue_.get(), ev.get()));
    const std::vector<uint8_t> data(64, 9);
    Tensor t(bytes_tensor(64));
    TERN_EXPECT_OK(tern_write_async(queue_.get(), t.get(), 0, data.data(), data.size()));
    TERN_EXPECT_OK(tern_queue_synchronize(queue_.get(), 1'000'000'000));
}

TEST_F(RtEventTest, PendingThenPassed) {
    Event ev;
    TERN_ASSERT_OK(tern_event_create(ctx_.get(), ev.out()));
    busy_->enqueue(queue_.get(), 300ms);
    TERN_ASSERT_OK(tern_event_record(ev.get(), queue_.get()));
    TERN_EXPECT_STATUS(TERN_ERROR_NOT_READY, tern_event_query(ev.get()));

    const auto t0 = std::chrono::steady_clock::now();
    TERN_EXPECT_STATUS(TERN_ERROR_TIMEOUT, tern_event_wait(ev.get(), 2'000'000));  // 2 ms
    const auto waited = std::chrono::steady_clock::now() - t0;
    EXPECT_GE(waited, 2ms) << "returned before its timeout";
    TERN_EXPECT_STATUS(TERN_ERROR_TIMEOUT, tern_event_wait(ev.get(), 0));
    TERN_EXPECT_STATUS(TERN_ERROR_TIMEOUT, tern_queue_synchronize(queue_.get(), 1'000'000));

    TERN_EXPECT_OK(tern_event_wait(ev.get(), -1));
    TERN_EXPECT_OK(tern_event_query(ev.get()));
    TERN_EXPECT_OK(tern_event_wait(ev.get(), 0));

    // Re-recording moves the event to a new, pending point.
    busy_->enqueue(queue_.get(), 200ms);
    TERN_ASSERT_OK(tern_event_record(ev.get(), queue_.get()));
    TERN_EXPECT_STATUS(TERN_ERROR_NOT_READY, tern_event_query(ev.get()));
    TERN_EXPECT_OK(tern_queue_synchronize(queue_.get(), -1));
    TERN_EXPECT_OK(tern_event_query(ev.get()));
}

struct CallbackLog {
    std::mutex mu;
    std::condition_variable cv;
    int calls = 0;
    tern_status status = TERN_ERROR_INTERNAL;
    tern_event event = nullptr;
    std::thread::id thread;

    static void fn(tern_event e, tern_status s, void* user) {
        auto* self = static_cast<CallbackLog*>(user);
        std::lock_guard<std::mutex> lock(self->mu);
        ++self->calls;
        self->status = s;
        self->event = e;
        self->thread = std::this_thread::get_id();
        self->cv.notify_all();
    }
    bool wait_calls(int n, std::chrono::milliseconds limit) {
        std::unique_lock<std::mutex> lock(mu);
        return cv.wait_for(lock, limit, [&] { return calls >= n; });
    }
};

TEST_F(RtEventTest, CallbackRunsOnceFromARuntimeThread) {
    Event ev;
    TERN_ASSERT_OK(tern_event_create(ctx_.get(), ev.out()));
    CallbackLog log;
    busy_->enqueue(queue_.get(), 200ms);
    TERN_ASSERT_OK(tern_event_record(ev.get(), queue_.get()));
    TERN_ASSERT_OK(tern_event_set_callback(ev.get(), &CallbackLog::fn, &log));
    {
        std::lock_guard<std::mutex> lock(log.mu);
        EXPECT_EQ(0, log.calls) << "callback ran before the event passed";
    }
    ASSERT_TRUE(log.wait_calls(1, 10s));
    TERN_EXPECT_OK(tern_queue_synchronize(queue_.get(), -1));
    std::this_thread::sleep_for(20ms);
    std::lock_guard<std::mutex> lock(log.mu);
    EXPECT_EQ(1, log.calls);
    EXPECT_EQ(TERN_OK, log.status);
    EXPECT_EQ(ev.get(), log.event);
    EXPECT_NE(std::this_thread::get_id(), log.thread);
}

TEST_F(RtEventTest, CallbackOnPassedEventRunsOnce) {
    Event ev;
    TERN_ASSERT_OK(tern_event_create(ctx_.get(), ev.out()));
    TERN_ASSERT_OK(tern_event_record(ev.get(), queue_.get()));
    TERN_ASSERT_OK(tern_event_wait(ev.get(), -1));
    CallbackLog log;
    TERN_ASSERT_OK(tern_event_set_callback(ev.get(), &CallbackLog::fn, &log));
    ASSERT_TRUE(log.wait_calls(1, 10s));
    std::this_thread::sleep_for(20ms);
    std::lock_guard<std::mutex> lock(log.mu);
    EXPECT_EQ(1, log.calls);
    EXPECT_EQ(TERN_OK, log.status);
}

// tern_queue_destroy returns after the callbacks armed on its work (the
// runtime keeps nothing of the queue afterwards), also when the event's
// handle went first and the queue's last job was a staged read.
TEST_F(RtEventTest, QueueDestroyReturnsAfterItsCallbacks) {
    Queue q;
    const tern_queue_desc qd = queue_desc();
    TERN_ASSERT_OK(tern_queue_create(ctx_.get(), &qd, q.out()));
    Tensor t(bytes_tensor(4096));
    ASSERT_TRUE(t);
    const auto data = pattern(4096, 21);
    TERN_ASSERT_OK(tern_tensor_write(t.get(), 0, data.data(), data.size()));
    std::vector<uint8_t> out(data.size());
    TERN_ASSERT_OK(tern_read_async(q.get(), out.data(), t.get(), 0, out.size()));
    Event ev;
    TERN_ASSERT_OK(tern_event_create(ctx_.get(), ev.out()));
    TERN_ASSERT_OK(tern_event_record(ev.get(), q.get()));
    SlowCallback cb;
    TERN_ASSERT_OK(tern_event_set_callback(ev.get(), &SlowCallback::fn, &cb));
    ev.reset();
    q.reset();
    EXPECT_TRUE(cb.returned.load()) << "tern_queue_destroy returned before the callback";
    EXPECT_EQ(data, out);
}

// The same with several threads closing their queues of one context at
// once: each tern_queue_destroy waits for its own queue's callback.
TEST_F(RtEventTest, ConcurrentQueueDestroysEachWaitForTheirCallbacks) {
    constexpr int kThreads = 4;
    std::atomic<int> early{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
        threads.emplace_back([&, i] {
            Queue q;
            const tern_queue_desc qd = queue_desc();
            ASSERT_EQ(TERN_OK, tern_queue_create(ctx_.get(), &qd, q.out()));
            Tensor t(bytes_tensor(4096));
            std::vector<uint8_t> out(4096);
            ASSERT_EQ(TERN_OK, tern_read_async(q.get(), out.data(), t.get(), 0, out.size()));
            Event ev;
            ASSERT_EQ(TERN_OK, tern_event_create(ctx_.get(), ev.out()));
            ASSERT_EQ(TERN_OK, tern_event_record(ev.get(), q.get()));
            SlowCallback cb;
            cb.delay = std::chrono::milliseconds(20 + 10 * i);
            ASSERT_EQ(TERN_OK, tern_event_set_callback(ev.get(), &SlowCallback::fn, &cb));
            ev.reset();
            q.reset();
            if (!cb.returned.load()) {
                ++early;
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(0, early.load()) << "tern_queue_destroy returned before its queue's callback";
}

// Queue B waits on queue A's event: B's read returns what A wrote, although
// A was busy for a long time before writing it.
TEST_F(RtEventTest, QueueWaitEventOrdersWorkAcrossQueues) {
    const tern_queue_desc qd = queue_desc();
    Queue b;
    TERN_ASSERT_OK(tern_queue_create(ctx_.get(), &qd, b.out()));
    const uint64_t size = 64 * 1024 + 3;
    Tensor t(bytes_tensor(size));
    const std::vector<uint8_t> zeros(size, 0);
    TERN_ASSERT_OK(tern_tensor_write(t.get(), 0, zeros.data(), size));
    const auto payload = pattern(size, 30);
    Event ev;
    TERN_ASSERT_OK(tern_event_create(ctx_.get(), ev.out()));

    busy_->enqueue(queue_.get(), 200ms);
    TERN_ASSERT_OK(tern_write_async(queue_.get(), t.get(), 0, payload.data(), size));
    TERN_ASSERT_OK(tern_event_record(ev.get(), queue_.get()));

    std::vector<uint8_t> seen(size, 0xee);
    TERN_ASSERT_OK(tern_queue_wait_event(b.get(), ev.get()));
    TERN_ASSERT_OK(tern_read_async(b.get(), seen.data(), t.get(), 0, size));
    TERN_EXPECT_STATUS(TERN_ERROR_NOT_READY, tern_event_query(ev.get()));
    TERN_ASSERT_OK(tern_queue_synchronize(b.get(), -1));
    EXPECT_EQ(payload, seen) << "queue B ran before queue A's event passed";
    TERN_EXPECT_OK(tern_event_query(ev.get()));
}

// The same across contexts: B's work (in another context of the device)
// completes only after A's event has passed.
TEST_F(RtEventTest, QueueWaitEventAcrossContexts) {
    Context other;
    TERN_ASSERT_OK(tern_context_create(device_.get(), other.out()));
    const tern_queue_desc qd = queue_desc();
    Queue b;
    TERN_ASSERT_OK(tern_queue_create(other.get(), &qd, b.out()));
    Tensor tb(bytes_tensor(4096, TERN_MEMORY_DEVICE, other.get()));
    Event ea, eb;
    TERN_ASSERT_OK(tern_event_create(ctx_.get(), ea.out()));
    TERN_ASSERT_OK(tern_event_create(other.get(), eb.out()));

    busy_->enqueue(queue_.get(), 300ms);
    TERN_ASSERT_OK(tern_event_record(ea.get(), queue_.get()));
    const auto data = pattern(4096, 31);
    TERN_ASSERT_OK(tern_queue_wait_event(b.get(), ea.get()));
    TERN_ASSERT_OK(tern_write_async(b.get(), tb.get(), 0, data.data(), data.size()));
    TERN_ASSERT_OK(tern_event_record(eb.get(), b.get()));
    TERN_ASSERT_OK(tern_event_wait(eb.get(), -1));
    TERN_EXPECT_OK(tern_event_query(ea.get())) << "B's work finished before A's event passed";
    std::vector<uint8_t> got(4096);
    TERN_ASSERT_OK(tern_tensor_read(tb.get(), 0, got.data(), got.size()));
    EXPECT_EQ(data, got);
}

// tern_queue_wait_event only orders device work: it returns without waiting
// for the event, also when the event is another context's.
TEST_F(RtEventTest, QueueWaitEventDoesNotBlockTheCaller) {
    Context other;
    TERN_ASSERT_OK(tern_context_create(device_.get(), other.out()));
    const tern_queue_desc qd = queue_desc();
    Queue same, foreign;
    TERN_ASSERT_OK(tern_queue_create(ctx_.get(), &qd, same.out()));
    TERN_ASSERT_OK(tern_queue_create(other.get(), &qd, foreign.out()));
    Event ea;
    TERN_ASSERT_OK(tern_event_create(ctx_.get(), ea.out()));
    busy_->enqueue(queue_.get(), 300ms);
    TERN_ASSERT_OK(tern_event_record(ea.get(), queue_.get()));

    // A call that waited for the event would return only after it passed.
    TERN_ASSERT_OK(tern_queue_wait_event(same.get(), ea.get()));
    TERN_EXPECT_STATUS(TERN_ERROR_NOT_READY, tern_event_query(ea.get()))
        << "tern_queue_wait_event (same context) waited for the event";
    TERN_ASSERT_OK(tern_queue_wait_event(foreign.get(), ea.get()));
    TERN_EXPECT_STATUS(TERN_ERROR_NOT_READY, tern_event_query(ea.get()))
        << "tern_queue_wait_event (another context) waited for the event";
}

}  // namespace
}  // namespace tern_test
