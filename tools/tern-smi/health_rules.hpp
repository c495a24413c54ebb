// SPDX-License-Identifier: MIT
// How `tern-smi health` judges a device (docs/tern-smi.md, "health"): named
// checks over facts the runtime reports, each pass, warn, fail or unknown
// (the backend cannot tell). A device with a failed check is unhealthy,
// with a warning degraded. Pure functions, so the rules are unit tested.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tern::smi {

enum class CheckStatus { pass, warn, fail, unknown };
enum class Verdict { healthy, degraded, unhealthy };

struct Check {
    std::string name;  // responsive, driver_state, heartbeat, temperature, throttling, ecc
    CheckStatus status = CheckStatus::unknown;
    std::string detail;
};

// What is known about one device; nullopt = not reported.
struct HealthFacts {
    bool responsive = true;
    std::string unresponsive_reason;          // when !responsive
    std::optional<std::string> driver_state;  // "ready", "resetting", "wedged"
    std::string driver_state_unknown_reason;  // when !driver_state
    std::optional<uint64_t> reset_count;
    std::optional<bool> heartbeat_advancing;
    std::optional<double> die_c, limit_c;
    std::optional<bool> throttled;
    std::optional<uint64_t> ecc_corrected, ecc_uncorrected;
};

std::vector<Check> evaluate_health(const HealthFacts& facts);
Verdict verdict(const std::vector<Check>& checks);

const char* check_status_name(CheckStatus s);  // "pass", ...
const char* verdict_name(Verdict v);           // "healthy", ...

}  // namespace tern::smi
