// SPDX-License-Identifier: MIT
#include "ivshmem_client.hpp"

#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>

namespace tern::emu_test {

Fd::~Fd() {
    if (fd_ >= 0) {
        close(fd_);
    }
}

Fd& Fd::operator=(Fd&& o) noexcept {
    if (this != &o) {
        if (fd_ >= 0) {
            close(fd_);
        }
        fd_ = o.fd_;
        o.fd_ = -1;
    }
    return *this;
}

Fd connect_unix(const std::string& path) {
    Fd sock(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (!sock.valid() || path.size() >= sizeof(addr.sun_path)) {
        return Fd();
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (connect(sock.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
        return Fd();
    }
    return sock;
}

namespace {

bool wait_readable(int fd, Millis timeout) {
    pollfd p{fd, POLLIN, 0};
    return poll(&p, 1, static_cast<int>(timeout.count())) > 0;
}

}  // namespace

IvshmemClient::IvshmemClient(const std::string& socket_path) : sock_(connect_unix(socket_path)) {}

IvshmemClient::~IvshmemClient() {
    if (shm_ != nullptr) {
        munmap(shm_, shm_size_);
    }
}

std::optional<Message> IvshmemClient::receive(Millis timeout) {
    if (!sock_.valid() || !wait_readable(sock_.get(), timeout)) {
        return std::nullopt;
    }
    // Exactly one message: 8 bytes and at most one fd, like QEMU's reader.
    uint64_t wire = 0;
    iovec iov{&wire, sizeof(wire)};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof(control);
    const ssize_t n = recvmsg(sock_.get(), &msg, MSG_WAITALL | MSG_CMSG_CLOEXEC);
    if (n != static_cast<ssize_t>(sizeof(wire))) {
        return std::nullopt;
    }
    Message m;
    m.value = static_cast<int64_t>(wire);  // little-endian host (x86-64, arm64)
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
            c->cmsg_len == CMSG_LEN(sizeof(int))) {
            int fd = -1;
            std::memcpy(&fd, CMSG_DATA(c), sizeof(fd));
            m.fd = Fd(fd);
        }
    }
    return m;
}

bool IvshmemClient::wait_eof(Millis timeout) {
    if (!sock_.valid() || !wait_readable(sock_.get(), timeout)) {
        return false;
    }
    char c = 0;
    return recv(sock_.get(), &c, 1, MSG_DONTWAIT) == 0;
}

bool IvshmemClient::setup(unsigned vectors, std::string* error) {
    auto fail = [&](const std::string& why) {
        *error = why;
        return false;
    };
    auto version = receive();
    if (!version || version->value != 0 || version->fd.valid()) {
        return fail("expected protocol version 0 without fd");
    }
    auto id = receive();
    if (!id || id->value < 0 || id->value > 65535 || id->fd.valid()) {
        return fail("expected own peer id 0..65535 without fd");
    }
    id_ = id->value;
    auto shm = receive();
    if (!shm || shm->value != -1 || !shm->fd.valid()) {
        return fail("expected -1 with the shared-memory fd");
    }
    struct stat st {};
    if (fstat(shm->fd.get(), &st) != 0 || st.st_size <= 0) {
        return fail("shared-memory fd has no size");
    }
    shm_size_ = static_cast<uint64_t>(st.st_size);
    void* p = mmap(nullptr, shm_size_, PROT_READ | PROT_WRITE, MAP_SHARED, shm->fd.get(), 0);
    if (p == MAP_FAILED) {
        return fail("cannot map the shared memory");
    }
    shm_ = static_cast<uint8_t*>(p);
    shm_fd_ = std::move(shm->fd);
    while (own_.size() < vectors) {
        auto m = receive();
        if (!m) {
            return fail("connection ended after " + std::to_string(own_.size()) + " own vectors");
        }
        if (!m->fd.valid()) {
            return fail("unexpected peer-left message for peer " + std::to_string(m->value));
        }
        if (m->value == id_) {
            own_.push_back(std::move(m->fd));
        } else if (m->value >= 0 && m->value <= 65535) {
            peers_[m->value].push_back(std::move(m->fd));
        } else {
            return fail("invalid peer id " + std::to_string(m->value));
        }
    }
    return true;
}

bool IvshmemClient::doorbell(int64_t peer, unsigned vector) {
    const auto it = peers_.find(peer);
    vector &= 0xff;  // QEMU uses the low 8 bits only
    if (it == peers_.end() || vector >= it->second.size()) {
        return false;
    }
    const uint64_t one = 1;
    return write(it->second[vector].get(), &one, sizeof(one)) == sizeof(one);
}

uint64_t IvshmemClient::take_vector(unsigned v) {
    if (v >= own_.size() || !wait_readable(own_[v].get(), Millis(0))) {
        return 0;
    }
    uint64_t count = 0;
    return read(own_[v].get(), &count, sizeof(count)) == sizeof(count) ? count : 0;
}

uint64_t IvshmemClient::wait_vector(unsigned v, Millis timeout) {
    if (v >= own_.size() || !wait_readable(own_[v].get(), timeout)) {
        return 0;
    }
    return take_vector(v);
}

}  // namespace tern::emu_test
