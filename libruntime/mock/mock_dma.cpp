// SPDX-License-Identifier: MIT
#include "mock/mock_dma.hpp"

#include <sys/mman.h>

#include <cstring>

#include "tern/hw/tern_mmu.h"

#if TERN_MOCK_HAVE_NUMA
#include <numa.h>
#endif

namespace tern::rt::mock {

namespace {

// Bus addresses start above 4 GiB (so 0 is never valid: it means "no
// write-back" to the device) and stay below what a PTE can hold.
constexpr uint64_t kBusStart = 1ull << 32;
constexpr uint64_t kBusEnd = 1ull << 48;
constexpr size_t kPage = TERN_PAGE_SIZE;

}  // namespace

void* host_pages_alloc(size_t size, int numa_node) {
    if (size == 0) {
        return nullptr;
    }
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        return nullptr;
    }
#if TERN_MOCK_HAVE_NUMA
    // Pages are placed when first touched; the policy says where.
    if (numa_node >= 0 && numa_available() >= 0 && numa_node <= numa_max_node()) {
        numa_tonode_memory(p, size, numa_node);
    }
#else
    (void)numa_node;
#endif
    return p;
}

void host_pages_free(void* ptr, size_t size) {
    if (ptr != nullptr) {
        munmap(ptr, size);
    }
}

DmaSpace::DmaSpace(sim::MappedHostMemory& host) : host_(host), bus_(kBusStart, kBusEnd) {}

uint64_t DmaSpace::map(void* ptr, size_t len, uint64_t align) {
    std::lock_guard lock(mu_);
    auto bus = bus_.alloc(len, align < kPage ? kPage : align);
    if (!bus) {
        return 0;
    }
    if (!host_.map(*bus, ptr, len)) {
        bus_.free(*bus, len);
        return 0;
    }
    return *bus;
}

void DmaSpace::unmap(uint64_t bus, size_t len) {
    host_.unmap(bus);  // waits for device accesses in flight
    std::lock_guard lock(mu_);
    bus_.free(bus, len);
}

bool DmaBuffer::allocate(DmaSpace& space, size_t size, int numa_node) {
    release();
    size = (size + kPage - 1) & ~(kPage - 1);
    void* p = host_pages_alloc(size, numa_node);
    if (p == nullptr) {
        return false;
    }
    const uint64_t bus = space.map(p, size, kPage);
    if (bus == 0) {
        host_pages_free(p, size);
        return false;
    }
    space_ = &space;
    cpu_ = p;
    bus_ = bus;
    size_ = size;
    return true;
}

void DmaBuffer::release() {
    if (cpu_ != nullptr) {
        space_->unmap(bus_, size_);
        host_pages_free(cpu_, size_);
    }
    space_ = nullptr;
    cpu_ = nullptr;
    bus_ = 0;
    size_ = 0;
}

PtPool::~PtPool() {
    for (const Chunk& c : chunks_) {
        space_.unmap(c.bus, kChunkPages * kPage);
        host_pages_free(c.cpu, kChunkPages * kPage);
    }
}

PtPool::Page PtPool::alloc() {
    std::lock_guard lock(mu_);
    if (free_.empty()) {
        const size_t bytes = kChunkPages * kPage;
        auto* cpu = static_cast<uint8_t*>(host_pages_alloc(bytes, numa_node_));
        if (cpu == nullptr) {
            return {};
        }
        const uint64_t bus = space_.map(cpu, bytes, kPage);
        if (bus == 0) {
            host_pages_free(cpu, bytes);
            return {};
        }
        chunks_.push_back({cpu, bus});
        for (size_t i = kChunkPages; i-- > 0;) {
            free_.push_back({reinterpret_cast<uint64_t*>(cpu + i * kPage), bus + i * kPage});
        }
    }
    Page p = free_.back();
    free_.pop_back();
    return p;  // zeroed: fresh, or cleared by free()
}

void PtPool::free(Page page) {
    if (page.cpu == nullptr) {
        return;
    }
    std::memset(page.cpu, 0, kPage);
    std::lock_guard lock(mu_);
    free_.push_back(page);
}

}  // namespace tern::rt::mock
