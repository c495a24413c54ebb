// SPDX-License-Identifier: MIT
#include "fault.hpp"

#include "status.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace tern::rt {

namespace {

const char* error_name(uint32_t e) {
    switch (e) {
        case DRM_TERN_ERR_NONE:
            return "no error";
        case DRM_TERN_ERR_PAGE_FAULT:
            return "page fault";
        case DRM_TERN_ERR_BAD_OPCODE:
            return "bad descriptor opcode";
        case DRM_TERN_ERR_BAD_DESC:
            return "bad descriptor";
        case DRM_TERN_ERR_PROGRAM:
            return "program rejected";
        case DRM_TERN_ERR_RING:
            return "ring unreadable (driver bug)";
        case DRM_TERN_ERR_BAD_SEMAPHORE:
            return "bad semaphore (driver bug)";
        case DRM_TERN_ERR_NO_CORES:
            return "core mask selects no core";
        case DRM_TERN_ERR_WB:
            return "completion write-back failed (driver bug)";
        case DRM_TERN_ERR_ASID:
            return "no page table (driver bug)";
        case DRM_TERN_ERR_INDEX:
            return "gather index out of range";
        case DRM_TERN_ERR_TIMEOUT:
            return "job timed out";
        case DRM_TERN_ERR_DEPENDENCY:
            return "a job it depended on failed";
        case DRM_TERN_ERR_DEVICE_RESET:
            return "device reset";
        case DRM_TERN_ERR_BANNED:
            return "stopped: too many faults from this context";
        default:
            return "unknown device error";
    }
}

const char* reason_name(uint32_t r) {
    switch (r) {
        case DRM_TERN_FAULT_UNMAPPED:
            return "unmapped address";
        case DRM_TERN_FAULT_WRITE:
            return "write to read-only memory";
        case DRM_TERN_FAULT_WINDOW:
            return "outside the function's memory window";
        case DRM_TERN_FAULT_BUS:
            return "host memory unreachable";
        case DRM_TERN_FAULT_NONCANONICAL:
            return "address beyond the VA range";
        case DRM_TERN_FAULT_PT_BUS:
            return "page-table walk failed";
        case DRM_TERN_FAULT_PTE_RSVD:
            return "malformed page-table entry";
        default:
            return "unknown reason";
    }
}

tern_engine engine_of(const drm_tern_ctx_query& q) {
    if (q.error == DRM_TERN_ERR_PAGE_FAULT) {
        switch (q.engine) {
            case DRM_TERN_ENGINE_QUEUE:
                return TERN_ENGINE_QUEUE;
            case DRM_TERN_ENGINE_DMA:
                return TERN_ENGINE_DMA;
            case DRM_TERN_ENGINE_COMPUTE:
                return TERN_ENGINE_COMPUTE;
            case DRM_TERN_ENGINE_SYNC:
                return TERN_ENGINE_SYNC;
            default:
                return TERN_ENGINE_NONE;
        }
    }
    switch (q.error) {
        case DRM_TERN_ERR_PROGRAM:
        case DRM_TERN_ERR_NO_CORES:
        case DRM_TERN_ERR_INDEX:
            return TERN_ENGINE_COMPUTE;
        case DRM_TERN_ERR_BAD_OPCODE:
        case DRM_TERN_ERR_BAD_DESC:
        case DRM_TERN_ERR_RING:
        case DRM_TERN_ERR_WB:
        case DRM_TERN_ERR_ASID:
            return TERN_ENGINE_QUEUE;
        default:
            return TERN_ENGINE_NONE;
    }
}

const char* engine_name(tern_engine e) {
    switch (e) {
        case TERN_ENGINE_QUEUE:
            return "queue";
        case TERN_ENGINE_DMA:
            return "DMA";
        case TERN_ENGINE_COMPUTE:
            return "compute";
        case TERN_ENGINE_SYNC:
            return "sync";
        default:
            return "no";
    }
}

}  // namespace

tern_status fault_status(const drm_tern_ctx_query& q) {
    if (q.state == DRM_TERN_CTX_STATE_RESET)
        return TERN_ERROR_DEVICE_LOST;
    if (q.error == DRM_TERN_ERR_PROGRAM)
        return TERN_ERROR_INVALID_PROGRAM;  // the device's validation rejected it
    return TERN_ERROR_DEVICE_FAULT;
}

void describe_fault(const drm_tern_ctx_query& q, uint32_t queue_id, tern_status status,
                    const char* prefix, tern_error_detail* d) {
    std::memset(d, 0, sizeof(*d));
    d->struct_size = sizeof(*d);
    d->status = status;
    d->engine = engine_of(q);
    d->queue_id = queue_id;
    d->fault_address = q.error == DRM_TERN_ERR_PAGE_FAULT ? q.fault_va : 0;
    d->fault_reason = q.error == DRM_TERN_ERR_PAGE_FAULT ? q.fault_reason : 0;
    d->fault_write = q.fault_access == DRM_TERN_ACCESS_WRITE;
    d->device_error = q.error;
    d->op_index = q.op_index;

    char* out = d->message;
    char* end = d->message + sizeof(d->message) - 1;
    auto put = [&](fmt::string_view f, auto&&... args) {
        auto r = fmt::vformat_to_n(out, size_t(end - out), f, fmt::make_format_args(args...));
        out = std::min(r.out, end);
    };
    put("{}: {}queue {}: job {} failed: {}", t_api, prefix, queue_id, q.failed_seqno,
        error_name(q.error));
    if (q.error == DRM_TERN_ERR_PAGE_FAULT)
        put(" ({}, {} at device VA {:#x}, {} engine)", reason_name(q.fault_reason),
            q.fault_access == DRM_TERN_ACCESS_WRITE ? "write" : "read", q.fault_va,
            engine_name(d->engine));
    if (q.op_index == DRM_TERN_OP_INDEX_HEADER)
        put(", in the program header or tensor table");
    else if (q.op_index != DRM_TERN_INDEX_NONE)
        put(", at program op {}", q.op_index);
    if (q.cmd_index != DRM_TERN_INDEX_NONE)
        put(", command {} of the job", q.cmd_index);
    *out = '\0';
}

}  // namespace tern::rt
