/* SPDX-License-Identifier: MIT */
/*
 * The UAPI calls the guest's C clients (tern-vm-probe, tern-vm-partition)
 * share. Each returns 0 or a positive errno, retrying EINTR and EAGAIN.
 */
#ifndef TERN_VM_UAPI_H
#define TERN_VM_UAPI_H

#include <stddef.h>
#include <stdint.h>

#include "drm/tern_accel.h"

/* "<program>: what: strerror(err)" (or a formatted message) on stderr; returns 1. */
int fail(const char* what, int err);
int failf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

int xioctl(int fd, unsigned long req, void* arg);
int get_param(int fd, uint32_t param, uint64_t* value);

/* One "name=0x<value>" line per parameter; returns 0, or fail()'s 1. */
struct vm_param {
    const char* name;
    uint32_t id;
};
int print_params(int fd, const struct vm_param* params, size_t n);

int bo_create(int fd, uint64_t size, uint32_t flags, struct drm_tern_bo_create* bo);
int bo_info(int fd, uint32_t handle, struct drm_tern_bo_info* info);
/* The BO's CPU mapping, or NULL when it has none. */
void* bo_map(int fd, uint32_t handle, uint64_t size);

int ctx_create(int fd, struct drm_tern_ctx_create* ctx);
/* One job of n commands; *seqno (if not NULL) gets its timeline point. */
int submit(int fd, uint32_t ctx_id, struct drm_tern_cmd* cmds, uint32_t n, uint64_t* seqno);
int query(int fd, uint32_t ctx_id, struct drm_tern_ctx_query* q);
/* Waits at most 60 s for `point` on the syncobj's timeline. */
int wait_point(int fd, uint32_t syncobj, uint64_t point);

struct drm_tern_cmd dma_cmd(uint64_t src, uint64_t dst, uint64_t size);
struct drm_tern_cmd nop_cmd(void);

#endif /* TERN_VM_UAPI_H */
