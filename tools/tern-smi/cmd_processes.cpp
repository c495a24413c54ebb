// SPDX-License-Identifier: MIT
// tern-smi processes: who holds each device (pid, command, memory, engine
// time), from the driver's fdinfo on the kernel backend.
#include "commands.hpp"
#include "json_doc.hpp"
#include "processes_text.hpp"
#include "session.hpp"
#include "snapshot.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace tern::smi {

Exit cmd_processes(const GlobalOptions& g) {
    Session s(g.backend);
    std::vector<OpenDevice*> devs = s.select(parse_selectors(g.devices));
    json doc = envelope("processes", s.backend());
    json list = json::array();
    std::string out;
    for (OpenDevice* d : devs) {
        ProcessesView p = read_processes(s, *d);
        json j = device_ref(*d);
        add_processes(j, p);
        list.push_back(std::move(j));
        out += fmt::format("Device {}: {} ({})\n", d->index, d->info.name, d->info.node);
        out += processes_text(p);
    }
    doc["devices"] = std::move(list);
    if (g.json)
        print_json(doc, false);
    else
        std::fputs(out.c_str(), stdout);
    return Exit::ok;
}

}  // namespace tern::smi
