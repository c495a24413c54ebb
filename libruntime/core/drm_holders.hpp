// SPDX-License-Identifier: MIT
// Which processes hold a DRM device open, from /proc/<pid>/fd and
// /proc/<pid>/fdinfo (Documentation/gpu/drm-usage-stats.rst; the keys
// tern.ko prints are in kernel/tern_fdinfo.c). Plain POSIX over a /proc
// root that tests can replace with a fake tree; nothing here depends on
// the rest of the runtime.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tern::rt::holders {

// The DRM keys of one fdinfo file.
struct DrmFdinfo {
    std::string driver;  // drm-driver
    std::string pdev;    // drm-pdev, "" if absent
    bool has_client_id = false;
    uint64_t client_id = 0;
    bool has_engine = false;
    uint64_t engine_ns = 0;  // sum of drm-engine-*
    bool has_device_memory = false;
    uint64_t device_memory_bytes = 0;  // drm-total-device
    bool has_host_memory = false;
    uint64_t host_memory_bytes = 0;  // drm-total-host
};

// Parses fdinfo text. False if it is not a DRM file (no drm-driver key).
// Values that do not parse are left unset rather than guessed.
bool parse_fdinfo(std::string_view text, DrmFdinfo* out);

// "123 KiB", "4 MiB", "512" (bytes), as DRM prints sizes. False otherwise.
bool parse_size(std::string_view text, uint64_t* bytes);

// One process holding the device.
struct Holder {
    int pid = 0;
    std::string command;  // comm
    uint32_t files = 0;   // distinct DRM clients of the device
    bool has_engine = false, has_device_memory = false, has_host_memory = false;
    uint64_t engine_ns = 0, device_memory_bytes = 0, host_memory_bytes = 0;
};

struct Scan {
    std::vector<Holder> holders;  // ordered by pid
    uint32_t uninspected = 0;     // processes whose fds we may not read
};

// The device to look for: a file matches if its fdinfo names `driver` and
// either its drm-pdev equals `pci_address` (when both are known) or its fd
// links to `node_path`.
struct Target {
    std::string driver;       // "tern"
    std::string pci_address;  // "0000:03:00.0" or ""
    std::string node_path;    // "/dev/accel/accel0"
};

// Walks <proc_root>/<pid>/fd of every process.
Scan scan(const std::string& proc_root, const Target& target);

}  // namespace tern::rt::holders
