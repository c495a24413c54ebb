/* SPDX-License-Identifier: MIT */
/*
 * Tern runtime C ABI: compiled models (docs/model-format.md,
 * docs/runtime-api.md "Models"). Part of libternrt, same rules as tern.h:
 * append-only enums, struct_size-versioned structs, opaque handles, every
 * function returns a tern_status with the detail in tern_last_error().
 *
 * A model is loaded into one context: its weights and programs go to that
 * context's device memory once, and it then runs on any queue of the
 * context with the caller's input and output tensors, bound through the
 * model's binding table (no copy, no patching). Executions are
 * asynchronous. One loaded model may run concurrently on several queues,
 * from several threads: every queue that runs it gets its own activation
 * arena (scratch), allocated at the queue's first run and kept until the
 * model is destroyed or the queue is gone. Runs on one queue share that
 * queue's arena, which is safe because a queue runs its work in order.
 *
 * Lifetime: a model keeps its context alive. Destroying a model while runs
 * are in flight is safe (the device keeps the memory until they finish).
 * Models left alive at the final tern_shutdown are released with
 * everything else; their handles become invalid.
 */
#ifndef TERN_TERN_MODEL_H
#define TERN_TERN_MODEL_H

#include <tern/tern.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tern_model_s* tern_model;

/* The model file format this runtime writes and reads (major << 16 | minor). */
#define TERN_MODEL_FORMAT_VERSION_MAJOR 1
#define TERN_MODEL_FORMAT_VERSION_MINOR 0
#define TERN_MODEL_FORMAT_VERSION \
    ((TERN_MODEL_FORMAT_VERSION_MAJOR << 16) | TERN_MODEL_FORMAT_VERSION_MINOR)

/* ---- Loading -------------------------------------------------------------- */

/* tern_model_load_desc.flags */
#define TERN_MODEL_LOAD_NO_DIRECT_IO (1u << 0) /* never read with O_DIRECT */
#define TERN_MODEL_LOAD_DIRECT_IO (1u << 1)    /* O_DIRECT even if the file is cached */

typedef struct tern_model_load_desc {
    uint32_t struct_size;
    uint32_t flags;            /* TERN_MODEL_LOAD_*; other bits must be zero */
} tern_model_load_desc;

/* Loads a model file into `context`: validates every field of the file
 * (TERN_ERROR_INVALID_MODEL with the field named, including a newer format
 * version or a required feature this runtime lacks), uploads the programs,
 * and streams the weights from disk to device memory with io_uring through
 * pinned staging buffers on the device's NUMA node, reads and DMA copies
 * overlapping. By default the weights are read with O_DIRECT unless the
 * file is already in the page cache (or the file system refuses O_DIRECT).
 * The weights checksum is verified on the way; any failure releases all
 * that the call allocated. desc may be NULL. Returns when the model is
 * ready to run. I/O errors: TERN_ERROR_IO (or TERN_ERROR_PERMISSION),
 * with the path and errno named. */
TERN_API tern_status tern_model_load_file(tern_context context, const char* path,
                                          const tern_model_load_desc* desc, tern_model* model);

/* As tern_model_load_file, from a model file image in memory (`data`,
 * `size` bytes, read during the call only). */
TERN_API tern_status tern_model_load_memory(tern_context context, const void* data, size_t size,
                                            const tern_model_load_desc* desc, tern_model* model);

/* Releases the model; runs in flight finish first on the device. */
TERN_API tern_status tern_model_destroy(tern_model model);

/* ---- Introspection ---------------------------------------------------------- */

#define TERN_MODEL_NAME_MAX 256 /* name buffers: up to 255 bytes and a NUL */

typedef struct tern_model_info {
    uint32_t struct_size;
    uint32_t format_version;   /* of the file: major << 16 | minor */
    char name[TERN_MODEL_NAME_MAX];
    uint32_t num_inputs;
    uint32_t num_outputs;
    uint32_t num_bindings;     /* binding-table slots per program launch */
    uint32_t num_programs;     /* device programs launched per run */
    uint64_t weights_bytes;    /* device memory of the weights */
    uint64_t program_bytes;    /* device memory of the program images */
    uint64_t scratch_bytes;    /* activation arena per queue that runs the model */
    uint32_t scratch_arenas;   /* arenas allocated now (queues that ran it) */
    uint32_t reserved;         /* zero */
    uint64_t device_bytes;     /* device memory the model holds now, all of the above */
} tern_model_info;

TERN_API tern_status tern_model_get_info(tern_model model, tern_model_info* info);

typedef struct tern_model_tensor_info {
    uint32_t struct_size;
    uint32_t index;            /* input or output number */
    char name[TERN_MODEL_NAME_MAX];
    tern_dtype dtype;
    uint32_t rank;
    uint64_t shape[TERN_MAX_RANK]; /* 0 beyond rank */
    uint64_t size_bytes;       /* dense row-major size */
} tern_model_tensor_info;

/* Input/output `index` (< num_inputs / num_outputs, else
 * TERN_ERROR_OUT_OF_RANGE). */
TERN_API tern_status tern_model_get_input(tern_model model, uint32_t index,
                                          tern_model_tensor_info* info);
TERN_API tern_status tern_model_get_output(tern_model model, uint32_t index,
                                           tern_model_tensor_info* info);
/* The index of the input/output called `name`; TERN_ERROR_INVALID_ARGUMENT
 * (naming the known names) if there is none. */
TERN_API tern_status tern_model_find_input(tern_model model, const char* name, uint32_t* index);
TERN_API tern_status tern_model_find_output(tern_model model, const char* name, uint32_t* index);

/* ---- Execution ------------------------------------------------------------- */

/* tern_model_execute_desc.flags */
/* execute_n: `inputs`/`outputs` hold one run's tensors, used by every run. */
#define TERN_MODEL_EXECUTE_SAME_TENSORS (1u << 0)

typedef struct tern_model_execute_desc {
    uint32_t struct_size;
    uint32_t core_mask;        /* 0: all cores of the device */
    uint32_t flags;            /* TERN_MODEL_EXECUTE_*; other bits must be zero */
    uint32_t reserved;         /* zero */
} tern_model_execute_desc;

/* Queues one run of `model` on `queue` (of the model's context) and
 * returns: inputs[i] is the model's input i, outputs[j] its output j; each
 * must be a tensor of the queue's context with exactly the model's dtype
 * and shape (else TERN_ERROR_DTYPE_MISMATCH / TERN_ERROR_SHAPE_MISMATCH
 * naming the input and both shapes); num_inputs/num_outputs must equal the
 * model's counts. Device or pinned tensors both work. The tensors are bound
 * by address: keep them alive and do not reuse them until the run is done
 * (a queue synchronize, or `event_out`). Argument errors queue nothing.
 * desc may be NULL (all cores). event_out: NULL, or receives a new event
 * recorded after the run (destroy it with tern_event_destroy). A program
 * the device rejects or that faults fails the queue as in tern.h. */
TERN_API tern_status tern_model_execute(tern_queue queue, tern_model model,
                                        const tern_tensor* inputs, uint32_t num_inputs,
                                        const tern_tensor* outputs, uint32_t num_outputs,
                                        const tern_model_execute_desc* desc,
                                        tern_event* event_out);

/* Queues `num_runs` (1..65536) runs in one call, in order, on `queue`.
 * Run r uses inputs[r * num_inputs + i] and outputs[r * num_outputs + j],
 * or, with TERN_MODEL_EXECUTE_SAME_TENSORS, inputs[i] and outputs[j] for
 * every run. Every tensor of every run is checked before anything is
 * queued. event_out (optional) is recorded after the last run. */
TERN_API tern_status tern_model_execute_n(tern_queue queue, tern_model model, uint32_t num_runs,
                                          const tern_tensor* inputs, uint32_t num_inputs,
                                          const tern_tensor* outputs, uint32_t num_outputs,
                                          const tern_model_execute_desc* desc,
                                          tern_event* event_out);

#ifdef __cplusplus
}
#endif

#endif /* TERN_TERN_MODEL_H */
