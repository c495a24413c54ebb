// SPDX-License-Identifier: MIT
// DMA_COPY: a copy between two virtual ranges of one address space, moved
// through the MMU in runs of pages contiguous on both sides.
#pragma once

#include <atomic>
#include <cstdint>

#include "compute/compute.hpp"
#include "mmu.hpp"

namespace tern::sim {

enum class DmaStatus { kOk, kFault, kAborted };

struct DmaResult {
    DmaStatus status = DmaStatus::kOk;
    Fault fault;
};

// Copies size bytes (1..TERN_DMA_MAX_SIZE, checked by the caller) in
// ascending order. A range that leaves the 48-bit VA space faults before
// anything is copied; any other fault stops the copy precisely at the first
// inaccessible page. `abort` is polled between pages (queue or function
// reset) so that even the largest copy stops promptly.
DmaResult dma_copy(Mmu& mmu, HostMemory& host, uint32_t asid, uint64_t src, uint64_t dst,
                   uint64_t size, const std::atomic<bool>& abort);

}  // namespace tern::sim
