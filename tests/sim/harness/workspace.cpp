// SPDX-License-Identifier: MIT
#include "harness/workspace.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "harness/desc.hpp"
#include "tern/hw/tern_mmu.h"

namespace tern::test {

Workspace::Workspace(sim::Function& fn, HostArena& arena, IrqMonitor& irq, unsigned asid,
                     unsigned q, unsigned order)
    : fn_(fn), mem_size_(fn.read64(TERN_REG_MEM_SIZE)) {
    staging_ = arena.alloc(kStagingSize);
    space_ = std::make_unique<AddressSpace>(fn, arena, asid);
    space_->table().map_host(kStagingVa, staging_.bus, kStagingSize);
    if (mem_size_ != 0) {
        space_->table().map_dev_large(kDevVa, 0, mem_size_);
    }
    queue_ = std::make_unique<QueueDriver>(fn, arena, irq, q, order);
    ok_ = space_->install() && queue_->start(asid);
}

bool Workspace::upload(uint64_t offset, const void* data, size_t len) {
    const auto* src = static_cast<const uint8_t*>(data);
    while (len > 0) {
        const size_t n = std::min<size_t>(len, kStagingSize);
        std::memcpy(staging_.ptr, src, n);
        if (!queue_->run(make_dma(kStagingVa, dev_va(offset), n, TERN_DESC_F_IRQ))) {
            ADD_FAILURE() << "upload DMA failed, queue status 0x" << std::hex << queue_->status();
            return false;
        }
        src += n;
        offset += n;
        len -= n;
    }
    return true;
}

bool Workspace::download(uint64_t offset, void* out, size_t len) {
    auto* dst = static_cast<uint8_t*>(out);
    while (len > 0) {
        const size_t n = std::min<size_t>(len, kStagingSize);
        if (!queue_->run(make_dma(dev_va(offset), kStagingVa, n, TERN_DESC_F_IRQ))) {
            ADD_FAILURE() << "download DMA failed, queue status 0x" << std::hex << queue_->status();
            return false;
        }
        std::memcpy(dst, staging_.ptr, n);
        dst += n;
        offset += n;
        len -= n;
    }
    return true;
}

std::vector<uint8_t> Workspace::download(uint64_t offset, size_t len) {
    std::vector<uint8_t> out(len);
    if (!download(offset, out.data(), len)) {
        out.clear();
    }
    return out;
}

}  // namespace tern::test
