// SPDX-License-Identifier: MIT
#include "status.hpp"

#include "log.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace tern::rt {

// initial-exec: set on every call, so avoid __tls_get_addr (8 bytes of
// static TLS, which dlopen can spare).
__attribute__((tls_model("initial-exec"))) thread_local const char* t_api = "tern";

namespace {

tern_error_detail initial_detail() {
    tern_error_detail d{};
    d.struct_size = sizeof(d);
    d.op_index = TERN_OP_INDEX_NONE;
    return d;
}

thread_local tern_error_detail t_last = initial_detail();

}  // namespace

tern_status status_from_errno(int neg_errno, ErrnoOp op) {
    switch (-neg_errno) {
        case 0:
            return TERN_OK;
        case ENOMEM:
            return TERN_ERROR_OUT_OF_HOST_MEMORY;
        case ENOSPC:
            return op == ErrnoOp::host_bo ? TERN_ERROR_OUT_OF_HOST_MEMORY
                                          : TERN_ERROR_OUT_OF_DEVICE_MEMORY;
        case E2BIG:
            // BO_CREATE: larger than could ever fit.
            if (op == ErrnoOp::bo_create)
                return TERN_ERROR_OUT_OF_DEVICE_MEMORY;
            if (op == ErrnoOp::host_bo)
                return TERN_ERROR_OUT_OF_HOST_MEMORY;
            return TERN_ERROR_INVALID_ARGUMENT;
        case EINVAL:
        case EFAULT:
            return TERN_ERROR_INVALID_ARGUMENT;
        case EPERM:
        case EACCES:
            return TERN_ERROR_PERMISSION;
        case ENODEV:
        case ENXIO:
            return op == ErrnoOp::open ? TERN_ERROR_NO_DEVICE : TERN_ERROR_DEVICE_LOST;
        case ENOENT:
            return op == ErrnoOp::open ? TERN_ERROR_NO_DEVICE : TERN_ERROR_INTERNAL;
        case ECANCELED:
            return TERN_ERROR_QUEUE_BROKEN;
        case ETIME:
        case ETIMEDOUT:
            return TERN_ERROR_TIMEOUT;
        case EBUSY:
            return TERN_ERROR_BUSY;
        case EAGAIN:
            // Pinning beyond RLIMIT_MEMLOCK fails with EAGAIN.
            return op == ErrnoOp::host_bo ? TERN_ERROR_PINNED_LIMIT : TERN_ERROR_BUSY;
        case EOPNOTSUPP:
        case ENOTTY:
        case ENOSYS:
            return TERN_ERROR_NOT_SUPPORTED;
        default:
            return TERN_ERROR_IO;
    }
}

const char* errno_name(int neg_errno) {
    // strerrorname_np is glibc >= 2.32 (Debian 12 has 2.36).
    const char* n = strerrorname_np(-neg_errno);
    return n != nullptr ? n : "E?";
}

tern_status set_error(tern_status status, std::string_view message) {
    tern_error_detail d = initial_detail();
    d.status = status;
    auto r = fmt::format_to_n(d.message, sizeof(d.message) - 1, "{}: {}", t_api, message);
    *std::min(r.out, d.message + sizeof(d.message) - 1) = '\0';
    t_last = d;
    TERN_LOG(debug, "{} ({})", d.message, tern_status_str(status));
    return status;
}

tern_status set_error_detail(const tern_error_detail& detail) {
    t_last = detail;
    t_last.struct_size = sizeof(tern_error_detail);
    TERN_LOG(debug, "{} ({})", detail.message, tern_status_str(detail.status));
    return detail.status;
}

}  // namespace tern::rt

extern "C" {

TERN_API const char* tern_status_str(tern_status status_in) {
    // Any integer may arrive here: switch on the bits, not the enum.
    uint32_t status;
    std::memcpy(&status, &status_in, sizeof(status));
    switch (status) {
#define TERN_CASE(s) \
    case s:          \
        return #s
        TERN_CASE(TERN_OK);
        TERN_CASE(TERN_ERROR_INVALID_ARGUMENT);
        TERN_CASE(TERN_ERROR_INVALID_HANDLE);
        TERN_CASE(TERN_ERROR_NOT_INITIALIZED);
        TERN_CASE(TERN_ERROR_VERSION_MISMATCH);
        TERN_CASE(TERN_ERROR_NO_DEVICE);
        TERN_CASE(TERN_ERROR_PERMISSION);
        TERN_CASE(TERN_ERROR_OUT_OF_HOST_MEMORY);
        TERN_CASE(TERN_ERROR_OUT_OF_DEVICE_MEMORY);
        TERN_CASE(TERN_ERROR_PINNED_LIMIT);
        TERN_CASE(TERN_ERROR_OUT_OF_RANGE);
        TERN_CASE(TERN_ERROR_DTYPE_MISMATCH);
        TERN_CASE(TERN_ERROR_SHAPE_MISMATCH);
        TERN_CASE(TERN_ERROR_NOT_READY);
        TERN_CASE(TERN_ERROR_TIMEOUT);
        TERN_CASE(TERN_ERROR_DEVICE_FAULT);
        TERN_CASE(TERN_ERROR_QUEUE_BROKEN);
        TERN_CASE(TERN_ERROR_DEVICE_LOST);
        TERN_CASE(TERN_ERROR_NOT_SUPPORTED);
        TERN_CASE(TERN_ERROR_BUSY);
        TERN_CASE(TERN_ERROR_IO);
        TERN_CASE(TERN_ERROR_INVALID_PROGRAM);
        TERN_CASE(TERN_ERROR_INVALID_MODEL);
        TERN_CASE(TERN_ERROR_INTERNAL);
#undef TERN_CASE
    }
    return "TERN_ERROR_UNKNOWN";
}

TERN_API tern_status tern_last_error(tern_error_detail* detail) {
    using tern::rt::t_last;
    // Does not go through set_error: a bad call here must not replace the
    // error the caller is asking about.
    if (detail == nullptr || detail->struct_size < sizeof(tern_error_detail))
        return TERN_ERROR_INVALID_ARGUMENT;
    uint32_t want = detail->struct_size;
    std::memcpy(reinterpret_cast<char*>(detail) + sizeof(uint32_t),
                reinterpret_cast<const char*>(&t_last) + sizeof(uint32_t),
                sizeof(tern_error_detail) - sizeof(uint32_t));
    if (want > sizeof(tern_error_detail))
        std::memset(reinterpret_cast<char*>(detail) + sizeof(tern_error_detail), 0,
                    want - sizeof(tern_error_detail));
    return TERN_OK;
}

}  // extern "C"
