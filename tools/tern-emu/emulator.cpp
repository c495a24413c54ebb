// SPDX-License-Identifier: MIT
#include "emulator.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "system_error.hpp"
#include "tern/hw/tern_emu.h"

namespace tern::emu {

namespace {

sigset_t stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    return set;
}

}  // namespace

Emulator::Emulator(const EmulatorConfig& config) : config_(config) {
    // Blocked before the card starts its threads, so that they inherit the
    // mask and the signals reach only the signalfd.
    const sigset_t signals = stop_signals();
    if (pthread_sigmask(SIG_BLOCK, &signals, nullptr) != 0) {
        throw_errno("pthread_sigmask");
    }
    signal_fd_.reset(signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC));
    if (!signal_fd_.valid()) {
        throw_errno("signalfd");
    }
    timer_fd_.reset(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
    if (!timer_fd_.valid()) {
        throw_errno("timerfd_create");
    }

    ram_ = std::make_unique<GuestRam>(config_.guest_ram_path);
    pf_shm_ = std::make_unique<SharedMemory>("tern-emu-pf", ivshmem_size_for(config_.mem_size));

    sim::CardConfig card;
    card.mem_size = config_.mem_size;
    card.num_cores = config_.cores;
    card.pf_registers = pf_shm_->data();
    card.device_memory = pf_shm_->data() + TERN_EMU_MEM_OFFSET;
    card_ = std::make_unique<sim::Card>(card, *ram_);

    ports_.push_back(std::make_unique<FunctionPort>(
        "pf", config_.socket_path, *pf_shm_, card_->pf(), loop_,
        [this](const SessionEnd& end) { finish(end.status, end.reason); }));

    loop_.add(signal_fd_.get(), EPOLLIN, [this](uint32_t) { on_signal(); });
    loop_.add(timer_fd_.get(), EPOLLIN, [this](uint32_t) { on_tick(); });
    const long us = static_cast<long>(config_.tick_us);
    itimerspec period{};
    period.it_interval.tv_sec = us / 1000000;
    period.it_interval.tv_nsec = (us % 1000000) * 1000;
    period.it_value = period.it_interval;
    if (timerfd_settime(timer_fd_.get(), 0, &period, nullptr) != 0) {
        throw_errno("timerfd_settime");
    }
    spdlog::info("card: {} MiB device memory, {} cores, guest RAM {} MiB at bus 0, tick {} us",
                 config_.mem_size >> 20, config_.cores, ram_->size() >> 20, config_.tick_us);
}

Emulator::~Emulator() {
    for (auto& port : ports_) {
        port->close_session();
    }
    // Ports detach their IRQ handlers from the live card; a handler call
    // still in flight keeps its eventfds. Then the card joins its threads,
    // which use the guest RAM and the shared memory.
    ports_.clear();
    card_.reset();
    pf_shm_.reset();
    ram_.reset();
}

ExitStatus Emulator::run() {
    loop_.run();
    return status_;
}

void Emulator::finish(ExitStatus status, const std::string& reason) {
    status_ = status;
    if (status == kExitOk) {
        spdlog::info("stopping: {}", reason);
    } else {
        spdlog::error("stopping: {}", reason);
    }
    loop_.stop();
}

void Emulator::on_signal() {
    signalfd_siginfo info{};
    if (read(signal_fd_.get(), &info, sizeof(info)) != static_cast<ssize_t>(sizeof(info))) {
        return;  // spurious wake-up
    }
    for (auto& port : ports_) {
        port->close_session();
    }
    finish(kExitOk, info.ssi_signo == SIGTERM ? "received SIGTERM" : "received SIGINT");
}

void Emulator::on_tick() {
    uint64_t expirations = 0;
    if (read(timer_fd_.get(), &expirations, sizeof(expirations)) < 0) {
        return;
    }
    for (auto& port : ports_) {
        port->tick();
    }
}

}  // namespace tern::emu
