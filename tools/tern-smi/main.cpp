// SPDX-License-Identifier: MIT
// tern-smi: status, telemetry, holders, partitions and resets of Tern devices
// (docs/tern-smi.md). This file is the command line: options, dispatch, and
// how failures are printed (stderr always; a JSON error document on stdout
// with --json) and turned into exit codes.
#include "cli_error.hpp"
#include "commands.hpp"
#include "json_doc.hpp"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

namespace {

using tern::smi::CliError;
using tern::smi::Exit;

void print_error(const CliError& e, const std::string& command, bool json, bool stream) {
    std::fprintf(stderr, "tern-smi: error: %s\n", e.what());
    for (const std::string& h : e.hints())
        std::fprintf(stderr, "  hint: %s\n", h.c_str());
    if (json) {
        tern::smi::json doc = tern::smi::error_document(command, "", e);
        doc["command"] = command.empty() ? tern::smi::json(nullptr) : tern::smi::json(command);
        tern::smi::print_json(doc, stream);
    }
}

bool argv_has(int argc, char** argv, const char* word) {
    for (int i = 1; i < argc; ++i)
        if (std::strcmp(argv[i], word) == 0)
            return true;
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    tern::smi::GlobalOptions g;
    tern::smi::RepeatOptions telemetry_opts, top_opts;
    uint32_t reset_timeout_ms = 30000;

    CLI::App app{
        "tern-smi: status, telemetry, processes, partitions and resets of Tern accelerators.\n"
        "Without a command: a summary table of all devices. Exit codes: 0 ok, 1 internal, "
        "2 usage, 3 no device, 4 permission, 5 not supported, 6 device error, 7 timeout, "
        "8 unhealthy, 9 version mismatch, 10 busy.",
        "tern-smi"};
    app.set_version_flag("--version", std::string("tern-smi ") + TERN_SMI_VERSION);
    app.fallthrough();  // global options may follow the command
    app.require_subcommand(0, 1);
    app.add_flag("--json", g.json, "JSON output (docs/cli-json-schema.md)");
    app.add_option("-d,--device", g.devices,
                   "device: index, PCI address or node path; repeat or separate with commas "
                   "(default: all)")
        ->type_name("DEVICE")
        ->allow_extra_args(false);
    app.add_option("--backend", g.backend, "runtime backend (default: $TERN_BACKEND, else kernel)")
        ->check(CLI::IsMember({"kernel", "mock"}));

    auto* list = app.add_subcommand("list", "one line per device");
    auto* info = app.add_subcommand(
        "info", "capabilities, cores, memory, NUMA node, PCIe link, limits, versions");
    auto* health = app.add_subcommand("health", "health checks; exit code 8 if not healthy");
    auto* telemetry = app.add_subcommand(
        "telemetry", "temperatures, coolant, power, utilisation, memory, ECC counters");
    telemetry
        ->add_option("--interval-ms", telemetry_opts.interval_ms,
                     "sample every N ms until --count samples or Ctrl-C")
        ->check(CLI::Range(10u, 3600000u));
    telemetry->add_option("--count", telemetry_opts.count, "number of samples")
        ->check(CLI::Range(uint64_t(1), uint64_t(1) << 40));
    auto* top = app.add_subcommand(
        "top", "live view; q or Ctrl-C quits (one frame when stdout is not a terminal)");
    top->add_option("--interval-ms", top_opts.interval_ms, "refresh period (default 1000)")
        ->check(CLI::Range(10u, 3600000u));
    top->add_option("--count", top_opts.count, "stop after N frames")
        ->check(CLI::Range(uint64_t(1), uint64_t(1) << 40));
    auto* processes = app.add_subcommand("processes", "processes holding each device");
    auto* partition = app.add_subcommand(
        "partition", "SR-IOV partitions of a PF: list, create, destroy (docs/partitioning.md)");
    partition->require_subcommand(1);
    tern::smi::PartitionOptions partition_opts;
    auto* plist = partition->add_subcommand(
        "list", "partitions, their VF devices and holders, and the profiles that fit, per PF");
    auto* pcreate =
        partition->add_subcommand("create", "split one PF (-d) into partitions; needs root");
    auto* pdestroy = partition->add_subcommand(
        "destroy", "remove every partition of one PF (-d), refused while one is held; needs root");
    for (CLI::App* sub : {plist, pcreate}) {
        sub->add_option("--pf-reserve", partition_opts.pf_reserve,
                        "device memory kept for the PF below the windows, e.g. 64M (default 0)")
            ->type_name("SIZE");
    }
    auto* profile_opt = pcreate
                            ->add_option("--profile", partition_opts.profile,
                                         "an equal split: 1way, 2way, 4way or 8way")
                            ->type_name("NAME");
    pcreate
        ->add_option("--vf", partition_opts.vfs,
                     "one partition, in VF order: cores=N|mask=0xM,mem=SIZE[,queues=N][,asids=N]"
                     "[,base=SIZE]; repeat")
        ->type_name("SPEC")
        ->allow_extra_args(false)
        ->excludes(profile_opt);
    pcreate->add_flag("--dry-run", partition_opts.dry_run,
                      "show the partitions that would be made; change nothing");
    for (CLI::App* sub : {pcreate, pdestroy}) {
        sub->add_option("--timeout-ms", partition_opts.timeout_ms,
                        "wait at most N ms for the VF devices to come or go (default 30000)")
            ->check(CLI::Range(1u, 3600000u));
    }
    for (CLI::App* sub : {plist, pcreate, pdestroy}) {
        const std::string name = sub->get_name();
        sub->callback([&partition_opts, name] { partition_opts.action = name; });
    }
    auto* reset = app.add_subcommand("reset", "reset one device (-d required; needs root)");
    reset
        ->add_option("--timeout-ms", reset_timeout_ms, "give up waiting after N ms (default 30000)")
        ->check(CLI::Range(1u, 3600000u));
    auto* version = app.add_subcommand("version", "tool, runtime, UAPI, driver, firmware versions");

    const bool json_requested = argv_has(argc, argv, "--json");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0)
            return app.exit(e);  // --help, --version
        std::string command;
        for (CLI::App* sub : app.get_subcommands())
            command = sub->get_name();
        print_error(CliError(Exit::usage, e.what(), {"run `tern-smi --help` for usage"}), command,
                    json_requested, false);
        return static_cast<int>(Exit::usage);
    }

    std::string command = "summary";
    bool stream = false;
    Exit code = Exit::internal;
    try {
        if (list->parsed()) {
            command = "list";
            code = tern::smi::cmd_list(g);
        } else if (info->parsed()) {
            command = "info";
            code = tern::smi::cmd_info(g);
        } else if (health->parsed()) {
            command = "health";
            code = tern::smi::cmd_health(g);
        } else if (telemetry->parsed()) {
            command = "telemetry";
            stream = telemetry_opts.interval_ms.has_value() || telemetry_opts.count.value_or(1) > 1;
            code = tern::smi::cmd_telemetry(g, telemetry_opts);
        } else if (top->parsed()) {
            command = "top";
            stream = true;
            code = tern::smi::cmd_top(g, top_opts);
        } else if (processes->parsed()) {
            command = "processes";
            code = tern::smi::cmd_processes(g);
        } else if (partition->parsed()) {
            command = "partition";
            code = tern::smi::cmd_partition(g, partition_opts);
        } else if (reset->parsed()) {
            command = "reset";
            code = tern::smi::cmd_reset(g, reset_timeout_ms);
        } else if (version->parsed()) {
            command = "version";
            code = tern::smi::cmd_version(g);
        } else {
            code = tern::smi::cmd_summary(g);
        }
    } catch (const CliError& e) {
        print_error(e, command, g.json, stream);
        return static_cast<int>(e.code());
    } catch (const tern::Error& e) {
        CliError ce = tern::smi::from_runtime(e, "", "");
        print_error(ce, command, g.json, stream);
        return static_cast<int>(ce.code());
    } catch (const std::exception& e) {
        print_error(CliError(Exit::internal, std::string("internal error: ") + e.what()), command,
                    g.json, stream);
        return static_cast<int>(Exit::internal);
    }
    return static_cast<int>(code);
}
