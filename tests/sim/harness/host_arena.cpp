// SPDX-License-Identifier: MIT
#include "harness/host_arena.hpp"

#include <gtest/gtest.h>

#include <sys/mman.h>

#include <algorithm>

namespace tern::test {

namespace {
constexpr uint64_t kPage = 4096;

uint64_t round_up(uint64_t v, uint64_t align) {
    return (v + align - 1) & ~(align - 1);
}
}  // namespace

HostArena::HostArena(sim::MappedHostMemory& mem, uint64_t bus_base)
    : mem_(mem), next_bus_(bus_base) {}

HostArena::~HostArena() {
    for (const Region& r : regions_) {
        mem_.unmap(r.bus);
        munmap(r.ptr, r.size);
    }
}

HostBuffer HostArena::register_region(uint64_t bus, size_t size) {
    size = round_up(std::max<size_t>(size, 1), kPage);
    // Anonymous mappings: page aligned, zeroed, and only faulted in when a
    // test touches them (tests allocate megabytes they mostly do not use).
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        ADD_FAILURE() << "host allocation of " << size << " bytes failed";
        return {};
    }
    auto* ptr = static_cast<uint8_t*>(p);
    if (!mem_.map(bus, ptr, size)) {
        ADD_FAILURE() << "bus range 0x" << std::hex << bus << "+0x" << size << " not free";
        munmap(ptr, size);
        return {};
    }
    regions_.push_back({ptr, bus, size});
    return {ptr, bus, size};
}

HostBuffer HostArena::alloc(size_t size, uint64_t bus_align) {
    bus_align = std::max<uint64_t>(bus_align, kPage);
    const uint64_t bus = round_up(next_bus_, bus_align);
    HostBuffer b = register_region(bus, size);
    if (b.ptr != nullptr) {
        next_bus_ = bus + b.size + kPage;  // leave an unregistered guard page
    }
    return b;
}

HostBuffer HostArena::alloc_at(uint64_t bus, size_t size) {
    if (bus % kPage != 0) {
        ADD_FAILURE() << "alloc_at needs a page-aligned bus address";
        return {};
    }
    return register_region(bus, size);
}

void HostArena::release(const HostBuffer& buffer) {
    auto it = std::find_if(regions_.begin(), regions_.end(),
                           [&](const Region& r) { return r.bus == buffer.bus; });
    if (it == regions_.end()) {
        return;
    }
    mem_.unmap(it->bus);
    munmap(it->ptr, it->size);
    regions_.erase(it);
}

}  // namespace tern::test
