// SPDX-License-Identifier: MIT
#include "mock/mock_fence.hpp"

#include <algorithm>

namespace tern::rt::mock {

void WaitQueue::add(Waker* w, uint64_t key) {
    std::lock_guard lock(mu_);
    entries_.emplace_back(w, key);
    count_.store(static_cast<uint32_t>(entries_.size()), std::memory_order_relaxed);
    // Pairs with the fence in notify(): either the signaller sees our entry,
    // or our caller's re-check after add() sees its new value.
    std::atomic_thread_fence(std::memory_order_seq_cst);
}

void WaitQueue::remove(Waker* w) {
    std::lock_guard lock(mu_);
    std::erase_if(entries_, [w](const auto& e) { return e.first == w; });
    count_.store(static_cast<uint32_t>(entries_.size()), std::memory_order_relaxed);
}

void WaitQueue::notify(uint64_t value) {
    std::atomic_thread_fence(std::memory_order_seq_cst);
    if (count_.load(std::memory_order_relaxed) == 0) {
        return;
    }
    std::lock_guard lock(mu_);
    // Woken under the lock: remove() takes it too, so a waker cannot be
    // destroyed while we still call it.
    std::erase_if(entries_, [value](const auto& e) {
        if (e.second <= value) {
            e.first->wake();
            return true;
        }
        return false;
    });
    count_.store(static_cast<uint32_t>(entries_.size()), std::memory_order_relaxed);
}

void Timeline::signal(uint64_t upto) {
    uint64_t cur = signalled_.load(std::memory_order_relaxed);
    while (cur < upto) {
        if (signalled_.compare_exchange_weak(cur, upto, std::memory_order_release,
                                             std::memory_order_relaxed)) {
            wq_.notify(upto);
            return;
        }
    }
}

void Timeline::set_error(uint64_t from, int error) {
    std::lock_guard lock(error_mu_);
    if (error_from_.load(std::memory_order_relaxed) != UINT64_MAX) {
        return;
    }
    error_.store(error, std::memory_order_relaxed);
    error_from_.store(from, std::memory_order_release);
}

}  // namespace tern::rt::mock
