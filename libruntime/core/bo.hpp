// SPDX-License-Identifier: MIT
// Buffer objects: BO_CREATE / BO_INFO / mmap / GEM_CLOSE on one file.
#pragma once

#include "../backend/backend.hpp"

#include <tern/tern.h>

#include <cstdint>

namespace tern::rt {

struct Bo {
    File* file = nullptr;
    uint32_t handle = 0;
    uint32_t flags = 0;
    uint64_t va = 0;
    uint64_t size = 0;  // rounded up to the page size once mapped
    uint64_t requested = 0;
    void* map = nullptr;

    bool valid() const { return file != nullptr; }
};

// Creates a BO (DRM_TERN_BO_* flags); records the error on failure.
tern_status bo_create(File* file, uint64_t size, uint32_t flags, Bo* out);
// Maps it for the CPU (BO_INFO + mmap); TERN_ERROR_NOT_SUPPORTED if the
// BO cannot be mapped (device memory without DRM_TERN_CAP_DEVICE_MMAP).
tern_status bo_map(Bo* bo);
// Unmaps and closes the handle; the device keeps the memory until the work
// submitted before is done (docs/uapi.md, Buffer lifetime).
void bo_destroy(Bo* bo);

}  // namespace tern::rt
