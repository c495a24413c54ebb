// SPDX-License-Identifier: MIT
#include "telemetry_text.hpp"

#include "text_format.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace tern::smi {

namespace {

std::string bar(double percent, int width) {
    const int filled = std::clamp(int(percent / 100.0 * width + 0.5), 0, width);
    return "[" + std::string(size_t(filled), '#') + std::string(size_t(width - filled), '.') + "]";
}

}  // namespace

std::string telemetry_text(const OpenDevice& d, const TelemetryView& t, bool bars) {
    std::string out =
        fmt::format("Device {}: {} ({}, {})\n", d.index, d.info.name, d.info.node,
                    d.info.pci_address[0] != '\0' ? d.info.pci_address : kNotAvailable);
    auto row = [&](const char* k, const std::string& v) {
        out += fmt::format("  {:<13}{}\n", k, v);
    };
    if (!t.supported)
        row("Telemetry", "not supported by this device");
    row("Temperature", fmt::format("die {}, HBM {}, throttle limit {}", format_celsius(t.die_c),
                                   format_celsius(t.hbm_c), format_celsius(t.limit_c)));
    row("Coolant",
        fmt::format("inlet {}, outlet {}, flow {}", format_celsius(t.coolant_in_c),
                    format_celsius(t.coolant_out_c),
                    t.coolant_flow_ml_min ? fmt::format("{} mL/min", *t.coolant_flow_ml_min)
                                          : std::string(kNotAvailable)));
    row("Power",
        fmt::format("{}, energy {}, clock {}, throttled {}", format_watts(t.power_w),
                    t.energy_j ? fmt::format("{:.1f} J", *t.energy_j) : std::string(kNotAvailable),
                    t.clock_mhz ? fmt::format("{} MHz", *t.clock_mhz) : std::string(kNotAvailable),
                    t.throttled ? (*t.throttled ? "yes" : "no") : kNotAvailable));
    const double mem_pct = t.memory_total_bytes != 0
                               ? 100.0 * double(t.memory_used_bytes) / double(t.memory_total_bytes)
                               : 0.0;
    row("Memory", fmt::format("{} used of {} ({:.1f} %)", format_bytes(t.memory_used_bytes),
                              format_bytes(t.memory_total_bytes), mem_pct));
    row("ECC errors", fmt::format("{} corrected, {} uncorrected", format_or_na(t.ecc_corrected),
                                  format_or_na(t.ecc_uncorrected)));
    row("Utilization", format_percent(t.util_percent));
    if (t.core_util_percent) {
        const auto& cores = *t.core_util_percent;
        if (bars) {
            for (size_t c = 0; c < cores.size(); ++c)
                out += fmt::format("    core {:>2} {} {:5.1f} %\n", c, bar(cores[c], 30), cores[c]);
        } else {
            std::string line;
            for (size_t c = 0; c < cores.size(); ++c) {
                line += fmt::format("{}{}: {:.1f} %", c % 8 == 0 ? "" : ", ", c, cores[c]);
                if (c % 8 == 7 || c + 1 == cores.size()) {
                    row(c < 8 ? "Cores" : "", line);
                    line.clear();
                }
            }
        }
    }
    return out;
}

}  // namespace tern::smi
