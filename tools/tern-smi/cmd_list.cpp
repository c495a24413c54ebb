// SPDX-License-Identifier: MIT
// tern-smi list: one line per device (like nvidia-smi -L / neuron-ls).
#include "commands.hpp"
#include "json_doc.hpp"
#include "session.hpp"
#include "text_format.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace tern::smi {

Exit cmd_list(const GlobalOptions& g) {
    Session s(g.backend);
    std::vector<OpenDevice*> devs = s.select(parse_selectors(g.devices));
    json doc = envelope("list", s.backend());
    json list = json::array();
    std::string out;
    for (OpenDevice* d : devs) {
        const tern_device_info& i = d->info;
        json j = device_ref(*d);
        j["num_cores"] = i.num_cores;
        j["memory_total_bytes"] = i.memory_total;
        j["numa_node"] = i.numa_node >= 0 ? json(i.numa_node) : json(nullptr);
        list.push_back(std::move(j));
        out += fmt::format("Device {}: {} (node {}, PCI {}, {} cores, {} memory, NUMA node {})\n",
                           d->index, i.name, i.node,
                           i.pci_address[0] != '\0' ? i.pci_address : kNotAvailable, i.num_cores,
                           format_bytes(i.memory_total),
                           i.numa_node >= 0 ? std::to_string(i.numa_node) : kNotAvailable);
    }
    doc["devices"] = std::move(list);
    if (g.json)
        print_json(doc, false);
    else
        std::fputs(out.c_str(), stdout);
    return Exit::ok;
}

}  // namespace tern::smi
