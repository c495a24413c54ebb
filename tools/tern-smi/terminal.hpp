// SPDX-License-Identifier: MIT
// Terminal handling for the live commands (top, telemetry --interval-ms):
// stop requests from Ctrl-C / SIGTERM, the q key, and refreshing a screen
// in place. Everything is restored when the guards go out of scope.
#pragma once

#include <chrono>
#include <string>

namespace tern::smi {

bool stdout_is_tty();
bool stdin_is_tty();

// Installs SIGINT/SIGTERM handlers that ask the loop to stop (the loop
// finishes its current output first). Restores the old handlers on exit.
class StopSignals {
public:
    StopSignals();
    ~StopSignals();
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;
    static bool requested();
};

// Non-canonical, no-echo stdin while alive (only if stdin is a terminal);
// Ctrl-C still raises SIGINT.
class RawKeys {
public:
    RawKeys();
    ~RawKeys();
    RawKeys(const RawKeys&) = delete;
    RawKeys& operator=(const RawKeys&) = delete;
    bool active() const { return active_; }

private:
    bool active_ = false;
    unsigned char saved_[128];  // struct termios, kept opaque here
};

// Waits until `deadline`, a stop request, or (with keys active) a q/Q key.
// Returns true if the caller should stop.
bool wait_until(std::chrono::steady_clock::time_point deadline, const RawKeys* keys);

// The alternate screen with a hidden cursor while alive; redraw() clears it.
class LiveScreen {
public:
    LiveScreen();
    ~LiveScreen();
    LiveScreen(const LiveScreen&) = delete;
    LiveScreen& operator=(const LiveScreen&) = delete;
    void redraw(const std::string& frame);
};

}  // namespace tern::smi
