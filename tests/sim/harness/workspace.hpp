// SPDX-License-Identifier: MIT
// The usual driver setup for one function: an address space mapping a host
// staging buffer and the function's whole device memory, plus one queue
// using it. upload()/download() move bytes between host and device memory
// by DMA descriptors (with F_IRQ, so waits wake on the interrupt), as a
// driver's copy path does.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "harness/address_space.hpp"
#include "harness/host_arena.hpp"
#include "harness/irq.hpp"
#include "harness/queue.hpp"

namespace tern::test {

class Workspace {
public:
    static constexpr uint64_t kStagingVa = 0x0000'1000'0000ull;
    static constexpr uint64_t kStagingSize = 4ull << 20;
    static constexpr uint64_t kDevVa = 0x0000'4000'0000ull;  // device memory offset 0

    // Maps staging (4 KiB pages) and [0, MEM_SIZE) of `fn` (2 MiB pages) in
    // `asid`, installs the root and starts queue `q`.
    Workspace(sim::Function& fn, HostArena& arena, IrqMonitor& irq, unsigned asid, unsigned q,
              unsigned order = 6);

    // False if the constructor's register handshakes failed.
    bool ok() const { return ok_; }
    sim::Function& fn() { return fn_; }
    AddressSpace& space() { return *space_; }
    QueueDriver& queue() { return *queue_; }
    const HostBuffer& staging() const { return staging_; }
    uint64_t mem_size() const { return mem_size_; }
    uint64_t dev_va(uint64_t offset) const { return kDevVa + offset; }

    // Host bytes -> device memory at `offset` (through staging + DMA).
    bool upload(uint64_t offset, const void* data, size_t len);
    // Device memory at `offset` -> host bytes.
    bool download(uint64_t offset, void* out, size_t len);
    std::vector<uint8_t> download(uint64_t offset, size_t len);

private:
    sim::Function& fn_;
    uint64_t mem_size_;
    HostBuffer staging_;
    std::unique_ptr<AddressSpace> space_;
    std::unique_ptr<QueueDriver> queue_;
    bool ok_ = false;
};

}  // namespace tern::test
