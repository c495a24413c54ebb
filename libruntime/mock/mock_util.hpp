// SPDX-License-Identifier: MIT
// Small helpers shared by the mock driver: futexes, clocks, capabilities and
// logging. The mock plays the kernel, so these stand in for wait queues,
// ktime and capable().
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace tern::rt::mock {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
}

// CLOCK_MONOTONIC in nanoseconds: the clock of DRM syncobj timeouts.
uint64_t monotonic_ns();

// Blocks while *word == expected, at most until the absolute CLOCK_MONOTONIC
// deadline (UINT64_MAX: forever). Returns false once the deadline passed.
bool futex_wait_until(std::atomic<uint32_t>* word, uint32_t expected, uint64_t deadline_ns);
void futex_wake_all(std::atomic<uint32_t>* word);

// Linux capability numbers (include/uapi/linux/capability.h).
inline constexpr int kCapIpcLock = 14;
inline constexpr int kCapSysAdmin = 21;
inline constexpr int kCapSysNice = 23;

// capable(): the calling thread's effective set, as the kernel checks it
// (/proc/thread-self/status, CapEff).
bool thread_capable(int cap);

enum class LogLevel { kDebug, kInfo, kWarn, kError };
// Goes to spdlog when the library was built with it, else to stderr for
// warnings and errors only.
void log(LogLevel level, const std::string& message);

}  // namespace tern::rt::mock
