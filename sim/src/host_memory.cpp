// SPDX-License-Identifier: MIT
// MappedHostMemory: the mock's IOMMU, a map of registered process buffers.
#include "tern/sim/host_memory.hpp"

#include <cstring>
#include <iterator>

namespace tern::sim {

bool MappedHostMemory::map(uint64_t bus_addr, void* ptr, size_t len) {
    if (len == 0 || ptr == nullptr || bus_addr + len < bus_addr) {
        return false;
    }
    const uint64_t end = bus_addr + len;  // exclusive; may be 0 only on overflow (rejected)
    std::unique_lock lock(lock_);
    auto next = regions_.lower_bound(bus_addr);
    if (next != regions_.end() && next->first < end) {
        return false;
    }
    if (next != regions_.begin()) {
        auto prev = std::prev(next);
        if (prev->first + prev->second.len > bus_addr) {
            return false;
        }
    }
    regions_.emplace(bus_addr, Region{static_cast<uint8_t*>(ptr), len});
    return true;
}

bool MappedHostMemory::unmap(uint64_t bus_addr) {
    std::unique_lock lock(lock_);
    return regions_.erase(bus_addr) != 0;
}

uint8_t* MappedHostMemory::resolve(uint64_t bus_addr, size_t len) {
    auto it = regions_.upper_bound(bus_addr);
    if (it == regions_.begin()) {
        return nullptr;
    }
    --it;
    const uint64_t off = bus_addr - it->first;
    // Written so that no sum can overflow: off < region length is checked first.
    if (off >= it->second.len || len > it->second.len - off) {
        return nullptr;
    }
    return it->second.ptr + off;
}

bool MappedHostMemory::read(uint64_t bus_addr, void* dst, size_t len) {
    if (len == 0) {
        return true;
    }
    // The shared lock is held across the copy so that unmap() cannot return
    // (and the owner free the buffer) while the device is still using it.
    std::shared_lock lock(lock_);
    const uint8_t* p = resolve(bus_addr, len);
    if (p == nullptr) {
        return false;
    }
    std::memcpy(dst, p, len);
    return true;
}

bool MappedHostMemory::write(uint64_t bus_addr, const void* src, size_t len) {
    if (len == 0) {
        return true;
    }
    std::shared_lock lock(lock_);
    uint8_t* p = resolve(bus_addr, len);
    if (p == nullptr) {
        return false;
    }
    std::memcpy(p, src, len);
    return true;
}

}  // namespace tern::sim
