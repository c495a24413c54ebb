// SPDX-License-Identifier: MIT
// Building the JSON documents of docs/cli-json-schema.md: the envelope
// every command shares, the device reference, telemetry and process
// objects. Optional values become null, never a placeholder.
#pragma once

#include "cli_error.hpp"
#include "session.hpp"
#include "snapshot.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace tern::smi {

using json = nlohmann::ordered_json;

// Major.minor of docs/schema/tern-smi.schema.json.
inline constexpr const char* kSchemaVersion = "1.1";

// {"schema_version", "tool_version", "command", "backend", "time_unix_ms"}.
// An empty backend is null (the runtime did not initialise).
json envelope(const std::string& command, const std::string& backend);

// The error document for a failed command.
json error_document(const std::string& command, const std::string& backend, const CliError& e);

// {"index", "name", "node", "pci_address", "is_partition", "partition_index"}.
json device_ref(const OpenDevice& d);

// Adds the telemetry fields (units in their names) to `obj`.
void add_telemetry(json& obj, const TelemetryView& t);

json process_json(const tern_process_info& p);

// Adds "processes", "uninspected_processes" and "process_source" to `obj`.
void add_processes(json& obj, const ProcessesView& p);

template <class T>
json opt(const std::optional<T>& v) {
    return v ? json(*v) : json(nullptr);
}

// Writes a document: indented for one-shot commands, one line for streams.
void print_json(const json& doc, bool stream);

}  // namespace tern::smi
