// SPDX-License-Identifier: MIT
#include "unix_listener.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "system_error.hpp"

namespace tern::emu {

namespace {

sockaddr_un make_address(const std::string& path) {
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
        throw std::invalid_argument("socket path must be 1.." +
                                    std::to_string(sizeof(addr.sun_path) - 1) + " bytes: " + path);
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    return addr;
}

// Whether some process listens on a Unix socket bound to `path`, from
// /proc/net/unix (Flags column has __SO_ACCEPTCON, 0x10000, for listeners).
// Without that file, assume yes: refusing is safer than stealing the path.
bool has_listener(const std::string& path) {
    std::ifstream table("/proc/net/unix");
    if (!table) {
        return true;
    }
    std::string line;
    std::getline(table, line);  // header
    while (std::getline(table, line)) {
        std::istringstream fields(line);
        std::string num, refcount, protocol, flags, type, state, inode, bound;
        if (!(fields >> num >> refcount >> protocol >> flags >> type >> state >> inode) ||
            !std::getline(fields >> std::ws, bound)) {
            continue;  // unbound socket: no path column
        }
        if (bound == path && (std::stoul(flags, nullptr, 16) & 0x10000) != 0) {
            return true;
        }
    }
    return false;
}

}  // namespace

UnixListener::UnixListener(std::string path) : path_(std::move(path)) {
    const sockaddr_un addr = make_address(path_);
    remove_stale_socket();
    fd_.reset(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
    if (!fd_.valid()) {
        throw_errno("socket(AF_UNIX)");
    }
    if (bind(fd_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
        throw_errno("cannot bind " + path_);
    }
    struct stat st {};
    if (lstat(path_.c_str(), &st) == 0) {
        dev_ = st.st_dev;
        ino_ = st.st_ino;
    }
    if (listen(fd_.get(), 4) != 0) {
        const int err = errno;
        unlink(path_.c_str());
        errno = err;
        throw_errno("cannot listen on " + path_);
    }
}

UnixListener::~UnixListener() {
    fd_.reset();
    struct stat st {};
    // Only our own socket: another server may have taken the path since.
    if (lstat(path_.c_str(), &st) == 0 && st.st_dev == dev_ && st.st_ino == ino_) {
        unlink(path_.c_str());
    }
}

void UnixListener::remove_stale_socket() {
    struct stat st {};
    if (lstat(path_.c_str(), &st) != 0) {
        if (errno == ENOENT) {
            return;
        }
        throw_errno("cannot stat " + path_);
    }
    if (!S_ISSOCK(st.st_mode)) {
        throw std::invalid_argument(path_ + " exists and is not a socket; not replacing it");
    }
    // Probing by connect() would look like a client to a live tern-emu (which
    // ends its session when a client leaves), so ask the kernel instead.
    if (has_listener(path_)) {
        throw std::invalid_argument("another server is listening on " + path_);
    }
    if (unlink(path_.c_str()) != 0) {
        throw_errno("cannot remove stale socket " + path_);
    }
}

UniqueFd UnixListener::accept() {
    const int fd = accept4(fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED || errno == EINTR) {
            return UniqueFd();
        }
        throw_errno("accept on " + path_);
    }
    return UniqueFd(fd);
}

}  // namespace tern::emu
