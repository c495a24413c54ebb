// SPDX-License-Identifier: MIT
// The server side of QEMU's ivshmem protocol (docs/specs/ivshmem-spec.rst in
// QEMU): on a Unix stream socket the server sends little-endian int64
// messages, each optionally carrying one file descriptor (SCM_RIGHTS). The
// client never sends anything.
#pragma once

#include <cstdint>
#include <string>

namespace tern::emu::ivshmem {

inline constexpr int64_t kProtocolVersion = 0;
// Message value that carries the shared-memory fd.
inline constexpr int64_t kSharedMemory = -1;
// QEMU rejects peer ids above this.
inline constexpr int64_t kMaxPeerId = 65535;

// Result of one send: 0 on success, else the errno that stopped it
// (EAGAIN for a short or blocked write on the non-blocking socket).
int send_message(int sock, int64_t value, int fd = -1);

}  // namespace tern::emu::ivshmem
