// SPDX-License-Identifier: MIT
#include "partition_view.hpp"

#include "text_format.hpp"

#include <fmt/format.h>

namespace tern::smi {

namespace {

// Every line two spaces further in.
std::string indent(const std::string& text) {
    std::string out;
    for (size_t start = 0; start < text.size();) {
        const size_t nl = text.find('\n', start);
        const size_t end = nl == std::string::npos ? text.size() : nl + 1;
        out += "  " + text.substr(start, end - start);
        start = end;
    }
    return out;
}

json nonempty(const char* s) {
    return s[0] != '\0' ? json(s) : json(nullptr);
}

}  // namespace

PartitionView read_partitions(Session& s, OpenDevice& pf, uint64_t pf_reserve) {
    PartitionView v;
    v.pf_reserve = pf_reserve;
    try {
        const tern_device_properties p = tern::properties(pf.device);
        v.supported = (p.capabilities & TERN_CAP_PARTITION_SET) != 0;
        if (!v.supported && !pf.info.is_partition)
            return v;
        // On a VF the runtime says why there is nothing to list.
        tern::PartitionTable t = tern::partition_table(pf.device);
        v.table = t.info;
        v.partitions = std::move(t.partitions);
        tern::PartitionHolders h = tern::partition_holders(pf.device);
        v.holders = std::move(h.list);
        v.uninspected = h.uninspected;
    } catch (const tern::Error& e) {
        throw s.error(e, &pf, "reading the partitions of");
    }
    try {
        v.profiles = tern::partition_profiles(pf.device, pf_reserve);
    } catch (const tern::Error& e) {
        if (e.status() == TERN_ERROR_INVALID_ARGUMENT)
            throw CliError(Exit::usage, std::string("--pf-reserve: ") + e.what());
        throw s.error(e, &pf, "reading the partition profiles of");
    }
    return v;
}

json partition_json(const tern_partition& p) {
    json j;
    j["index"] = p.index;
    j["num_cores"] = p.num_cores;
    j["core_mask"] = p.core_mask;
    j["memory_bytes"] = p.memory_bytes;
    j["memory_offset_bytes"] = p.memory_base;
    j["num_queues"] = p.num_queues;
    j["num_address_spaces"] = p.num_address_spaces;
    if (p.device_index != TERN_PARTITION_NO_DEVICE || p.node[0] != '\0') {
        json d;
        d["index"] =
            p.device_index != TERN_PARTITION_NO_DEVICE ? json(p.device_index) : json(nullptr);
        d["node"] = p.node;
        d["pci_address"] = nonempty(p.pci_address);
        j["device"] = std::move(d);
    } else {
        j["device"] = nullptr;
    }
    return j;
}

json holder_json(const tern_partition_holder& h) {
    json j;
    j["partition_index"] = h.partition_index;
    j["pid"] = h.pid != 0 ? json(h.pid) : json(nullptr);
    j["command"] = h.pid != 0 ? json(h.command) : json(nullptr);
    j["num_files"] = h.num_files != 0 ? json(h.num_files) : json(nullptr);
    j["driver"] = nonempty(h.driver);
    return j;
}

json profile_json(const tern_partition_profile& p) {
    json j;
    j["name"] = p.name;
    j["num_partitions"] = p.num_partitions;
    j["cores_per_partition"] = p.cores_per_partition;
    j["memory_per_partition_bytes"] = p.memory_per_partition;
    j["queues_per_partition"] = p.queues_per_partition;
    j["address_spaces_per_partition"] = p.address_spaces_per_partition;
    return j;
}

void add_partition_view(json& j, const PartitionView& v) {
    j["partitioning_supported"] = v.supported;
    auto known = [&](auto x) { return v.supported ? json(x) : json(nullptr); };
    j["max_partitions"] = known(v.table.max_partitions);
    j["enabled_vfs"] = known(v.table.enabled_vfs);
    j["card_core_mask"] = known(v.table.card_core_mask);
    j["free_core_mask"] = known(v.table.free_core_mask);
    j["card_memory_bytes"] = known(v.table.card_memory_bytes);
    j["free_memory_bytes"] = known(v.table.free_memory_bytes);
    json parts = json::array();
    for (const tern_partition& p : v.partitions)
        parts.push_back(partition_json(p));
    j["partitions"] = std::move(parts);
    json holders = json::array();
    for (const tern_partition_holder& h : v.holders)
        holders.push_back(holder_json(h));
    j["holders"] = std::move(holders);
    j["uninspected_processes"] = v.uninspected;
    j["pf_reserve_bytes"] = v.pf_reserve;
    json profiles = json::array();
    for (const tern_partition_profile& p : v.profiles)
        profiles.push_back(profile_json(p));
    j["profiles"] = std::move(profiles);
}

std::string partitions_text(const std::vector<tern_partition>& parts) {
    TextTable t({{"VF", true},
                 {"Cores", true},
                 {"Core mask", true},
                 {"Memory", true},
                 {"Offset", true},
                 {"Queues", true},
                 {"ASIDs", true},
                 {"Device"}});
    for (const tern_partition& p : parts) {
        std::string dev = kNotAvailable;
        if (p.device_index != TERN_PARTITION_NO_DEVICE)
            dev = fmt::format("{}: {}", p.device_index, p.node);
        else if (p.node[0] != '\0')
            dev = p.node;
        if (p.pci_address[0] != '\0' && dev != kNotAvailable)
            dev += fmt::format(" ({})", p.pci_address);
        t.add_row({std::to_string(p.index), std::to_string(p.num_cores),
                   fmt::format("{:#04x}", p.core_mask), format_bytes(p.memory_bytes),
                   format_bytes(p.memory_base), std::to_string(p.num_queues),
                   std::to_string(p.num_address_spaces), dev});
    }
    return indent(t.render());
}

std::string holder_text(const tern_partition_holder& h) {
    if (h.pid == 0)
        return fmt::format("partition {}: bound to driver {} (assigned to a VM?)",
                           h.partition_index, h.driver);
    return fmt::format("partition {}: pid {} ({}){}", h.partition_index, h.pid,
                       h.command[0] != '\0' ? h.command : "?",
                       h.num_files != 0
                           ? fmt::format(", {} file{}", h.num_files, h.num_files == 1 ? "" : "s")
                           : std::string());
}

std::string partition_view_text(const OpenDevice& d, const PartitionView& v) {
    std::string out = fmt::format(
        "Device {}: {} ({}{})\n", d.index, d.info.name, d.info.node,
        d.info.pci_address[0] != '\0' ? std::string(", ") + d.info.pci_address : std::string());
    if (!v.supported)
        return out + "  cannot be partitioned (its driver does not offer partitions)\n";
    const tern_partition_table_info& t = v.table;
    out += fmt::format(
        "  Card: {} cores (mask {:#04x}), {}; up to {} partitions, {} VF{} enabled\n",
        __builtin_popcount(t.card_core_mask), t.card_core_mask, format_bytes(t.card_memory_bytes),
        t.max_partitions, t.enabled_vfs, t.enabled_vfs == 1 ? "" : "s");
    if (v.partitions.empty()) {
        out += "  No partitions.\n";
    } else {
        out +=
            fmt::format("  Partitions: {}; left to the PF: cores {:#04x}, {}\n",
                        v.partitions.size(), t.free_core_mask, format_bytes(t.free_memory_bytes));
        out += partitions_text(v.partitions);
        if (v.holders.empty())
            out += "  Held by: nobody\n";
        for (const tern_partition_holder& h : v.holders)
            out += "  Held by " + holder_text(h) + "\n";
        if (v.uninspected > 0)
            out += fmt::format(
                "  {} process(es) of other users could not be inspected; run as "
                "root to see them\n",
                v.uninspected);
    }
    if (v.profiles.empty()) {
        out += "  Profiles: none fits\n";
        return out;
    }
    out += fmt::format("  Profiles (partition create --profile NAME; PF reserve {}):\n",
                       format_bytes(v.pf_reserve));
    TextTable pt({{"Name"},
                  {"Partitions", true},
                  {"Cores each", true},
                  {"Memory each", true},
                  {"Queues each", true},
                  {"ASIDs each", true}});
    for (const tern_partition_profile& p : v.profiles)
        pt.add_row({p.name, std::to_string(p.num_partitions), std::to_string(p.cores_per_partition),
                    format_bytes(p.memory_per_partition), std::to_string(p.queues_per_partition),
                    std::to_string(p.address_spaces_per_partition)});
    return out + indent(pt.render());
}

}  // namespace tern::smi
