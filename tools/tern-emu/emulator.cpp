// SPDX-License-Identifier: MIT
#include "emulator.hpp"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <stdexcept>

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

// TERN_REG_EMU_CARD_ID: random, so that the ports of two emulators (two
// cards in one VM) never look like one card; never 0 (hw-spec 3.9).
uint64_t random_card_id() {
    uint64_t id = 0;
    if (getrandom(&id, sizeof(id), 0) != static_cast<ssize_t>(sizeof(id))) {
        throw_errno("getrandom");
    }
    return id != 0 ? id : 1;
}

}  // namespace

std::string vf_socket_path(const std::string& pf_socket_path, unsigned index) {
    return pf_socket_path + ".vf" + std::to_string(index);
}

Emulator::Emulator(const EmulatorConfig& config) : config_(config) {
    if (config_.vfs > TERN_MAX_VFS) {
        throw std::invalid_argument("at most " + std::to_string(TERN_MAX_VFS) + " VF ports");
    }
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
    // A VF port's BAR2 is its register window only: no aperture in
    // transport 1.0 (hw-spec 11.8).
    static_assert(std::has_single_bit(uint64_t{TERN_REGS_SIZE}));
    for (unsigned i = 0; i < config_.vfs; ++i) {
        vf_shms_.push_back(
            std::make_unique<SharedMemory>("tern-emu-vf" + std::to_string(i), TERN_REGS_SIZE));
    }

    sim::CardConfig card;
    card.mem_size = config_.mem_size;
    card.num_cores = config_.cores;
    card.pf_registers = pf_shm_->data();
    card.device_memory = pf_shm_->data() + TERN_EMU_MEM_OFFSET;
    card_ = std::make_unique<sim::Card>(card, *ram_);
    // Before any apply can create a VF: its registers are its port's BAR2.
    for (unsigned i = 0; i < config_.vfs; ++i) {
        card_->set_vf_register_storage(i, vf_shms_[i]->data());
    }

    const uint64_t card_id = random_card_id();
    ports_.push_back(std::make_unique<FunctionPort>(
        "pf", config_.socket_path, *pf_shm_, PortIdentity{0, card_id}, loop_,
        [this](const SessionEnd& end) { finish(end.status, end.reason); }, [this] { sync_vfs(); }));
    ports_.front()->attach(card_->pf());
    for (unsigned i = 0; i < config_.vfs; ++i) {
        const PortIdentity id{TERN_FUNC_IS_VF | (i << TERN_FUNC_VF_INDEX_SHIFT), card_id};
        ports_.push_back(std::make_unique<FunctionPort>(
            "vf" + std::to_string(i), vf_socket_path(config_.socket_path, i), *vf_shms_[i], id,
            loop_, [this, i](const SessionEnd& end) { on_vf_session_end(i, end); }));
    }

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
    spdlog::info(
        "card {:016x}: {} MiB device memory, {} cores, {} VF port(s), guest RAM {} MiB at bus 0, "
        "tick {} us",
        card_id, config_.mem_size >> 20, config_.cores, config_.vfs, ram_->size() >> 20,
        config_.tick_us);
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
    vf_shms_.clear();
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

void Emulator::sync_vfs() {
    sim::Function& pf = card_->pf();
    const uint32_t ack = pf.read32(TERN_REG_PART_APPLY_ACK);
    if (ack != last_apply_ack_) {
        last_apply_ack_ = ack;  // a PF reset sets it back to 0: nothing applied then
        if (ack != 0) {
            const uint32_t n = pf.read32(TERN_REG_PART_NUM_VFS);
            spdlog::info("partition apply {}: status {}, {} VF(s)", ack,
                         pf.read32(TERN_REG_PART_STATUS), n);
            for (unsigned i = config_.vfs; i < n && i < TERN_MAX_VFS; ++i) {
                if (card_->vf(i) != nullptr) {
                    spdlog::warn("vf{}: exists, but has no port (--vfs {})", i, config_.vfs);
                }
            }
        }
    }
    for (unsigned i = 0; i < config_.vfs; ++i) {
        FunctionPort& port = *ports_[1 + i];
        sim::Function* vf = card_->vf(i);
        if (vf != nullptr && !port.attached()) {
            port.attach(*vf);
            spdlog::info("vf{}: live: {} cores (mask {:#x}), {} queues, {} ASIDs, {} MiB", i,
                         vf->read32(TERN_REG_NUM_CORES), vf->read32(TERN_REG_CORE_MASK),
                         vf->read32(TERN_REG_NUM_QUEUES), vf->read32(TERN_REG_NUM_ASIDS),
                         vf->read64(TERN_REG_MEM_SIZE) >> 20);
        } else if (vf == nullptr && port.attached()) {
            port.detach();
            spdlog::info("vf{}: removed; the port reads as an absent function", i);
        }
    }
}

void Emulator::on_vf_session_end(unsigned index, const SessionEnd& end) {
    if (end.status != kExitOk) {
        finish(end.status, "vf" + std::to_string(index) + ": " + end.reason);
        return;
    }
    // QEMU leaves all ports when it exits; the PF's end stops the process.
    spdlog::info("vf{}: {}; the card stays up while the PF's guest is connected", index,
                 end.reason);
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
