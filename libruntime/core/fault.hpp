// SPDX-License-Identifier: MIT
// Turns a failed context's CTX_QUERY into tern_error_detail.
#pragma once

#include <tern/tern.h>

#include <drm/tern_accel.h>

namespace tern::rt {

// The status a failed UAPI context maps to: TERN_ERROR_DEVICE_LOST after a
// function reset, TERN_ERROR_INVALID_PROGRAM when the device rejected a
// program image, TERN_ERROR_DEVICE_FAULT otherwise.
tern_status fault_status(const drm_tern_ctx_query& q);

// Fills `d` (status, message, engine, address, reason, indices) for a
// failure of runtime queue `queue_id`. `prefix` starts the message.
void describe_fault(const drm_tern_ctx_query& q, uint32_t queue_id, tern_status status,
                    const char* prefix, tern_error_detail* d);

}  // namespace tern::rt
