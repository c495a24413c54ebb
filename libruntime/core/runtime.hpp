// SPDX-License-Identifier: MIT
// Process-wide runtime state: the init reference count, the chosen backend
// and the devices it found. tern_init/tern_shutdown own it.
#pragma once

#include "../backend/backend.hpp"

#include <atomic>
#include <mutex>
#include <string>
#include <vector>

namespace tern::rt {

class Device;

struct Runtime {
    std::unique_ptr<Backend> backend;
    std::string backend_name;
    std::mutex mu;                      // guards nodes and open_devices
    std::vector<NodeInfo> nodes;        // the devices, by index (tern_device_rescan)
    std::vector<Device*> open_devices;  // per index, while a handle is open
    std::mutex partition_mu;            // one partition change at a time
};

// Enumerates the backend's devices again and re-indexes the open ones
// (device_rescan.cpp). Returns the new number of devices.
uint32_t rescan_devices(Runtime* rt);

// The runtime, or nullptr before tern_init / after the last tern_shutdown.
Runtime* runtime();

}  // namespace tern::rt

// For public calls: fails with TERN_ERROR_NOT_INITIALIZED when needed.
#define TERN_REQUIRE_INIT()                                                                \
    do {                                                                                   \
        if (::tern::rt::runtime() == nullptr)                                              \
            return ::tern::rt::fail(TERN_ERROR_NOT_INITIALIZED, "call tern_init() first"); \
    } while (0)
