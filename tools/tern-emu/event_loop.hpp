// SPDX-License-Identifier: MIT
// The emulator's single I/O thread: an epoll set of file descriptors, each
// with a handler. Sockets, doorbell eventfds, the tick timer and signals all
// arrive here; the device model's own threads never run handlers.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>

#include "unique_fd.hpp"

namespace tern::emu {

class EventLoop {
public:
    using Handler = std::function<void(uint32_t events)>;

    EventLoop();  // throws std::system_error
    EventLoop(const EventLoop&) = delete;
    EventLoop& operator=(const EventLoop&) = delete;

    // Watches `fd` for `events` (EPOLLIN, ...). The fd must stay open until
    // remove(). Throws std::system_error.
    void add(int fd, uint32_t events, Handler handler);
    // Stops watching `fd`; safe from inside any handler, including its own.
    void remove(int fd);

    // Dispatches events until stop() is called from a handler. Throws
    // std::system_error if epoll itself fails.
    void run();
    void stop() { stopped_ = true; }

private:
    struct Watch {
        int fd;
        std::shared_ptr<Handler> handler;
    };

    UniqueFd epoll_;
    // Keyed by a serial number rather than the fd, so that an event queued
    // for a removed fd never reaches a newer watch that reuses the number.
    std::unordered_map<uint64_t, Watch> watches_;
    uint64_t next_id_ = 1;
    bool stopped_ = false;
};

}  // namespace tern::emu
