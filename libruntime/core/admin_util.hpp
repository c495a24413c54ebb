// SPDX-License-Identifier: MIT
// Helpers shared by the administration calls (device_query.cpp,
// device_health.cpp, device_processes.cpp).
#pragma once

#include "../backend/backend.hpp"
#include "device.hpp"
#include "runtime.hpp"

#include <tern/tern.h>

#include <cstring>

namespace tern::rt {

class Device;

// The mock's devices live in this process: no sysfs, no /proc holders.
inline bool is_mock_backend() {
    Runtime* rt = runtime();
    return rt != nullptr && rt->backend_name == "mock";
}

// One telemetry sample through `file` (a file of `d`), converted to the C
// ABI's struct (struct_size set). TERN_ERROR_NOT_SUPPORTED without the
// telemetry capability. Defined in device_query.cpp.
tern_status read_telemetry(Device* d, File* file, tern_telemetry* out);

}  // namespace tern::rt
