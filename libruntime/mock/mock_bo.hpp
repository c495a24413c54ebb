// SPDX-License-Identifier: MIT
// Buffer objects, GEM-like: host BOs are pinned, page-aligned host pages on
// the device's NUMA node (charged to RLIMIT_MEMLOCK like the kernel's
// account_locked_vm) reached by the device through a bus address; device
// BOs are ranges of the function's device memory. Each is mapped into its
// file's address space at creation.
#pragma once

#include <cstdint>
#include <memory>

namespace tern::rt::mock {

class MockDevice;
class Vm;

class Bo {
public:
    // Allocates and maps a BO of `size` bytes (already rounded to pages and
    // checked) with DRM_TERN_BO_* `flags`. Returns 0 or -ENOMEM / -ENOSPC.
    static int create(const std::shared_ptr<MockDevice>& dev, Vm& vm, uint64_t size, uint32_t flags,
                      std::shared_ptr<Bo>* out);
    ~Bo();
    Bo(const Bo&) = delete;
    Bo& operator=(const Bo&) = delete;

    uint32_t flags() const { return flags_; }
    uint64_t size() const { return size_; }
    uint64_t va() const { return va_; }
    bool is_host() const;
    // CPU address of the contents: host pages, or the BAR2 aperture.
    void* cpu() const { return cpu_; }

    uint64_t mmap_offset = 0;  // fake offset, assigned by the file

    // Removes the device mapping and frees the VA (the file's "last
    // reference gone and jobs idle" point). Idempotent.
    void unmap_from_vm();

private:
    Bo(std::shared_ptr<MockDevice> dev, Vm* vm, uint64_t size, uint32_t flags)
        : dev_(std::move(dev)), vm_(vm), size_(size), flags_(flags) {}

    std::shared_ptr<MockDevice> dev_;
    Vm* vm_;  // the file's; outlives the mapping (the file unmaps before it goes)
    const uint64_t size_;
    const uint32_t flags_;
    uint64_t va_ = 0;
    bool mapped_ = false;
    void* cpu_ = nullptr;
    uint64_t bus_ = 0;         // host BO
    uint64_t dev_offset_ = 0;  // device BO
    bool dev_allocated_ = false;
    bool charged_ = false;
};

// Bytes of host BOs currently charged as locked memory in this process.
uint64_t locked_bytes();

}  // namespace tern::rt::mock
