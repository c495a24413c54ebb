// SPDX-License-Identifier: MIT
// Card-wide telemetry: per-core busy accounting fed by EXECUTE, and the
// thermal/power model advanced by the housekeeping tick (hw-spec 6 notes).
#pragma once

#include <array>
#include <cstdint>
#include <mutex>

#include "register_file.hpp"

namespace tern::sim {

class Telemetry {
public:
    explicit Telemetry(uint32_t num_cores);

    // Physical cores in `mask` are busy between begin and end. Overlapping
    // intervals on one core (two queues) count once.
    void cores_begin(uint32_t mask, uint64_t now_ns);
    void cores_end(uint32_t mask, uint64_t now_ns);

    // Advances the model to now_ns (heartbeat, utilisation over the elapsed
    // tick, power, energy, temperatures). Returns true if the throttle state
    // changed.
    bool tick(uint64_t now_ns);

    void inject_ecc_corrected();
    void inject_ecc_uncorrected();
    bool throttled() const;

    // Writes the telemetry block, heartbeat and timestamp of one function.
    // `core_mask` lists the function's physical cores; CORE_UTIL(i) shows the
    // i-th of them (a VF sees its own cores at relative indices).
    void publish(RegisterFile& regs, uint32_t core_mask, uint64_t now_ns) const;

private:
    struct Core {
        uint32_t active = 0;    // EXECUTEs running on the core
        uint64_t since_ns = 0;  // start of the current busy interval
        uint64_t busy_ns = 0;   // busy time accumulated in this tick
        uint32_t util = 0;      // 0..10000 over the last tick
    };

    mutable std::mutex mu_;
    uint32_t num_cores_;
    std::array<Core, TERN_MAX_CORES> cores_{};
    uint64_t last_tick_ns_ = 0;
    uint32_t heartbeat_ = 0;
    double power_w_;
    double energy_uj_ = 0;
    double die_c_;
    bool throttled_ = false;
    uint64_t ecc_corrected_ = 0;
    uint64_t ecc_uncorrected_ = 0;
};

}  // namespace tern::sim
