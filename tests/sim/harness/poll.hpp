// SPDX-License-Identifier: MIT
// Bounded waiting. Every wait in the harness has a deadline: a model that
// hangs must fail the test, never hang the suite.
#pragma once

#include <chrono>
#include <thread>

namespace tern::test {

using Millis = std::chrono::milliseconds;

// Generous enough for a Debug + ASan build on a loaded 2-core machine.
inline constexpr Millis kTimeout{5000};
// How long tests wait to be convinced that something does NOT happen.
inline constexpr Millis kQuiet{50};

// Polls `pred` until it returns true or `timeout` elapses; returns the last
// result of `pred`.
template <typename Pred>
bool poll_until(Pred&& pred, Millis timeout = kTimeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto nap = std::chrono::microseconds(20);
    for (;;) {
        if (pred()) {
            return true;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return pred();
        }
        std::this_thread::sleep_for(nap);
        nap = std::min<std::chrono::microseconds>(nap * 2, std::chrono::microseconds(1000));
    }
}

}  // namespace tern::test
