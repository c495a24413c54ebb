// SPDX-License-Identifier: MIT
// The device's view of the host bus in emulation: the guest's RAM file
// (QEMU memory-backend-file, share=on), mapped into the emulator. Without a
// vIOMMU a bus address is a guest-physical address, which equals the file
// offset while the guest has at most 2 GiB of RAM (hw-spec 11.6).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "tern/sim/host_memory.hpp"

namespace tern::emu {

class GuestRam final : public sim::HostMemory {
public:
    // Above this, q35 and pc split guest RAM around the PCI hole, so file
    // offsets stop being guest-physical addresses.
    static constexpr uint64_t kMaxSize = uint64_t{2} << 30;

    // Maps an existing regular file of 1 .. kMaxSize bytes read/write and
    // shared. Throws std::system_error or std::invalid_argument.
    explicit GuestRam(const std::string& path);
    ~GuestRam() override;
    GuestRam(const GuestRam&) = delete;
    GuestRam& operator=(const GuestRam&) = delete;

    uint64_t size() const { return size_; }

    // [bus_addr, bus_addr + len) must lie inside the file; anything else is
    // a bus error (false) and touches nothing.
    bool read(uint64_t bus_addr, void* dst, size_t len) override;
    bool write(uint64_t bus_addr, const void* src, size_t len) override;

private:
    uint8_t* resolve(uint64_t bus_addr, size_t len) const;

    uint8_t* base_ = nullptr;
    uint64_t size_ = 0;
};

}  // namespace tern::emu
