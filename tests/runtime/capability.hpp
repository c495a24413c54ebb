// SPDX-License-Identifier: MIT
// The calling thread's capabilities, read and dropped with capget/capset
// (no libcap): tests skip what needs privileges they lack, and death
// tests' children drop one to see the refusal.
#pragma once

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>

namespace tern_test {

// Whether `cap` is in the calling thread's effective set.
inline bool has_capability(int cap) {
    __user_cap_header_struct hdr{};
    hdr.version = _LINUX_CAPABILITY_VERSION_3;
    __user_cap_data_struct data[2] = {};
    if (syscall(SYS_capget, &hdr, data) != 0) {
        return false;
    }
    return (data[cap / 32].effective >> (cap % 32) & 1) != 0;
}

// Removes `cap` from the calling thread's effective, permitted and
// inheritable sets (threads created later inherit that). For child
// processes of death tests: root keeps every other capability.
inline bool drop_capability(int cap) {
    __user_cap_header_struct hdr{};
    hdr.version = _LINUX_CAPABILITY_VERSION_3;
    __user_cap_data_struct data[2] = {};
    if (syscall(SYS_capget, &hdr, data) != 0) {
        return false;
    }
    const uint32_t bit = 1u << (cap % 32);
    data[cap / 32].effective &= ~bit;
    data[cap / 32].permitted &= ~bit;
    data[cap / 32].inheritable &= ~bit;
    return syscall(SYS_capset, &hdr, data) == 0;
}

}  // namespace tern_test
