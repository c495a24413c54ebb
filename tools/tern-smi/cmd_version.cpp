// SPDX-License-Identifier: MIT
// tern-smi version: tool, runtime, UAPI, and per device the driver,
// firmware and hardware versions. The tool and runtime versions are known
// without a device, so a backend failure is reported (backend_error,
// stderr) without failing the command.
#include "cli_error.hpp"
#include "commands.hpp"
#include "json_doc.hpp"
#include "session.hpp"
#include "snapshot.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <memory>

namespace tern::smi {

Exit cmd_version(const GlobalOptions& g) {
    const tern_version_info v = tern::version_info();
    json devices = json::array();
    std::string dev_text, backend, backend_error;
    std::unique_ptr<Session> s;
    try {
        s = std::make_unique<Session>(g.backend);
        backend = s->backend();
    } catch (const CliError& e) {
        backend_error = e.what();
    }
    // A -d that names no device is still an error; no device at all is not.
    if (s && (s->device_count() > 0 || !g.devices.empty())) {
        for (OpenDevice* d : s->select(parse_selectors(g.devices))) {
            const tern_device_info& i = d->info;
            json j = device_ref(*d);
            j["uapi_version"] = version_major_minor(i.uapi_version);
            j["driver_version"] = version_packed_3(i.driver_version);
            j["firmware_version"] = version_packed_3(i.fw_version);
            j["hardware_version"] = version_major_minor(i.hw_version);
            devices.push_back(std::move(j));
            dev_text += fmt::format(
                "device {} ({}): driver {}, UAPI {}, firmware {}, hardware {}\n", d->index, i.node,
                version_packed_3(i.driver_version), version_major_minor(i.uapi_version),
                version_packed_3(i.fw_version), version_major_minor(i.hw_version));
        }
    }
    json doc = envelope("version", backend);
    doc["runtime"] = {{"release", v.release},
                      {"api_version", version_major_minor(v.api_version)},
                      {"uapi_version", version_major_minor(v.uapi_version)}};
    doc["backend_error"] = backend_error.empty() ? json(nullptr) : json(backend_error);
    doc["devices"] = std::move(devices);
    if (!backend_error.empty())
        std::fprintf(stderr, "tern-smi: warning: no device versions: %s\n", backend_error.c_str());
    if (g.json) {
        print_json(doc, false);
        return Exit::ok;
    }
    std::printf("tern-smi %s\n", TERN_SMI_VERSION);
    std::printf("runtime  libternrt %s, API %s, built for UAPI %s\n", v.release,
                version_major_minor(v.api_version).c_str(),
                version_major_minor(v.uapi_version).c_str());
    std::printf("backend  %s\n", backend.empty() ? "n/a" : backend.c_str());
    std::fputs(dev_text.c_str(), stdout);
    return Exit::ok;
}

}  // namespace tern::smi
