// SPDX-License-Identifier: MIT
#include "function_port.hpp"

#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "ivshmem_protocol.hpp"
#include "system_error.hpp"
#include "tern/hw/tern_emu.h"

namespace tern::emu {

static_assert(FunctionPort::kDevicePeerId != FunctionPort::kGuestPeerId);
static_assert(FunctionPort::kDevicePeerId <= ivshmem::kMaxPeerId);
// QEMU uses only the low 8 bits of the doorbell vector.
static_assert(FunctionPort::kVectors <= 256 && FunctionPort::kDoorbellVector < 256);

namespace {

UniqueFd make_eventfd() {
    UniqueFd fd(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
    if (!fd.valid()) {
        throw_errno("eventfd");
    }
    return fd;
}

void store_register(uint8_t* regs, uint32_t offset, uint32_t value) {
    std::atomic_ref<uint32_t>(*reinterpret_cast<uint32_t*>(regs + offset))
        .store(value, std::memory_order_release);
}

void store_register64(uint8_t* regs, uint32_t offset, uint64_t value) {
    std::atomic_ref<uint64_t>(*reinterpret_cast<uint64_t*>(regs + offset))
        .store(value, std::memory_order_release);
}

}  // namespace

FunctionPort::FunctionPort(std::string name, const std::string& socket_path, SharedMemory& shm,
                           const PortIdentity& id, EventLoop& loop, EndHandler on_end,
                           EvaluatedHandler on_evaluated)
    : name_(std::move(name)),
      shm_(shm),
      loop_(loop),
      on_end_(std::move(on_end)),
      on_evaluated_(std::move(on_evaluated)),
      // Listening before the emulation block is filled is harmless: a client
      // sees the memory only once on_listener_ready() sends it, on the loop
      // thread, after this constructor returned.
      listener_(socket_path),
      guest_(std::make_shared<GuestVectors>()) {
    if (shm_.size() < TERN_REGS_SIZE) {
        throw std::invalid_argument(name_ + ": BAR2 smaller than a register window");
    }
    for (auto& fd : doorbells_) {
        fd = make_eventfd();
    }
    for (auto& fd : guest_->fds) {
        fd = make_eventfd();
    }
    write_emulation_block(id);

    loop_.add(listener_.fd(), EPOLLIN, [this](uint32_t) { on_listener_ready(); });
    for (unsigned v = 0; v < kVectors; ++v) {
        loop_.add(doorbells_[v].get(), EPOLLIN, [this, v](uint32_t) { on_doorbell(v); });
    }
    spdlog::info("{}: ivshmem server on {} (BAR2 {} KiB, device peer {}, doorbell vector {})",
                 name_, listener_.path(), shm_.size() >> 10, kDevicePeerId, kDoorbellVector);
}

FunctionPort::~FunctionPort() {
    if (fn_ != nullptr) {
        fn_->set_irq_handler(nullptr);
    }
    guest_->armed.store(false, std::memory_order_release);
    if (client_.valid()) {
        loop_.remove(client_.get());
    }
    for (auto& fd : doorbells_) {
        loop_.remove(fd.get());
    }
    loop_.remove(listener_.fd());
}

void FunctionPort::write_emulation_block(const PortIdentity& id) {
    uint8_t* regs = shm_.data();
    store_register(regs, TERN_REG_EMU_PEER_ID, static_cast<uint32_t>(kDevicePeerId));
    store_register(regs, TERN_REG_EMU_VECTOR, kDoorbellVector);
    store_register(regs, TERN_REG_EMU_FUNC, id.function);
    store_register64(regs, TERN_REG_EMU_CARD_ID, id.card_id);
    // Magic last: a driver that sees it may trust the others.
    store_register(regs, TERN_REG_EMU_MAGIC, TERN_EMU_MAGIC);
}

void FunctionPort::attach(sim::Function& fn) {
    if (fn.registers() != shm_.data()) {
        throw std::invalid_argument(name_ + ": register window must be at offset 0 of BAR2");
    }
    fn_ = &fn;
    // The model has applied IRQ_MASK already (and holds masked vectors
    // pending); this runs on a model thread, so it is one write() and no lock.
    fn_->set_irq_handler([guest = guest_](unsigned vector) {
        if (vector < kVectors && guest->armed.load(std::memory_order_acquire)) {
            const uint64_t one = 1;
            // Only a full counter (2^64 - 2 unread signals) fails: nothing to do.
            [[maybe_unused]] const ssize_t n = write(guest->fds[vector].get(), &one, sizeof(one));
        }
    });
}

void FunctionPort::detach() {
    if (fn_ == nullptr) {
        return;
    }
    fn_->set_irq_handler(nullptr);
    fn_ = nullptr;
    // As an enabled VF without partition on hardware (hw-spec 2.4): the
    // window reads 0, TERN_REG_ID included. The model keeps no reference to
    // a removed VF's registers until it powers the VF on again. Top down,
    // TERN_REG_ID last: a guest that sees the ID gone sees the rest zero.
    uint8_t* regs = shm_.data();
    for (uint32_t off = TERN_REG_EMU_MAGIC; off != 0;) {
        off -= sizeof(uint64_t);
        store_register64(regs, off, 0);
    }
}

void FunctionPort::evaluate() {
    if (fn_ != nullptr) {
        fn_->doorbell();
    }
    if (on_evaluated_) {
        on_evaluated_();
    }
}

void FunctionPort::tick() {
    if (state_ != State::kEnded) {
        evaluate();
    }
}

void FunctionPort::on_doorbell(unsigned vector) {
    uint64_t count = 0;
    // Drain, so that level-triggered epoll quiets down; the count itself
    // carries no meaning (trigger registers say what changed).
    if (read(doorbells_[vector].get(), &count, sizeof(count)) < 0 && errno != EAGAIN) {
        spdlog::warn("{}: reading doorbell vector {}: {}", name_, vector, std::strerror(errno));
    }
    spdlog::trace("{}: doorbell on vector {}", name_, vector);
    if (fn_ == nullptr) {
        spdlog::debug("{}: doorbell while the function does not exist", name_);
    }
    evaluate();
}

void FunctionPort::on_listener_ready() {
    for (;;) {
        UniqueFd sock = listener_.accept();
        if (!sock.valid()) {
            return;
        }
        if (state_ != State::kListening) {
            // One guest per function: a second QEMU would share the device
            // with the first. Closing without a word makes its setup fail.
            spdlog::warn("{}: refusing another client on {}: {}", name_, listener_.path(),
                         state_ == State::kConnected ? "a guest is already connected"
                                                     : "the session has ended");
            continue;
        }
        if (const int err = send_setup(sock.get()); err != 0) {
            // The client went away before reading its setup: a session
            // that began and ended.
            state_ = State::kEnded;
            const bool gone = err == EPIPE || err == ECONNRESET;
            on_end_({gone ? kExitOk : kExitError,
                     std::string("sending the ivshmem setup failed: ") + std::strerror(err)});
            return;
        }
        client_ = std::move(sock);
        state_ = State::kConnected;
        guest_->armed.store(true, std::memory_order_release);
        loop_.add(client_.get(), EPOLLIN | EPOLLRDHUP,
                  [this](uint32_t events) { on_client_event(events); });
        spdlog::info("{}: guest connected as ivshmem peer {}", name_, kGuestPeerId);
    }
}

int FunctionPort::send_setup(int sock) {
    // Order from QEMU's ivshmem spec: version, own id, shared memory, then
    // each other peer's vectors (here only the device), then its own vectors.
    if (int err = ivshmem::send_message(sock, ivshmem::kProtocolVersion); err != 0) {
        return err;
    }
    if (int err = ivshmem::send_message(sock, kGuestPeerId); err != 0) {
        return err;
    }
    if (int err = ivshmem::send_message(sock, ivshmem::kSharedMemory, shm_.fd()); err != 0) {
        return err;
    }
    for (const auto& fd : doorbells_) {
        if (int err = ivshmem::send_message(sock, kDevicePeerId, fd.get()); err != 0) {
            return err;
        }
    }
    for (const auto& fd : guest_->fds) {
        if (int err = ivshmem::send_message(sock, kGuestPeerId, fd.get()); err != 0) {
            return err;
        }
    }
    return 0;
}

void FunctionPort::on_client_event(uint32_t events) {
    char buf[64];
    const ssize_t n = recv(client_.get(), buf, sizeof(buf), MSG_DONTWAIT);
    if (n > 0) {
        end_session(kExitProtocol,
                    "the client sent data; an ivshmem client never does (is it QEMU?)");
    } else if (n == 0) {
        end_session(kExitOk, "the guest client disconnected");
    } else if (errno == ECONNRESET) {
        end_session(kExitOk, "the guest client disconnected (connection reset)");
    } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        if ((events & (EPOLLHUP | EPOLLERR)) != 0) {
            end_session(kExitOk, "the guest client's connection closed");
        }
    } else {
        end_session(kExitError, std::string("reading the client socket: ") + std::strerror(errno));
    }
}

void FunctionPort::end_session(ExitStatus status, std::string reason) {
    guest_->armed.store(false, std::memory_order_release);
    loop_.remove(client_.get());
    client_.reset();
    state_ = State::kEnded;
    on_end_({status, std::move(reason)});
}

void FunctionPort::close_session() {
    if (state_ == State::kConnected) {
        // "Peer left" for the device: QEMU drops its eventfds, so further
        // doorbells are refused by QEMU instead of going nowhere.
        if (const int err = ivshmem::send_message(client_.get(), kDevicePeerId); err != 0) {
            spdlog::debug("{}: telling the client we leave: {}", name_, std::strerror(err));
        }
        guest_->armed.store(false, std::memory_order_release);
        loop_.remove(client_.get());
        client_.reset();
    }
    state_ = State::kEnded;
}

}  // namespace tern::emu
