// SPDX-License-Identifier: MIT
// tern-smi with no command: one row per device, like nvidia-smi's table.
#include "commands.hpp"
#include "json_doc.hpp"
#include "session.hpp"
#include "snapshot.hpp"
#include "text_format.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace tern::smi {

Exit cmd_summary(const GlobalOptions& g) {
    Session s(g.backend);
    std::vector<OpenDevice*> devs = s.select(parse_selectors(g.devices));
    json doc = envelope("summary", s.backend());
    json list = json::array();
    TextTable table({{"Idx", true},
                     {"Name"},
                     {"PCI address"},
                     {"Partition"},
                     {"Memory used / total", true},
                     {"Util", true},
                     {"Temp", true},
                     {"Power", true},
                     {"Procs", true}});
    uint32_t uninspected = 0;
    for (OpenDevice* d : devs) {
        TelemetryView t = read_telemetry(s, *d);
        ProcessesView p = read_processes(s, *d);
        uninspected += p.uninspected;
        json j = device_ref(*d);
        j["memory_used_bytes"] = t.memory_used_bytes;
        j["memory_total_bytes"] = t.memory_total_bytes;
        j["utilization_percent"] = opt(t.util_percent);
        j["temperature_die_c"] = opt(t.die_c);
        j["power_w"] = opt(t.power_w);
        j["process_count"] = p.list.size();
        j["uninspected_processes"] = p.uninspected;
        list.push_back(std::move(j));
        table.add_row(
            {std::to_string(d->index), d->info.name,
             d->info.pci_address[0] != '\0' ? d->info.pci_address : kNotAvailable,
             d->info.is_partition ? fmt::format("vf {}", d->info.partition_index) : "-",
             format_bytes(t.memory_used_bytes) + " / " + format_bytes(t.memory_total_bytes),
             format_percent(t.util_percent), format_celsius(t.die_c), format_watts(t.power_w),
             std::to_string(p.list.size())});
    }
    doc["devices"] = std::move(list);
    if (g.json) {
        print_json(doc, false);
        return Exit::ok;
    }
    tern_version_info v = tern::version_info();
    std::string out = fmt::format("tern-smi {} | runtime {} (API {}) | backend {} | {} device{}\n",
                                  TERN_SMI_VERSION, v.release, version_major_minor(v.api_version),
                                  s.backend(), s.device_count(), s.device_count() == 1 ? "" : "s");
    out += table.render();
    if (uninspected > 0)
        out += fmt::format(
            "{} process(es) of other users could not be inspected; run as root to see every "
            "holder\n",
            uninspected);
    std::fputs(out.c_str(), stdout);
    return Exit::ok;
}

}  // namespace tern::smi
