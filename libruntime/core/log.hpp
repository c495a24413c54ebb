// SPDX-License-Identifier: MIT
// Runtime logging through spdlog, to stderr. TERN_LOG_LEVEL =
// trace|debug|info|warn|error|off (default warn). The level test comes
// before any formatting, so disabled log lines cost one compare.
#pragma once

#include <spdlog/spdlog.h>

namespace tern::rt::log {

// The runtime's logger; created on first use, lives until exit.
spdlog::logger& logger();

inline bool enabled(spdlog::level::level_enum level) {
    return logger().should_log(level);
}

}  // namespace tern::rt::log

// lvl: trace, debug, info, warn, err.
#define TERN_LOG(lvl, ...)                                    \
    do {                                                      \
        auto& tern_log_l_ = ::tern::rt::log::logger();        \
        if (tern_log_l_.should_log(spdlog::level::lvl))       \
            tern_log_l_.log(spdlog::level::lvl, __VA_ARGS__); \
    } while (0)
