// SPDX-License-Identifier: MIT
// Error reporting: the calling thread's last error (tern_last_error) and the
// single place where a negative errno from the backend becomes a tern_status.
#pragma once

#include <tern/tern.h>

#include <fmt/format.h>

#include <cstdint>
#include <string_view>

namespace tern::rt {

// Name of the public call running on this thread; messages start with it.
extern __attribute__((tls_model("initial-exec"))) thread_local const char* t_api;

// Marks the start of a public call (cheap: one TLS store).
#define TERN_API_ENTRY() ::tern::rt::t_api = __func__

// Which operation an errno came from, where the meaning differs.
enum class ErrnoOp {
    generic,
    open,       // opening a device node
    bo_create,  // BO_CREATE (host or device memory)
    host_bo,    // BO_CREATE of pinned host memory
    submit,     // SUBMIT
    wait,       // SYNCOBJ waits
};

// One place for errno -> status.
tern_status status_from_errno(int neg_errno, ErrnoOp op = ErrnoOp::generic);

// Records the error for tern_last_error and returns `status`. The message
// is prefixed with the running public call's name.
tern_status set_error(tern_status status, std::string_view message);

template <class... Args>
tern_status fail(tern_status status, fmt::format_string<Args...> f, Args&&... args) {
    char buf[240];
    auto r = fmt::format_to_n(buf, sizeof(buf) - 1, f, std::forward<Args>(args)...);
    size_t n = r.size < sizeof(buf) - 1 ? r.size : sizeof(buf) - 1;
    return set_error(status, std::string_view(buf, n));
}

// Formats "strerror"-like text for a negative errno without touching errno.
const char* errno_name(int neg_errno);

// A device fault: records the full detail (message included).
tern_status set_error_detail(const tern_error_detail& detail);

}  // namespace tern::rt
