// SPDX-License-Identifier: MIT
// A byte ring in one pinned host BO, for per-job scratch memory that the
// device reads or writes (staging chunks, binding tables). Jobs of a queue
// finish in order, so space is freed from the tail as their points pass.
// Not thread-safe: the owning queue locks around it.
#pragma once

#include "bo.hpp"

#include <cstdint>
#include <vector>

namespace tern::rt {

class Ring {
public:
    struct Entry {
        uint64_t seqno;  // job that uses the bytes
        uint64_t end;    // ring position after them (frees up to here)
        void* dst;       // device-to-host copy-out target, else nullptr
        uint64_t off;    // ring offset of the bytes to copy out
        uint64_t size;
    };

    Ring() = default;
    Ring(const Ring&) = delete;
    Ring& operator=(const Ring&) = delete;
    ~Ring() { destroy(); }

    bool ready() const { return bo_.valid(); }
    tern_status create(File* file, uint64_t bytes, uint32_t max_entries);
    void destroy() { bo_destroy(&bo_); }

    // Reserves n bytes aligned to `align` (a power of two, <= 4096); false
    // when the ring or its entry table is full. Undo with unreserve().
    bool reserve(uint64_t n, uint64_t align, uint64_t* off);
    void unreserve() { head_ = saved_head_; }
    // Records the reserved bytes as used by job `seqno`.
    void commit(uint64_t seqno, void* dst, uint64_t off, uint64_t size);

    bool empty() const { return count_ == 0; }
    uint64_t oldest_seqno() const { return count_ != 0 ? entries_[first_].seqno : 0; }
    uint64_t capacity() const { return bytes_; }
    uint8_t* cpu(uint64_t off) const { return static_cast<uint8_t*>(bo_.map) + off; }
    uint64_t va(uint64_t off) const { return bo_.va + off; }

    // Frees every entry of a job <= `upto`, calling fn(entry) first.
    template <class F>
    void retire(uint64_t upto, F&& fn) {
        while (count_ != 0 && entries_[first_].seqno <= upto) {
            Entry& e = entries_[first_];
            fn(e);
            tail_ = e.end;
            first_ = (first_ + 1) % uint32_t(entries_.size());
            --count_;
        }
    }

private:
    Bo bo_;
    uint64_t bytes_ = 0;
    uint64_t head_ = 0, tail_ = 0, saved_head_ = 0;  // monotonic positions
    std::vector<Entry> entries_;
    uint32_t first_ = 0, count_ = 0;
};

}  // namespace tern::rt
