// SPDX-License-Identifier: MIT
// tern-smi info: everything static about a device: identity, capabilities,
// cores, memory, NUMA node, PCIe link, limits and versions.
#include "commands.hpp"
#include "json_doc.hpp"
#include "session.hpp"
#include "snapshot.hpp"
#include "text_format.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace tern::smi {

namespace {

json link_speed(uint32_t mts) {
    return mts != 0 ? json(double(mts) / 1000.0) : json(nullptr);
}

json nonzero(uint32_t v) {
    return v != 0 ? json(v) : json(nullptr);
}

std::string link_text(uint32_t mts, uint32_t width) {
    if (mts == 0 && width == 0)
        return kNotAvailable;
    return fmt::format(
        "{} x{}",
        mts != 0 ? fmt::format("{:g} GT/s", double(mts) / 1000.0) : std::string(kNotAvailable),
        width != 0 ? std::to_string(width) : std::string("?"));
}

}  // namespace

Exit cmd_info(const GlobalOptions& g) {
    Session s(g.backend);
    std::vector<OpenDevice*> devs = s.select(parse_selectors(g.devices));
    json doc = envelope("info", s.backend());
    json list = json::array();
    std::string out;
    for (OpenDevice* d : devs) {
        tern_device_properties p{};
        try {
            p = tern::properties(d->device);
            d->info = d->device.info();
        } catch (const tern::Error& e) {
            throw s.error(e, d, "reading the properties of");
        }
        const tern_device_info& i = d->info;
        const uint64_t used = i.memory_total > i.memory_free ? i.memory_total - i.memory_free : 0;
        const std::vector<std::string> caps = capability_names(p.capabilities);

        json j = device_ref(*d);
        j["function"] = i.is_partition ? "vf" : "pf";
        j["pci_vendor_id"] = p.vendor_id;
        j["pci_device_id"] = p.device_id;
        j["pci_revision"] = p.revision;
        j["transport"] = p.transport[0] != '\0' ? json(p.transport) : json(nullptr);
        j["capabilities"] = caps;
        j["capability_bits"] = p.capabilities;
        j["num_cores"] = i.num_cores;
        j["core_mask"] = p.core_mask;
        j["memory_total_bytes"] = i.memory_total;
        j["memory_free_bytes"] = i.memory_free;
        j["memory_used_bytes"] = used;
        j["page_size_bytes"] = p.page_size;
        j["numa_node"] = i.numa_node >= 0 ? json(i.numa_node) : json(nullptr);
        j["pcie_link"] = {{"speed_gt_per_s", link_speed(p.link_speed_mts)},
                          {"width_lanes", nonzero(p.link_width)},
                          {"max_speed_gt_per_s", link_speed(p.link_max_speed_mts)},
                          {"max_width_lanes", nonzero(p.link_max_width)}};
        j["limits"] = {{"num_queues", p.num_queues},
                       {"max_contexts", p.max_contexts},
                       {"max_address_spaces", p.max_address_spaces},
                       {"va_bits", p.va_bits},
                       {"max_partitions", p.max_partitions},
                       {"timestamp_frequency_hz", p.timestamp_freq_hz}};
        j["versions"] = {{"uapi", version_major_minor(i.uapi_version)},
                         {"hardware", version_major_minor(i.hw_version)},
                         {"firmware", version_packed_3(i.fw_version)},
                         {"driver", version_packed_3(i.driver_version)}};
        list.push_back(std::move(j));

        std::string cap_text;
        for (const std::string& c : caps)
            cap_text += (cap_text.empty() ? "" : " ") + c;
        out += fmt::format("Device {}: {}\n", d->index, i.name);
        auto row = [&](const char* k, const std::string& v) {
            out += fmt::format("  {:<14}{}\n", k, v);
        };
        row("Node", i.node);
        row("PCI address", fmt::format("{} (vendor {:#06x}, device {:#06x}, revision {})",
                                       i.pci_address[0] != '\0' ? i.pci_address : kNotAvailable,
                                       p.vendor_id, p.device_id, p.revision));
        row("Function", i.is_partition
                            ? fmt::format("VF, partition {}", i.partition_index)
                            : fmt::format("PF, card supports {} partitions", p.max_partitions));
        row("Transport", p.transport[0] != '\0' ? p.transport : kNotAvailable);
        row("PCIe link", fmt::format("{} (max {})", link_text(p.link_speed_mts, p.link_width),
                                     link_text(p.link_max_speed_mts, p.link_max_width)));
        row("Cores", fmt::format("{} (core mask {:#010x})", i.num_cores, p.core_mask));
        row("Memory", fmt::format("{} total, {} used, {} free, page {}",
                                  format_bytes(i.memory_total), format_bytes(used),
                                  format_bytes(i.memory_free), format_bytes(p.page_size)));
        row("NUMA node", i.numa_node >= 0 ? std::to_string(i.numa_node) : kNotAvailable);
        row("Limits", fmt::format("{} queues, {} contexts, {} address spaces, {}-bit VA",
                                  p.num_queues, p.max_contexts, p.max_address_spaces, p.va_bits));
        row("Capabilities", cap_text);
        row("Versions",
            fmt::format("UAPI {}, hardware {}, firmware {}, driver {}",
                        version_major_minor(i.uapi_version), version_major_minor(i.hw_version),
                        version_packed_3(i.fw_version), version_packed_3(i.driver_version)));
    }
    doc["devices"] = std::move(list);
    if (g.json)
        print_json(doc, false);
    else
        std::fputs(out.c_str(), stdout);
    return Exit::ok;
}

}  // namespace tern::smi
