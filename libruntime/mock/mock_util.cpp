// SPDX-License-Identifier: MIT
#include "mock/mock_util.hpp"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#if TERN_MOCK_HAVE_SPDLOG
#include <spdlog/spdlog.h>
#endif

namespace tern::rt::mock {

uint64_t monotonic_ns() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

bool futex_wait_until(std::atomic<uint32_t>* word, uint32_t expected, uint64_t deadline_ns) {
    timespec abs;
    timespec* tp = nullptr;
    if (deadline_ns != UINT64_MAX) {
        if (monotonic_ns() >= deadline_ns) {
            return false;
        }
        abs.tv_sec = static_cast<time_t>(deadline_ns / 1000000000ull);
        abs.tv_nsec = static_cast<long>(deadline_ns % 1000000000ull);
        tp = &abs;
    }
    // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline, which is
    // exactly the syncobj timeout convention.
    const long r = syscall(SYS_futex, reinterpret_cast<uint32_t*>(word),
                           FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, expected, tp, nullptr,
                           FUTEX_BITSET_MATCH_ANY);
    return !(r == -1 && errno == ETIMEDOUT);
}

void futex_wake_all(std::atomic<uint32_t>* word) {
    syscall(SYS_futex, reinterpret_cast<uint32_t*>(word), FUTEX_WAKE | FUTEX_PRIVATE_FLAG,
            INT32_MAX, nullptr, nullptr, 0);
}

bool thread_capable(int cap) {
    FILE* f = std::fopen("/proc/thread-self/status", "re");
    if (f == nullptr) {
        f = std::fopen("/proc/self/status", "re");
    }
    if (f == nullptr) {
        return geteuid() == 0;  // no procfs: fall back to the old root rule
    }
    char line[256];
    unsigned long long eff = 0;
    bool found = false;
    while (std::fgets(line, sizeof(line), f) != nullptr) {
        if (std::sscanf(line, "CapEff: %llx", &eff) == 1) {
            found = true;
            break;
        }
    }
    std::fclose(f);
    return found && ((eff >> cap) & 1) != 0;
}

void log(LogLevel level, const std::string& message) {
#if TERN_MOCK_HAVE_SPDLOG
    switch (level) {
        case LogLevel::kDebug:
            spdlog::debug("tern-mock: {}", message);
            break;
        case LogLevel::kInfo:
            spdlog::info("tern-mock: {}", message);
            break;
        case LogLevel::kWarn:
            spdlog::warn("tern-mock: {}", message);
            break;
        case LogLevel::kError:
            spdlog::error("tern-mock: {}", message);
            break;
    }
#else
    if (level == LogLevel::kWarn || level == LogLevel::kError) {
        std::fprintf(stderr, "tern-mock: %s\n", message.c_str());
    }
#endif
}

}  // namespace tern::rt::mock
