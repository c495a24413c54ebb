// SPDX-License-Identifier: MIT
#include "health_rules.hpp"

#include <fmt/format.h>

namespace tern::smi {

std::vector<Check> evaluate_health(const HealthFacts& f) {
    std::vector<Check> out;
    if (!f.responsive) {
        out.push_back({"responsive", CheckStatus::fail, f.unresponsive_reason});
        return out;  // nothing else can be read from a device that does not answer
    }
    out.push_back({"responsive", CheckStatus::pass, "the driver answers parameter reads"});

    if (!f.driver_state)
        out.push_back({"driver_state", CheckStatus::unknown, f.driver_state_unknown_reason});
    else if (*f.driver_state == "ready")
        out.push_back({"driver_state", CheckStatus::pass, "ready"});
    else if (*f.driver_state == "resetting")
        out.push_back({"driver_state", CheckStatus::warn, "a function reset is in progress"});
    else
        out.push_back({"driver_state", CheckStatus::fail,
                       *f.driver_state + ": rebind the driver or reset the PCI function"});

    if (!f.heartbeat_advancing)
        out.push_back({"heartbeat", CheckStatus::unknown, "the device has no telemetry"});
    else if (*f.heartbeat_advancing)
        out.push_back({"heartbeat", CheckStatus::pass, "advancing"});
    else
        out.push_back({"heartbeat", CheckStatus::fail,
                       "stalled: the device firmware stopped updating its heartbeat"});

    if (!f.die_c || !f.limit_c)
        out.push_back({"temperature", CheckStatus::unknown, "no die temperature sensor"});
    else if (*f.die_c < *f.limit_c)
        out.push_back({"temperature", CheckStatus::pass,
                       fmt::format("die {:.1f} C, limit {:.1f} C", *f.die_c, *f.limit_c)});
    else
        out.push_back({"temperature", CheckStatus::warn,
                       fmt::format("die {:.1f} C at or above the limit {:.1f} C: check the "
                                   "coolant inlet temperature and flow",
                                   *f.die_c, *f.limit_c)});

    if (!f.throttled)
        out.push_back({"throttling", CheckStatus::unknown, "no clock sensor"});
    else if (!*f.throttled)
        out.push_back({"throttling", CheckStatus::pass, "not throttled"});
    else
        out.push_back({"throttling", CheckStatus::warn, "the clock is thermally throttled"});

    if (!f.ecc_uncorrected)
        out.push_back({"ecc", CheckStatus::unknown, "no ECC counters"});
    else if (*f.ecc_uncorrected == 0)
        out.push_back({"ecc", CheckStatus::pass,
                       fmt::format("0 uncorrected, {} corrected", f.ecc_corrected.value_or(0))});
    else
        out.push_back({"ecc", CheckStatus::fail,
                       fmt::format("{} uncorrected memory errors since power-on: device memory "
                                   "contents are not reliable",
                                   *f.ecc_uncorrected)});
    return out;
}

Verdict verdict(const std::vector<Check>& checks) {
    Verdict v = Verdict::healthy;
    for (const Check& c : checks) {
        if (c.status == CheckStatus::fail)
            return Verdict::unhealthy;
        if (c.status == CheckStatus::warn)
            v = Verdict::degraded;
    }
    return v;
}

const char* check_status_name(CheckStatus s) {
    switch (s) {
        case CheckStatus::pass:
            return "pass";
        case CheckStatus::warn:
            return "warn";
        case CheckStatus::fail:
            return "fail";
        case CheckStatus::unknown:
            return "unknown";
    }
    return "unknown";
}

const char* verdict_name(Verdict v) {
    switch (v) {
        case Verdict::healthy:
            return "healthy";
        case Verdict::degraded:
            return "degraded";
        case Verdict::unhealthy:
            return "unhealthy";
    }
    return "unhealthy";
}

}  // namespace tern::smi
