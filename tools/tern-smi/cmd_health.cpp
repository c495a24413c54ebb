// SPDX-License-Identifier: MIT
// tern-smi health: named checks per device (health_rules.hpp); exit code 8
// when a device is degraded or unhealthy.
#include "cli_error.hpp"
#include "commands.hpp"
#include "health_rules.hpp"
#include "json_doc.hpp"
#include "session.hpp"
#include "snapshot.hpp"

#include <fmt/format.h>

#include <cstdio>

namespace tern::smi {

namespace {

const char* state_text(tern_device_state s) {
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

// Device failures become a failed "responsive" check; a caller without
// permission or an unusable runtime cannot judge anything and is an error.
bool is_device_failure(tern_status s) {
    return s == TERN_ERROR_DEVICE_LOST || s == TERN_ERROR_IO || s == TERN_ERROR_TIMEOUT ||
           s == TERN_ERROR_BUSY || s == TERN_ERROR_INTERNAL;
}

HealthFacts gather(Session& s, OpenDevice& d) {
    HealthFacts f;
    tern_device_health h{};
    try {
        h = tern::health(d.device);
    } catch (const tern::Error& e) {
        if (!is_device_failure(e.status()))
            throw s.error(e, &d, "checking the health of");
        f.responsive = false;
        f.unresponsive_reason = e.what();
        return f;
    }
    if (const char* st = state_text(h.state))
        f.driver_state = st;
    else
        f.driver_state_unknown_reason = s.backend() == "mock"
                                            ? "the mock backend has no driver state"
                                            : "sysfs tern/state is not readable";
    if (h.valid & TERN_HEALTH_RESET_COUNT)
        f.reset_count = h.reset_count;
    if (h.valid & TERN_HEALTH_HEARTBEAT)
        f.heartbeat_advancing = h.heartbeat_advancing != 0;
    TelemetryView t = read_telemetry(s, d);
    f.die_c = t.die_c;
    f.limit_c = t.limit_c;
    f.throttled = t.throttled;
    f.ecc_corrected = t.ecc_corrected;
    f.ecc_uncorrected = t.ecc_uncorrected;
    return f;
}

}  // namespace

Exit cmd_health(const GlobalOptions& g) {
    Session s(g.backend);
    std::vector<OpenDevice*> devs = s.select(parse_selectors(g.devices));
    json doc = envelope("health", s.backend());
    json list = json::array();
    std::string out;
    bool all_healthy = true;
    for (OpenDevice* d : devs) {
        const HealthFacts f = gather(s, *d);
        const std::vector<Check> checks = evaluate_health(f);
        const Verdict v = verdict(checks);
        all_healthy = all_healthy && v == Verdict::healthy;

        json j = device_ref(*d);
        j["status"] = verdict_name(v);
        j["driver_state"] = opt(f.driver_state);
        j["reset_count"] = opt(f.reset_count);
        j["heartbeat_advancing"] = opt(f.heartbeat_advancing);
        json cj = json::array();
        for (const Check& c : checks)
            cj.push_back(
                {{"name", c.name}, {"status", check_status_name(c.status)}, {"detail", c.detail}});
        j["checks"] = std::move(cj);
        list.push_back(std::move(j));

        out += fmt::format("Device {} ({}, {}): {}\n", d->index, d->info.name, d->info.node,
                           verdict_name(v));
        for (const Check& c : checks)
            out += fmt::format("  {:<8}{:<14}{}\n", check_status_name(c.status), c.name, c.detail);
        if (f.reset_count)
            out += fmt::format("  {:<8}{:<14}{}\n", "info", "reset_count", *f.reset_count);
    }
    doc["healthy"] = all_healthy;
    doc["devices"] = std::move(list);
    if (g.json)
        print_json(doc, false);
    else
        std::fputs(out.c_str(), stdout);
    return all_healthy ? Exit::ok : Exit::unhealthy;
}

}  // namespace tern::smi
