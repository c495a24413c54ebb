/* SPDX-License-Identifier: MIT */
/*
 * Tern runtime C ABI: partitions ("Nitro-style" SR-IOV virtual functions).
 *
 * A physical function (PF, the trusted host's view of a card) can be carved
 * into up to TERN_MAX_PARTITIONS partitions. Each partition is a virtual
 * function (VF) with its own compute cores, a window of device memory, and
 * a number of hardware queues and address spaces; the device enforces them
 * whatever the VF's driver does (docs/partitioning.md, docs/hw-spec.md
 * section 10). Once created, every partition is an ordinary device of the
 * runtime (tern_device_open by index), which a VM or container can own.
 *
 * Same rules as tern.h: status codes, tern_last_error(), struct_size on
 * every struct (also on every element of an array the caller passes),
 * opaque handles. New in Tern API 1.1 (symbol version TERN_1.1); a runtime
 * that predates them does not export them.
 *
 * Privilege: creating and destroying partitions needs CAP_SYS_ADMIN
 * (TERN_ERROR_PERMISSION otherwise; the mock checks it too). Reading profiles, the
 * table and holders, and planning, need only access to the PF's node.
 */
#ifndef TERN_TERN_PARTITION_H
#define TERN_TERN_PARTITION_H

#include <tern/tern.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Most partitions of one card (the UAPI's DRM_TERN_MAX_PARTITIONS). */
#define TERN_MAX_PARTITIONS 8
/* Windows of device memory start and end on this boundary (2 MiB). */
#define TERN_PARTITION_ALIGN (2ull << 20)
/* tern_partition_spec.memory_base: let the runtime place the window. */
#define TERN_PARTITION_BASE_AUTO UINT64_MAX
/* tern_partition.device_index of a partition with no device (yet). */
#define TERN_PARTITION_NO_DEVICE UINT32_MAX

/* An N-way equal split the PF can take (tern_partition_get_profiles). */
typedef struct tern_partition_profile {
    uint32_t struct_size;
    uint32_t num_partitions;          /* N: 1, 2, 4 or 8 */
    char name[16];                    /* "2way": what tern-smi --profile takes */
    uint32_t cores_per_partition;     /* cores of the card / N, rounded down */
    uint32_t queues_per_partition;    /* hardware queues of the PF / N, at least 1 */
    uint32_t address_spaces_per_partition; /* address spaces of the PF / N, at least 1 */
    uint32_t reserved;                /* zero */
    uint64_t memory_per_partition;    /* (card memory - PF reserve) / N, 2 MiB aligned down */
    uint64_t pf_reserve_bytes;        /* memory below the windows, kept for the PF */
} tern_partition_profile;

/* Resources of one partition as the caller asks for them
 * (TERN_PARTITION_LAYOUT_EXPLICIT). Zero fields take the defaults named. */
typedef struct tern_partition_spec {
    uint32_t struct_size;
    uint32_t num_cores;          /* cores, taken lowest free first; 0: use core_mask */
    uint32_t core_mask;          /* physical cores (bit i = core i of the card); 0: use
                                  * num_cores. Exactly one of the two is non-zero */
    uint32_t num_queues;         /* 1..16; 0: the PF's queues / number of partitions */
    uint32_t num_address_spaces; /* 1..64; 0: the PF's address spaces / partitions */
    uint32_t reserved;           /* must be zero */
    uint64_t memory_bytes;       /* window size: non-zero multiple of TERN_PARTITION_ALIGN */
    uint64_t memory_base;        /* card offset of the window (aligned), or
                                  * TERN_PARTITION_BASE_AUTO */
} tern_partition_spec;

typedef enum tern_partition_layout {
    /* num_partitions (1, 2, 4 or 8) equal partitions: the cores split
     * evenly in ascending order, the memory above pf_reserve_bytes split
     * into equal 2 MiB-aligned windows, the queues and address spaces
     * shared out. */
    TERN_PARTITION_LAYOUT_EQUAL = 0,
    /* One tern_partition_spec per partition. Windows with
     * TERN_PARTITION_BASE_AUTO are placed from the top of card memory down
     * (partition 0 lowest), never below pf_reserve_bytes. */
    TERN_PARTITION_LAYOUT_EXPLICIT = 1,
} tern_partition_layout;

typedef struct tern_partition_request {
    uint32_t struct_size;
    tern_partition_layout layout;
    uint32_t num_partitions;     /* 1..TERN_MAX_PARTITIONS, at most the PF's max_partitions */
    uint32_t flags;              /* must be zero */
    uint64_t pf_reserve_bytes;   /* device memory at the bottom that no window may use
                                  * (rounded up to TERN_PARTITION_ALIGN): room for the PF's
                                  * own buffers */
    int64_t timeout_ns;          /* create: how long to wait for the VF devices to appear
                                  * after the table is applied; < 0 no limit, 0 check once */
    const tern_partition_spec* specs; /* EXPLICIT: num_partitions specs (each with
                                       * struct_size set); EQUAL: must be NULL */
} tern_partition_request;

/* One partition: the applied table entry and the VF device serving it. */
typedef struct tern_partition {
    uint32_t struct_size;
    uint32_t index;              /* VF index = table entry */
    uint64_t memory_base;        /* card offset of the window */
    uint64_t memory_bytes;       /* window size */
    uint32_t core_mask;          /* physical cores */
    uint32_t num_cores;          /* popcount of core_mask */
    uint32_t num_queues;
    uint32_t num_address_spaces;
    uint32_t device_index;       /* the VF as a runtime device (tern_device_open), or
                                  * TERN_PARTITION_NO_DEVICE (not enabled, not bound, or
                                  * only planned) */
    uint32_t reserved;           /* zero */
    char node[64];               /* the VF's device node, "" without a device */
    char pci_address[32];        /* the VF's PCI address, "" if unknown */
} tern_partition;

/* The PF's partition table as the driver reports it. */
typedef struct tern_partition_table_info {
    uint32_t struct_size;
    uint32_t num_partitions;     /* entries of the applied table */
    uint32_t max_partitions;     /* most partitions the card supports */
    uint32_t enabled_vfs;        /* VFs the driver has enabled: sriov_numvfs on an SR-IOV
                                  * PF; on the emulator and the mock every VF of the
                                  * table */
    uint32_t card_core_mask;     /* all cores of the card */
    uint32_t free_core_mask;     /* cores no partition has */
    uint64_t card_memory_bytes;  /* device memory of the whole card */
    uint64_t free_memory_bytes;  /* card memory outside every window (the PF's) */
} tern_partition_table_info;

/* Something that holds a partition, so that it cannot be destroyed. */
typedef struct tern_partition_holder {
    uint32_t struct_size;
    uint32_t partition_index;    /* the VF it holds */
    int32_t pid;                 /* the process holding the VF's device open; 0 for a
                                  * driver binding */
    uint32_t num_files;          /* its open files on the VF; 0 if unknown */
    char command[64];            /* /proc/<pid>/comm; "" if it exited meanwhile */
    char driver[32];             /* pid 0: the driver the VF is bound to instead of tern,
                                  * e.g. "vfio-pci" (assigned to a VM); else "" */
} tern_partition_holder;

/* The equal-split profiles (1, 2, 4, 8 ways) that fit the PF `device`,
 * leaving `pf_reserve_bytes` for the PF: N <= max_partitions, N <= cores,
 * windows of at least 2 MiB. `profiles` is an array of `capacity` entries
 * with struct_size set (NULL if capacity is 0); *count receives how many
 * profiles there are, which may exceed capacity. TERN_ERROR_NOT_SUPPORTED
 * on a VF or a PF that cannot be partitioned. */
TERN_API tern_status tern_partition_get_profiles(tern_device device, uint64_t pf_reserve_bytes,
                                                 tern_partition_profile* profiles,
                                                 uint32_t capacity, uint32_t* count);

/* Computes the partitions `request` would create on the PF `device`,
 * without applying anything: the same checks and placement as
 * tern_partition_create. `partitions` receives request->num_partitions
 * entries (capacity must be at least that, struct_size set in each;
 * device_index is TERN_PARTITION_NO_DEVICE). A request that does not fit
 * fails with TERN_ERROR_INVALID_ARGUMENT and says why. */
TERN_API tern_status tern_partition_plan(tern_device device, const tern_partition_request* request,
                                         tern_partition* partitions, uint32_t capacity);

/* The applied table of the PF `device`: `info` (required) and up to
 * `capacity` partitions (may be NULL when capacity is 0), with the VF
 * devices that serve them. info->num_partitions may exceed capacity. */
TERN_API tern_status tern_partition_get_table(tern_device device, tern_partition_table_info* info,
                                              tern_partition* partitions, uint32_t capacity);

/* Creates the partitions of `request` on the PF `device`:
 *  1. refuses with TERN_ERROR_BUSY if the PF already has partitions
 *     (destroy them first; the message names their holders);
 *  2. plans them (as tern_partition_plan) and programs the table
 *     (DRM_IOCTL_TERN_PARTITION_SET, CAP_SYS_ADMIN);
 *  3. reads the table back and compares it with what was asked;
 *  4. on an SR-IOV PF, enables the VFs through sysfs sriov_numvfs;
 *  5. waits at most request->timeout_ns for every VF device, and checks
 *     that each reports exactly its partition's cores, memory and queues
 *     (and at most its address spaces: a driver may keep one for itself).
 *     Under the emulator, whose VF ports the administrator binds after
 *     the table is applied, only the VFs bound already are checked and
 *     the others get device_index TERN_PARTITION_NO_DEVICE, without
 *     waiting;
 *  6. rescans the devices (tern_device_rescan), so that the VFs have
 *     device indices.
 * A failure in 2-5 undoes what was done (the table is cleared), except a
 * timeout in 5: then TERN_ERROR_TIMEOUT is returned with the table applied
 * and the partitions filled in (device_index TERN_PARTITION_NO_DEVICE for
 * the VFs that did not appear; destroy, or wait and call
 * tern_partition_get_table). PF buffers inside a requested window:
 * TERN_ERROR_BUSY. `partitions`: as for tern_partition_plan, may be NULL
 * when capacity is 0. */
TERN_API tern_status tern_partition_create(tern_device device,
                                           const tern_partition_request* request,
                                           tern_partition* partitions, uint32_t capacity);

/* Removes every partition of the PF `device`: refuses with
 * TERN_ERROR_BUSY, changing nothing, while any VF is held (the message
 * names the holders; tern_partition_get_holders lists them all; a context
 * of this process holds its VF until the handles of it and of all its
 * queues, tensors, events and programs are destroyed and no event
 * callback armed on it is pending), then
 * disables the VFs (SR-IOV: sriov_numvfs = 0), clears the table, reads it
 * back, and waits at most timeout_ns (< 0: no limit) for the VF devices to
 * go away before rescanning the devices. A PF without partitions: TERN_OK,
 * nothing done. Needs CAP_SYS_ADMIN like create. Device memory of a
 * destroyed window is scrubbed before it serves another tenant (the
 * driver's duty, hw-spec 10.2). */
TERN_API tern_status tern_partition_destroy(tern_device device, int64_t timeout_ns);

/* Who holds the partitions of the PF `device`: one entry per process and
 * VF (kernel backend: from /proc/<pid>/fdinfo as tern_device_get_processes;
 * other users' processes need root and are counted in *uninspected, which
 * may be NULL), plus VFs bound to another driver. Mock backend: the calling
 * process, with the number of files it has open on each VF. Array rules as
 * tern_partition_get_profiles. */
TERN_API tern_status tern_partition_get_holders(tern_device device,
                                                tern_partition_holder* holders, uint32_t capacity,
                                                uint32_t* count, uint32_t* uninspected);

/* Enumerates the devices again, e.g. after another process created or
 * destroyed partitions; *count (may be NULL) receives the new number of
 * devices. Indices follow the new enumeration (PFs, then VFs); open handles
 * stay valid, since they name the function, not the index, and
 * tern_device_get_info reports their new index (UINT32_MAX for a device
 * that is gone). tern_partition_create and _destroy rescan by themselves. */
TERN_API tern_status tern_device_rescan(uint32_t* count);

#ifdef __cplusplus
}
#endif

#endif /* TERN_TERN_PARTITION_H */
