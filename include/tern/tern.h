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

/* Runtime API version: major changes break the ABI, minor ones append. */
#define TERN_API_VERSION_MAJOR 1
#define TERN_API_VERSION_MINOR 0
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
 * then releases it. Pending event callbacks still run. */
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

#ifdef __cplusplus
}
#endif

#endif /* TERN_TERN_H */
