// SPDX-License-Identifier: MIT
/*
 * tern-vm-probe: small UAPI client for the QEMU harness's guest suites.
 *
 *   tern-vm-probe info NODE          print identity parameters, one per line
 *   tern-vm-probe hold NODE          open NODE, create a host BO, a device BO
 *                                    and a context, print "ready", wait for
 *                                    SIGUSR1, then try GET_PARAM and print
 *                                    "after: ok" or "after: <errno name>"
 *   tern-vm-probe submit NODE JOBS   run JOBS jobs (NOP, TIMESTAMP into a
 *                                    host BO, DMA host->device->host) on one
 *                                    context and check every result
 *   tern-vm-probe fault NODE         a DMA from an unmapped VA faults only
 *                                    its context, with the detail docs/uapi.md
 *                                    gives; the file's other context runs on
 *   tern-vm-probe long NODE          one job of 1024 large DMA copies (many
 *                                    seconds of device time); expects the
 *                                    context to end TIMED_OUT (load tern.ko
 *                                    with a short job_timeout_ms)
 *   tern-vm-probe spin NODE          submit long jobs until killed
 *   tern-vm-probe abuse NODE         invalid arguments to every ioctl get the
 *                                    errno docs/uapi.md gives; then random
 *                                    argument bytes to every ioctl
 *
 * Exit status 0 on success, 1 on a failed check (message on stderr).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "drm/tern_accel.h"
#include "tern-vm-uapi.h"

static int cmd_info(int fd) {
    static const struct vm_param params[] = {
        {"vendor_id", DRM_TERN_PARAM_VENDOR_ID},
        {"device_id", DRM_TERN_PARAM_DEVICE_ID},
        {"uapi_version", DRM_TERN_PARAM_UAPI_VERSION},
        {"capabilities", DRM_TERN_PARAM_CAPABILITIES},
        {"num_cores", DRM_TERN_PARAM_NUM_CORES},
        {"num_queues", DRM_TERN_PARAM_NUM_QUEUES},
        {"mem_size", DRM_TERN_PARAM_MEM_SIZE},
        {"mem_free", DRM_TERN_PARAM_MEM_FREE},
        {"pci_address", DRM_TERN_PARAM_PCI_ADDRESS},
    };
    return print_params(fd, params, sizeof(params) / sizeof(params[0]));
}

static int cmd_hold(int fd) {
    sigset_t usr1;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);  // before "ready": no signal is lost

    struct drm_tern_bo_create host, dev;
    struct drm_tern_ctx_create ctx = {.priority = DRM_TERN_PRIORITY_NORMAL};
    int err;

    if ((err = bo_create(fd, 1 << 20, DRM_TERN_BO_HOST, &host))) {
        return fail("BO_CREATE host", err);
    }
    if ((err = bo_create(fd, 2 << 20, DRM_TERN_BO_DEVICE, &dev))) {
        return fail("BO_CREATE device", err);
    }
    if ((err = xioctl(fd, DRM_IOCTL_TERN_CTX_CREATE, &ctx))) {
        return fail("CTX_CREATE", err);
    }
    printf("ready\n");
    fflush(stdout);

    int sig = 0;
    sigwait(&usr1, &sig);
    uint64_t v;
    err = get_param(fd, DRM_TERN_PARAM_MEM_SIZE, &v);
    printf("after: %s\n", err ? strerrorname_np(err) : "ok");
    return 0;
}

static int cmd_submit(int fd, unsigned jobs) {
    const uint64_t size = 64 << 10;
    struct drm_tern_bo_create src, mid, dst, ts;
    struct drm_tern_ctx_create ctx = {.priority = DRM_TERN_PRIORITY_NORMAL};
    uint64_t caps = 0;
    int err;

    if ((err = get_param(fd, DRM_TERN_PARAM_CAPABILITIES, &caps))) {
        return fail("GET_PARAM capabilities", err);
    }
    if ((err = bo_create(fd, size, DRM_TERN_BO_HOST, &src)) ||
        (err = bo_create(fd, size, DRM_TERN_BO_DEVICE, &mid)) ||
        (err = bo_create(fd, size, DRM_TERN_BO_HOST, &dst)) ||
        (err = bo_create(fd, 4096, DRM_TERN_BO_HOST, &ts))) {
        return fail("BO_CREATE", err);
    }
    uint8_t* s = bo_map(fd, src.handle, size);
    uint8_t* d = bo_map(fd, dst.handle, size);
    uint64_t* t = bo_map(fd, ts.handle, 4096);
    if (!s || !d || !t) {
        return fail("mmap", errno);
    }
    if ((err = xioctl(fd, DRM_IOCTL_TERN_CTX_CREATE, &ctx))) {
        return fail("CTX_CREATE", err);
    }

    for (unsigned j = 0; j < jobs; j++) {
        for (uint64_t i = 0; i < size; i++) {
            s[i] = (uint8_t)(i * 7 + j);
        }
        memset(d, 0, size);
        t[0] = 0;

        struct drm_tern_cmd cmds[4];
        unsigned n = 0;
        memset(cmds, 0, sizeof(cmds));
        cmds[n++].type = DRM_TERN_CMD_NOP;
        cmds[n].type = DRM_TERN_CMD_DMA_COPY;
        cmds[n].dma.src_va = src.va;
        cmds[n].dma.dst_va = mid.va;
        cmds[n++].dma.size = size;
        cmds[n].type = DRM_TERN_CMD_DMA_COPY;
        cmds[n].dma.src_va = mid.va;
        cmds[n].dma.dst_va = dst.va;
        cmds[n++].dma.size = size;
        if (caps & DRM_TERN_CAP_TIMESTAMP) {
            cmds[n].type = DRM_TERN_CMD_TIMESTAMP;
            cmds[n++].timestamp.dst_va = ts.va;
        }
        struct drm_tern_submit sub = {
            .ctx_id = ctx.ctx_id,
            .cmd_count = n,
            .cmds_ptr = (uintptr_t)cmds,
        };
        if ((err = xioctl(fd, DRM_IOCTL_TERN_SUBMIT, &sub))) {
            return fail("SUBMIT", err);
        }
        if ((err = wait_point(fd, ctx.syncobj_handle, sub.seqno))) {
            return fail("syncobj timeline wait", err);
        }
        struct drm_tern_ctx_query q = {.ctx_id = ctx.ctx_id};
        if ((err = xioctl(fd, DRM_IOCTL_TERN_CTX_QUERY, &q))) {
            return fail("CTX_QUERY", err);
        }
        if (q.state != DRM_TERN_CTX_STATE_OK || q.completed_seqno != sub.seqno) {
            fprintf(stderr,
                    "tern-vm-probe: job %" PRIu64 ": state %u error %u completed %" PRIu64
                    " failed %" PRIu64 " cmd %u fault_va 0x%" PRIx64 "\n",
                    (uint64_t)sub.seqno, q.state, q.error, (uint64_t)q.completed_seqno,
                    (uint64_t)q.failed_seqno, q.cmd_index, (uint64_t)q.fault_va);
            return 1;
        }
        if (memcmp(s, d, size) != 0) {
            fprintf(stderr, "tern-vm-probe: job %u: DMA result differs from the source\n", j);
            return 1;
        }
        if ((caps & DRM_TERN_CAP_TIMESTAMP) && t[0] == 0) {
            fprintf(stderr, "tern-vm-probe: job %u: TIMESTAMP wrote nothing\n", j);
            return 1;
        }
    }
    struct drm_tern_ctx_destroy del = {.ctx_id = ctx.ctx_id};
    if ((err = xioctl(fd, DRM_IOCTL_TERN_CTX_DESTROY, &del))) {
        return fail("CTX_DESTROY", err);
    }
    printf("submit: %u jobs ok\n", jobs);
    return 0;
}

static int checks_failed;

#define CHECK_EQ(what, got, want)                                                       \
    do {                                                                                \
        uint64_t g_ = (uint64_t)(got), w_ = (uint64_t)(want);                           \
        if (g_ != w_) {                                                                 \
            fprintf(stderr,                                                             \
                    "tern-vm-probe: %s: got %" PRIu64 " (0x%" PRIx64 "), want %" PRIu64 \
                    " (0x%" PRIx64 ")\n",                                               \
                    what, g_, g_, w_, w_);                                              \
            checks_failed++;                                                            \
        }                                                                               \
    } while (0)

/* `n` DMA copies of 16 MiB between two host BOs as one job: tens of
 * milliseconds of device time for a few, many seconds for 1024. */
static int submit_copies(int fd, uint32_t ctx_id, unsigned n, uint64_t* seqno) {
    static struct drm_tern_cmd cmds[DRM_TERN_MAX_CMDS_PER_SUBMIT];
    static struct drm_tern_bo_create a, b;
    const uint64_t size = 16 << 20;
    int err;

    if (n > DRM_TERN_MAX_CMDS_PER_SUBMIT) {
        return EINVAL;
    }
    if (!a.handle && ((err = bo_create(fd, size, DRM_TERN_BO_HOST, &a)) ||
                      (err = bo_create(fd, size, DRM_TERN_BO_HOST, &b)))) {
        return err;
    }
    for (unsigned i = 0; i < n; i++) {
        cmds[i] = i % 2 ? dma_cmd(b.va, a.va, size) : dma_cmd(a.va, b.va, size);
    }
    return submit(fd, ctx_id, cmds, n, seqno);
}

/* Far longer than a short job timeout. */
static int submit_long(int fd, uint32_t ctx_id, uint64_t* seqno) {
    return submit_copies(fd, ctx_id, DRM_TERN_MAX_CMDS_PER_SUBMIT, seqno);
}

/*
 * One try of "fault": a job, a faulting job and one more job on context c.
 * The last must be submitted before the driver has handled the fault (after
 * that SUBMIT rightly says ECANCELED), so the first job is 32 copies of
 * 16 MiB, which keeps the queue busy meanwhile. Returns EAGAIN if the fault
 * was handled first all the same, 0 when every check ran (checks_failed
 * counts the failed ones), else 1.
 */
static int fault_once(int fd, const struct drm_tern_bo_create* host,
                      const struct drm_tern_bo_create* dev) {
    struct drm_tern_ctx_create c, other;
    struct drm_tern_ctx_query q;
    uint64_t ok = 0, seq = 0, later = 0, s2 = 0;
    int err;

    if ((err = ctx_create(fd, &c)) || (err = ctx_create(fd, &other))) {
        return fail("CTX_CREATE", err);
    }
    struct drm_tern_ctx_destroy del = {.ctx_id = c.ctx_id};
    struct drm_tern_ctx_destroy del_other = {.ctx_id = other.ctx_id};
    struct drm_tern_cmd good = dma_cmd(host->va, dev->va, host->size);
    /* Past the end of the host BO: its guard page is not mapped. */
    const uint64_t bad_va = host->va + host->size;
    struct drm_tern_cmd bad[3] = {nop_cmd(), dma_cmd(bad_va - 100, dev->va, 200), nop_cmd()};
    struct drm_tern_cmd one = nop_cmd();
    if ((err = submit_copies(fd, c.ctx_id, 32, &ok)) ||
        (err = submit(fd, c.ctx_id, bad, 3, &seq))) {
        return fail("SUBMIT", err);
    }
    err = submit(fd, c.ctx_id, &one, 1, &later);
    if (err == ECANCELED) {
        (void)wait_point(fd, c.syncobj_handle, seq);
        xioctl(fd, DRM_IOCTL_TERN_CTX_DESTROY, &del);
        xioctl(fd, DRM_IOCTL_TERN_CTX_DESTROY, &del_other);
        return EAGAIN;
    }
    if (err) {
        return fail("SUBMIT", err);
    }
    /* Every later point signals too, so that no waiter hangs. */
    if ((err = wait_point(fd, c.syncobj_handle, later))) {
        return fail("wait for the points after the fault", err);
    }
    if ((err = query(fd, c.ctx_id, &q))) {
        return fail("CTX_QUERY", err);
    }
    CHECK_EQ("state", q.state, DRM_TERN_CTX_STATE_FAULTED);
    CHECK_EQ("error", q.error, DRM_TERN_ERR_PAGE_FAULT);
    CHECK_EQ("fault_va", q.fault_va, bad_va);
    CHECK_EQ("fault_reason", q.fault_reason, DRM_TERN_FAULT_UNMAPPED);
    CHECK_EQ("fault_access", q.fault_access, DRM_TERN_ACCESS_READ);
    CHECK_EQ("engine", q.engine, DRM_TERN_ENGINE_DMA);
    CHECK_EQ("cmd_index", q.cmd_index, 1);
    CHECK_EQ("op_index", q.op_index, DRM_TERN_INDEX_NONE);
    CHECK_EQ("failed_seqno", q.failed_seqno, seq);
    CHECK_EQ("completed_seqno", q.completed_seqno, ok);
    CHECK_EQ("submitted_seqno", q.submitted_seqno, later);
    CHECK_EQ("SUBMIT after the fault", submit(fd, c.ctx_id, &one, 1, NULL), ECANCELED);

    /* The file's other context carries on. */
    if ((err = submit(fd, other.ctx_id, &good, 1, &s2)) ||
        (err = wait_point(fd, other.syncobj_handle, s2)) || (err = query(fd, other.ctx_id, &q))) {
        return fail("other context", err);
    }
    CHECK_EQ("other context state", q.state, DRM_TERN_CTX_STATE_OK);
    CHECK_EQ("other context completed", q.completed_seqno, s2);

    CHECK_EQ("CTX_DESTROY of the faulted context", xioctl(fd, DRM_IOCTL_TERN_CTX_DESTROY, &del), 0);
    CHECK_EQ("CTX_DESTROY of the other context", xioctl(fd, DRM_IOCTL_TERN_CTX_DESTROY, &del_other),
             0);
    return 0;
}

static int cmd_fault(int fd) {
    struct drm_tern_bo_create host, dev;
    int err, tries;

    if ((err = bo_create(fd, 8192, DRM_TERN_BO_HOST, &host)) ||
        (err = bo_create(fd, 8192, DRM_TERN_BO_DEVICE, &dev))) {
        return fail("BO_CREATE", err);
    }
    for (tries = 1; (err = fault_once(fd, &host, &dev)) == EAGAIN && tries < 5; tries++) {
        fprintf(stderr, "tern-vm-probe: fault handled before the next SUBMIT; again\n");
    }
    if (err == EAGAIN) {
        return fail("the fault was handled before the next SUBMIT in every try", ECANCELED);
    }
    if (err || checks_failed) {
        return 1;
    }
    printf("fault: page fault detail as documented, other context ok (try %d)\n", tries);
    return 0;
}

static int cmd_long(int fd) {
    struct drm_tern_ctx_create c, other;
    struct drm_tern_ctx_query q;
    uint64_t seq = 0, s2 = 0;
    int err;

    if ((err = ctx_create(fd, &c)) || (err = ctx_create(fd, &other))) {
        return fail("CTX_CREATE", err);
    }
    if ((err = submit_long(fd, c.ctx_id, &seq))) {
        return fail("SUBMIT", err);
    }
    if ((err = wait_point(fd, c.syncobj_handle, seq))) {
        return fail("wait for the long job", err);
    }
    if ((err = query(fd, c.ctx_id, &q))) {
        return fail("CTX_QUERY", err);
    }
    CHECK_EQ("state", q.state, DRM_TERN_CTX_STATE_TIMED_OUT);
    CHECK_EQ("error", q.error, DRM_TERN_ERR_TIMEOUT);
    CHECK_EQ("failed_seqno", q.failed_seqno, seq);
    CHECK_EQ("completed_seqno", q.completed_seqno, 0);
    struct drm_tern_cmd one = nop_cmd();
    CHECK_EQ("SUBMIT after the timeout", submit(fd, c.ctx_id, &one, 1, NULL), ECANCELED);
    if ((err = submit(fd, other.ctx_id, &one, 1, &s2)) ||
        (err = wait_point(fd, other.syncobj_handle, s2)) || (err = query(fd, other.ctx_id, &q))) {
        return fail("other context", err);
    }
    CHECK_EQ("other context state", q.state, DRM_TERN_CTX_STATE_OK);
    if (checks_failed) {
        return 1;
    }
    printf("long: job timed out, context TIMED_OUT, other context ok\n");
    return 0;
}

static int cmd_spin(int fd) {
    struct drm_tern_ctx_create c;
    int err;

    if ((err = ctx_create(fd, &c))) {
        return fail("CTX_CREATE", err);
    }
    printf("ready\n");
    fflush(stdout);
    for (;;) {
        uint64_t seq;
        if ((err = submit_long(fd, c.ctx_id, &seq))) {
            return fail("SUBMIT", err);
        }
        wait_point(fd, c.syncobj_handle, seq);
    }
}

/* Random bytes, reproducible from the seed. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rnd(void) {
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static int cmd_abuse(int fd) {
    struct drm_tern_param p = {.param = 0xffff};
    CHECK_EQ("GET_PARAM unknown param", xioctl(fd, DRM_IOCTL_TERN_GET_PARAM, &p), EINVAL);
    p = (struct drm_tern_param){.param = DRM_TERN_PARAM_MEM_SIZE, .index = 1};
    CHECK_EQ("GET_PARAM index 1", xioctl(fd, DRM_IOCTL_TERN_GET_PARAM, &p), EINVAL);

    struct drm_tern_get_info gi = {.query = 0xffff};
    CHECK_EQ("GET_INFO unknown query", xioctl(fd, DRM_IOCTL_TERN_GET_INFO, &gi), EINVAL);
    gi = (struct drm_tern_get_info){.query = DRM_TERN_INFO_TELEMETRY, .size = 64, .data_ptr = 16};
    CHECK_EQ("GET_INFO bad data_ptr", xioctl(fd, DRM_IOCTL_TERN_GET_INFO, &gi), EFAULT);

    struct drm_tern_bo_create bo;
    CHECK_EQ("BO_CREATE size 0", bo_create(fd, 0, DRM_TERN_BO_HOST, &bo), EINVAL);
    CHECK_EQ("BO_CREATE host|device",
             bo_create(fd, 4096, DRM_TERN_BO_HOST | DRM_TERN_BO_DEVICE, &bo), EINVAL);
    CHECK_EQ("BO_CREATE no placement", bo_create(fd, 4096, 0, &bo), EINVAL);
    CHECK_EQ("BO_CREATE unknown flag", bo_create(fd, 4096, DRM_TERN_BO_HOST | (1u << 31), &bo),
             EINVAL);
    CHECK_EQ("BO_CREATE 2^62 bytes", bo_create(fd, 1ull << 62, DRM_TERN_BO_HOST, &bo), E2BIG);
    CHECK_EQ("BO_CREATE size overflow", bo_create(fd, UINT64_MAX, DRM_TERN_BO_HOST, &bo), E2BIG);
    struct drm_tern_bo_info bi = {.handle = 0xdead};
    CHECK_EQ("BO_INFO unknown handle", xioctl(fd, DRM_IOCTL_TERN_BO_INFO, &bi), ENOENT);

    struct drm_tern_ctx_create cc = {.priority = 99};
    CHECK_EQ("CTX_CREATE priority 99", xioctl(fd, DRM_IOCTL_TERN_CTX_CREATE, &cc), EINVAL);
    cc = (struct drm_tern_ctx_create){.flags = 1};
    CHECK_EQ("CTX_CREATE flags", xioctl(fd, DRM_IOCTL_TERN_CTX_CREATE, &cc), EINVAL);
    struct drm_tern_ctx_destroy cd = {.ctx_id = 0xdead};
    CHECK_EQ("CTX_DESTROY unknown", xioctl(fd, DRM_IOCTL_TERN_CTX_DESTROY, &cd), ENOENT);
    cd = (struct drm_tern_ctx_destroy){.ctx_id = 1, .pad = 1};
    CHECK_EQ("CTX_DESTROY pad", xioctl(fd, DRM_IOCTL_TERN_CTX_DESTROY, &cd), EINVAL);
    struct drm_tern_ctx_query cq = {.ctx_id = 0xdead};
    CHECK_EQ("CTX_QUERY unknown", xioctl(fd, DRM_IOCTL_TERN_CTX_QUERY, &cq), ENOENT);

    struct drm_tern_ctx_create c;
    int err = ctx_create(fd, &c);
    if (err) {
        return fail("CTX_CREATE", err);
    }
    struct drm_tern_cmd cmd = nop_cmd();
    struct drm_tern_submit sub = {.ctx_id = 0xdead, .cmd_count = 1, .cmds_ptr = (uintptr_t)&cmd};
    CHECK_EQ("SUBMIT unknown ctx", xioctl(fd, DRM_IOCTL_TERN_SUBMIT, &sub), ENOENT);
    sub = (struct drm_tern_submit){.ctx_id = c.ctx_id,
                                   .cmd_count = DRM_TERN_MAX_CMDS_PER_SUBMIT + 1,
                                   .cmds_ptr = (uintptr_t)&cmd};
    CHECK_EQ("SUBMIT too many cmds", xioctl(fd, DRM_IOCTL_TERN_SUBMIT, &sub), E2BIG);
    sub = (struct drm_tern_submit){
        .ctx_id = c.ctx_id, .in_fence_count = DRM_TERN_MAX_IN_FENCES + 1, .in_fences_ptr = 16};
    CHECK_EQ("SUBMIT too many fences", xioctl(fd, DRM_IOCTL_TERN_SUBMIT, &sub), E2BIG);
    sub = (struct drm_tern_submit){.ctx_id = c.ctx_id, .cmd_count = 1, .cmds_ptr = 16};
    CHECK_EQ("SUBMIT unreadable cmds", xioctl(fd, DRM_IOCTL_TERN_SUBMIT, &sub), EFAULT);
    sub = (struct drm_tern_submit){
        .ctx_id = c.ctx_id, .cmd_count = 1, .cmds_ptr = (uintptr_t)&cmd, .flags = 1};
    CHECK_EQ("SUBMIT flags", xioctl(fd, DRM_IOCTL_TERN_SUBMIT, &sub), EINVAL);
    cmd.type = 0xffff;
    sub = (struct drm_tern_submit){.ctx_id = c.ctx_id, .cmd_count = 1, .cmds_ptr = (uintptr_t)&cmd};
    CHECK_EQ("SUBMIT unknown cmd type", xioctl(fd, DRM_IOCTL_TERN_SUBMIT, &sub), EINVAL);
    cmd = nop_cmd();
    cmd.raw[3] = 1;
    CHECK_EQ("SUBMIT NOP with payload", xioctl(fd, DRM_IOCTL_TERN_SUBMIT, &sub), EINVAL);
    cmd = dma_cmd(0x1000, 0x2000, 0);
    CHECK_EQ("SUBMIT DMA size 0", xioctl(fd, DRM_IOCTL_TERN_SUBMIT, &sub), EINVAL);
    struct drm_tern_fence fence = {.handle = 0xdead, .point = 1};
    cmd = nop_cmd();
    sub = (struct drm_tern_submit){.ctx_id = c.ctx_id,
                                   .cmd_count = 1,
                                   .cmds_ptr = (uintptr_t)&cmd,
                                   .in_fence_count = 1,
                                   .in_fences_ptr = (uintptr_t)&fence};
    CHECK_EQ("SUBMIT unknown syncobj", xioctl(fd, DRM_IOCTL_TERN_SUBMIT, &sub), ENOENT);
    fence = (struct drm_tern_fence){.handle = c.syncobj_handle, .pad = 1};
    CHECK_EQ("SUBMIT fence pad", xioctl(fd, DRM_IOCTL_TERN_SUBMIT, &sub), EINVAL);
    CHECK_EQ("mmap at a random offset",
             mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0x7f000000) == MAP_FAILED, 1);
    if (checks_failed) {
        return 1;
    }

    /* Random argument bytes: any errno is fine, the kernel must survive. */
    static const unsigned long reqs[] = {
        DRM_IOCTL_TERN_GET_PARAM, DRM_IOCTL_TERN_GET_INFO,   DRM_IOCTL_TERN_BO_CREATE,
        DRM_IOCTL_TERN_BO_INFO,   DRM_IOCTL_TERN_CTX_CREATE, DRM_IOCTL_TERN_CTX_DESTROY,
        DRM_IOCTL_TERN_SUBMIT,    DRM_IOCTL_TERN_CTX_QUERY,  DRM_IOCTL_TERN_PARTITION_SET,
    };
    unsigned calls = 0;
    for (unsigned i = 0; i < 3000; i++) {
        uint64_t arg[16];
        for (unsigned k = 0; k < 16; k++) {
            arg[k] = rnd();
            /* Small values and valid-looking ids reach deeper checks. */
            if (rnd() % 2) {
                arg[k] &= 0xff;
            }
        }
        unsigned long req = reqs[rnd() % (sizeof(reqs) / sizeof(reqs[0]))];
        int r = ioctl(fd, req, arg);
        if (r == 0 && req == DRM_IOCTL_TERN_SUBMIT) {
            /* Let accepted jobs run (they may fault their context). */
            usleep(1000);
        }
        calls++;
    }
    printf("abuse: documented errnos ok, %u random ioctls survived\n", calls);
    return 0;
}

int main(int argc, char** argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s info|hold|fault|long|spin|abuse NODE | submit NODE JOBS\n",
                argv[0]);
        return 2;
    }
    int fd = open(argv[2], O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return fail(argv[2], errno);
    }
    if (!strcmp(argv[1], "info")) {
        return cmd_info(fd);
    }
    if (!strcmp(argv[1], "hold")) {
        return cmd_hold(fd);
    }
    if (!strcmp(argv[1], "submit") && argc == 4) {
        return cmd_submit(fd, (unsigned)strtoul(argv[3], NULL, 0));
    }
    if (!strcmp(argv[1], "fault")) {
        return cmd_fault(fd);
    }
    if (!strcmp(argv[1], "long")) {
        return cmd_long(fd);
    }
    if (!strcmp(argv[1], "spin")) {
        return cmd_spin(fd);
    }
    if (!strcmp(argv[1], "abuse")) {
        return cmd_abuse(fd);
    }
    fprintf(stderr, "tern-vm-probe: unknown command %s\n", argv[1]);
    return 2;
}
