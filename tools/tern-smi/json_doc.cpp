// SPDX-License-Identifier: MIT
#include "json_doc.hpp"

#include <chrono>
#include <cstdio>

#ifndef TERN_SMI_VERSION
#error "TERN_SMI_VERSION must be defined by the build"
#endif

namespace tern::smi {

json envelope(const std::string& command, const std::string& backend) {
    json j;
    j["schema_version"] = kSchemaVersion;
    j["tool_version"] = TERN_SMI_VERSION;
    j["command"] = command;
    j["backend"] = backend.empty() ? json(nullptr) : json(backend);
    j["time_unix_ms"] = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    return j;
}

json error_document(const std::string& command, const std::string& backend, const CliError& e) {
    json j = envelope(command, backend);
    json err;
    err["code"] = exit_name(e.code());
    err["exit_code"] = static_cast<int>(e.code());
    err["message"] = e.what();
    err["hints"] = e.hints();
    if (e.extra().is_object())
        for (const auto& [key, value] : e.extra().items())
            err[key] = value;
    j["error"] = std::move(err);
    return j;
}

json device_ref(const OpenDevice& d) {
    json j;
    j["index"] = d.index;
    j["name"] = d.info.name;
    j["node"] = d.info.node;
    j["pci_address"] = d.info.pci_address[0] != '\0' ? json(d.info.pci_address) : json(nullptr);
    j["is_partition"] = d.info.is_partition != 0;
    j["partition_index"] = d.info.is_partition != 0 ? json(d.info.partition_index) : json(nullptr);
    return j;
}

void add_telemetry(json& j, const TelemetryView& t) {
    j["telemetry_supported"] = t.supported;
    j["temperature_die_c"] = opt(t.die_c);
    j["temperature_hbm_c"] = opt(t.hbm_c);
    j["temperature_limit_c"] = opt(t.limit_c);
    j["coolant_inlet_c"] = opt(t.coolant_in_c);
    j["coolant_outlet_c"] = opt(t.coolant_out_c);
    j["coolant_flow_ml_per_min"] = opt(t.coolant_flow_ml_min);
    j["power_w"] = opt(t.power_w);
    j["energy_j"] = opt(t.energy_j);
    j["clock_mhz"] = opt(t.clock_mhz);
    j["throttled"] = opt(t.throttled);
    j["ecc_corrected_errors"] = opt(t.ecc_corrected);
    j["ecc_uncorrected_errors"] = opt(t.ecc_uncorrected);
    j["utilization_percent"] = opt(t.util_percent);
    if (t.core_util_percent) {
        json cores = json::array();
        for (size_t i = 0; i < t.core_util_percent->size(); ++i)
            cores.push_back({{"index", i}, {"utilization_percent", (*t.core_util_percent)[i]}});
        j["cores"] = std::move(cores);
    } else {
        j["cores"] = nullptr;
    }
    j["memory_used_bytes"] = t.memory_used_bytes;
    j["memory_total_bytes"] = t.memory_total_bytes;
    j["heartbeat"] = opt(t.heartbeat);
    j["telemetry_seq"] = opt(t.seq);
    j["device_timestamp_ns"] = opt(t.device_timestamp_ns);
}

json process_json(const tern_process_info& p) {
    auto field = [&](uint32_t bit, uint64_t v) {
        return (p.valid & bit) != 0 ? json(v) : json(nullptr);
    };
    json j;
    j["pid"] = p.pid;
    j["command"] = p.command;
    j["num_files"] = field(TERN_PROCESS_FILES, p.num_files);
    j["device_memory_bytes"] = field(TERN_PROCESS_DEVICE_MEMORY, p.device_memory_bytes);
    j["host_memory_bytes"] = field(TERN_PROCESS_HOST_MEMORY, p.host_memory_bytes);
    j["engine_time_ns"] = field(TERN_PROCESS_ENGINE_TIME, p.engine_time_ns);
    return j;
}

void add_processes(json& j, const ProcessesView& p) {
    json list = json::array();
    for (const tern_process_info& pi : p.list)
        list.push_back(process_json(pi));
    j["processes"] = std::move(list);
    j["uninspected_processes"] = p.uninspected;
    j["process_source"] = p.source;
}

void print_json(const json& doc, bool stream) {
    // Process names need not be UTF-8: replace bad bytes rather than fail.
    const std::string text = doc.dump(stream ? -1 : 2, ' ', false, json::error_handler_t::replace);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

}  // namespace tern::smi
