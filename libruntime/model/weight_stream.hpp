// SPDX-License-Identifier: MIT
// Streams a model's weights from a file to device memory: io_uring reads
// (O_DIRECT when the data is not in the page cache) into a few pinned,
// NUMA-local staging buffers, each DMA'd to the device as soon as it is
// full while the next reads proceed; the XXH3 checksum is computed on the
// way.
#pragma once

#include <tern/tern.h>

#include <cstdint>
#include <string>

namespace tern::rt {

class Context;

enum class DirectIo { automatic, never, always };

struct WeightStreamStats {
    bool direct_io = false;    // O_DIRECT was used (for all or part)
    bool io_uring = false;     // false: pread fallback (io_uring unavailable)
    uint64_t chunk_bytes = 0;  // staging buffer size
    uint32_t buffers = 0;      // staging buffers
    // Where the loading thread spent its time (for the log and profiles).
    double read_wait_ms = 0;  // waiting for reads
    double dma_wait_ms = 0;   // waiting for a staging buffer's DMA
    double checksum_ms = 0;
};

struct WeightSource {
    const std::string* path;  // for messages and O_DIRECT reopen
    int fd;                   // open read-only, buffered
    uint64_t offset;          // multiple of 4096 in the file
    uint64_t size;
    uint64_t checksum;  // expected XXH3-64
};

// Copies the weights to device address `dst_va` (in ctx's address space)
// and verifies their checksum (TERN_ERROR_INVALID_MODEL on mismatch).
// Records the error on failure.
tern_status stream_weights(Context* ctx, const WeightSource& src, uint64_t dst_va, DirectIo policy,
                           WeightStreamStats* stats);

}  // namespace tern::rt
