// SPDX-License-Identifier: MIT
// The ivshmem server socket: a listening Unix stream socket at a path, which
// is removed again when the emulator exits.
#pragma once

#include <sys/types.h>

#include <string>

#include "unique_fd.hpp"

namespace tern::emu {

class UnixListener {
public:
    // Binds and listens (non-blocking) on `path`. A leftover socket that no
    // process listens on is replaced; any other existing file, or a live
    // server, is an error. Throws std::system_error / std::invalid_argument.
    explicit UnixListener(std::string path);
    // Closes the socket and unlinks the path if it is still ours.
    ~UnixListener();
    UnixListener(const UnixListener&) = delete;
    UnixListener& operator=(const UnixListener&) = delete;

    int fd() const { return fd_.get(); }
    const std::string& path() const { return path_; }
    // One pending connection as a non-blocking, close-on-exec socket; an
    // invalid fd if none is pending. Throws std::system_error on failure.
    UniqueFd accept();

private:
    void remove_stale_socket();

    std::string path_;
    UniqueFd fd_;
    dev_t dev_ = 0;  // identity of the socket file we created
    ino_t ino_ = 0;
};

}  // namespace tern::emu
