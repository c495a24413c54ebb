// SPDX-License-Identifier: MIT
// A device as opened by the runtime: a control file for parameters and the
// properties the rest of the runtime needs (capabilities, page size, cores).
#pragma once

#include "../backend/backend.hpp"
#include "object.hpp"

#include <tern/tern.h>

#include <atomic>
#include <memory>
#include <string>

namespace tern::rt {

class Device final : public Object {
public:
    static constexpr Kind kKind = Kind::device;

    Device(uint32_t index, NodeInfo node, Backend* backend);
    ~Device() override;

    // Opens the control file, does the UAPI version handshake and reads
    // the static parameters.
    tern_status init();

    // A new file on the device = a new device address space.
    tern_status open_file(std::unique_ptr<File>* out);

    tern_status param(uint32_t id, uint64_t* value);
    // The function still answers (a parameter read), without recording an
    // error: false once it is gone (ENODEV).
    bool responsive();
    tern_status get_info(tern_device_info* info);

    // The device's index in the runtime's current enumeration; it changes
    // when a rescan reorders devices, UINT32_MAX once the device is gone.
    uint32_t index() const { return index_.load(std::memory_order_relaxed); }
    void set_index(uint32_t index) { index_.store(index, std::memory_order_relaxed); }
    const NodeInfo& node() const { return node_; }
    uint64_t caps() const { return caps_; }
    uint32_t num_cores() const { return num_cores_; }
    uint64_t page_size() const { return page_size_; }
    int numa_node() const { return numa_node_; }
    bool device_mmap() const;

    uint32_t open_count = 0;  // guarded by Runtime::mu

private:
    std::atomic<uint32_t> index_;
    NodeInfo node_;
    Backend* backend_;
    std::unique_ptr<File> control_;
    uint64_t caps_ = 0;
    bool device_mmap_ = false;
    uint32_t num_cores_ = 0;
    uint64_t page_size_ = 4096;
    int numa_node_ = -1;
    uint32_t uapi_version_ = 0;
};

// Returns `s` after recording why opening `path` failed, with a hint.
tern_status open_error(int err, const std::string& path);

}  // namespace tern::rt
