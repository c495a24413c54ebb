// SPDX-License-Identifier: MIT
// The guest side of the ivshmem transport, doing what QEMU's ivshmem-doorbell
// device does: connect to the server socket, receive the int64 messages and
// their file descriptors (SCM_RIGHTS), map the shared memory, ring other
// peers' eventfds and wait on its own interrupt eventfds.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "emu_process.hpp"

namespace tern::emu_test {

class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    ~Fd();
    Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
    Fd& operator=(Fd&& o) noexcept;
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }

private:
    int fd_ = -1;
};

struct Message {
    int64_t value = 0;
    Fd fd;  // invalid when the message carried none
};

// Connects to a Unix stream socket; an invalid Fd on failure.
Fd connect_unix(const std::string& path);

class IvshmemClient {
public:
    explicit IvshmemClient(const std::string& socket_path);
    ~IvshmemClient();
    IvshmemClient(const IvshmemClient&) = delete;
    IvshmemClient& operator=(const IvshmemClient&) = delete;

    bool connected() const { return sock_.valid(); }
    int socket() const { return sock_.get(); }

    // One server message; nullopt on EOF, error or timeout.
    std::optional<Message> receive(Millis timeout = kTimeout);
    // Waits until the server closes the connection without sending more.
    // False if a message arrived or the deadline passed first.
    bool wait_eof(Millis timeout = kTimeout);

    // QEMU's start-up: version 0, own id, shared memory (mapped here), then
    // peer vectors until `vectors` own vectors arrived. On a deviation
    // returns false and says why in `error`.
    bool setup(unsigned vectors, std::string* error);

    int64_t id() const { return id_; }
    uint8_t* shm() const { return shm_; }
    uint64_t shm_size() const { return shm_size_; }
    int shm_fd() const { return shm_fd_.get(); }
    // Vectors announced for each other peer.
    const std::map<int64_t, std::vector<Fd>>& peers() const { return peers_; }
    size_t own_vectors() const { return own_.size(); }

    // What a guest write of (peer << 16) | vector to BAR0+12 makes QEMU do.
    // False if that peer/vector is unknown (QEMU logs and drops it).
    bool doorbell(int64_t peer, unsigned vector);
    // Interrupt count consumed from own vector `v` without waiting.
    uint64_t take_vector(unsigned v);
    // Waits until own vector `v` fires; returns the count consumed (0 on timeout).
    uint64_t wait_vector(unsigned v, Millis timeout = kTimeout);

private:
    Fd sock_;
    int64_t id_ = -1;
    Fd shm_fd_;
    uint8_t* shm_ = nullptr;
    uint64_t shm_size_ = 0;
    std::map<int64_t, std::vector<Fd>> peers_;
    std::vector<Fd> own_;
};

}  // namespace tern::emu_test
