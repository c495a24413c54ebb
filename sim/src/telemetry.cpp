// SPDX-License-Identifier: MIT
#include "telemetry.hpp"

#include <algorithm>
#include <cmath>

namespace tern::sim {

namespace {

// The T1 thermal/power model (hw-spec 6 notes).
constexpr double kIdlePowerW = 45.0;
constexpr double kCorePowerW = 30.0;  // per fully busy core
constexpr double kDieCPerW = 0.12;    // die rise over coolant per watt
constexpr double kThermalTauS = 1.0;  // first-order time constant
constexpr double kHbmFraction = 0.6;  // HBM sits 60 % of the way to the die
constexpr double kCoolantInC = 30.0;
constexpr uint32_t kCoolantFlowMlMin = 1500;
constexpr double kWaterJPerKgK = 4186.0;
constexpr uint32_t kClockMhz = 1400;
constexpr uint32_t kThrottledClockMhz = 700;
constexpr int32_t kTempLimitMc = 95000;
constexpr uint32_t kUtilFull = 10000;  // CORE_UTIL unit: 0.01 %
constexpr uint32_t kAllSensors = TERN_TELEM_TEMP_DIE | TERN_TELEM_TEMP_HBM | TERN_TELEM_COOLANT_IN |
                                 TERN_TELEM_COOLANT_OUT | TERN_TELEM_COOLANT_FLOW |
                                 TERN_TELEM_POWER | TERN_TELEM_ENERGY | TERN_TELEM_CORE_UTIL |
                                 TERN_TELEM_ECC | TERN_TELEM_CLOCK;

constexpr double kNsPerS = 1e9;

int32_t milli(double celsius) {
    return static_cast<int32_t>(std::lround(celsius * 1000.0));
}

}  // namespace

Telemetry::Telemetry(uint32_t num_cores)
    : num_cores_(std::min<uint32_t>(num_cores, TERN_MAX_CORES)),
      power_w_(kIdlePowerW),
      // Power-on in equilibrium at idle, so an idle card reads steady values.
      die_c_(kCoolantInC + kDieCPerW * kIdlePowerW) {}

void Telemetry::cores_begin(uint32_t mask, uint64_t now_ns) {
    std::lock_guard lock(mu_);
    for (uint32_t c = 0; c < num_cores_; ++c) {
        if ((mask >> c & 1) != 0 && cores_[c].active++ == 0) {
            cores_[c].since_ns = now_ns;
        }
    }
}

void Telemetry::cores_end(uint32_t mask, uint64_t now_ns) {
    std::lock_guard lock(mu_);
    for (uint32_t c = 0; c < num_cores_; ++c) {
        Core& core = cores_[c];
        if ((mask >> c & 1) == 0 || core.active == 0) {
            continue;
        }
        if (--core.active == 0 && now_ns > core.since_ns) {
            core.busy_ns += now_ns - core.since_ns;
        }
    }
}

bool Telemetry::tick(uint64_t now_ns) {
    std::lock_guard lock(mu_);
    ++heartbeat_;
    if (now_ns <= last_tick_ns_) {
        return false;
    }
    const uint64_t dt_ns = now_ns - last_tick_ns_;
    last_tick_ns_ = now_ns;
    double busy_cores = 0;
    for (uint32_t c = 0; c < num_cores_; ++c) {
        Core& core = cores_[c];
        if (core.active != 0 && now_ns > core.since_ns) {
            // Split a running interval at the tick boundary.
            core.busy_ns += now_ns - core.since_ns;
            core.since_ns = now_ns;
        }
        const uint64_t busy = std::min(core.busy_ns, dt_ns);
        core.util = static_cast<uint32_t>(busy * kUtilFull / dt_ns);
        core.busy_ns = 0;
        busy_cores += static_cast<double>(core.util) / kUtilFull;
    }
    const double dt_s = static_cast<double>(dt_ns) / kNsPerS;
    power_w_ = kIdlePowerW + kCorePowerW * busy_cores;
    energy_uj_ += power_w_ * dt_s * 1e6;
    const double target = kCoolantInC + kDieCPerW * power_w_;
    die_c_ += (target - die_c_) * (1.0 - std::exp(-dt_s / kThermalTauS));
    const bool throttled = milli(die_c_) > kTempLimitMc;
    const bool changed = throttled != throttled_;
    throttled_ = throttled;
    return changed;
}

void Telemetry::inject_ecc_corrected() {
    std::lock_guard lock(mu_);
    ++ecc_corrected_;
}

void Telemetry::inject_ecc_uncorrected() {
    std::lock_guard lock(mu_);
    ++ecc_uncorrected_;
}

bool Telemetry::throttled() const {
    std::lock_guard lock(mu_);
    return throttled_;
}

void Telemetry::publish(RegisterFile& regs, uint32_t core_mask, uint64_t now_ns) const {
    std::lock_guard lock(mu_);
    const double flow_kg_s = kCoolantFlowMlMin / 60.0 / 1000.0;  // water: 1 kg per litre
    const double out_c = kCoolantInC + power_w_ / (flow_kg_s * kWaterJPerKgK);
    const double hbm_c = kCoolantInC + kHbmFraction * (die_c_ - kCoolantInC);
    regs.store32(TERN_REG_HEARTBEAT, heartbeat_);
    regs.store64(TERN_REG_TIMESTAMP, now_ns);
    regs.store32(TERN_REG_TELEM_VALID, kAllSensors);
    regs.store32(TERN_REG_TELEM_SEQ, heartbeat_);
    regs.store32(TERN_REG_TEMP_DIE, static_cast<uint32_t>(milli(die_c_)));
    regs.store32(TERN_REG_TEMP_HBM, static_cast<uint32_t>(milli(hbm_c)));
    regs.store32(TERN_REG_COOLANT_IN, static_cast<uint32_t>(milli(kCoolantInC)));
    regs.store32(TERN_REG_COOLANT_OUT, static_cast<uint32_t>(milli(out_c)));
    regs.store32(TERN_REG_COOLANT_FLOW, kCoolantFlowMlMin);
    regs.store32(TERN_REG_POWER, static_cast<uint32_t>(std::lround(power_w_ * 1000.0)));
    regs.store64(TERN_REG_ENERGY, static_cast<uint64_t>(energy_uj_));
    regs.store32(TERN_REG_CLOCK_MHZ, throttled_ ? kThrottledClockMhz : kClockMhz);
    regs.store32(TERN_REG_TEMP_LIMIT, static_cast<uint32_t>(kTempLimitMc));
    regs.store64(TERN_REG_ECC_CORRECTED, ecc_corrected_);
    regs.store64(TERN_REG_ECC_UNCORRECTED, ecc_uncorrected_);
    uint32_t rel = 0;
    for (uint32_t c = 0; c < num_cores_; ++c) {
        if ((core_mask >> c & 1) != 0) {
            regs.store32(TERN_REG_CORE_UTIL(rel++), cores_[c].util);
        }
    }
}

}  // namespace tern::sim
