// SPDX-License-Identifier: MIT
// tern-smi partition list|create|destroy: SR-IOV partitions of a PF
// through the runtime's partition API (docs/partitioning.md). Changes need
// root; a refusal because a partition is held exits 10 and names the
// holders (JSON: error.holders).
#include "cli_error.hpp"
#include "commands.hpp"
#include "json_doc.hpp"
#include "partition_args.hpp"
#include "partition_view.hpp"
#include "session.hpp"
#include "text_format.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace tern::smi {

namespace {

// The one PF a create or destroy works on, and nothing else held open.
OpenDevice* only_device(Session& s, const GlobalOptions& g, const char* action) {
    const std::vector<DeviceSelector> sel = parse_selectors(g.devices);
    if (sel.size() != 1)
        throw CliError(Exit::usage,
                       fmt::format("partition {} needs exactly one device: tern-smi partition {} "
                                   "-d INDEX|PCI|NODE",
                                   action, action));
    OpenDevice* d = s.select(sel).front();
    s.release_all_but({d});
    return d;
}

// A refusal or failure of a change, with what to do about it; a busy PF
// names its holders (hints, and error.holders in JSON).
CliError change_error(Session& s, OpenDevice& pf, const tern::Error& e, const std::string& step) {
    const std::string node = pf.info.pci_address[0] != '\0' ? pf.info.pci_address : pf.info.node;
    if (e.status() == TERN_ERROR_INVALID_ARGUMENT)
        return CliError(Exit::usage, step + " " + describe(pf) + ": " + e.what(),
                        {fmt::format("`tern-smi partition list -d {}` shows the cores, memory "
                                     "and profiles there are",
                                     node)});
    CliError ce = s.error(e, &pf, step);
    std::vector<std::string> hints;
    json extra;
    if (e.status() == TERN_ERROR_BUSY) {
        std::vector<tern_partition_holder> holders;
        try {
            holders = tern::partition_holders(pf.device).list;
        } catch (const tern::Error&) {
            // The refusal is the news; the list is a courtesy.
        }
        json list = json::array();
        for (const tern_partition_holder& h : holders) {
            hints.push_back("held: " + holder_text(h));
            list.push_back(holder_json(h));
        }
        extra["holders"] = std::move(list);
        hints.push_back(holders.empty()
                            ? "destroy the existing partitions first: tern-smi partition destroy "
                              "-d " +
                                  node
                            : "stop those processes (or detach the VFs from their VMs), then "
                              "try again");
    } else if (e.status() == TERN_ERROR_PERMISSION) {
        hints.push_back(
            "changing partitions needs root (CAP_SYS_ADMIN): sudo tern-smi partition "
            "... -d " +
            node);
    } else if (e.status() == TERN_ERROR_TIMEOUT) {
        hints.push_back("`tern-smi partition list -d " + node +
                        "` shows what exists now; destroy undoes it");
    }
    if (hints.empty())
        hints = ce.hints();
    return CliError(ce.code(), ce.what(), std::move(hints)).with_extra(std::move(extra));
}

tern::PartitionRequest make_request(const PartitionOptions& p, uint64_t reserve) {
    if (p.profile && !p.vfs.empty())
        throw CliError(Exit::usage, "give either --profile or --vf, not both");
    tern::PartitionRequest req = tern::PartitionRequest::equal(0);
    if (p.profile) {
        req = tern::PartitionRequest::equal(parse_profile(*p.profile), reserve);
    } else if (!p.vfs.empty()) {
        std::vector<tern::PartitionSpec> specs;
        for (const std::string& v : p.vfs) {
            const tern_partition_spec c = parse_vf_spec(v);
            specs.push_back(tern::PartitionSpec{c.memory_bytes, c.num_cores, c.core_mask,
                                                c.num_queues, c.num_address_spaces, c.memory_base});
        }
        req = tern::PartitionRequest::from_specs(std::move(specs), reserve);
    } else {
        throw CliError(Exit::usage,
                       "partition create needs --profile NAME (an equal split) or one --vf "
                       "cores=N,mem=SIZE per partition",
                       {"`tern-smi partition list` shows the profiles of each device"});
    }
    req.timeout(std::chrono::milliseconds(p.timeout_ms));
    return req;
}

Exit list(const GlobalOptions& g, const PartitionOptions& p) {
    const uint64_t reserve = p.pf_reserve ? parse_size_arg(*p.pf_reserve, "--pf-reserve") : 0;
    Session s(g.backend);
    std::vector<OpenDevice*> pfs;
    const std::vector<DeviceSelector> sel = parse_selectors(g.devices);
    if (sel.empty()) {
        // Every PF; VFs show up under theirs, and are not held meanwhile.
        for (uint32_t i = 0; i < s.device_count(); ++i) {
            DeviceSelector one;
            one.index = i;
            one.original = std::to_string(i);
            OpenDevice* d = s.select({one}).front();
            if (!d->info.is_partition)
                pfs.push_back(d);
        }
        if (s.device_count() == 0)
            s.select({});  // throws the usual "no device" with its hints
    } else {
        pfs = s.select(sel);
    }
    // The VFs opened on the way show up under their PFs; closed, so that
    // tern-smi holds none of them while it looks for holders.
    s.release_all_but(pfs);
    json doc = envelope("partition", s.backend());
    doc["action"] = "list";
    json devices = json::array();
    std::string out;
    for (OpenDevice* d : pfs) {
        PartitionView v = read_partitions(s, *d, reserve);
        json j = device_ref(*d);
        add_partition_view(j, v);
        devices.push_back(std::move(j));
        out += partition_view_text(*d, v);
    }
    doc["devices"] = std::move(devices);
    if (g.json)
        print_json(doc, false);
    else
        std::fputs(out.c_str(), stdout);
    return Exit::ok;
}

Exit create(const GlobalOptions& g, const PartitionOptions& p) {
    const uint64_t reserve = p.pf_reserve ? parse_size_arg(*p.pf_reserve, "--pf-reserve") : 0;
    const tern::PartitionRequest req = make_request(p, reserve);
    Session s(g.backend);
    OpenDevice* pf = only_device(s, g, "create");
    std::vector<tern_partition> parts;
    try {
        parts = p.dry_run ? tern::plan_partitions(pf->device, req)
                          : tern::create_partitions(pf->device, req);
    } catch (const tern::Error& e) {
        throw change_error(s, *pf, e, p.dry_run ? "planning partitions of" : "partition create on");
    }
    const bool persistent = s.backend() != "mock";
    json doc = envelope("partition", s.backend());
    doc["action"] = "create";
    doc["dry_run"] = p.dry_run;
    doc["persistent"] = persistent;
    doc["device"] = device_ref(*pf);
    json list = json::array();
    for (const tern_partition& x : parts)
        list.push_back(partition_json(x));
    doc["partitions"] = std::move(list);
    if (g.json) {
        print_json(doc, false);
        return Exit::ok;
    }
    std::string out =
        fmt::format("{} {} partition{} on {}:\n", p.dry_run ? "Would create" : "Created",
                    parts.size(), parts.size() == 1 ? "" : "s", describe(*pf));
    out += partitions_text(parts);
    for (const tern_partition& x : parts)
        if (!p.dry_run && x.device_index == TERN_PARTITION_NO_DEVICE)
            out += fmt::format(
                "  VF {} has no device yet: bind its function to tern (under the "
                "emulator: driver_override, then drivers_probe), then `tern-smi "
                "partition list`\n",
                x.index);
    if (!p.dry_run && !persistent)
        out += "  (mock backend: these partitions live as long as this tern-smi process)\n";
    std::fputs(out.c_str(), stdout);
    return Exit::ok;
}

Exit destroy(const GlobalOptions& g, const PartitionOptions& p) {
    Session s(g.backend);
    OpenDevice* pf = only_device(s, g, "destroy");
    size_t before = 0;
    try {
        before = tern::partition_table(pf->device).partitions.size();
        tern::destroy_partitions(pf->device, std::chrono::milliseconds(p.timeout_ms));
    } catch (const tern::Error& e) {
        throw change_error(s, *pf, e, "partition destroy on");
    }
    json doc = envelope("partition", s.backend());
    doc["action"] = "destroy";
    doc["device"] = device_ref(*pf);
    doc["destroyed"] = before;
    if (g.json)
        print_json(doc, false);
    else if (before == 0)
        std::printf("%s has no partitions; nothing to do\n", describe(*pf).c_str());
    else
        std::printf("Destroyed %zu partition%s on %s\n", before, before == 1 ? "" : "s",
                    describe(*pf).c_str());
    return Exit::ok;
}

}  // namespace

Exit cmd_partition(const GlobalOptions& g, const PartitionOptions& p) {
    if (p.action == "list")
        return list(g, p);
    if (p.action == "create")
        return create(g, p);
    if (p.action == "destroy")
        return destroy(g, p);
    throw CliError(Exit::usage, "partition needs an action: list, create or destroy");
}

}  // namespace tern::smi
