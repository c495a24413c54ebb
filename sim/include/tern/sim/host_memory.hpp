// SPDX-License-Identifier: MIT
// How the device model reaches host (system) memory by bus address.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <shared_mutex>

namespace tern::sim {

// The device's view of the host bus. The in-process mock implements it over
// the regions it has "DMA-mapped"; the emulator implements it over the
// guest's RAM file. Every access is bounds-checked by the implementation:
// an address outside what is reachable returns false (a bus error), never
// touches other memory.
class HostMemory {
public:
    virtual ~HostMemory() = default;
    virtual bool read(uint64_t bus_addr, void* dst, size_t len) = 0;
    virtual bool write(uint64_t bus_addr, const void* src, size_t len) = 0;
};

// HostMemory over explicitly registered process memory: a bus address is the
// region's chosen base plus an offset. This is the IOMMU of the mock: the
// device reaches exactly the regions that were mapped, nothing else.
class MappedHostMemory final : public HostMemory {
public:
    // Makes [bus_addr, bus_addr + len) reach ptr. Regions must not overlap.
    // Returns false on overlap, zero length or address overflow.
    bool map(uint64_t bus_addr, void* ptr, size_t len);
    // Removes the region that starts at bus_addr. Returns false if none does.
    bool unmap(uint64_t bus_addr);

    bool read(uint64_t bus_addr, void* dst, size_t len) override;
    bool write(uint64_t bus_addr, const void* src, size_t len) override;

private:
    struct Region {
        uint8_t* ptr;
        size_t len;
    };
    // Returns the host pointer for the whole range, or nullptr if the range
    // is not inside one region.
    uint8_t* resolve(uint64_t bus_addr, size_t len);

    std::shared_mutex lock_;
    std::map<uint64_t, Region> regions_;  // keyed by bus base
};

}  // namespace tern::sim
