// SPDX-License-Identifier: MIT
/* The UAPI calls the guest's C clients share (tern-vm-uapi.h). */
#define _GNU_SOURCE
#include "tern-vm-uapi.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <xf86drm.h>

int fail(const char* what, int err) {
    fprintf(stderr, "%s: %s: %s\n", program_invocation_short_name, what, strerror(err));
    return 1;
}

int failf(const char* fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", program_invocation_short_name);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return 1;
}

int xioctl(int fd, unsigned long req, void* arg) {
    int ret;
    do {
        ret = ioctl(fd, req, arg);
    } while (ret == -1 && (errno == EINTR || errno == EAGAIN));
    return ret == -1 ? errno : 0;
}

int get_param(int fd, uint32_t param, uint64_t* value) {
    struct drm_tern_param p = {.param = param};
    int err = xioctl(fd, DRM_IOCTL_TERN_GET_PARAM, &p);
    if (!err) {
        *value = p.value;
    }
    return err;
}

int print_params(int fd, const struct vm_param* params, size_t n) {
    for (size_t i = 0; i < n; i++) {
        uint64_t v = 0;
        int err = get_param(fd, params[i].id, &v);
        if (err) {
            return fail(params[i].name, err);
        }
        printf("%s=0x%" PRIx64 "\n", params[i].name, v);
    }
    return 0;
}

int bo_create(int fd, uint64_t size, uint32_t flags, struct drm_tern_bo_create* bo) {
    memset(bo, 0, sizeof(*bo));
    bo->size = size;
    bo->flags = flags;
    return xioctl(fd, DRM_IOCTL_TERN_BO_CREATE, bo);
}

int bo_info(int fd, uint32_t handle, struct drm_tern_bo_info* info) {
    memset(info, 0, sizeof(*info));
    info->handle = handle;
    return xioctl(fd, DRM_IOCTL_TERN_BO_INFO, info);
}

void* bo_map(int fd, uint32_t handle, uint64_t size) {
    struct drm_tern_bo_info info;
    if (bo_info(fd, handle, &info)) {
        return NULL;
    }
    void* p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)info.mmap_offset);
    return p == MAP_FAILED ? NULL : p;
}

int ctx_create(int fd, struct drm_tern_ctx_create* ctx) {
    memset(ctx, 0, sizeof(*ctx));
    ctx->priority = DRM_TERN_PRIORITY_NORMAL;
    return xioctl(fd, DRM_IOCTL_TERN_CTX_CREATE, ctx);
}

int submit(int fd, uint32_t ctx_id, struct drm_tern_cmd* cmds, uint32_t n, uint64_t* seqno) {
    struct drm_tern_submit sub = {
        .ctx_id = ctx_id,
        .cmd_count = n,
        .cmds_ptr = (uintptr_t)cmds,
    };
    int err = xioctl(fd, DRM_IOCTL_TERN_SUBMIT, &sub);
    if (!err && seqno) {
        *seqno = sub.seqno;
    }
    return err;
}

int query(int fd, uint32_t ctx_id, struct drm_tern_ctx_query* q) {
    memset(q, 0, sizeof(*q));
    q->ctx_id = ctx_id;
    return xioctl(fd, DRM_IOCTL_TERN_CTX_QUERY, q);
}

int wait_point(int fd, uint32_t syncobj, uint64_t point) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    int64_t deadline = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec + 60ll * 1000000000;
    int ret = drmSyncobjTimelineWait(fd, &syncobj, &point, 1, deadline,
                                     DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL, NULL);
    return ret ? -ret : 0;
}

struct drm_tern_cmd dma_cmd(uint64_t src, uint64_t dst, uint64_t size) {
    struct drm_tern_cmd c;
    memset(&c, 0, sizeof(c));
    c.type = DRM_TERN_CMD_DMA_COPY;
    c.dma.src_va = src;
    c.dma.dst_va = dst;
    c.dma.size = size;
    return c;
}

struct drm_tern_cmd nop_cmd(void) {
    struct drm_tern_cmd c;
    memset(&c, 0, sizeof(c));
    c.type = DRM_TERN_CMD_NOP;
    return c;
}
