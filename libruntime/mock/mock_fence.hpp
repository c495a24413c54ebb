// SPDX-License-Identifier: MIT
// Fences of the mock driver, after the kernel's dma_fence: a Timeline is a
// fence context whose seqnos signal in order (one per hardware context), a
// Fence is one seqno on it. Waiters register a Waker on a WaitQueue, which
// is the mock's wait_queue_head / dma_fence callback list.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "mock/mock_util.hpp"

namespace tern::rt::mock {

// Something to wake. Thread waiters sleep on `word`; other wakers (the
// device scheduler) override wake().
class Waker {
public:
    virtual ~Waker() = default;
    virtual void wake() {
        word.fetch_add(1, std::memory_order_release);
        futex_wake_all(&word);
    }
    std::atomic<uint32_t> word{0};
};

// Wakers keyed by the value they wait for; notify(v) wakes (and drops) every
// entry with key <= v. notify() on an empty queue costs one fence and a load,
// so signalling stays cheap when nobody sleeps.
class WaitQueue {
public:
    void add(Waker* w, uint64_t key);
    void remove(Waker* w);
    void notify(uint64_t value);

private:
    std::atomic<uint32_t> count_{0};
    std::mutex mu_;
    std::vector<std::pair<Waker*, uint64_t>> entries_;
};

// Seqnos 1, 2, 3... signalled in order. Error: every seqno >= error_from
// carries `error` (a negative errno) once signalled, like dma_fence_set_error
// on a failed job and all later ones.
class Timeline {
public:
    uint64_t signalled() const { return signalled_.load(std::memory_order_acquire); }
    bool is_signalled(uint64_t seq) const { return signalled() >= seq; }
    int error_of(uint64_t seq) const {
        return seq >= error_from_.load(std::memory_order_acquire)
                   ? error_.load(std::memory_order_relaxed)
                   : 0;
    }
    uint64_t error_from() const { return error_from_.load(std::memory_order_acquire); }
    // Raises the signalled mark to `upto` (never lowers it) and wakes waiters.
    void signal(uint64_t upto);
    // Marks seqnos >= from as failed with `error`; the first call wins.
    void set_error(uint64_t from, int error);
    WaitQueue& waiters() { return wq_; }

private:
    std::atomic<uint64_t> signalled_{0};
    std::atomic<uint64_t> error_from_{UINT64_MAX};
    std::atomic<int> error_{0};
    std::mutex error_mu_;  // set_error() is rare; keeps error_ and error_from_ paired
    WaitQueue wq_;
};

// One fence: seqno `seq` of `tl`. A null timeline is the signalled stub fence.
struct Fence {
    std::shared_ptr<Timeline> tl;
    uint64_t seq = 0;

    bool signalled() const { return !tl || tl->is_signalled(seq); }
    int error() const { return tl ? tl->error_of(seq) : 0; }
};

}  // namespace tern::rt::mock
