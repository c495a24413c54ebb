// SPDX-License-Identifier: MIT
// tern-emu: one Tern T1 card behind QEMU's ivshmem-doorbell (docs/emulator.md).
#include <signal.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>

#include "emulator.hpp"
#include "tern/hw/tern_regs.h"

namespace {

using tern::emu::kExitError;

struct Options {
    tern::emu::EmulatorConfig config;
    uint64_t mem_mib = 256;
    std::string log_level = "info";
};

// 2 MiB granularity (hw-spec 1.6); at most the T1 board's 16 GiB.
constexpr uint64_t kMaxMemMiB = 16384;

int parse(int argc, char** argv, Options& opt) {
    CLI::App app{"tern-emu: one Tern T1 card served to QEMU's ivshmem-doorbell device"};
    app.add_option("--socket", opt.config.socket_path,
                   "ivshmem server socket to create (QEMU -chardev socket,path=...)")
        ->required();
    app.add_option("--guest-ram", opt.config.guest_ram_path,
                   "guest RAM file (QEMU memory-backend-file,share=on), at most 2 GiB")
        ->required()
        ->check(CLI::ExistingFile);
    app.add_option("--mem-size", opt.mem_mib, "device memory in MiB (even, 2..16384)")
        ->check(CLI::Range(uint64_t{2}, kMaxMemMiB))
        ->capture_default_str();
    app.add_option("--cores", opt.config.cores, "compute cores")
        ->check(CLI::Range(1u, static_cast<unsigned>(TERN_MAX_CORES)))
        ->capture_default_str();
    app.add_option("--log-level", opt.log_level, "log level (stderr)")
        ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
        ->capture_default_str();
    app.add_option("--vfs", opt.config.vfs,
                   "VF ports: ivshmem servers PATH.vf0 .. PATH.vf<N-1>, each carrying that VF "
                   "while a partition table creates it")
        ->check(CLI::Range(0u, static_cast<unsigned>(TERN_MAX_VFS)))
        ->capture_default_str();
    app.add_option("--tick-us", opt.config.tick_us,
                   "period of trigger re-evaluation without a doorbell, in microseconds")
        ->check(CLI::Range(10u, 1000000u))
        ->capture_default_str();
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);  // prints help or the error
        return code == 0 ? 0 : kExitError;
    }
    if (opt.mem_mib % 2 != 0) {
        std::fprintf(stderr, "--mem-size: %llu is odd; device memory comes in 2 MiB units\n",
                     static_cast<unsigned long long>(opt.mem_mib));
        return kExitError;
    }
    opt.config.mem_size = opt.mem_mib << 20;
    return -1;
}

}  // namespace

int main(int argc, char** argv) {
    Options opt;
    if (const int code = parse(argc, argv, opt); code >= 0) {
        return code;
    }
    // stdout carries only the "listening" line; a reader that went away must
    // not kill us with SIGPIPE.
    signal(SIGPIPE, SIG_IGN);
    auto logger = spdlog::stderr_color_mt("tern-emu");
    logger->set_pattern("[%Y-%m-%d %H:%M:%S.%e] [%n] [%l] %v");
    spdlog::set_default_logger(logger);
    spdlog::set_level(spdlog::level::from_str(opt.log_level));

    try {
        tern::emu::Emulator emulator(opt.config);
        std::printf("tern-emu: listening on %s\n", opt.config.socket_path.c_str());
        std::fflush(stdout);
        const tern::emu::ExitStatus status = emulator.run();
        spdlog::info("exit status {}", static_cast<int>(status));
        return status;
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return kExitError;
    }
}
