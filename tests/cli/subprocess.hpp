// SPDX-License-Identifier: MIT
// Runs tern-smi as a child process with a controlled environment and
// collects its exit status, stdout and stderr; or under a pseudo-terminal
// for the interactive `top`. A child that outlives the hang guard is killed
// and reported, so a hung command fails its test instead of the suite.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tern_test {

struct RunResult {
    int exit_code = -1;  // -1 if killed by a signal
    int signal = 0;      // the signal that ended it, else 0
    bool timed_out = false;
    std::string out, err;  // stdout, stderr (pty: both in `out`)
    int pid = 0;
};

// Environment changes: a value sets the variable, nullopt unsets it.
using EnvChanges = std::map<std::string, std::optional<std::string>>;

// argv[0] is the program. stdin is /dev/null.
RunResult run(const std::vector<std::string>& argv, const EnvChanges& env,
              int hang_guard_ms = 60000);

// Runs under a new pseudo-terminal (stdin, stdout, stderr). `interact` is
// called with every chunk of output so far and may return bytes to type;
// it is called until the child exits.
RunResult run_in_pty(const std::vector<std::string>& argv, const EnvChanges& env,
                     const std::function<std::string(const std::string& output_so_far)>& interact,
                     int hang_guard_ms = 60000);

}  // namespace tern_test
