// SPDX-License-Identifier: MIT
// Host memory for tests: page-aligned process buffers that the device can
// reach because they are registered in a MappedHostMemory (the mock IOMMU) at
// bus addresses chosen by the test. Addresses that were never registered are
// unreachable, which lets tests provoke bus errors on purpose.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "tern/sim/host_memory.hpp"

namespace tern::test {

// One registered region. `ptr` is the CPU view, `bus` the device view.
struct HostBuffer {
    uint8_t* ptr = nullptr;
    uint64_t bus = 0;
    size_t size = 0;

    template <typename T>
    T* as(size_t byte_offset = 0) const {
        return reinterpret_cast<T*>(ptr + byte_offset);
    }
    void fill(uint8_t value) const { std::memset(ptr, value, size); }
};

class HostArena {
public:
    // Bus addresses handed out by alloc() start at `bus_base` and grow; each
    // region is followed by an unregistered guard page.
    explicit HostArena(sim::MappedHostMemory& mem, uint64_t bus_base = kDefaultBusBase);
    ~HostArena();
    HostArena(const HostArena&) = delete;
    HostArena& operator=(const HostArena&) = delete;

    // Zeroed buffer of at least `size` bytes (rounded up to 4 KiB) whose bus
    // address is aligned to `bus_align` (a power of two >= 4 KiB).
    HostBuffer alloc(size_t size, uint64_t bus_align = 4096);
    // Zeroed buffer registered at exactly `bus` (4 KiB aligned). Fails the
    // current test (and returns an empty buffer) if the range is taken.
    HostBuffer alloc_at(uint64_t bus, size_t size);
    // Unregisters and frees a buffer early (its bus range becomes a hole).
    void release(const HostBuffer& buffer);
    // A 4 KiB-aligned bus address that no region will ever cover.
    static constexpr uint64_t unmapped_bus() { return kUnmappedBus; }

    sim::MappedHostMemory& memory() { return mem_; }

    static constexpr uint64_t kDefaultBusBase = 0x0000'0010'0000'0000ull;
    static constexpr uint64_t kUnmappedBus = 0x0000'0f00'0000'0000ull;

private:
    struct Region {
        uint8_t* ptr;
        uint64_t bus;
        size_t size;
    };
    HostBuffer register_region(uint64_t bus, size_t size);

    sim::MappedHostMemory& mem_;
    uint64_t next_bus_;
    std::vector<Region> regions_;
};

}  // namespace tern::test
