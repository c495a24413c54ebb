// SPDX-License-Identifier: MIT
// tern-smi telemetry: one sample per device, or one every --interval-ms
// (JSON: one document per line) until --count samples or Ctrl-C.
#include "cli_error.hpp"
#include "commands.hpp"
#include "json_doc.hpp"
#include "session.hpp"
#include "snapshot.hpp"
#include "telemetry_text.hpp"
#include "terminal.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>

namespace tern::smi {

Exit cmd_telemetry(const GlobalOptions& g, const RepeatOptions& r) {
    const bool repeat = r.interval_ms.has_value() || r.count.value_or(1) > 1;
    const auto interval = std::chrono::milliseconds(r.interval_ms.value_or(1000));
    Session s(g.backend);
    std::vector<OpenDevice*> devs = s.select(parse_selectors(g.devices));
    StopSignals stop;
    const auto start = std::chrono::steady_clock::now();
    for (uint64_t sample = 0; !r.count || sample < *r.count; ++sample) {
        json doc = envelope("telemetry", s.backend());
        doc["sample"] = sample;
        json list = json::array();
        std::string out = repeat ? fmt::format("--- sample {}\n", sample) : std::string();
        for (OpenDevice* d : devs) {
            TelemetryView t = read_telemetry(s, *d);
            json j = device_ref(*d);
            add_telemetry(j, t);
            list.push_back(std::move(j));
            out += telemetry_text(*d, t, false);
        }
        doc["devices"] = std::move(list);
        if (g.json) {
            print_json(doc, repeat);
        } else {
            std::fputs(out.c_str(), stdout);
            std::fflush(stdout);
        }
        if (!repeat || (r.count && sample + 1 >= *r.count))
            break;
        if (wait_until(start + interval * (sample + 1), nullptr))
            break;  // Ctrl-C / SIGTERM: the samples so far were complete
    }
    return Exit::ok;
}

}  // namespace tern::smi
