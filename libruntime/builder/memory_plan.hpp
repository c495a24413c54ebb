// SPDX-License-Identifier: MIT
// Offline placement of activations in the scratch arena: buffers whose
// lifetimes do not overlap share bytes.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace tern::builder::detail {

// A buffer written first by op `begin` and read last by op `end - 1`
// (half-open, end > begin). Ops read all their sources before writing, so a
// buffer whose last reader is op t may share bytes with the one op t writes.
struct Lifetime {
    uint64_t bytes;
    uint32_t begin;
    uint32_t end;
};

struct MemoryPlan {
    std::vector<uint64_t> offsets;  // per buffer, multiples of the alignment
    uint64_t total = 0;             // arena size, a multiple of the alignment
};

// Greedy by size (largest first), each buffer at the lowest aligned offset
// that is free for its whole lifetime. Without reuse, buffers are laid out
// one after the other.
MemoryPlan plan_memory(std::span<const Lifetime> buffers, uint64_t alignment, bool reuse);

}  // namespace tern::builder::detail
