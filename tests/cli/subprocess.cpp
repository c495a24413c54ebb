// SPDX-License-Identifier: MIT
#include "subprocess.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>

extern char** environ;

namespace tern_test {

namespace {

std::vector<std::string> make_env(const EnvChanges& changes) {
    std::map<std::string, std::string> vars;
    for (char** e = environ; *e != nullptr; ++e) {
        std::string kv = *e;
        size_t eq = kv.find('=');
        if (eq != std::string::npos)
            vars[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (const auto& [k, v] : changes) {
        if (v)
            vars[k] = *v;
        else
            vars.erase(k);
    }
    std::vector<std::string> out;
    for (const auto& [k, v] : vars)
        out.push_back(k + "=" + v);
    return out;
}

// Builds everything exec needs before fork(): no allocation in the child.
struct ExecArgs {
    std::vector<std::string> argv_s, env_s;
    std::vector<char*> argv, env;
    ExecArgs(const std::vector<std::string>& a, const EnvChanges& changes)
        : argv_s(a), env_s(make_env(changes)) {
        for (auto& s : argv_s)
            argv.push_back(s.data());
        argv.push_back(nullptr);
        for (auto& s : env_s)
            env.push_back(s.data());
        env.push_back(nullptr);
    }
};

void finish(pid_t pid, bool kill_it, RunResult* r) {
    if (kill_it) {
        kill(pid, SIGKILL);
        r->timed_out = true;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) {
        r->exit_code = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
        r->signal = WTERMSIG(status);
    }
}

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
    auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return ms < 0 ? 0 : int(ms);
}

}  // namespace

RunResult run(const std::vector<std::string>& argv, const EnvChanges& env, int hang_guard_ms) {
    ExecArgs args(argv, env);
    int out_pipe[2], err_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe2 failed");
    // posix_spawn (vfork-like): no copy of this sanitizer process's page tables.
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, err_pipe[1], STDERR_FILENO);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, args.argv[0], &fa, nullptr, args.argv.data(), args.env.data());
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0)
        throw std::runtime_error(std::string("posix_spawn ") + args.argv[0] + ": " +
                                 std::strerror(rc));
    close(out_pipe[1]);
    close(err_pipe[1]);
    RunResult r;
    r.pid = pid;
    const auto deadline = Clock::now() + std::chrono::milliseconds(hang_guard_ms);
    pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
    std::string* dst[2] = {&r.out, &r.err};
    int open_fds = 2;
    bool hung = false;
    while (open_fds > 0) {
        int n = poll(fds, 2, remaining_ms(deadline));
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0) {
            hung = true;
            break;
        }
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0)
                continue;
            char buf[4096];
            ssize_t got = read(fds[i].fd, buf, sizeof(buf));
            if (got > 0) {
                dst[i]->append(buf, size_t(got));
            } else {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            }
        }
    }
    for (auto& f : fds)
        if (f.fd >= 0)
            close(f.fd);
    finish(pid, hung, &r);
    return r;
}

RunResult run_in_pty(const std::vector<std::string>& argv, const EnvChanges& env,
                     const std::function<std::string(const std::string&)>& interact,
                     int hang_guard_ms) {
    ExecArgs args(argv, env);
    int master = -1;
    winsize ws{};
    ws.ws_row = 50;
    ws.ws_col = 120;
    pid_t pid = forkpty(&master, nullptr, nullptr, &ws);
    if (pid < 0)
        throw std::runtime_error("forkpty failed");
    if (pid == 0) {
        execve(args.argv[0], args.argv.data(), args.env.data());
        _exit(127);
    }
    RunResult r;
    r.pid = pid;
    const auto deadline = Clock::now() + std::chrono::milliseconds(hang_guard_ms);
    bool hung = false;
    for (;;) {
        pollfd p{master, POLLIN, 0};
        int n = poll(&p, 1, remaining_ms(deadline));
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0) {
            hung = true;
            break;
        }
        char buf[4096];
        ssize_t got = read(master, buf, sizeof(buf));
        if (got <= 0)
            break;  // EIO: the child closed the terminal (exited)
        r.out.append(buf, size_t(got));
        const std::string type = interact(r.out);
        if (!type.empty() && write(master, type.data(), type.size()) < 0)
            break;
    }
    close(master);
    finish(pid, hung, &r);
    return r;
}

}  // namespace tern_test
