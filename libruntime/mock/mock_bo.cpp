// SPDX-License-Identifier: MIT
#include "mock/mock_bo.hpp"

#include <sys/resource.h>

#include <atomic>
#include <cerrno>

#include "drm/tern_accel.h"
#include "mock/mock_device.hpp"
#include "mock/mock_util.hpp"
#include "mock/mock_vm.hpp"

namespace tern::rt::mock {

namespace {

std::atomic<uint64_t> g_locked{0};

// account_locked_vm(): pinned pages count against RLIMIT_MEMLOCK unless
// the caller has CAP_IPC_LOCK; over the limit is -ENOMEM.
int charge_locked(uint64_t bytes) {
    rlimit rl{};
    const bool limited = getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY;
    const uint64_t prev = g_locked.fetch_add(bytes, std::memory_order_acq_rel);
    if (limited && (prev + bytes > rl.rlim_cur || prev + bytes < prev) &&
        !thread_capable(kCapIpcLock)) {
        g_locked.fetch_sub(bytes, std::memory_order_acq_rel);
        return -ENOMEM;
    }
    return 0;
}

}  // namespace

uint64_t locked_bytes() {
    return g_locked.load(std::memory_order_acquire);
}

bool Bo::is_host() const {
    return (flags_ & DRM_TERN_BO_HOST) != 0;
}

int Bo::create(const std::shared_ptr<MockDevice>& dev, Vm& vm, uint64_t size, uint32_t flags,
               std::shared_ptr<Bo>* out) {
    std::shared_ptr<Bo> bo(new Bo(dev, &vm, size, flags));
    uint64_t target = 0;
    if (bo->is_host()) {
        if (int r = charge_locked(size); r != 0) {
            return r;
        }
        bo->charged_ = true;
        bo->cpu_ = host_pages_alloc(size, dev->numa_node());
        if (bo->cpu_ == nullptr) {
            return -ENOMEM;
        }
        // 2 MiB aligned bus addresses let large BOs use 2 MiB PTEs.
        const uint64_t align = size >= TERN_LARGE_PAGE_SIZE ? TERN_LARGE_PAGE_SIZE : 0;
        bo->bus_ = dev->dma().map(bo->cpu_, size, align);
        if (bo->bus_ == 0) {
            return -ENOMEM;
        }
        target = bo->bus_;
    } else {
        if (!dev->devmem_alloc(size, &bo->dev_offset_)) {
            return -ENOSPC;
        }
        bo->dev_allocated_ = true;
        bo->cpu_ = dev->aperture() + bo->dev_offset_;
        target = bo->dev_offset_;
    }
    bo->va_ = vm.alloc_va(size);
    if (bo->va_ == 0) {
        return -ENOSPC;
    }
    const bool writable = (flags & DRM_TERN_BO_READ_ONLY) == 0;
    if (int r = vm.map(bo->va_, size, target, !bo->is_host(), writable); r != 0) {
        vm.free_va(bo->va_, size);
        bo->va_ = 0;
        return r;
    }
    bo->mapped_ = true;
    *out = std::move(bo);
    return 0;
}

void Bo::unmap_from_vm() {
    if (mapped_) {
        vm_->unmap(va_, size_);
        mapped_ = false;
    }
    if (va_ != 0) {
        vm_->free_va(va_, size_);
        va_ = 0;
    }
}

Bo::~Bo() {
    // The owner unmapped us; this is the final free of the backing store.
    if (bus_ != 0) {
        dev_->dma().unmap(bus_, size_);
    }
    if (is_host()) {
        host_pages_free(cpu_, size_);
    } else if (dev_allocated_) {
        dev_->devmem_free(dev_offset_, size_);
    }
    if (charged_) {
        g_locked.fetch_sub(size_, std::memory_order_acq_rel);
    }
}

}  // namespace tern::rt::mock
