// SPDX-License-Identifier: MIT
/*
 * tern-vm-partition: the client of the QEMU partition suite
 * (suite-partition.sh), for VF partitions of an emulated card.
 *
 *   tern-vm-partition set NODE [BASE:SIZE:CORES:QUEUES:ASIDS]...
 *        PARTITION_SET on the PF with these entries (BASE, SIZE in MiB; none
 *        = destroy); prints "set: ok" or "set: <errno name>"; exit 0, or 3
 *        when the ioctl failed
 *   tern-vm-partition table NODE   GET_INFO(PARTITIONS), one value per line
 *   tern-vm-partition eperm NODE   as uid 65534 (no CAP_SYS_ADMIN):
 *        PARTITION_SET fails EPERM, GET_INFO(PARTITIONS) still works
 *   tern-vm-partition vf NODE      a VF's view: parameters, one per line;
 *        PARTITION_SET and GET_INFO(PARTITIONS) fail EOPNOTSUPP; device BOs
 *        have no CPU mapping (no aperture), host BOs do
 *   tern-vm-partition port FN      the emulation block of ivshmem function
 *        FN (its BAR2 mapped read-only through sysfs)
 *   tern-vm-partition fill NODE    one file fills all the device memory it
 *        can allocate with a pattern and closes; a second file allocates it
 *        all again and reads zeros only
 *   tern-vm-partition pattern NODE a device BO filled with a pattern; prints
 *        "ready", waits for SIGUSR1, checks the BO and prints "intact"
 *   tern-vm-partition stream NODE SECONDS
 *        jobs (DMA host -> device -> host, data checked) for SECONDS
 *   tern-vm-partition rogue FN WINDOW_MIB
 *        drives the unbound VF function FN from userspace the way a hostile
 *        VF driver could (registers through sysfs resource2, doorbell through
 *        resource0, page tables in locked pages found through
 *        /proc/self/pagemap): device-memory offsets up to its window read its
 *        own memory, the first offset past it faults TERN_FAULT_WINDOW for a
 *        read and for a write
 *   tern-vm-partition rogue-leave FN   the same kind of driver writes a pattern
 *        into the first page of the VF's window and leaves it there
 *   tern-vm-partition rogue-fresh FN   after the PF re-created the VF, that
 *        page reads zeros without a function reset (the PF scrubbed it)
 *
 * Exit status 0 on success, 1 on a failed check (message on stderr), 2 on
 * usage errors, 3 when "set" got an error from the kernel.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
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
#include "tern/hw/tern_desc.h"
#include "tern/hw/tern_emu.h"
#include "tern/hw/tern_mmu.h"
#include "tern/hw/tern_regs.h"

#define MIB ((uint64_t)1 << 20)

static int get_table(int fd, struct drm_tern_partition_table* t) {
    memset(t, 0, sizeof(*t));
    struct drm_tern_get_info gi = {
        .query = DRM_TERN_INFO_PARTITIONS, .size = sizeof(*t), .data_ptr = (uintptr_t)t};
    return xioctl(fd, DRM_IOCTL_TERN_GET_INFO, &gi);
}

static int partition_set(int fd, const struct drm_tern_partition* e, uint32_t n) {
    struct drm_tern_partition_set s = {
        .num_vfs = n, .entry_size = sizeof(*e), .entries_ptr = (uintptr_t)e};
    return xioctl(fd, DRM_IOCTL_TERN_PARTITION_SET, &s);
}

/* ---- PF: set, table, eperm -------------------------------------------- */

static int parse_entry(const char* s, struct drm_tern_partition* e) {
    unsigned long long base, size;
    unsigned long queues, asids;
    long cores;
    char tail;
    if (sscanf(s, "%llu:%llu:%li:%lu:%lu%c", &base, &size, &cores, &queues, &asids, &tail) != 5) {
        return -1;
    }
    memset(e, 0, sizeof(*e));
    e->mem_base = base * MIB;
    e->mem_size = size * MIB;
    e->core_mask = (uint32_t)cores;
    e->num_queues = (uint32_t)queues;
    e->num_asids = (uint32_t)asids;
    return 0;
}

static int cmd_set(int fd, int argc, char** argv) {
    struct drm_tern_partition e[DRM_TERN_MAX_PARTITIONS];
    if (argc > DRM_TERN_MAX_PARTITIONS) {
        return failf("at most %d entries", DRM_TERN_MAX_PARTITIONS), 2;
    }
    for (int i = 0; i < argc; i++) {
        if (parse_entry(argv[i], &e[i])) {
            fprintf(stderr, "tern-vm-partition: bad entry '%s' (BASE:SIZE:CORES:QUEUES:ASIDS)\n",
                    argv[i]);
            return 2;
        }
    }
    int err = partition_set(fd, e, (uint32_t)argc);
    printf("set: %s\n", err ? strerrorname_np(err) : "ok");
    return err ? 3 : 0;
}

static int cmd_table(int fd) {
    struct drm_tern_partition_table t;
    int err = get_table(fd, &t);
    if (err) {
        return fail("GET_INFO(PARTITIONS)", err);
    }
    printf("num_vfs=%u\nenabled_vfs=%u\nmax_vfs=%u\ncard_core_mask=0x%x\ncard_mem_size=%" PRIu64
           "\n",
           t.num_vfs, t.enabled_vfs, t.max_vfs, t.card_core_mask, (uint64_t)t.card_mem_size);
    for (uint32_t i = 0; i < t.num_vfs && i < DRM_TERN_MAX_PARTITIONS; i++) {
        const struct drm_tern_partition* e = &t.entries[i];
        printf("entry%u=%" PRIu64 ":%" PRIu64 ":0x%x:%u:%u\n", i, (uint64_t)e->mem_base / MIB,
               (uint64_t)e->mem_size / MIB, e->core_mask, e->num_queues, e->num_asids);
    }
    return 0;
}

static int cmd_eperm(int fd) {
    /* From uid 0 to 65534 drops every capability (no SECBIT_KEEP_CAPS). */
    if (setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534)) {
        return fail("setresuid", errno);
    }
    int err = partition_set(fd, NULL, 0);
    if (err != EPERM) {
        return failf("PARTITION_SET without CAP_SYS_ADMIN: %s, want EPERM",
                     err ? strerrorname_np(err) : "success");
    }
    struct drm_tern_partition_table t;
    if ((err = get_table(fd, &t))) {
        return fail("GET_INFO(PARTITIONS) without CAP_SYS_ADMIN", err);
    }
    printf("eperm: PARTITION_SET EPERM, table readable (%u VFs)\n", t.num_vfs);
    return 0;
}

/* ---- VF view ---------------------------------------------------------- */

static int cmd_vf(int fd) {
    static const struct vm_param params[] = {
        {"function", DRM_TERN_PARAM_FUNCTION},
        {"num_cores", DRM_TERN_PARAM_NUM_CORES},
        {"core_mask", DRM_TERN_PARAM_CORE_MASK},
        {"mem_size", DRM_TERN_PARAM_MEM_SIZE},
        {"mem_free", DRM_TERN_PARAM_MEM_FREE},
        {"num_queues", DRM_TERN_PARAM_NUM_QUEUES},
        {"max_contexts", DRM_TERN_PARAM_MAX_CONTEXTS},
        {"max_address_spaces", DRM_TERN_PARAM_MAX_ADDRESS_SPACES},
        {"max_partitions", DRM_TERN_PARAM_MAX_PARTITIONS},
        {"capabilities", DRM_TERN_PARAM_CAPABILITIES},
    };
    if (print_params(fd, params, sizeof(params) / sizeof(params[0]))) {
        return 1;
    }
    int err = partition_set(fd, NULL, 0);
    if (err != EOPNOTSUPP) {
        return failf("PARTITION_SET on a VF: %s, want EOPNOTSUPP",
                     err ? strerrorname_np(err) : "success");
    }
    struct drm_tern_partition_table t;
    if ((err = get_table(fd, &t)) != EOPNOTSUPP) {
        return failf("GET_INFO(PARTITIONS) on a VF: %s, want EOPNOTSUPP",
                     err ? strerrorname_np(err) : "success");
    }
    /* No aperture: a device BO has no CPU mapping, a host BO has one. */
    struct drm_tern_bo_create dev, host;
    struct drm_tern_bo_info info;
    if ((err = bo_create(fd, 1 << 20, DRM_TERN_BO_DEVICE, &dev)) ||
        (err = bo_create(fd, 4096, DRM_TERN_BO_HOST, &host))) {
        return fail("BO_CREATE", err);
    }
    if ((err = bo_info(fd, dev.handle, &info))) {
        return fail("BO_INFO", err);
    }
    if (info.mmap_offset != 0) {
        return failf("device BO on a VF without aperture has mmap_offset 0x%" PRIx64,
                     (uint64_t)info.mmap_offset);
    }
    if (mmap(NULL, 1 << 20, PROT_READ, MAP_SHARED, fd, 0) != MAP_FAILED) {
        return failf("mmap at offset 0 of a VF node succeeded");
    }
    if (!bo_map(fd, host.handle, 4096)) {
        return fail("mmap of a host BO", errno);
    }
    printf("vf: EOPNOTSUPP for partitioning, device BOs unmappable, host BOs mappable\n");
    return 0;
}

/* ---- The emulation block of a function --------------------------------- */

static volatile uint8_t* map_bar(const char* fn, int bar, size_t len, int prot) {
    char path[256];
    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource%d", fn, bar);
    int fd = open(path, (prot & PROT_WRITE) ? O_RDWR | O_SYNC : O_RDONLY);
    if (fd < 0) {
        fail(path, errno);
        return NULL;
    }
    void* p = mmap(NULL, len, prot, MAP_SHARED, fd, 0);
    int err = errno;
    close(fd);
    if (p == MAP_FAILED) {
        fail(path, err);
        return NULL;
    }
    return p;
}

static uint32_t rd32(volatile uint8_t* regs, uint32_t off) {
    return *(volatile uint32_t*)(regs + off);
}

static uint64_t rd64(volatile uint8_t* regs, uint32_t off) {
    return *(volatile uint64_t*)(regs + off);
}

static void wr32(volatile uint8_t* regs, uint32_t off, uint32_t v) {
    *(volatile uint32_t*)(regs + off) = v;
}

static void wr64(volatile uint8_t* regs, uint32_t off, uint64_t v) {
    *(volatile uint64_t*)(regs + off) = v;
}

static int cmd_port(const char* fn) {
    volatile uint8_t* regs = map_bar(fn, TERN_EMU_BAR_SHM, TERN_REGS_SIZE, PROT_READ);
    if (!regs) {
        return 1;
    }
    printf("magic=0x%x\nfunc=0x%x\ncard=0x%" PRIx64 "\nid=0x%x\n", rd32(regs, TERN_REG_EMU_MAGIC),
           rd32(regs, TERN_REG_EMU_FUNC), rd64(regs, TERN_REG_EMU_CARD_ID),
           rd32(regs, TERN_REG_ID));
    return 0;
}

/* ---- Jobs ------------------------------------------------------------- */

/* Runs the commands as one job and checks that it succeeded. */
static int run(int fd, const struct drm_tern_ctx_create* ctx, struct drm_tern_cmd* cmds,
               uint32_t n) {
    uint64_t seqno = 0;
    int err = submit(fd, ctx->ctx_id, cmds, n, &seqno);
    if (err) {
        return fail("SUBMIT", err);
    }
    if ((err = wait_point(fd, ctx->syncobj_handle, seqno))) {
        return fail("syncobj timeline wait", err);
    }
    struct drm_tern_ctx_query q;
    if ((err = query(fd, ctx->ctx_id, &q))) {
        return fail("CTX_QUERY", err);
    }
    if (q.state != DRM_TERN_CTX_STATE_OK || q.completed_seqno != seqno) {
        return failf("job %" PRIu64 ": state %u error %u fault_va 0x%" PRIx64 " reason %u", seqno,
                     q.state, q.error, (uint64_t)q.fault_va, q.fault_reason);
    }
    return 0;
}

static uint8_t pattern_byte(uint64_t i, unsigned seed) {
    return (uint8_t)((i * 31 + seed * 7 + (i >> 12)) ^ 0xa5);
}

#define CHUNK (1ull << 20)
#define MAX_CHUNKS 4096

/* Device BOs of CHUNK bytes until the function has no more. */
static int alloc_all(int fd, struct drm_tern_bo_create* bos, unsigned* count) {
    *count = 0;
    while (*count < MAX_CHUNKS) {
        int err = bo_create(fd, CHUNK, DRM_TERN_BO_DEVICE, &bos[*count]);
        if (err == ENOSPC) {
            return 0;
        }
        if (err) {
            return fail("BO_CREATE device", err);
        }
        (*count)++;
    }
    return 0;
}

static int cmd_fill(const char* node) {
    static struct drm_tern_bo_create bos[MAX_CHUNKS];
    struct drm_tern_bo_create host;
    struct drm_tern_ctx_create ctx;
    unsigned count = 0, again = 0;
    uint64_t size = 0;
    int err;

    /* First tenant: everything it can get, written with a pattern. */
    int fd = open(node, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return fail(node, errno);
    }
    uint64_t free_before = 0;
    if ((err = get_param(fd, DRM_TERN_PARAM_MEM_SIZE, &size)) ||
        (err = get_param(fd, DRM_TERN_PARAM_MEM_FREE, &free_before))) {
        return fail("GET_PARAM", err);
    }
    if ((err = bo_create(fd, CHUNK, DRM_TERN_BO_HOST, &host))) {
        return fail("BO_CREATE host", err);
    }
    uint8_t* h = bo_map(fd, host.handle, CHUNK);
    memset(&ctx, 0, sizeof(ctx));
    if (!h || (err = xioctl(fd, DRM_IOCTL_TERN_CTX_CREATE, &ctx))) {
        return fail("mmap / CTX_CREATE", h ? err : errno);
    }
    if (alloc_all(fd, bos, &count)) {
        return 1;
    }
    if ((uint64_t)count * CHUNK + 2 * MIB < size) {
        return failf("only %u MiB of %" PRIu64 " MiB allocatable", count, size / MIB);
    }
    for (uint64_t i = 0; i < CHUNK; i++) {
        h[i] = pattern_byte(i, 3);
    }
    for (unsigned i = 0; i < count; i++) {
        struct drm_tern_cmd c = dma_cmd(host.va, bos[i].va, CHUNK);
        if (run(fd, &ctx, &c, 1)) {
            return 1;
        }
    }
    /* The pattern really is there: read the last chunk back. */
    memset(h, 0, CHUNK);
    struct drm_tern_cmd back = dma_cmd(bos[count - 1].va, host.va, CHUNK);
    if (run(fd, &ctx, &back, 1)) {
        return 1;
    }
    for (uint64_t i = 0; i < CHUNK; i++) {
        if (h[i] != pattern_byte(i, 3)) {
            return failf("pattern not written (byte %" PRIu64 ")", i);
        }
    }
    /* The mapping holds the file open too. */
    munmap(h, CHUNK);
    close(fd);

    /* Next tenant of the same memory: zeros only. */
    fd = open(node, O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return fail(node, errno);
    }
    /* Memory comes back once the first file's jobs are seen done (async). */
    uint64_t free_now = 0;
    for (int i = 0; i < 1000 && free_now < free_before; i++) {
        if ((err = get_param(fd, DRM_TERN_PARAM_MEM_FREE, &free_now))) {
            return fail("GET_PARAM", err);
        }
        usleep(10000);
    }
    if (free_now < free_before) {
        return failf("%" PRIu64 " of %" PRIu64 " bytes free 10 s after the first file closed",
                     free_now, free_before);
    }
    memset(&ctx, 0, sizeof(ctx));
    if ((err = bo_create(fd, CHUNK, DRM_TERN_BO_HOST, &host)) ||
        !(h = bo_map(fd, host.handle, CHUNK)) ||
        (err = xioctl(fd, DRM_IOCTL_TERN_CTX_CREATE, &ctx))) {
        return fail("second file", err ? err : errno);
    }
    if (alloc_all(fd, bos, &again)) {
        return 1;
    }
    if (again != count) {
        return failf("second file got %u MiB, the first %u MiB", again, count);
    }
    for (unsigned i = 0; i < again; i++) {
        memset(h, 0xee, CHUNK);
        struct drm_tern_cmd c = dma_cmd(bos[i].va, host.va, CHUNK);
        if (run(fd, &ctx, &c, 1)) {
            return 1;
        }
        for (uint64_t k = 0; k < CHUNK; k++) {
            if (h[k] != 0) {
                return failf("new BO %u: byte %" PRIu64 " is 0x%02x, not 0", i, k, h[k]);
            }
        }
    }
    close(fd);
    printf("fill: %u MiB written by one file, all zero for the next\n", count);
    return 0;
}

static int cmd_pattern(int fd) {
    const uint64_t size = 4 << 20;
    struct drm_tern_bo_create host, dev;
    struct drm_tern_ctx_create ctx;
    sigset_t usr1;
    int err, sig = 0;

    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL); /* before "ready": no signal is lost */

    memset(&ctx, 0, sizeof(ctx));
    if ((err = bo_create(fd, size, DRM_TERN_BO_HOST, &host)) ||
        (err = bo_create(fd, size, DRM_TERN_BO_DEVICE, &dev)) ||
        (err = xioctl(fd, DRM_IOCTL_TERN_CTX_CREATE, &ctx))) {
        return fail("BO_CREATE / CTX_CREATE", err);
    }
    uint8_t* h = bo_map(fd, host.handle, size);
    if (!h) {
        return fail("mmap", errno);
    }
    for (uint64_t i = 0; i < size; i++) {
        h[i] = pattern_byte(i, 9);
    }
    struct drm_tern_cmd in = dma_cmd(host.va, dev.va, size);
    if (run(fd, &ctx, &in, 1)) {
        return 1;
    }
    memset(h, 0, size);
    printf("ready\n");
    fflush(stdout);
    sigwait(&usr1, &sig);

    struct drm_tern_cmd out = dma_cmd(dev.va, host.va, size);
    if (run(fd, &ctx, &out, 1)) {
        return 1;
    }
    for (uint64_t i = 0; i < size; i++) {
        if (h[i] != pattern_byte(i, 9)) {
            return failf("device BO changed at byte %" PRIu64 ": 0x%02x", i, h[i]);
        }
    }
    printf("intact\n");
    return 0;
}

static int cmd_stream(int fd, unsigned seconds) {
    const uint64_t size = 256 << 10;
    struct drm_tern_bo_create src, mid, dst;
    struct drm_tern_ctx_create ctx;
    int err;

    memset(&ctx, 0, sizeof(ctx));
    if ((err = bo_create(fd, size, DRM_TERN_BO_HOST, &src)) ||
        (err = bo_create(fd, size, DRM_TERN_BO_DEVICE, &mid)) ||
        (err = bo_create(fd, size, DRM_TERN_BO_HOST, &dst)) ||
        (err = xioctl(fd, DRM_IOCTL_TERN_CTX_CREATE, &ctx))) {
        return fail("BO_CREATE / CTX_CREATE", err);
    }
    uint8_t* s = bo_map(fd, src.handle, size);
    uint8_t* d = bo_map(fd, dst.handle, size);
    if (!s || !d) {
        return fail("mmap", errno);
    }
    printf("ready\n");
    fflush(stdout);
    const time_t end = time(NULL) + seconds;
    unsigned jobs = 0;
    do {
        for (uint64_t i = 0; i < size; i++) {
            s[i] = pattern_byte(i, jobs);
        }
        memset(d, 0, size);
        struct drm_tern_cmd cmds[2] = {dma_cmd(src.va, mid.va, size),
                                       dma_cmd(mid.va, dst.va, size)};
        if (run(fd, &ctx, cmds, 2)) {
            return failf("stream: job %u failed", jobs);
        }
        if (memcmp(s, d, size) != 0) {
            return failf("stream: job %u: data differs", jobs);
        }
        jobs++;
    } while (time(NULL) < end);
    printf("stream: %u jobs ok\n", jobs);
    return 0;
}

/* ---- A hostile VF driver in userspace ---------------------------------- */

/* Locked pages with known bus addresses (guest-physical, no vIOMMU). */
struct dma_pages {
    uint8_t* cpu;
    uint64_t bus[16];
    unsigned used;
};

static int dma_pages_init(struct dma_pages* p) {
    const size_t n = sizeof(p->bus) / sizeof(p->bus[0]);
    p->cpu = mmap(NULL, n * 4096, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS | MAP_LOCKED | MAP_POPULATE, -1, 0);
    if (p->cpu == MAP_FAILED) {
        return fail("mmap locked pages", errno);
    }
    memset(p->cpu, 0, n * 4096);
    int fd = open("/proc/self/pagemap", O_RDONLY);
    if (fd < 0) {
        return fail("/proc/self/pagemap", errno);
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t entry = 0;
        off_t off = (off_t)(((uintptr_t)p->cpu + i * 4096) / 4096 * 8);
        if (pread(fd, &entry, 8, off) != 8 || !(entry & (1ull << 63)) ||
            !(entry & ((1ull << 55) - 1))) {
            close(fd);
            return failf("no physical address for a locked page (pagemap 0x%" PRIx64 ")", entry);
        }
        p->bus[i] = (entry & ((1ull << 55) - 1)) * 4096;
    }
    close(fd);
    p->used = 0;
    return 0;
}

/* The next page: its CPU address, and its bus address in *bus. */
static uint8_t* dma_page(struct dma_pages* p, uint64_t* bus) {
    *bus = p->bus[p->used];
    return p->cpu + 4096 * p->used++;
}

struct rogue {
    volatile uint8_t* regs;
    volatile uint32_t* doorbell_reg;
    uint32_t doorbell;
    struct dma_pages mem;
    uint64_t* tables[TERN_PT_LEVELS]; /* one table per level: the VAs share them */
    uint64_t table_bus[TERN_PT_LEVELS];
    uint64_t ring_bus;
    union tern_desc* ring;
    uint64_t host_bus;
    uint8_t* host;
    uint32_t tail;
};

static void rogue_kick(struct rogue* r) {
    atomic_thread_fence(memory_order_seq_cst);
    *r->doorbell_reg = r->doorbell;
}

static int rogue_wait(struct rogue* r, uint32_t reg, uint32_t want) {
    for (int i = 0; i < 20000; i++) {
        if (rd32(r->regs, reg) == want) {
            return 0;
        }
        usleep(500);
    }
    return failf("register 0x%x stays 0x%x, want 0x%x", reg, rd32(r->regs, reg), want);
}

static int rogue_req_ack(struct rogue* r, uint32_t req_reg, uint32_t ack_reg) {
    uint32_t req = rd32(r->regs, ack_reg) + 1;
    wr32(r->regs, req_reg, req);
    rogue_kick(r);
    return rogue_wait(r, ack_reg, req);
}

/* Leaf for @va at level 0; every VA used here shares the upper tables. */
static void rogue_map(struct rogue* r, uint64_t va, uint64_t addr, uint64_t flags) {
    r->tables[0][TERN_PT_INDEX(va, 0)] = (addr & TERN_PTE_ADDR) | TERN_PTE_VALID | flags;
}

/* Where BAR @bar starts inside its first page (small BARs share pages). */
static int bar_page_offset(const char* fn, int bar, uint64_t* offset) {
    char path[256];
    unsigned long long start = 0, end = 0, flags = 0;
    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/resource", fn);
    FILE* f = fopen(path, "r");
    if (!f) {
        return fail(path, errno);
    }
    for (int i = 0; i <= bar; i++) {
        if (fscanf(f, "%llx %llx %llx", &start, &end, &flags) != 3) {
            fclose(f);
            return failf("%s: no line for BAR%d", path, bar);
        }
    }
    fclose(f);
    *offset = start & 4095;
    return 0;
}

static int rogue_setup(struct rogue* r, const char* fn) {
    uint64_t off = 0;
    memset(r, 0, sizeof(*r));
    r->regs = map_bar(fn, TERN_EMU_BAR_SHM, TERN_REGS_SIZE, PROT_READ | PROT_WRITE);
    volatile uint8_t* bar0 = map_bar(fn, TERN_EMU_BAR_IVSHMEM, 4096, PROT_READ | PROT_WRITE);
    if (!r->regs || !bar0 || bar_page_offset(fn, TERN_EMU_BAR_IVSHMEM, &off)) {
        return 1;
    }
    r->doorbell_reg = (volatile uint32_t*)(bar0 + off + TERN_EMU_IVSHMEM_DOORBELL);
    if (rd32(r->regs, TERN_REG_EMU_MAGIC) != TERN_EMU_MAGIC ||
        rd32(r->regs, TERN_REG_ID) != TERN_ID_MAGIC ||
        !(rd32(r->regs, TERN_REG_FUNC_INFO) & TERN_FUNC_IS_VF)) {
        return failf("%s is not a live Tern VF", fn);
    }
    r->doorbell =
        TERN_EMU_DOORBELL(rd32(r->regs, TERN_REG_EMU_PEER_ID), rd32(r->regs, TERN_REG_EMU_VECTOR));
    if (dma_pages_init(&r->mem)) {
        return 1;
    }
    for (int l = TERN_PT_LEVELS - 1; l >= 0; l--) {
        r->tables[l] = (uint64_t*)dma_page(&r->mem, &r->table_bus[l]);
    }
    r->ring = (union tern_desc*)dma_page(&r->mem, &r->ring_bus);
    r->host = dma_page(&r->mem, &r->host_bus);
    return 0;
}

/* Reset the function (unless @keep), install the tables, enable queue 0. */
static int rogue_start(struct rogue* r, uint64_t va_base, int keep) {
    for (int l = TERN_PT_LEVELS - 1; l > 0; l--) {
        r->tables[l][TERN_PT_INDEX(va_base, l)] =
            (r->table_bus[l - 1] & TERN_PTE_ADDR) | TERN_PTE_VALID;
    }
    if (!keep && rogue_req_ack(r, TERN_REG_DEV_RESET_REQ, TERN_REG_DEV_RESET_ACK)) {
        return 1;
    }
    wr64(r->regs, TERN_REG_MMU_ROOT(0), r->table_bus[TERN_PT_LEVELS - 1] | TERN_MMU_ROOT_VALID);
    wr32(r->regs, TERN_REG_MMU_INV_ASID, 0);
    wr32(r->regs, TERN_REG_MMU_INV_FLAGS, TERN_MMU_INV_ALL_ASIDS);
    if (rogue_req_ack(r, TERN_REG_MMU_INV_REQ, TERN_REG_MMU_INV_ACK)) {
        return 1;
    }
    wr64(r->regs, TERN_QREG(0, TERN_Q_RING_BASE), r->ring_bus);
    wr32(r->regs, TERN_QREG(0, TERN_Q_RING_ORDER), TERN_RING_ORDER_MIN);
    wr32(r->regs, TERN_QREG(0, TERN_Q_ASID), 0);
    wr64(r->regs, TERN_QREG(0, TERN_Q_WB_ADDR), 0);
    wr32(r->regs, TERN_QREG(0, TERN_Q_CTRL), TERN_Q_CTRL_ENABLE);
    rogue_kick(r);
    r->tail = 0;
    return 0;
}

/* One DMA; returns the queue status once it completed or halted. */
static int rogue_dma(struct rogue* r, uint64_t src, uint64_t dst, uint64_t size, uint32_t* status) {
    union tern_desc* d = &r->ring[r->tail % (1u << TERN_RING_ORDER_MIN)];
    memset(d, 0, sizeof(*d));
    d->dma.hdr.opcode = TERN_OP_DMA_COPY;
    d->dma.hdr.seqno = r->tail + 1;
    d->dma.src_va = src;
    d->dma.dst_va = dst;
    d->dma.size = size;
    atomic_thread_fence(memory_order_seq_cst);
    wr32(r->regs, TERN_QREG(0, TERN_Q_TAIL), ++r->tail);
    rogue_kick(r);
    for (int i = 0; i < 20000; i++) {
        *status = rd32(r->regs, TERN_QREG(0, TERN_Q_STATUS));
        if ((*status & TERN_Q_STATUS_HALTED) ||
            rd64(r->regs, TERN_QREG(0, TERN_Q_COMPLETED_SEQ)) >= r->tail) {
            return 0;
        }
        usleep(500);
    }
    return failf("DMA neither completed nor faulted");
}

static int rogue_expect_window_fault(struct rogue* r, uint32_t status, uint64_t va, int write) {
    uint32_t err = (status & TERN_Q_STATUS_ERR) >> TERN_Q_STATUS_ERR_SHIFT;
    uint32_t info = rd32(r->regs, TERN_QREG(0, TERN_Q_FAULT_INFO));
    uint64_t fva = rd64(r->regs, TERN_QREG(0, TERN_Q_FAULT_VA));
    if (!(status & TERN_Q_STATUS_HALTED) || err != TERN_QERR_PAGE_FAULT ||
        (info & TERN_FAULT_REASON) != TERN_FAULT_WINDOW || fva != va ||
        !!(info & TERN_FAULT_WRITE_ACCESS) != write) {
        return failf("%s past the window: status 0x%x error %u info 0x%x va 0x%" PRIx64
                     ", want a WINDOW %s fault at 0x%" PRIx64,
                     write ? "write" : "read", status, err, info, fva, write ? "write" : "read",
                     va);
    }
    return 0;
}

static int set_enable(const char* fn, const char* value) {
    char path[256];
    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/enable", fn);
    int fd = open(path, O_WRONLY);
    if (fd < 0 || write(fd, value, 1) != 1) {
        int err = errno;
        if (fd >= 0) {
            close(fd);
        }
        return fail(path, err);
    }
    close(fd);
    return 0;
}

static int cmd_rogue(const char* fn, uint64_t window) {
    const uint64_t va = 0x40000000; /* host page, then inside, then past the window */
    const uint64_t host_va = va, inside_va = va + 0x1000, past_va = va + 0x2000;
    struct rogue r;
    uint32_t status = 0;
    int ret = 1;

    /* Memory decoding for the BARs: the function has no driver. */
    if (set_enable(fn, "1") || rogue_setup(&r, fn)) {
        return 1;
    }
    if (rd64(r.regs, TERN_REG_MEM_SIZE) != window) {
        failf("%s has a %" PRIu64 " MiB window, expected %" PRIu64, fn,
              rd64(r.regs, TERN_REG_MEM_SIZE) / MIB, window / MIB);
        goto out;
    }
    rogue_map(&r, host_va, r.host_bus, TERN_PTE_WRITE);
    rogue_map(&r, inside_va, window - 4096, TERN_PTE_DEVMEM | TERN_PTE_WRITE);
    rogue_map(&r, past_va, window, TERN_PTE_DEVMEM | TERN_PTE_WRITE);
    if (rogue_start(&r, va, 0)) {
        goto out;
    }

    /* Its own last page: readable, zero after the reset scrubbed it. */
    memset(r.host, 0xee, 4096);
    if (rogue_dma(&r, inside_va, host_va, 4096, &status)) {
        goto out;
    }
    if (status & TERN_Q_STATUS_HALTED) {
        failf("reading its own window halted the queue (status 0x%x)", status);
        goto out;
    }
    for (int i = 0; i < 4096; i++) {
        if (r.host[i] != 0) {
            failf("its own scrubbed window reads 0x%02x at byte %d", r.host[i], i);
            goto out;
        }
    }
    /* The first offset past it (the neighbour's first byte): read faults. */
    memset(r.host, 0xee, 4096);
    if (rogue_dma(&r, past_va, host_va, 4096, &status) ||
        rogue_expect_window_fault(&r, status, past_va, 0)) {
        goto out;
    }
    for (int i = 0; i < 4096; i++) {
        if (r.host[i] != 0xee) {
            failf("a faulted read still wrote byte %d", i);
            goto out;
        }
    }
    /* And a write faults. */
    if (rogue_req_ack(&r, TERN_QREG(0, TERN_Q_RESET_REQ), TERN_QREG(0, TERN_Q_RESET_ACK)) ||
        rogue_start(&r, va, 0)) {
        goto out;
    }
    memset(r.host, 0x77, 4096);
    if (rogue_dma(&r, host_va, past_va, 4096, &status) ||
        rogue_expect_window_fault(&r, status, past_va, 1)) {
        goto out;
    }
    printf("rogue: own window readable, read and write past it fault WINDOW\n");
    ret = 0;
out:
    /* Leave the VF as a driver finds it: no queue enabled, memory scrubbed. */
    if (r.regs && rd32(r.regs, TERN_REG_ID) == TERN_ID_MAGIC &&
        rogue_req_ack(&r, TERN_REG_DEV_RESET_REQ, TERN_REG_DEV_RESET_ACK)) {
        ret = 1;
    }
    if (set_enable(fn, "0")) {
        ret = 1;
    }
    return ret;
}

/*
 * The PF's scrub of a new VF's window (hw-spec 10.2): "leave" writes a
 * pattern into the first page of the VF's window and exits without a
 * function reset (only the queue is reset, so that the PF may change the
 * VF); after the PF re-created the VF, "fresh" reads that page without a
 * function reset first and expects zeros. VF creation itself does not
 * clear memory: only the PF's scrub can have.
 */
static int cmd_rogue_scrub(const char* fn, int leave) {
    const uint64_t host_va = 0x40000000, page0_va = host_va + 0x1000;
    struct rogue r;
    uint32_t status = 0;
    int ret = 1;

    if (set_enable(fn, "1") || rogue_setup(&r, fn)) {
        return 1;
    }
    rogue_map(&r, host_va, r.host_bus, TERN_PTE_WRITE);
    rogue_map(&r, page0_va, 0, TERN_PTE_DEVMEM | TERN_PTE_WRITE);
    if (rogue_start(&r, host_va, !leave)) {
        goto out;
    }
    if (leave) {
        memset(r.host, 0xc3, 4096);
        if (rogue_dma(&r, host_va, page0_va, 4096, &status)) {
            goto out;
        }
    } else {
        memset(r.host, 0xee, 4096);
        if (rogue_dma(&r, page0_va, host_va, 4096, &status)) {
            goto out;
        }
    }
    if (status & TERN_Q_STATUS_HALTED) {
        failf("DMA inside the window halted the queue (status 0x%x)", status);
        goto out;
    }
    for (int i = 0; !leave && i < 4096; i++) {
        if (r.host[i] != 0) {
            failf("a new VF's window reads 0x%02x at byte %d: not scrubbed", r.host[i], i);
            goto out;
        }
    }
    printf("rogue: %s\n", leave ? "pattern left in the window" : "new window reads zeros");
    ret = 0;
out:
    /* "leave" keeps the memory: only the queue goes back to reset. */
    if (r.regs && rd32(r.regs, TERN_REG_ID) == TERN_ID_MAGIC &&
        (leave ? rogue_req_ack(&r, TERN_QREG(0, TERN_Q_RESET_REQ), TERN_QREG(0, TERN_Q_RESET_ACK))
               : rogue_req_ack(&r, TERN_REG_DEV_RESET_REQ, TERN_REG_DEV_RESET_ACK))) {
        ret = 1;
    }
    if (set_enable(fn, "0")) {
        ret = 1;
    }
    return ret;
}

int main(int argc, char** argv) {
    if (argc < 3) {
        fprintf(stderr,
                "usage: %s set NODE [BASE:SIZE:CORES:QUEUES:ASIDS]... | table|eperm|vf|fill|"
                "pattern NODE | stream NODE SECONDS | port|rogue-leave|rogue-fresh FN | rogue FN "
                "WINDOW_MIB\n",
                argv[0]);
        return 2;
    }
    const char* cmd = argv[1];
    if (!strcmp(cmd, "port")) {
        return cmd_port(argv[2]);
    }
    if (!strcmp(cmd, "rogue") && argc == 4) {
        return cmd_rogue(argv[2], strtoull(argv[3], NULL, 0) * MIB);
    }
    if (!strcmp(cmd, "rogue-leave") || !strcmp(cmd, "rogue-fresh")) {
        return cmd_rogue_scrub(argv[2], !strcmp(cmd, "rogue-leave"));
    }
    if (!strcmp(cmd, "fill")) {
        return cmd_fill(argv[2]);
    }
    int fd = open(argv[2], O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        return fail(argv[2], errno);
    }
    if (!strcmp(cmd, "set")) {
        return cmd_set(fd, argc - 3, argv + 3);
    }
    if (!strcmp(cmd, "table")) {
        return cmd_table(fd);
    }
    if (!strcmp(cmd, "eperm")) {
        return cmd_eperm(fd);
    }
    if (!strcmp(cmd, "vf")) {
        return cmd_vf(fd);
    }
    if (!strcmp(cmd, "pattern")) {
        return cmd_pattern(fd);
    }
    if (!strcmp(cmd, "stream") && argc == 4) {
        return cmd_stream(fd, (unsigned)strtoul(argv[3], NULL, 0));
    }
    fprintf(stderr, "tern-vm-partition: unknown command %s\n", cmd);
    return 2;
}
