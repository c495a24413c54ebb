// SPDX-License-Identifier: MIT
#include "log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

#include <cstdlib>
#include <cstring>
#include <memory>

namespace tern::rt::log {

namespace {

spdlog::level::level_enum level_from_env() {
    const char* v = std::getenv("TERN_LOG_LEVEL");
    if (v == nullptr || *v == '\0')
        return spdlog::level::warn;
    static const struct {
        const char* name;
        spdlog::level::level_enum level;
    } names[] = {{"trace", spdlog::level::trace},  {"debug", spdlog::level::debug},
                 {"info", spdlog::level::info},    {"warn", spdlog::level::warn},
                 {"warning", spdlog::level::warn}, {"error", spdlog::level::err},
                 {"off", spdlog::level::off}};
    for (const auto& n : names)
        if (strcasecmp(v, n.name) == 0)
            return n.level;
    std::fprintf(stderr,
                 "[tern] [warning] TERN_LOG_LEVEL=%s is not one of "
                 "trace|debug|info|warn|error|off; using warn\n",
                 v);
    return spdlog::level::warn;
}

}  // namespace

spdlog::logger& logger() {
    // Not registered in spdlog's global registry: the application may use
    // spdlog itself, with its own "tern" logger or default level.
    static spdlog::logger* l = [] {
        auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
        auto* lg = new spdlog::logger("tern", std::move(sink));
        lg->set_pattern("[tern] [%l] %v");
        lg->set_level(level_from_env());
        lg->flush_on(spdlog::level::warn);
        return lg;
    }();
    return *l;
}

}  // namespace tern::rt::log
