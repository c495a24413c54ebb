// SPDX-License-Identifier: MIT
// The tern-emu binary under test, run as a child process the way the QEMU
// harness runs it: stdout is read for the "listening" line, stderr (the log)
// goes to a file the test can inspect.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace tern::emu_test {

using Millis = std::chrono::milliseconds;
// Generous for a Debug + ASan build on a loaded 2-core machine.
inline constexpr Millis kTimeout{10000};

// How a child ended: exactly one of `code` (normal exit) or `signal`.
struct ExitInfo {
    std::optional<int> code;
    std::optional<int> signal;
};

class EmuProcess {
public:
    // Starts the emulator binary (TERN_EMU_PATH) with `args`.
    EmuProcess(const std::vector<std::string>& args, const std::string& log_path);
    // Kills and reaps the child if it is still running.
    ~EmuProcess();
    EmuProcess(const EmuProcess&) = delete;
    EmuProcess& operator=(const EmuProcess&) = delete;

    bool started() const { return pid_ > 0; }
    // The next line on the child's stdout (without '\n'), or nullopt on
    // EOF or timeout.
    std::optional<std::string> read_line(Millis timeout = kTimeout);
    // Waits for the child to end; nullopt on timeout.
    std::optional<ExitInfo> wait_exit(Millis timeout = kTimeout);
    void send_signal(int sig);
    // The child's stderr so far.
    std::string log() const;

private:
    pid_t pid_ = -1;
    int stdout_fd_ = -1;
    std::string log_path_;
    std::string pending_;  // stdout bytes read past the last line
};

}  // namespace tern::emu_test
