// SPDX-License-Identifier: MIT
// tern_get_version_info: the runtime's own versions, before or after
// tern_init. TERN_RUNTIME_RELEASE comes from the project version in CMake.
#include "api_struct.hpp"
#include "runtime.hpp"
#include "status.hpp"

#include <drm/tern_accel.h>

#include <cstdio>

#ifndef TERN_RUNTIME_RELEASE
#error "TERN_RUNTIME_RELEASE must be defined by the build (libruntime/core/CMakeLists.txt)"
#endif

using namespace tern::rt;

extern "C" {

TERN_API tern_status tern_get_version_info(tern_version_info* info) {
    TERN_API_ENTRY();
    if (tern_status s = check_out_struct(info, "info"); s != TERN_OK)
        return s;
    tern_version_info v{};
    v.struct_size = sizeof(v);
    v.api_version = TERN_API_VERSION;
    v.uapi_version = TERN_UAPI_VERSION;
    std::snprintf(v.release, sizeof(v.release), "%s", TERN_RUNTIME_RELEASE);
    // tern_init/tern_shutdown must not race other calls (tern.h), so the
    // runtime cannot go away while its name is copied.
    if (Runtime* rt = runtime())
        std::snprintf(v.backend, sizeof(v.backend), "%s", rt->backend_name.c_str());
    write_struct(info, v);
    return TERN_OK;
}

}  // extern "C"
