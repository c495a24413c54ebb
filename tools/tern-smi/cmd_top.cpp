// SPDX-License-Identifier: MIT
// tern-smi top: telemetry and holders of every selected device, refreshed
// in place every --interval-ms on a terminal until q or Ctrl-C. When stdout
// is not a terminal (or with --json) frames are printed one after another,
// and without --count only one is, so that the command always ends.
#include "commands.hpp"
#include "json_doc.hpp"
#include "processes_text.hpp"
#include "session.hpp"
#include "snapshot.hpp"
#include "telemetry_text.hpp"
#include "terminal.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <memory>

namespace tern::smi {

Exit cmd_top(const GlobalOptions& g, const RepeatOptions& r) {
    const bool live = stdout_is_tty() && !g.json;
    // Not a terminal and no --count: one frame, so that pipes and scripts end.
    // 0 = until q or Ctrl-C (a plain integer: GCC's -O2 flow analysis
    // cannot see that an engaged std::optional here is initialised).
    const uint64_t count = r.count ? *r.count : (stdout_is_tty() ? 0 : 1);
    const auto interval = std::chrono::milliseconds(r.interval_ms.value_or(1000));
    Session s(g.backend);
    std::vector<OpenDevice*> devs = s.select(parse_selectors(g.devices));

    StopSignals stop;
    RawKeys keys;
    std::unique_ptr<LiveScreen> screen;
    if (live)
        screen = std::make_unique<LiveScreen>();
    const auto start = std::chrono::steady_clock::now();
    for (uint64_t frame = 0; count == 0 || frame < count; ++frame) {
        json doc = envelope("top", s.backend());
        doc["frame"] = frame;
        json list = json::array();
        const std::time_t now = std::time(nullptr);
        char when[32];
        std::strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", std::localtime(&now));
        std::string out =
            fmt::format("tern-smi top | backend {} | {} | every {} ms{}\n\n", s.backend(), when,
                        interval.count(), live ? " | q or Ctrl-C quits" : "");
        for (OpenDevice* d : devs) {
            TelemetryView t = read_telemetry(s, *d);
            ProcessesView p = read_processes(s, *d);
            json j = device_ref(*d);
            add_telemetry(j, t);
            add_processes(j, p);
            list.push_back(std::move(j));
            out += telemetry_text(*d, t, true);
            out += "  Processes\n" + processes_text(p) + "\n";
        }
        doc["devices"] = std::move(list);
        if (g.json) {
            print_json(doc, true);
        } else if (screen) {
            screen->redraw(out);
        } else {
            std::fputs(out.c_str(), stdout);
            std::fflush(stdout);
        }
        if (count != 0 && frame + 1 >= count)
            break;
        if (wait_until(start + interval * (frame + 1), &keys))
            break;
    }
    return Exit::ok;
}

}  // namespace tern::smi
