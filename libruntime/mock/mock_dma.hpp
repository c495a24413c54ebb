// SPDX-License-Identifier: MIT
// The mock's DMA API: host pages the device may reach, and the bus addresses
// they get in the card's MappedHostMemory (its IOMMU). Rings, write-back
// slots, page tables and host BOs all go through here, so the device can
// touch nothing else.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "mock/mock_range.hpp"
#include "tern/sim/host_memory.hpp"

namespace tern::rt::mock {

// Page-aligned, zeroed host memory, placed on `numa_node` when the platform
// has NUMA (libnuma) and node >= 0. nullptr on failure.
void* host_pages_alloc(size_t size, int numa_node);
void host_pages_free(void* ptr, size_t size);

class DmaSpace {
public:
    explicit DmaSpace(sim::MappedHostMemory& host);
    DmaSpace(const DmaSpace&) = delete;
    DmaSpace& operator=(const DmaSpace&) = delete;

    // Makes [ptr, ptr + len) reachable at a new bus address aligned to
    // `align`; returns it, or 0 when out of bus space.
    uint64_t map(void* ptr, size_t len, uint64_t align);
    // After this returns the device no longer accesses the range (the
    // model's unmap waits for DMA in flight).
    void unmap(uint64_t bus, size_t len);

private:
    sim::MappedHostMemory& host_;
    std::mutex mu_;
    RangeAllocator bus_;
};

// dma_alloc_coherent(): one zeroed, page-aligned buffer with a bus address.
class DmaBuffer {
public:
    DmaBuffer() = default;
    ~DmaBuffer() { release(); }
    DmaBuffer(const DmaBuffer&) = delete;
    DmaBuffer& operator=(const DmaBuffer&) = delete;

    bool allocate(DmaSpace& space, size_t size, int numa_node);
    void release();
    void* cpu() const { return cpu_; }
    uint64_t bus() const { return bus_; }
    size_t size() const { return size_; }

private:
    DmaSpace* space_ = nullptr;
    void* cpu_ = nullptr;
    uint64_t bus_ = 0;
    size_t size_ = 0;
};

// dma_pool of 4 KiB page-table pages: chunks are registered once, so the
// device's page walks do not multiply IOMMU regions.
class PtPool {
public:
    struct Page {
        uint64_t* cpu = nullptr;
        uint64_t bus = 0;
    };
    PtPool(DmaSpace& space, int numa_node) : space_(space), numa_node_(numa_node) {}
    ~PtPool();
    PtPool(const PtPool&) = delete;
    PtPool& operator=(const PtPool&) = delete;

    // A zeroed page; cpu == nullptr when out of memory.
    Page alloc();
    void free(Page page);

private:
    static constexpr size_t kChunkPages = 128;
    struct Chunk {
        uint8_t* cpu;
        uint64_t bus;
    };
    DmaSpace& space_;
    const int numa_node_;
    std::mutex mu_;
    std::vector<Chunk> chunks_;
    std::vector<Page> free_;
};

}  // namespace tern::rt::mock
