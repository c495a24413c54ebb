// SPDX-License-Identifier: MIT
#include "processes_text.hpp"

#include "text_format.hpp"

#include <fmt/format.h>

namespace tern::smi {

std::string processes_text(const ProcessesView& p) {
    if (p.list.empty() && p.uninspected == 0)
        return "  no process holds this device\n";
    TextTable table({{"PID", true},
                     {"Command"},
                     {"Files", true},
                     {"Device memory", true},
                     {"Host memory", true},
                     {"Engine time", true}});
    for (const tern_process_info& pi : p.list) {
        auto bytes = [&](uint32_t bit, uint64_t v) {
            return (pi.valid & bit) != 0 ? format_bytes(v) : std::string(kNotAvailable);
        };
        table.add_row({std::to_string(pi.pid), pi.command[0] != '\0' ? pi.command : "?",
                       (pi.valid & TERN_PROCESS_FILES) != 0 ? std::to_string(pi.num_files)
                                                            : std::string(kNotAvailable),
                       bytes(TERN_PROCESS_DEVICE_MEMORY, pi.device_memory_bytes),
                       bytes(TERN_PROCESS_HOST_MEMORY, pi.host_memory_bytes),
                       (pi.valid & TERN_PROCESS_ENGINE_TIME) != 0
                           ? format_duration_ns(pi.engine_time_ns)
                           : std::string(kNotAvailable)});
    }
    std::string out;
    if (!p.list.empty())
        out = table.render();
    if (p.uninspected > 0)
        out += fmt::format(
            "  {} process(es) of other users could not be inspected; run as root to see "
            "them\n",
            p.uninspected);
    if (p.source == "mock-self")
        out +=
            "  (mock backend: its devices live in this process; only tern-smi itself can "
            "hold them)\n";
    return out;
}

}  // namespace tern::smi
