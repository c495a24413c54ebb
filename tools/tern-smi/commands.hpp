// SPDX-License-Identifier: MIT
// The tern-smi commands. Each prints its human or JSON output and returns
// the exit code; failures are thrown as CliError (main.cpp prints them).
#pragma once

#include "exit_codes.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace tern::smi {

struct GlobalOptions {
    bool json = false;
    std::string backend;               // --backend; "" = $TERN_BACKEND
    std::vector<std::string> devices;  // -d values
};

struct RepeatOptions {
    std::optional<uint32_t> interval_ms;  // --interval-ms
    std::optional<uint64_t> count;        // --count
};

// `partition list|create|destroy` (docs/partitioning.md).
struct PartitionOptions {
    std::string action;                     // list, create, destroy
    std::optional<std::string> profile;     // create --profile 2way
    std::vector<std::string> vfs;           // create --vf cores=2,mem=64M (repeated)
    std::optional<std::string> pf_reserve;  // --pf-reserve SIZE (list, create)
    uint32_t timeout_ms = 30000;            // create, destroy --timeout-ms
    bool dry_run = false;                   // create --dry-run
};

Exit cmd_summary(const GlobalOptions& g);
Exit cmd_list(const GlobalOptions& g);
Exit cmd_info(const GlobalOptions& g);
Exit cmd_health(const GlobalOptions& g);
Exit cmd_telemetry(const GlobalOptions& g, const RepeatOptions& r);
Exit cmd_top(const GlobalOptions& g, const RepeatOptions& r);
Exit cmd_processes(const GlobalOptions& g);
Exit cmd_partition(const GlobalOptions& g, const PartitionOptions& p);
Exit cmd_reset(const GlobalOptions& g, uint32_t timeout_ms);
Exit cmd_version(const GlobalOptions& g);

}  // namespace tern::smi
