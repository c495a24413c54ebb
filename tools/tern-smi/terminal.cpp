// SPDX-License-Identifier: MIT
#include "terminal.hpp"

#include <poll.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

namespace tern::smi {

namespace {

volatile std::sig_atomic_t g_stop = 0;

extern "C" void on_stop_signal(int) {
    g_stop = 1;
}

struct sigaction g_old_int, g_old_term;

void write_all(const std::string& s) {
    std::fwrite(s.data(), 1, s.size(), stdout);
    std::fflush(stdout);
}

}  // namespace

bool stdout_is_tty() {
    return isatty(STDOUT_FILENO) == 1;
}

bool stdin_is_tty() {
    return isatty(STDIN_FILENO) == 1;
}

StopSignals::StopSignals() {
    g_stop = 0;
    struct sigaction sa;
    std::memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;  // no SA_RESTART: poll() returns EINTR at once
    sigaction(SIGINT, &sa, &g_old_int);
    sigaction(SIGTERM, &sa, &g_old_term);
}

StopSignals::~StopSignals() {
    sigaction(SIGINT, &g_old_int, nullptr);
    sigaction(SIGTERM, &g_old_term, nullptr);
}

bool StopSignals::requested() {
    return g_stop != 0;
}

RawKeys::RawKeys() {
    static_assert(sizeof(termios) <= sizeof(saved_));
    if (!stdin_is_tty())
        return;
    termios t;
    if (tcgetattr(STDIN_FILENO, &t) != 0)
        return;
    std::memcpy(saved_, &t, sizeof(t));
    t.c_lflag &= ~tcflag_t(ICANON | ECHO);
    t.c_cc[VMIN] = 0;
    t.c_cc[VTIME] = 0;
    active_ = tcsetattr(STDIN_FILENO, TCSANOW, &t) == 0;
}

RawKeys::~RawKeys() {
    if (active_) {
        termios t;
        std::memcpy(&t, saved_, sizeof(t));
        tcsetattr(STDIN_FILENO, TCSANOW, &t);
    }
}

bool wait_until(std::chrono::steady_clock::time_point deadline, const RawKeys* keys) {
    bool watch = keys != nullptr && keys->active();
    for (;;) {
        if (StopSignals::requested())
            return true;
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline)
            return false;
        const auto ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
        pollfd p{STDIN_FILENO, POLLIN, 0};
        int r = poll(watch ? &p : nullptr, watch ? 1 : 0, int(ms));
        if (r < 0 && errno != EINTR)
            return false;
        if (r <= 0 || !watch)
            continue;
        if ((p.revents & POLLIN) == 0) {
            watch = false;  // hang-up or error on stdin: keep waiting without keys
            continue;
        }
        char buf[64];
        ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
        if (n <= 0) {
            watch = false;
            continue;
        }
        for (ssize_t i = 0; i < n; ++i)
            if (buf[i] == 'q' || buf[i] == 'Q')
                return true;
    }
}

LiveScreen::LiveScreen() {
    write_all("\x1b[?1049h\x1b[?25l");  // alternate screen, hide cursor
}

LiveScreen::~LiveScreen() {
    write_all("\x1b[?25h\x1b[?1049l");
}

void LiveScreen::redraw(const std::string& frame) {
    write_all("\x1b[H\x1b[2J" + frame);
}

}  // namespace tern::smi
