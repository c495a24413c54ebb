/* SPDX-License-Identifier: MIT */
/*
 * Tern runtime C ABI.
 *
 * Stability rules: enums are append-only; every struct passed in or out
 * starts with a struct_size field that the caller sets to sizeof() of the
 * struct it was compiled with, so old callers keep working when fields are
 * appended; handles are opaque. Every function returns a tern_status;
 * tern_last_error() gives the detail of the calling thread's last failure.
 *
 * Object model: a device is opened once per process; a context is an
 * isolated device address space on it (one open file of the driver); queues
 * run work in order inside a context; tensors live in a context's address
 * space (device memory or pinned host memory); events mark points on queues.
 * A faulting program fails only the queue it ran on.
 *
 * Thread safety: every function may be called from any thread. Operations on
 * one queue from several threads are serialised by the runtime, in the order
 * the calls take effect. tern_init/tern_shutdown must not race other calls.
 *
 * Lifetimes: a child keeps its parent alive. Destroying a context (closing a
 * device) invalidates that handle at once, but the object lives on until its
 * last queue, tensor, event and program is destroyed. The final tern_shutdown
 * destroys whatever the caller left alive.
 *
 * Handles: a NULL, destroyed or foreign handle, or one of the wrong type,
 * yields TERN_ERROR_INVALID_HANDLE; so does a tensor or program used on a
 * queue of another context (device addresses are per context). A handle
 * encodes a registry slot and its generation, so a destroyed handle stays
 * detectable after its memory was reused, until that slot has been reused
 * 2^32 times (slots are recycled oldest-first, and only once 1024 are free).
 * Not detected: destroying a handle while another thread is still inside a
 * call that uses it (a caller race; it may crash), and handles forged to
 * match a live slot.
 */
#ifndef TERN_TERN_H
#define TERN_TERN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(TERN_BUILDING_RUNTIME)
#define TERN_API __attribute__((visibility("default")))
#else
#define TERN_API
#endif

/* Runtime API version: major changes break the ABI, minor ones append.
 * 1.1 added partitions (tern_partition.h, symbol version TERN_1.1). */
#define TERN_API_VERSION_MAJOR 1
#define TERN_API_VERSION_MINOR 1
#define TERN_API_VERSION ((TERN_API_VERSION_MAJOR << 16) | TERN_API_VERSION_MINOR)

/* Status codes. Append only; never renumber. */
typedef enum tern_status {
    TERN_OK = 0,
    TERN_ERROR_INVALID_ARGUMENT = 1,   /* a parameter is out of its domain */
    TERN_ERROR_INVALID_HANDLE = 2,     /* NULL, closed or foreign handle */
    TERN_ERROR_NOT_INITIALIZED = 3,    /* tern_init() not called */
    TERN_ERROR_VERSION_MISMATCH = 4,   /* caller/runtime/driver versions */
    TERN_ERROR_NO_DEVICE = 5,          /* no such device or backend */
    TERN_ERROR_PERMISSION = 6,         /* device node or operation denied */
    TERN_ERROR_OUT_OF_HOST_MEMORY = 7,
    TERN_ERROR_OUT_OF_DEVICE_MEMORY = 8,
    TERN_ERROR_PINNED_LIMIT = 9,       /* RLIMIT_MEMLOCK reached */
    TERN_ERROR_OUT_OF_RANGE = 10,      /* offset/size outside a tensor */
    TERN_ERROR_DTYPE_MISMATCH = 11,
    TERN_ERROR_SHAPE_MISMATCH = 12,
    TERN_ERROR_NOT_READY = 13,         /* event/queue still pending */
    TERN_ERROR_TIMEOUT = 14,
    TERN_ERROR_DEVICE_FAULT = 15,      /* the queue faulted; see detail */
    TERN_ERROR_QUEUE_BROKEN = 16,      /* queue unusable after a fault */
    TERN_ERROR_DEVICE_LOST = 17,       /* reset or unplugged */
    TERN_ERROR_NOT_SUPPORTED = 18,
    TERN_ERROR_BUSY = 19,
    TERN_ERROR_IO = 20,                /* file or system call failure */
    TERN_ERROR_INVALID_PROGRAM = 21,   /* the device rejected a program */
    TERN_ERROR_INVALID_MODEL = 22,     /* malformed or incompatible file */
    TERN_ERROR_INTERNAL = 23,
} tern_status;

/* Static, never NULL: "TERN_OK", "TERN_ERROR_TIMEOUT", ... */
TERN_API const char* tern_status_str(tern_status status);

typedef struct tern_device_s* tern_device;
typedef struct tern_context_s* tern_context;
typedef struct tern_queue_s* tern_queue;
typedef struct tern_tensor_s* tern_tensor;
typedef struct tern_event_s* tern_event;
typedef struct tern_program_s* tern_program;

/* ---- Errors ------------------------------------------------------------- */

typedef enum tern_engine {
    TERN_ENGINE_NONE = 0,
    TERN_ENGINE_QUEUE = 1,    /* descriptor fetch, write-back */
    TERN_ENGINE_DMA = 2,
    TERN_ENGINE_COMPUTE = 3,
    TERN_ENGINE_SYNC = 4,
} tern_engine;

/* tern_error_detail.op_index when no op applies / the program header or
 * tensor table was rejected (equal to the UAPI's values). */
#define TERN_OP_INDEX_NONE 0xfffffffeu
#define TERN_OP_INDEX_HEADER 0xffffffffu

typedef struct tern_error_detail {
    uint32_t struct_size;
    tern_status status;
    char message[256];         /* human-readable, names the failed call */
    tern_engine engine;        /* for device faults */
    uint32_t queue_id;         /* for device faults */
    uint64_t fault_address;    /* device VA of a page fault, else 0 */
    uint32_t fault_reason;     /* TERN_FAULT_* of docs/hw-spec.md, else 0 */
    uint32_t fault_write;      /* 1 if the faulting access was a write */
    uint32_t device_error;     /* drm_tern_error: 1..255 the device's TERN_QERR_*,
                                * 256+ driver (timeout, dependency, reset,
                                * banned); else 0 */
    uint32_t op_index;         /* op of the failing program, or TERN_OP_INDEX_* */
} tern_error_detail;

/* Copies the detail of the calling thread's last failed call (detail->status
 * is TERN_OK if none failed yet); successful calls do not clear it. Returns
 * TERN_OK, or TERN_ERROR_INVALID_ARGUMENT for a NULL detail or a struct_size
 * below that of version 1.0 (then the last error is left as it was). */
TERN_API tern_status tern_last_error(tern_error_detail* detail);

/* ---- Initialisation and devices -------------------------------------- */

typedef struct tern_init_info {
    uint32_t struct_size;
    uint32_t api_version;      /* TERN_API_VERSION the caller was built with */
    const char* backend;       /* NULL: $TERN_BACKEND, else "kernel" */
} tern_init_info;

/* Handshake: fails with TERN_ERROR_VERSION_MISMATCH when the caller's major
 * differs from the runtime's, or the driver's UAPI major from the runtime's
 * (checked on every device as it is opened). The backend ("kernel" or
 * "mock") is chosen by the first successful tern_init; a later one naming a
 * different backend fails with TERN_ERROR_INVALID_ARGUMENT. No silent
 * fallback: if the chosen backend is unusable tern_init fails and says why.
 * Reference counted: each successful tern_init needs a tern_shutdown. */
TERN_API tern_status tern_init(const tern_init_info* info);
TERN_API tern_status tern_shutdown(void);
TERN_API tern_status tern_runtime_version(uint32_t* version);

TERN_API tern_status tern_device_count(uint32_t* count);
/* Opening an index that is already open returns the same handle and counts
 * one more reference; each successful open needs one tern_device_close. */
TERN_API tern_status tern_device_open(uint32_t index, tern_device* device);
TERN_API tern_status tern_device_close(tern_device device);

typedef struct tern_device_info {
    uint32_t struct_size;
    uint32_t index;
    char name[64];             /* "Tern T1", "Tern T1 partition 2" */
    char node[64];             /* /dev/accel/accel0, mock:0 */
    char pci_address[32];      /* 0000:03:00.0, "" if unknown */
    char backend[16];          /* "kernel" or "mock" */
    uint32_t num_cores;
    uint32_t is_partition;     /* a VF */
    uint32_t partition_index;
    int32_t numa_node;         /* -1 if unknown */
    uint64_t memory_total;     /* bytes of device memory */
    uint64_t memory_free;
    uint32_t uapi_version;     /* driver's, major << 16 | minor */
    uint32_t hw_version;       /* major << 16 | minor */
    uint32_t fw_version;       /* major << 24 | minor << 16 | patch */
    uint32_t driver_version;   /* major << 24 | minor << 16 | patch */
} tern_device_info;

TERN_API tern_status tern_device_get_info(tern_device device, tern_device_info* info);

/* ---- Contexts and queues ------------------------------------------------ */

TERN_API tern_status tern_context_create(tern_device device, tern_context* context);
TERN_API tern_status tern_context_destroy(tern_context context);

typedef enum tern_priority {
    TERN_PRIORITY_LOW = 0,
    TERN_PRIORITY_NORMAL = 1,
    TERN_PRIORITY_HIGH = 2,
    TERN_PRIORITY_REALTIME = 3,  /* needs CAP_SYS_NICE on the kernel backend */
} tern_priority;

typedef struct tern_queue_desc {
    uint32_t struct_size;
    tern_priority priority;
} tern_queue_desc;

/* desc may be NULL: TERN_PRIORITY_NORMAL. */
TERN_API tern_status tern_queue_create(tern_context context, const tern_queue_desc* desc,
                                       tern_queue* queue);
/* Waits for the queue's submitted work to finish (successfully or not),
 * and for the event callbacks armed on that work to return, then releases
 * it: the runtime keeps nothing of it, so if it was the last handle left
 * of its context (tensors, events, programs included), the context's file
 * is closed when this returns. */
TERN_API tern_status tern_queue_destroy(tern_queue queue);
/* Waits until everything submitted so far completed, host-side parts of
 * tern_read_async included. timeout_ns < 0: no limit; 0: poll.
 * TERN_ERROR_DEVICE_FAULT (with detail) if a job of the queue failed, or
 * the other failure statuses of tern_event_query. */
TERN_API tern_status tern_queue_synchronize(tern_queue queue, int64_t timeout_ns);
/* Device-side error of a faulted queue: returns TERN_OK and fills `detail`,
 * whose status is TERN_OK if the queue has not failed. */
TERN_API tern_status tern_queue_get_error(tern_queue queue, tern_error_detail* detail);

/* ---- Tensors ------------------------------------------------------------- */

typedef enum tern_dtype {  /* values match the device ISA (docs/isa.md) */
    TERN_DTYPE_FLOAT32 = 1,
    TERN_DTYPE_BFLOAT16 = 2,
    TERN_DTYPE_FLOAT16 = 3,
    TERN_DTYPE_INT32 = 4,
} tern_dtype;

typedef enum tern_memory {
    TERN_MEMORY_DEVICE = 0,      /* device memory */
    TERN_MEMORY_HOST_PINNED = 1, /* host memory on the device's NUMA node */
} tern_memory;

#define TERN_MAX_RANK 6

typedef struct tern_tensor_desc {
    uint32_t struct_size;
    tern_dtype dtype;
    uint32_t rank;             /* 1..TERN_MAX_RANK */
    uint32_t reserved;         /* must be zero */
    uint64_t shape[TERN_MAX_RANK];
    tern_memory memory;
    uint32_t flags;            /* must be zero */
} tern_tensor_desc;

typedef struct tern_tensor_info {
    uint32_t struct_size;
    tern_dtype dtype;
    uint32_t rank;
    tern_memory memory;
    uint64_t shape[TERN_MAX_RANK];
    uint64_t size_bytes;
    uint64_t device_address;   /* VA in the context's address space */
} tern_tensor_info;

TERN_API tern_status tern_tensor_create(tern_context context, const tern_tensor_desc* desc,
                                        tern_tensor* tensor);
/* Safe with work in flight that uses the tensor: the device keeps the memory
 * mapped until that work has finished. */
TERN_API tern_status tern_tensor_destroy(tern_tensor tensor);
TERN_API tern_status tern_tensor_get_info(tern_tensor tensor, tern_tensor_info* info);
/* Host pointer of a TERN_MEMORY_HOST_PINNED tensor. */
TERN_API tern_status tern_tensor_host_pointer(tern_tensor tensor, void** pointer);

/* Synchronous copies between host memory and a tensor (any memory kind).
 * They do not wait for queues: synchronize first if queued work uses the
 * tensor. offset + size beyond the tensor: TERN_ERROR_OUT_OF_RANGE. */
TERN_API tern_status tern_tensor_write(tern_tensor tensor, uint64_t offset, const void* src,
                                       uint64_t size);
TERN_API tern_status tern_tensor_read(tern_tensor tensor, uint64_t offset, void* dst,
                                      uint64_t size);

/* Asynchronous copies on a queue; tensors must belong to the queue's
 * context. tern_write_async and tern_read_async take pageable host memory
 * and stage it through pinned buffers, in chunks, pipelined:
 *  - tern_write_async has read all of `src` when it returns (it may wait
 *    for staging buffers to drain), so `src` may be reused at once;
 *  - tern_read_async writes `dst` when the queue reaches the copy, from a
 *    runtime thread; `dst` must stay valid and untouched until a
 *    synchronize, event wait or successful event query at or after the copy
 *    returned. If the copy's job fails, `dst` is left partly written. */
TERN_API tern_status tern_copy_async(tern_queue queue, tern_tensor dst, uint64_t dst_offset,
                                     tern_tensor src, uint64_t src_offset, uint64_t size);
TERN_API tern_status tern_write_async(tern_queue queue, tern_tensor dst, uint64_t dst_offset,
                                      const void* src, uint64_t size);
TERN_API tern_status tern_read_async(tern_queue queue, void* dst, tern_tensor src,
                                     uint64_t src_offset, uint64_t size);

/* ---- Events --------------------------------------------------------------- */

TERN_API tern_status tern_event_create(tern_context context, tern_event* event);
/* Safe with a callback pending: the callback still runs (see below). */
TERN_API tern_status tern_event_destroy(tern_event event);
/* Marks the point after everything submitted to `queue` so far; a later
 * record moves the event to the new point. The queue may belong to any
 * context of the device. An event never recorded counts as passed. */
TERN_API tern_status tern_event_record(tern_event event, tern_queue queue);
/* TERN_OK when passed, TERN_ERROR_NOT_READY when pending, TERN_ERROR_DEVICE_FAULT
 * when the queue faulted before reaching it (TERN_ERROR_INVALID_PROGRAM if
 * the device rejected a program, TERN_ERROR_DEVICE_LOST after a reset). */
TERN_API tern_status tern_event_query(tern_event event);
/* timeout_ns < 0: no limit; TERN_ERROR_TIMEOUT when it expires. */
TERN_API tern_status tern_event_wait(tern_event event, int64_t timeout_ns);
/* Work submitted to `queue` after this call starts after `event` passes.
 * The device orders the work (no host wait), also across contexts of the
 * device; only if the backend cannot share a syncobj between contexts does
 * the call wait on the host until the event passes. If the event's job
 * fails, the dependent work fails too (TERN_ERROR_DEVICE_FAULT on `queue`). */
TERN_API tern_status tern_queue_wait_event(tern_queue queue, tern_event event);

/* `status`: TERN_OK, or the failure (TERN_ERROR_DEVICE_FAULT, ...). */
typedef void (*tern_event_callback)(tern_event event, tern_status status, void* user_data);
/* Calls `callback` exactly once, from the runtime thread of the recording
 * queue's context, when the currently recorded point passes or fails, even
 * if the event is destroyed or re-recorded meanwhile (`event` is then a
 * stale handle, usable for identification only). Fails with
 * TERN_ERROR_INVALID_ARGUMENT if the event was never recorded and
 * TERN_ERROR_BUSY if a callback is already pending on it. Callbacks of one
 * context run one at a time, in completion order; a callback must not wait
 * for events or queues nor call tern_shutdown, but it may destroy the event
 * (or record and arm it again). */
TERN_API tern_status tern_event_set_callback(tern_event event, tern_event_callback callback,
                                             void* user_data);

/* ---- Raw programs (model files come in docs/model-format.md) ------------ */

/* Copies a device program image (docs/isa.md) into device memory. A bad
 * header (magic, version, size) fails with TERN_ERROR_INVALID_PROGRAM; the
 * device validates the rest when the program runs. */
TERN_API tern_status tern_program_create(tern_context context, const void* image, size_t size,
                                         tern_program* program);
TERN_API tern_status tern_program_destroy(tern_program program);

typedef struct tern_launch_desc {
    uint32_t struct_size;
    uint32_t core_mask;        /* 0: all cores of the device */
} tern_launch_desc;

/* Runs `program` with bindings[i] as binding-table slot i (a NULL entry is
 * an empty slot; at most 256). Program and tensors must belong to the
 * queue's context. The bindings are read during the call; desc may be
 * NULL (all cores). */
TERN_API tern_status tern_program_launch(tern_queue queue, tern_program program,
                                         const tern_tensor* bindings, uint32_t binding_count,
                                         const tern_launch_desc* desc);

/* ---- Administration: properties, telemetry, health, holders, reset ---- */
/*
 * What monitoring and administration tools (tern-smi) need. None of these
 * calls takes a device address space: they read parameters and telemetry
 * through the UAPI and, on the kernel backend, the driver's sysfs
 * attributes and /proc/<pid>/fdinfo. A value a backend cannot report is
 * marked unavailable (a clear `valid` bit, a 0 documented as "unknown"),
 * never estimated.
 */

/* Device capabilities (tern_device_properties.capabilities), bit for bit
 * the UAPI's DRM_TERN_CAP_*: bits 0..31 are the hardware's, 32..63 the
 * driver's. */
#define TERN_CAP_FP32 (1ull << 0)
#define TERN_CAP_BF16 (1ull << 1)
#define TERN_CAP_FP16 (1ull << 2)
#define TERN_CAP_INT32 (1ull << 3)
#define TERN_CAP_SEMAPHORES (1ull << 4)
#define TERN_CAP_TIMESTAMP (1ull << 5)
#define TERN_CAP_LARGE_PAGES (1ull << 6)
#define TERN_CAP_PARTITIONING (1ull << 7)     /* the card can be split into VFs */
#define TERN_CAP_ERR_INJECT (1ull << 8)       /* a test card */
#define TERN_CAP_TIMELINE_SYNCOBJ (1ull << 32)
#define TERN_CAP_DEVICE_MMAP (1ull << 33)     /* device memory is CPU-mappable */
#define TERN_CAP_PARTITION_SET (1ull << 34)   /* the driver can program partitions */
#define TERN_CAP_TELEMETRY (1ull << 35)       /* tern_device_get_telemetry works */
#define TERN_CAP_EMULATED (1ull << 36)        /* the device model, not silicon */

typedef struct tern_device_properties {
    uint32_t struct_size;
    uint32_t vendor_id;          /* PCI vendor ID */
    uint32_t device_id;          /* PCI device ID: 0x0001 PF, 0x0002 VF */
    uint32_t revision;           /* PCI revision ID */
    uint64_t capabilities;       /* TERN_CAP_* */
    uint32_t core_mask;          /* physical cores of this function, one bit per core of the card */
    uint32_t num_queues;         /* hardware queues of this function */
    uint32_t max_contexts;       /* contexts that can exist at once, all processes together */
    uint32_t max_address_spaces; /* files holding buffers or contexts at once */
    uint32_t va_bits;            /* width of a device virtual address */
    uint32_t max_partitions;     /* VF partitions the card supports; 0 on a VF or without */
    uint64_t page_size;          /* device MMU page size, bytes */
    uint64_t timestamp_freq_hz;  /* device clock of timestamps and telemetry */
    char transport[16];          /* "pci", "emulated" (tern-emu in QEMU), "mock"; "" unknown */
    /* PCIe link from sysfs; 0 = unknown (always on the mock backend). */
    uint32_t link_speed_mts;     /* current speed per lane, MT/s (16000 = 16 GT/s) */
    uint32_t link_width;         /* current lanes */
    uint32_t link_max_speed_mts; /* capability of the device and slot */
    uint32_t link_max_width;
} tern_device_properties;

/* Static properties of a device beyond tern_device_get_info. */
TERN_API tern_status tern_device_get_properties(tern_device device,
                                                tern_device_properties* properties);

/* Sensors of tern_telemetry.valid, bit for bit the UAPI's DRM_TERN_TELEM_*.
 * A field whose bit is clear is not measured on this device and reads 0:
 * unavailable, not zero. */
#define TERN_TELEMETRY_TEMP_DIE (1u << 0)      /* temp_die_mc, temp_limit_mc */
#define TERN_TELEMETRY_TEMP_HBM (1u << 1)      /* temp_hbm_mc */
#define TERN_TELEMETRY_COOLANT_IN (1u << 2)    /* coolant_in_mc */
#define TERN_TELEMETRY_COOLANT_OUT (1u << 3)   /* coolant_out_mc */
#define TERN_TELEMETRY_COOLANT_FLOW (1u << 4)  /* coolant_flow_ml_min */
#define TERN_TELEMETRY_POWER (1u << 5)         /* power_mw */
#define TERN_TELEMETRY_ENERGY (1u << 6)        /* energy_uj */
#define TERN_TELEMETRY_CORE_UTIL (1u << 7)     /* core_util[0 .. num_cores) */
#define TERN_TELEMETRY_ECC (1u << 8)           /* ecc_corrected, ecc_uncorrected */
#define TERN_TELEMETRY_CLOCK (1u << 9)         /* clock_mhz, throttled */

#define TERN_TELEMETRY_MAX_CORES 32

typedef struct tern_telemetry {
    uint32_t struct_size;
    uint32_t valid;            /* TERN_TELEMETRY_* of the sensors present */
    uint32_t seq;              /* device telemetry update counter */
    uint32_t num_cores;        /* valid entries of core_util */
    uint64_t timestamp_ns;     /* device clock when the sample was read */
    int32_t temp_die_mc;       /* die temperature, milli-degrees Celsius */
    int32_t temp_hbm_mc;       /* HBM temperature, milli-degrees Celsius */
    int32_t coolant_in_mc;     /* coolant inlet temperature, milli-degrees Celsius */
    int32_t coolant_out_mc;    /* coolant outlet temperature, milli-degrees Celsius */
    int32_t temp_limit_mc;     /* die temperature where the clock throttles, milli-degrees C */
    uint32_t coolant_flow_ml_min; /* coolant flow, millilitres per minute */
    uint32_t power_mw;         /* board power, milliwatts */
    uint32_t clock_mhz;        /* current core clock, MHz */
    uint64_t energy_uj;        /* energy since the card powered on, microjoules */
    uint64_t ecc_corrected;    /* corrected memory errors since power-on */
    uint64_t ecc_uncorrected;  /* uncorrected memory errors since power-on */
    uint32_t throttled;        /* 1 while the clock is thermally throttled */
    uint32_t heartbeat;        /* device heartbeat counter, +1 every 10 ms */
    /* Utilisation of each core of this function over the last telemetry
     * period (10 ms), 0..10000 = 0.00..100.00 %; index i is the i-th set
     * bit of tern_device_properties.core_mask. */
    uint32_t core_util[TERN_TELEMETRY_MAX_CORES];
} tern_telemetry;

/* One telemetry sample. Temperatures, power, energy and ECC counts are
 * card-wide, also on a partition; core_util covers the function's cores.
 * TERN_ERROR_NOT_SUPPORTED without TERN_CAP_TELEMETRY. */
TERN_API tern_status tern_device_get_telemetry(tern_device device, tern_telemetry* telemetry);

/* Driver state of a function (sysfs tern/state on the kernel backend). */
typedef enum tern_device_state {
    TERN_DEVICE_STATE_UNKNOWN = 0,   /* the backend does not report it (the mock) */
    TERN_DEVICE_STATE_READY = 1,     /* accepting work */
    TERN_DEVICE_STATE_RESETTING = 2, /* a function reset is in progress */
    TERN_DEVICE_STATE_WEDGED = 3,    /* a reset failed or the device went away */
} tern_device_state;

/* Bits of tern_device_health.valid. */
#define TERN_HEALTH_RESET_COUNT (1u << 0) /* reset_count */
#define TERN_HEALTH_HEARTBEAT (1u << 1)   /* heartbeat_advancing (needs telemetry) */

/* How long tern_device_get_health watches the heartbeat, at most. */
#define TERN_HEALTH_HEARTBEAT_WINDOW_MS 250

typedef struct tern_device_health {
    uint32_t struct_size;
    tern_device_state state;      /* driver state */
    uint32_t valid;               /* TERN_HEALTH_* of the fields below that are known */
    uint32_t heartbeat_advancing; /* 1: the heartbeat moved within the window, 0: it stalled */
    uint64_t reset_count;         /* function resets since the driver bound */
} tern_device_health;

/* Liveness facts of a device: the driver's state and reset count, and
 * whether the device heartbeat advances (watched for up to
 * TERN_HEALTH_HEARTBEAT_WINDOW_MS; the call returns as soon as it moves).
 * Temperatures, throttling and ECC counts are in tern_device_get_telemetry. */
TERN_API tern_status tern_device_get_health(tern_device device, tern_device_health* health);

/* Bits of tern_process_info.valid. */
#define TERN_PROCESS_DEVICE_MEMORY (1u << 0) /* device_memory_bytes */
#define TERN_PROCESS_HOST_MEMORY (1u << 1)   /* host_memory_bytes */
#define TERN_PROCESS_ENGINE_TIME (1u << 2)   /* engine_time_ns */
#define TERN_PROCESS_FILES (1u << 3)         /* num_files */

typedef struct tern_process_info {
    uint32_t struct_size;
    int32_t pid;
    char command[64];             /* /proc/<pid>/comm; "" if it exited meanwhile */
    uint32_t valid;               /* TERN_PROCESS_* of the fields below that are known */
    uint32_t num_files;           /* open files (distinct DRM clients) on the device */
    uint64_t device_memory_bytes; /* device-memory buffers of those files */
    uint64_t host_memory_bytes;   /* pinned host buffers of those files */
    uint64_t engine_time_ns;      /* device time their jobs have used */
} tern_process_info;

/* Processes that hold the device open. Kernel backend: from
 * /proc/<pid>/fdinfo (the driver's drm-engine-compute and
 * drm-total-{device,host} keys), one entry per process with its distinct
 * files summed (a file shared by several processes counts in each).
 * Processes of other users can be inspected only with CAP_SYS_PTRACE
 * (root); they are counted in *uninspected (may be NULL), since they may
 * hold the device too. Mock backend: the devices live inside the calling
 * process, so the only holder is the caller itself, with the device memory
 * allocated on the function (all of it is the caller's) and no engine
 * time, host memory or file count (their valid bits are clear).
 *
 * `processes` is an array of `capacity` entries whose struct_size the
 * caller sets (each to sizeof(tern_process_info)); NULL is allowed when
 * capacity is 0. *count receives the number of holders, which may exceed
 * capacity: then only the first `capacity` are written (call again with
 * more room). */
TERN_API tern_status tern_device_get_processes(tern_device device, tern_process_info* processes,
                                               uint32_t capacity, uint32_t* count,
                                               uint32_t* uninspected);

typedef struct tern_reset_result {
    uint32_t struct_size;
    tern_device_state state;     /* driver state after the reset, or when the wait ended */
    uint64_t reset_count_before; /* 0 if unknown */
    uint64_t reset_count_after;  /* 0 if unknown */
    uint64_t duration_ns;        /* how long the call waited */
} tern_reset_result;

/* Resets the function (kernel backend: writes 1 to sysfs tern/reset, which
 * needs CAP_SYS_ADMIN) and waits at most timeout_ns (< 0: no limit) for
 * the driver to finish. Every context of every process on the function
 * ends in the RESET state and device memory is scrubbed. Returns TERN_OK
 * only if the driver reported success, the state reads "ready" and the
 * reset count went up; TERN_ERROR_PERMISSION without the privilege;
 * TERN_ERROR_TIMEOUT if the wait expired (the reset may still complete:
 * check the state later); TERN_ERROR_DEVICE_LOST if the driver reports the
 * function wedged; TERN_ERROR_IO if the reset was not observed;
 * TERN_ERROR_NOT_SUPPORTED on the mock backend (its devices live in the
 * calling process; there is no administrator reset) or without the sysfs
 * attribute. `result` may be NULL; it is filled on success and failure. */
TERN_API tern_status tern_device_reset(tern_device device, int64_t timeout_ns,
                                       tern_reset_result* result);

typedef struct tern_version_info {
    uint32_t struct_size;
    uint32_t api_version;  /* TERN_API_VERSION of the runtime, as tern_runtime_version */
    uint32_t uapi_version; /* UAPI the runtime was built for, major << 16 | minor: it needs
                            * a driver with the same major and at least this minor */
    char release[32];      /* libternrt release, "0.1.0" */
    char backend[16];      /* backend of the initialised runtime; "" before tern_init */
} tern_version_info;

/* Versions of the runtime itself; works before tern_init. The driver's,
 * firmware's and hardware's versions are per device (tern_device_info). */
TERN_API tern_status tern_get_version_info(tern_version_info* info);

#ifdef __cplusplus
}
#endif

#endif /* TERN_TERN_H */
