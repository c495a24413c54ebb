// SPDX-License-Identifier: MIT
// tern-smi reset -d DEVICE: a function reset with a bounded wait; the exit
// code says what happened (0 only if the reset was observed to succeed).
#include "cli_error.hpp"
#include "commands.hpp"
#include "json_doc.hpp"
#include "session.hpp"
#include "text_format.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace tern::smi {

namespace {

json state_json(tern_device_state s) {
    switch (s) {
        case TERN_DEVICE_STATE_READY:
            return "ready";
        case TERN_DEVICE_STATE_RESETTING:
            return "resetting";
        case TERN_DEVICE_STATE_WEDGED:
            return "wedged";
        default:
            return nullptr;
    }
}

}  // namespace

Exit cmd_reset(const GlobalOptions& g, uint32_t timeout_ms) {
    const std::vector<DeviceSelector> sel = parse_selectors(g.devices);
    if (sel.size() != 1)
        throw CliError(Exit::usage,
                       "reset needs exactly one device: tern-smi reset -d INDEX|PCI|NODE");
    Session s(g.backend);
    OpenDevice* d = s.select(sel).front();

    tern_reset_result r{};
    r.struct_size = sizeof(r);
    const tern_status st = tern_device_reset(d->device.handle(), int64_t(timeout_ms) * 1000000, &r);
    if (st != TERN_OK) {
        tern_error_detail detail{};
        detail.struct_size = sizeof(detail);
        tern_last_error(&detail);
        CliError e = from_runtime(tern::Error(st, detail), s.backend(), "reset of " + describe(*d));
        std::vector<std::string> hints;
        if (st == TERN_ERROR_PERMISSION)
            hints.push_back(
                fmt::format("resetting needs root: sudo tern-smi reset -d {}",
                            d->info.pci_address[0] != '\0' ? d->info.pci_address : d->info.node));
        else if (st == TERN_ERROR_TIMEOUT)
            hints.push_back(
                "check later with `tern-smi health -d DEVICE`; a longer wait: "
                "--timeout-ms");
        else if (st == TERN_ERROR_DEVICE_LOST)
            hints.push_back("see `sudo dmesg | grep -i tern`");
        throw CliError(e.code(), e.what(), hints.empty() ? e.hints() : hints);
    }

    json doc = envelope("reset", s.backend());
    json j = device_ref(*d);
    j["state_after"] = state_json(r.state);
    j["reset_count_before"] = r.reset_count_before;
    j["reset_count_after"] = r.reset_count_after;
    j["duration_ms"] = double(r.duration_ns) / 1e6;
    doc["device"] = std::move(j);
    if (g.json)
        print_json(doc, false);
    else
        std::printf("%s\n", fmt::format("{}: reset done in {}; reset count {} -> {}; state ready",
                                        describe(*d), format_duration_ns(r.duration_ns),
                                        r.reset_count_before, r.reset_count_after)
                                .c_str());
    return Exit::ok;
}

}  // namespace tern::smi
