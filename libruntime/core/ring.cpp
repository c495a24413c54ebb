// SPDX-License-Identifier: MIT
#include "ring.hpp"

#include <drm/tern_accel.h>

namespace tern::rt {

tern_status Ring::create(File* file, uint64_t bytes, uint32_t max_entries) {
    Bo bo;
    if (tern_status s = bo_create(file, bytes, DRM_TERN_BO_HOST, &bo); s != TERN_OK)
        return s;
    if (tern_status s = bo_map(&bo); s != TERN_OK) {
        bo_destroy(&bo);
        return s;
    }
    bo_ = bo;
    bytes_ = bytes;
    head_ = tail_ = saved_head_ = 0;
    entries_.assign(max_entries, Entry{});
    first_ = count_ = 0;
    return TERN_OK;
}

bool Ring::reserve(uint64_t n, uint64_t align, uint64_t* off) {
    if (count_ == entries_.size() || n > bytes_)
        return false;
    uint64_t start = (head_ + align - 1) & ~(align - 1);
    uint64_t pos = start % bytes_;
    if (pos + n > bytes_)
        start += bytes_ - pos;  // never split: skip to the start of the ring
    if (start + n - tail_ > bytes_)
        return false;
    saved_head_ = head_;
    head_ = start + n;
    *off = start % bytes_;
    return true;
}

void Ring::commit(uint64_t seqno, void* dst, uint64_t off, uint64_t size) {
    uint32_t i = (first_ + count_) % uint32_t(entries_.size());
    entries_[i] = Entry{seqno, head_, dst, off, size};
    ++count_;
}

}  // namespace tern::rt
