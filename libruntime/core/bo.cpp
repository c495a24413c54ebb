// SPDX-License-Identifier: MIT
#include "bo.hpp"

#include "log.hpp"
#include "status.hpp"

#include <drm/tern_accel.h>
#include <sys/resource.h>

#include <atomic>

namespace tern::rt {

namespace {

// Bytes of host BOs this runtime holds: pinning beyond RLIMIT_MEMLOCK fails
// with ENOMEM (as account_locked_vm() does), indistinguishable from real
// memory exhaustion except by comparing with the limit.
std::atomic<uint64_t> g_pinned_bytes{0};

}  // namespace

tern_status bo_create(File* file, uint64_t size, uint32_t flags, Bo* out) {
    drm_tern_bo_create c{};
    c.size = size;
    c.flags = flags;
    int r = file->ioctl(DRM_IOCTL_TERN_BO_CREATE, &c);
    if (r != 0) {
        bool host = (flags & DRM_TERN_BO_HOST) != 0;
        tern_status s = status_from_errno(r, host ? ErrnoOp::host_bo : ErrnoOp::bo_create);
        if (host && (s == TERN_ERROR_OUT_OF_HOST_MEMORY || s == TERN_ERROR_PINNED_LIMIT)) {
            rlimit lim{};
            getrlimit(RLIMIT_MEMLOCK, &lim);
            if (lim.rlim_cur != RLIM_INFINITY && g_pinned_bytes.load() + size > lim.rlim_cur)
                s = TERN_ERROR_PINNED_LIMIT;
            if (lim.rlim_cur != RLIM_INFINITY)
                return fail(s,
                            "cannot allocate {} bytes of pinned host memory ({}); "
                            "RLIMIT_MEMLOCK is {} bytes (ulimit -l)",
                            size, errno_name(r), uint64_t(lim.rlim_cur));
        }
        if (r == -E2BIG)
            return fail(s, "{} bytes of {} memory can never fit on this device ({})", size,
                        host ? "host" : "device", errno_name(r));
        return fail(s, "cannot allocate {} bytes of {} memory ({})", size,
                    host ? "pinned host" : "device", errno_name(r));
    }
    if (flags & DRM_TERN_BO_HOST)
        g_pinned_bytes.fetch_add(size);
    Bo b;
    b.file = file;
    b.handle = c.handle;
    b.flags = flags;
    b.va = c.va;
    b.size = size;
    b.requested = size;
    *out = b;
    return TERN_OK;
}

tern_status bo_map(Bo* bo) {
    drm_tern_bo_info info{};
    info.handle = bo->handle;
    int r = bo->file->ioctl(DRM_IOCTL_TERN_BO_INFO, &info);
    if (r != 0)
        return fail(status_from_errno(r), "BO_INFO failed ({})", errno_name(r));
    bo->size = info.size;
    if (info.mmap_offset == 0)
        return fail(TERN_ERROR_NOT_SUPPORTED, "this BO cannot be mapped by the CPU");
    int err = 0;
    void* p = bo->file->mmap(info.mmap_offset, info.size, &err);
    if (p == nullptr)
        return fail(status_from_errno(err), "mmap of {} bytes failed ({})", info.size,
                    errno_name(err));
    bo->map = p;
    return TERN_OK;
}

void bo_destroy(Bo* bo) {
    if (!bo->valid())
        return;
    if (bo->map != nullptr)
        bo->file->munmap(bo->map, bo->size);
    if (bo->flags & DRM_TERN_BO_HOST)
        g_pinned_bytes.fetch_sub(bo->requested);
    drm_gem_close gc{};
    gc.handle = bo->handle;
    if (int r = bo->file->ioctl(DRM_IOCTL_GEM_CLOSE, &gc); r != 0)
        TERN_LOG(warn, "GEM_CLOSE of handle {} failed ({})", bo->handle, errno_name(r));
    *bo = Bo();
}

}  // namespace tern::rt
