// SPDX-License-Identifier: MIT
// tern_init / tern_shutdown: the API version handshake, backend selection,
// and the final teardown of whatever the caller left alive.
#include "runtime.hpp"

#include "api_struct.hpp"
#include "device.hpp"
#include "log.hpp"
#include "object.hpp"
#include "status.hpp"

#include <drm/tern_accel.h>

#include <cstring>

namespace tern::rt {

namespace {

std::atomic<Runtime*> g_runtime{nullptr};
std::mutex g_init_mu;  // serialises tern_init / tern_shutdown
int g_init_count = 0;

// Drops every user handle, children first, and waits until no object is
// left (event callbacks and in-flight staging copies finish first).
void destroy_everything() {
    Registry& reg = Registry::instance();
    for (Kind k :
         {Kind::program, Kind::event, Kind::tensor, Kind::queue, Kind::context, Kind::device}) {
        for (Object* o : reg.remove_all(k)) {
            o->on_close();
            o->release();
        }
    }
    reg.wait_no_objects();
}

}  // namespace

Runtime* runtime() {
    return g_runtime.load(std::memory_order_acquire);
}

}  // namespace tern::rt

using namespace tern::rt;

extern "C" {

TERN_API tern_status tern_runtime_version(uint32_t* version) {
    TERN_API_ENTRY();
    if (version == nullptr)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "version is NULL");
    *version = TERN_API_VERSION;
    return TERN_OK;
}

TERN_API tern_status tern_init(const tern_init_info* info_in) {
    TERN_API_ENTRY();
    tern_init_info info{};
    if (tern_status s = read_struct(info_in, &info, "info"); s != TERN_OK)
        return s;
    unsigned major = info.api_version >> 16, minor = info.api_version & 0xffff;
    if (major != TERN_API_VERSION_MAJOR)
        return fail(TERN_ERROR_VERSION_MISMATCH,
                    "the caller was built against Tern API {}.{}, this libternrt implements "
                    "API {}.{}; rebuild against this runtime's tern.h or install a matching "
                    "runtime",
                    major, minor, TERN_API_VERSION_MAJOR, TERN_API_VERSION_MINOR);
    if (minor > TERN_API_VERSION_MINOR)
        TERN_LOG(warn,
                 "caller built against Tern API {}.{}, runtime implements {}.{}: newer "
                 "features will fail with TERN_ERROR_NOT_SUPPORTED",
                 major, minor, TERN_API_VERSION_MAJOR, TERN_API_VERSION_MINOR);

    std::lock_guard lk(g_init_mu);
    if (g_init_count > 0) {
        Runtime* rt = runtime();
        if (info.backend != nullptr && rt->backend_name != info.backend)
            return fail(TERN_ERROR_INVALID_ARGUMENT,
                        "the runtime is already initialised with the {} backend, not \"{}\"",
                        rt->backend_name, info.backend);
        ++g_init_count;
        return TERN_OK;
    }

    auto rt = std::make_unique<Runtime>();
    std::string why;
    rt->backend = make_backend(info.backend, &why);
    if (!rt->backend) {
        // tern.h: TERN_ERROR_NO_DEVICE is "no such device or backend".
        tern_status s = TERN_ERROR_NO_DEVICE;
        TERN_LOG(err, "{}", why);
        return fail(s, "{}", why);
    }
    rt->backend_name = rt->backend->name();
    rt->nodes = rt->backend->enumerate();
    rt->open_devices.assign(rt->nodes.size(), nullptr);
    TERN_LOG(info, "runtime {}.{} on the {} backend, {} device(s)", TERN_API_VERSION_MAJOR,
             TERN_API_VERSION_MINOR, rt->backend_name, rt->nodes.size());

    // Driver handshake up front, so a version skew fails tern_init itself
    // with both versions named; each device_open checks again.
    if (!rt->nodes.empty()) {
        g_runtime.store(rt.get(), std::memory_order_release);
        auto* probe = new Device(0, rt->nodes[0], rt->backend.get());
        tern_status s = probe->init();
        probe->release();
        g_runtime.store(nullptr, std::memory_order_release);
        Registry::instance().wait_no_objects();
        // Only a version skew fails tern_init; e.g. a permission problem is
        // reported by tern_device_open, which a caller may never need.
        if (s == TERN_ERROR_VERSION_MISMATCH)
            return s;
        if (s != TERN_OK)
            TERN_LOG(info, "probing {} failed: {}", rt->nodes[0].path, tern_status_str(s));
    }
    g_runtime.store(rt.release(), std::memory_order_release);
    g_init_count = 1;
    return TERN_OK;
}

TERN_API tern_status tern_shutdown(void) {
    TERN_API_ENTRY();
    std::lock_guard lk(g_init_mu);
    if (g_init_count == 0)
        return fail(TERN_ERROR_NOT_INITIALIZED, "tern_shutdown without a matching tern_init");
    if (--g_init_count > 0)
        return TERN_OK;
    destroy_everything();
    Runtime* rt = g_runtime.exchange(nullptr, std::memory_order_acq_rel);
    delete rt;
    return TERN_OK;
}

}  // extern "C"
