// SPDX-License-Identifier: MIT
// One open file of a mock device: what drm_file is to the kernel. It owns the
// file's address space, GEM handles, syncobj handles and contexts, decodes
// ioctls with the DRM core's copy-in/copy-out rules, and frees everything on
// close.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "backend/backend.hpp"
#include "drm/tern_accel.h"
#include "mock/mock_fence.hpp"
#include "mock/mock_handles.hpp"
#include "mock/mock_syncobj.hpp"

namespace tern::rt::mock {

class Bo;
class CtxGroup;
class MockCtx;
class MockDevice;
class Vm;

class MockFile final : public File {
public:
    explicit MockFile(std::shared_ptr<MockDevice> dev);
    ~MockFile() override;
    MockFile(const MockFile&) = delete;
    MockFile& operator=(const MockFile&) = delete;

    int ioctl(unsigned long request, void* arg) override;
    void* mmap(uint64_t offset, size_t length, int* err) override;
    int munmap(void* addr, size_t length) override;

    // Ioctl handlers on the kernel copy of the argument (0 or -errno).
    int version(void* arg);
    int gem_close(void* arg);
    int get_param(void* arg);
    int get_info(void* arg);
    int bo_create(void* arg);
    int bo_info(void* arg);
    int ctx_create(void* arg);
    int ctx_destroy(void* arg);
    int submit(void* arg);
    int ctx_query(void* arg);
    int partition_set(void* arg);
    int sync_create(void* arg);
    int sync_destroy(void* arg);
    int sync_wait(void* arg);
    int sync_timeline_wait(void* arg);
    int sync_query(void* arg);
    int sync_timeline_signal(void* arg);
    int sync_transfer(void* arg);
    int sync_handle_to_fd(void* arg);
    int sync_fd_to_handle(void* arg);

private:
    struct CtxEntry {
        std::shared_ptr<MockCtx> ctx;
        uint32_t syncobj_handle = 0;
    };
    struct Zombie {
        std::shared_ptr<Bo> bo;
        std::vector<Fence> retire;  // jobs submitted before the close
    };
    struct Mapping {
        std::shared_ptr<Bo> bo;
        uint32_t count = 0;
    };

    bool removed() const;
    // The file's address space, created at first use.
    int vm(Vm** out);
    // Frees closed BOs whose last jobs finished and that nobody maps.
    void reap_locked();
    // Cheap check first: runs at the ioctls that may need the VA or memory.
    void reap();

    std::shared_ptr<MockDevice> dev_;
    std::shared_ptr<CtxGroup> group_;
    std::mutex vm_mu_;
    std::unique_ptr<Vm> vm_;
    HandleTable<Bo> bos_;
    SyncobjTable syncobjs_;
    HandleTable<CtxEntry> ctxs_{true};

    std::mutex bo_mu_;                   // offsets, mappings, zombies
    uint64_t next_offset_ = 1ull << 32;  // DRM_FILE_PAGE_OFFSET_START
    std::map<uint64_t, std::shared_ptr<Bo>> offsets_;
    std::map<uintptr_t, Mapping> mappings_;
    std::vector<Zombie> zombies_;
    std::atomic<bool> have_zombies_{false};
};

}  // namespace tern::rt::mock
