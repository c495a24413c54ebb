// SPDX-License-Identifier: MIT
#include "mock/mock_range.hpp"

#include <iterator>

namespace tern::rt::mock {

void RangeAllocator::reset(uint64_t start, uint64_t end) {
    start_ = start;
    end_ = end;
    free_.clear();
    free_bytes_ = end > start ? end - start : 0;
    if (free_bytes_ != 0) {
        free_.emplace(start, free_bytes_);
    }
}

std::optional<uint64_t> RangeAllocator::alloc(uint64_t size, uint64_t align) {
    if (size == 0 || align == 0) {
        return std::nullopt;
    }
    for (auto it = free_.begin(); it != free_.end(); ++it) {
        const uint64_t base = it->first;
        const uint64_t len = it->second;
        const uint64_t aligned = (base + align - 1) & ~(align - 1);
        if (aligned < base) {
            continue;  // wrapped
        }
        const uint64_t skip = aligned - base;
        if (skip >= len || len - skip < size) {
            continue;
        }
        // Split the hole into [base, aligned) and [aligned + size, end).
        const uint64_t tail = len - skip - size;
        free_.erase(it);
        if (skip != 0) {
            free_.emplace(base, skip);
        }
        if (tail != 0) {
            free_.emplace(aligned + size, tail);
        }
        free_bytes_ -= size;
        return aligned;
    }
    return std::nullopt;
}

bool RangeAllocator::is_free(uint64_t start, uint64_t size) const {
    if (size == 0) {
        return true;
    }
    auto it = free_.upper_bound(start);
    if (it == free_.begin()) {
        return false;
    }
    --it;
    return start - it->first < it->second && size <= it->second - (start - it->first);
}

bool RangeAllocator::reserve(uint64_t start, uint64_t size) {
    if (size == 0 || !is_free(start, size)) {
        return false;
    }
    auto it = std::prev(free_.upper_bound(start));
    const uint64_t base = it->first;
    const uint64_t len = it->second;
    free_.erase(it);
    if (start > base) {
        free_.emplace(base, start - base);
    }
    const uint64_t end = start + size;
    if (base + len > end) {
        free_.emplace(end, base + len - end);
    }
    free_bytes_ -= size;
    return true;
}

void RangeAllocator::free(uint64_t start, uint64_t size) {
    if (size == 0) {
        return;
    }
    uint64_t s = start;
    uint64_t e = start + size;
    auto next = free_.lower_bound(s);
    if (next != free_.begin()) {
        auto prev = std::prev(next);
        if (prev->first + prev->second == s) {
            s = prev->first;
            free_.erase(prev);
        }
    }
    if (next != free_.end() && next->first == e) {
        e = next->first + next->second;
        free_.erase(next);
    }
    free_.emplace(s, e - s);
    free_bytes_ += size;
}

}  // namespace tern::rt::mock
