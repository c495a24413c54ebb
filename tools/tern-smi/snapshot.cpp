// SPDX-License-Identifier: MIT
#include "snapshot.hpp"

#include "cli_error.hpp"

#include <fmt/format.h>

namespace tern::smi {

TelemetryView read_telemetry(Session& s, OpenDevice& d) {
    TelemetryView v;
    tern_telemetry t{};
    try {
        d.info = d.device.info();
        t = tern::telemetry(d.device);
        v.supported = true;
    } catch (const tern::Error& e) {
        if (e.status() != TERN_ERROR_NOT_SUPPORTED)
            throw s.error(e, &d, "reading telemetry of");
    }
    v.memory_total_bytes = d.info.memory_total;
    v.memory_used_bytes =
        d.info.memory_total > d.info.memory_free ? d.info.memory_total - d.info.memory_free : 0;
    if (!v.supported)
        return v;
    auto has = [&](uint32_t bit) { return (t.valid & bit) != 0; };
    auto celsius = [](int32_t mc) { return double(mc) / 1000.0; };
    if (has(TERN_TELEMETRY_TEMP_DIE)) {
        v.die_c = celsius(t.temp_die_mc);
        v.limit_c = celsius(t.temp_limit_mc);
    }
    if (has(TERN_TELEMETRY_TEMP_HBM))
        v.hbm_c = celsius(t.temp_hbm_mc);
    if (has(TERN_TELEMETRY_COOLANT_IN))
        v.coolant_in_c = celsius(t.coolant_in_mc);
    if (has(TERN_TELEMETRY_COOLANT_OUT))
        v.coolant_out_c = celsius(t.coolant_out_mc);
    if (has(TERN_TELEMETRY_COOLANT_FLOW))
        v.coolant_flow_ml_min = t.coolant_flow_ml_min;
    if (has(TERN_TELEMETRY_POWER))
        v.power_w = double(t.power_mw) / 1000.0;
    if (has(TERN_TELEMETRY_ENERGY))
        v.energy_j = double(t.energy_uj) / 1e6;
    if (has(TERN_TELEMETRY_CLOCK)) {
        v.clock_mhz = t.clock_mhz;
        v.throttled = t.throttled != 0;
    }
    if (has(TERN_TELEMETRY_ECC)) {
        v.ecc_corrected = t.ecc_corrected;
        v.ecc_uncorrected = t.ecc_uncorrected;
    }
    if (has(TERN_TELEMETRY_CORE_UTIL)) {
        std::vector<double> cores;
        double sum = 0;
        for (uint32_t c = 0; c < t.num_cores; ++c) {
            cores.push_back(double(t.core_util[c]) / 100.0);
            sum += cores.back();
        }
        if (!cores.empty())
            v.util_percent = sum / double(cores.size());
        v.core_util_percent = std::move(cores);
    }
    v.heartbeat = t.heartbeat;
    v.seq = t.seq;
    v.device_timestamp_ns = t.timestamp_ns;
    return v;
}

ProcessesView read_processes(Session& s, OpenDevice& d) {
    ProcessesView v;
    try {
        tern::Processes p = tern::processes(d.device);
        v.list = std::move(p.list);
        v.uninspected = p.uninspected;
    } catch (const tern::Error& e) {
        throw s.error(e, &d, "listing the processes of");
    }
    v.source = s.backend() == "mock" ? "mock-self" : "fdinfo";
    return v;
}

std::string version_major_minor(uint32_t v) {
    return fmt::format("{}.{}", v >> 16, v & 0xffff);
}

std::string version_packed_3(uint32_t v) {
    return fmt::format("{}.{}.{}", v >> 24, (v >> 16) & 0xff, v & 0xffff);
}

std::vector<std::string> capability_names(uint64_t caps) {
    static const struct {
        uint64_t bit;
        const char* name;
    } kNames[] = {
        {TERN_CAP_FP32, "fp32"},
        {TERN_CAP_BF16, "bf16"},
        {TERN_CAP_FP16, "fp16"},
        {TERN_CAP_INT32, "int32"},
        {TERN_CAP_SEMAPHORES, "semaphores"},
        {TERN_CAP_TIMESTAMP, "timestamp"},
        {TERN_CAP_LARGE_PAGES, "large_pages"},
        {TERN_CAP_PARTITIONING, "partitioning"},
        {TERN_CAP_ERR_INJECT, "error_injection"},
        {TERN_CAP_TIMELINE_SYNCOBJ, "timeline_syncobj"},
        {TERN_CAP_DEVICE_MMAP, "device_mmap"},
        {TERN_CAP_PARTITION_SET, "partition_set"},
        {TERN_CAP_TELEMETRY, "telemetry"},
        {TERN_CAP_EMULATED, "emulated"},
    };
    std::vector<std::string> out;
    for (const auto& n : kNames)
        if ((caps & n.bit) != 0)
            out.emplace_back(n.name);
    return out;
}

}  // namespace tern::smi
