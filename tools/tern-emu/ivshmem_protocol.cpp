// SPDX-License-Identifier: MIT
#include "ivshmem_protocol.hpp"

#include <sys/socket.h>

#include <bit>
#include <cerrno>
#include <cstring>

namespace tern::emu::ivshmem {

int send_message(int sock, int64_t value, int fd) {
    uint64_t wire = static_cast<uint64_t>(value);
    if constexpr (std::endian::native == std::endian::big) {
        wire = __builtin_bswap64(wire);
    }
    iovec iov{&wire, sizeof(wire)};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
    if (fd >= 0) {
        msg.msg_control = control;
        msg.msg_controllen = sizeof(control);
        cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
        cmsg->cmsg_level = SOL_SOCKET;
        cmsg->cmsg_type = SCM_RIGHTS;
        cmsg->cmsg_len = CMSG_LEN(sizeof(int));
        std::memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
    }
    // One sendmsg per message: the fd then travels with exactly these bytes.
    const ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) {
        return errno;
    }
    return n == static_cast<ssize_t>(sizeof(wire)) ? 0 : EAGAIN;
}

}  // namespace tern::emu::ivshmem
