// SPDX-License-Identifier: MIT
// A first-fit range allocator (the kernel's drm_mm in miniature): device
// memory, device VAs and bus addresses are all handed out with it. Not
// thread-safe; owners lock.
#pragma once

#include <cstdint>
#include <map>
#include <optional>

namespace tern::rt::mock {

class RangeAllocator {
public:
    RangeAllocator() = default;
    RangeAllocator(uint64_t start, uint64_t end) { reset(start, end); }

    // Everything in [start, end) becomes free.
    void reset(uint64_t start, uint64_t end);
    // Lowest free range of `size` bytes whose start is a multiple of `align`
    // (a power of two). nullopt if none.
    std::optional<uint64_t> alloc(uint64_t size, uint64_t align);
    // Takes [start, start + size) out of the free space; false unless all of
    // it was free.
    bool reserve(uint64_t start, uint64_t size);
    // Returns a range obtained from alloc() or reserve().
    void free(uint64_t start, uint64_t size);
    // True if all of [start, start + size) is free.
    bool is_free(uint64_t start, uint64_t size) const;

    uint64_t free_bytes() const { return free_bytes_; }
    uint64_t total_bytes() const { return end_ - start_; }

private:
    uint64_t start_ = 0;
    uint64_t end_ = 0;
    uint64_t free_bytes_ = 0;
    std::map<uint64_t, uint64_t> free_;  // start -> size, coalesced
};

}  // namespace tern::rt::mock
