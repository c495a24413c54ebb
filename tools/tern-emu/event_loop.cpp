// SPDX-License-Identifier: MIT
#include "event_loop.hpp"

#include <sys/epoll.h>

#include <array>
#include <cerrno>

#include "system_error.hpp"

namespace tern::emu {

EventLoop::EventLoop() : epoll_(epoll_create1(EPOLL_CLOEXEC)) {
    if (!epoll_.valid()) {
        throw_errno("epoll_create1");
    }
}

void EventLoop::add(int fd, uint32_t events, Handler handler) {
    const uint64_t id = next_id_++;
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = id;
    if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
        throw_errno("epoll_ctl(ADD)");
    }
    watches_.emplace(id, Watch{fd, std::make_shared<Handler>(std::move(handler))});
}

void EventLoop::remove(int fd) {
    for (auto it = watches_.begin(); it != watches_.end(); ++it) {
        if (it->second.fd == fd) {
            epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, fd, nullptr);
            watches_.erase(it);
            return;
        }
    }
}

void EventLoop::run() {
    std::array<epoll_event, 32> events{};
    while (!stopped_) {
        const int n = epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), -1);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw_errno("epoll_wait");
        }
        for (int i = 0; i < n && !stopped_; ++i) {
            auto it = watches_.find(events[i].data.u64);
            if (it == watches_.end()) {
                continue;  // removed by an earlier handler of this batch
            }
            // Keep the handler alive even if it removes its own watch.
            const std::shared_ptr<Handler> handler = it->second.handler;
            (*handler)(events[i].events);
        }
    }
}

}  // namespace tern::emu
