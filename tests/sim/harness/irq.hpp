// SPDX-License-Identifier: MIT
// Interrupt side of the test driver: counts MSI-X vectors delivered by one
// function and lets tests block on them with a deadline.
#pragma once

#include <array>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "harness/poll.hpp"
#include "tern/hw/tern_regs.h"
#include "tern/sim/card.hpp"

namespace tern::test {

class IrqMonitor {
public:
    IrqMonitor() = default;
    IrqMonitor(const IrqMonitor&) = delete;
    IrqMonitor& operator=(const IrqMonitor&) = delete;

    // Installs this monitor as the function's IRQ handler. The monitor must
    // outlive the card (device threads call into it).
    void attach(sim::Function& fn);

    uint64_t count(unsigned vector) const;
    uint64_t out_of_range() const;
    // Blocks until count(vector) >= n or the timeout expires.
    bool wait_count(unsigned vector, uint64_t n, Millis timeout = kTimeout);
    // Blocks until pred() holds. pred is re-evaluated on every interrupt of
    // the function and, as a safety net, every `recheck`.
    template <typename Pred>
    bool wait(Pred&& pred, Millis timeout = kTimeout, Millis recheck = Millis(2)) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        std::unique_lock<std::mutex> lock(m_);
        for (;;) {
            const uint64_t seen = total_;
            lock.unlock();
            if (pred()) {
                return true;
            }
            lock.lock();
            const auto now = std::chrono::steady_clock::now();
            if (now >= deadline) {
                lock.unlock();
                return pred();
            }
            cv_.wait_until(lock, std::min(deadline, now + recheck), [&] { return total_ != seen; });
        }
    }

private:
    void on_irq(unsigned vector);

    mutable std::mutex m_;
    std::condition_variable cv_;
    std::array<uint64_t, TERN_MSIX_COUNT> counts_{};
    uint64_t bad_vectors_ = 0;
    uint64_t total_ = 0;
};

}  // namespace tern::test
