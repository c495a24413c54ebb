// SPDX-License-Identifier: MIT
// What tern-smi reads from a device, in units people use, with every value
// the device cannot report as an empty optional (JSON null, "n/a"), never a
// stand-in number.
#pragma once

#include "session.hpp"

#include <tern/tern.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tern::smi {

struct TelemetryView {
    bool supported = false;  // the device has telemetry at all
    std::optional<double> die_c, hbm_c, limit_c, coolant_in_c, coolant_out_c;
    std::optional<uint32_t> coolant_flow_ml_min;
    std::optional<double> power_w, energy_j;
    std::optional<uint32_t> clock_mhz;
    std::optional<bool> throttled;
    std::optional<uint64_t> ecc_corrected, ecc_uncorrected;
    std::optional<std::vector<double>> core_util_percent;
    std::optional<double> util_percent;  // mean over the function's cores
    std::optional<uint32_t> heartbeat, seq;
    std::optional<uint64_t> device_timestamp_ns;
    uint64_t memory_total_bytes = 0;
    uint64_t memory_used_bytes = 0;
};

// Refreshes the memory numbers (tern_device_get_info) and reads telemetry.
TelemetryView read_telemetry(Session& s, OpenDevice& d);

struct ProcessesView {
    std::vector<tern_process_info> list;
    uint32_t uninspected = 0;
    std::string source;  // "fdinfo" (kernel) or "mock-self"
};

ProcessesView read_processes(Session& s, OpenDevice& d);

// Version encodings of tern_device_info / tern_version_info as text.
std::string version_major_minor(uint32_t v);  // major << 16 | minor
std::string version_packed_3(uint32_t v);     // major << 24 | minor << 16 | patch

// Names of the TERN_CAP_* bits that are set, in bit order.
std::vector<std::string> capability_names(uint64_t caps);

}  // namespace tern::smi
