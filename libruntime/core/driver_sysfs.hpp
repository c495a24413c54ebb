// SPDX-License-Identifier: MIT
// The kernel driver's sysfs attributes (docs/ABI/testing/sysfs-driver-tern)
// and the PCI core's link attributes, read and written with plain POSIX
// calls. Every function takes the directory to work in, so that tests can
// point it at a fake tree; nothing here depends on the rest of the runtime.
#pragma once

#include <tern/tern.h>

#include <cstdint>
#include <string>

namespace tern::rt::sysfs {

// <sysfs_root>/bus/pci/devices/<pci_address>, "" if pci_address is empty.
std::string pci_device_dir(const std::string& sysfs_root, const std::string& pci_address);

// Reads a small attribute and strips trailing whitespace. 0 or -errno.
int read_attr(const std::string& path, std::string* out);

// "ready", "resetting", "wedged"; anything else is UNKNOWN.
tern_device_state parse_state(const std::string& text);

// A decimal u64 with nothing after it. False on anything else.
bool parse_u64(const std::string& text, uint64_t* out);

// PCI core link speed ("16.0 GT/s PCIe", "2.5 GT/s") in MT/s; 0 when the
// text is not a speed ("Unknown").
uint32_t parse_link_speed_mts(const std::string& text);

// What the driver says about a function: everything optional.
struct FunctionAttrs {
    tern_device_state state = TERN_DEVICE_STATE_UNKNOWN;
    bool has_reset_count = false;
    uint64_t reset_count = 0;
    std::string transport;  // "pci", "emulated", "" if absent
    uint32_t link_speed_mts = 0, link_width = 0;
    uint32_t link_max_speed_mts = 0, link_max_width = 0;
};

// Reads the attributes of the PCI device directory `dev_dir`; missing ones
// stay at their defaults.
FunctionAttrs read_function_attrs(const std::string& dev_dir);

// Outcome of a reset request through tern/reset.
struct ResetWrite {
    bool finished = false;  // the write returned within the timeout
    int error = 0;          // its -errno when finished, else 0
};

// Writes "1" to `reset_path` from a helper thread and waits at most
// timeout_ns (< 0: no limit). The kernel's write returns when the reset is
// over; if the wait expires first, the helper thread is left to finish the
// write on its own (it owns everything it touches) and `finished` is false.
ResetWrite write_reset(const std::string& reset_path, int64_t timeout_ns);

}  // namespace tern::rt::sysfs
