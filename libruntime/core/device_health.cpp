// SPDX-License-Identifier: MIT
// tern_device_get_health and tern_device_reset: the driver's view of a
// function (sysfs tern/state and tern/reset_count on the kernel backend),
// the device heartbeat, and the administrator reset with a bounded wait
// whose result is checked, not assumed.
#include "admin_util.hpp"
#include "api_struct.hpp"
#include "device.hpp"
#include "driver_sysfs.hpp"
#include "runtime.hpp"
#include "status.hpp"

#include <drm/tern_accel.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

namespace tern::rt {

namespace {

const char* state_name(tern_device_state s) {
    switch (s) {
        case TERN_DEVICE_STATE_READY:
            return "ready";
        case TERN_DEVICE_STATE_RESETTING:
            return "resetting";
        case TERN_DEVICE_STATE_WEDGED:
            return "wedged";
        default:
            return "unknown";
    }
}

// Watches the heartbeat for up to TERN_HEALTH_HEARTBEAT_WINDOW_MS.
tern_status heartbeat_advancing(Device* d, bool* advancing) {
    std::unique_ptr<File> file;
    if (tern_status s = d->open_file(&file); s != TERN_OK)
        return s;
    tern_telemetry first{};
    if (tern_status s = read_telemetry(d, file.get(), &first); s != TERN_OK)
        return s;
    using clock = std::chrono::steady_clock;
    const auto deadline = clock::now() + std::chrono::milliseconds(TERN_HEALTH_HEARTBEAT_WINDOW_MS);
    for (;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
        tern_telemetry t{};
        if (tern_status s = read_telemetry(d, file.get(), &t); s != TERN_OK)
            return s;
        if (t.heartbeat != first.heartbeat) {
            *advancing = true;
            return TERN_OK;
        }
        if (clock::now() >= deadline) {
            *advancing = false;
            return TERN_OK;
        }
    }
}

}  // namespace

}  // namespace tern::rt

using namespace tern::rt;

extern "C" {

TERN_API tern_status tern_device_get_health(tern_device device, tern_device_health* health) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Device* d = lookup<Device>(device);
    if (d == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not an open device handle");
    if (tern_status s = check_out_struct(health, "health"); s != TERN_OK)
        return s;
    tern_device_health h{};
    h.struct_size = sizeof(h);
    // The device answers at all: a parameter read through the driver.
    uint64_t v = 0;
    if (tern_status s = d->param(DRM_TERN_PARAM_UAPI_VERSION, &v); s != TERN_OK)
        return s;
    if (!is_mock_backend()) {
        sysfs::FunctionAttrs a =
            sysfs::read_function_attrs(sysfs::pci_device_dir("/sys", d->node().pci_address));
        h.state = a.state;
        if (a.has_reset_count) {
            h.valid |= TERN_HEALTH_RESET_COUNT;
            h.reset_count = a.reset_count;
        }
    }
    if ((d->caps() & DRM_TERN_CAP_TELEMETRY) != 0) {
        bool advancing = false;
        if (tern_status s = heartbeat_advancing(d, &advancing); s != TERN_OK)
            return s;
        h.valid |= TERN_HEALTH_HEARTBEAT;
        h.heartbeat_advancing = advancing ? 1 : 0;
    }
    write_struct(health, h);
    return TERN_OK;
}

TERN_API tern_status tern_device_reset(tern_device device, int64_t timeout_ns,
                                       tern_reset_result* result) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Device* d = lookup<Device>(device);
    if (d == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not an open device handle");
    if (result != nullptr) {
        if (tern_status s = check_out_struct(result, "result"); s != TERN_OK)
            return s;
    }
    tern_reset_result r{};
    r.struct_size = sizeof(r);
    auto finish = [&](tern_status s) {
        if (result != nullptr)
            write_struct(result, r);
        return s;
    };
    const std::string& path = d->node().path;
    if (is_mock_backend())
        return finish(fail(TERN_ERROR_NOT_SUPPORTED,
                           "{}: the mock backend has no administrator reset (its devices live "
                           "in this process); tern.ko resets through sysfs tern/reset",
                           path));
    const std::string dir = sysfs::pci_device_dir("/sys", d->node().pci_address);
    const std::string reset_path = dir + "/tern/reset";
    struct stat st;
    if (dir.empty() || ::stat(reset_path.c_str(), &st) != 0)
        return finish(fail(TERN_ERROR_NOT_SUPPORTED,
                           "{}: no reset attribute {} (is tern.ko 1.0 or later bound to it?)", path,
                           dir.empty() ? std::string("(PCI address unknown)") : reset_path));

    const sysfs::FunctionAttrs before = sysfs::read_function_attrs(dir);
    r.reset_count_before = before.reset_count;
    const auto t0 = std::chrono::steady_clock::now();
    const sysfs::ResetWrite w = sysfs::write_reset(reset_path, timeout_ns);
    r.duration_ns = uint64_t(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0)
            .count());
    const sysfs::FunctionAttrs after = sysfs::read_function_attrs(dir);
    r.state = after.state;
    r.reset_count_after = after.reset_count;

    if (!w.finished)
        return finish(fail(TERN_ERROR_TIMEOUT,
                           "{}: the reset did not finish within {} ms (state now: {}); it may "
                           "still complete: check {}/tern/state and dmesg",
                           path, timeout_ns / 1000000, state_name(after.state), dir));
    if (w.error == -EACCES || w.error == -EPERM)
        return finish(fail(TERN_ERROR_PERMISSION,
                           "{}: resetting needs root (CAP_SYS_ADMIN) to write {}", path,
                           reset_path));
    if (w.error == -EBUSY)
        return finish(
            fail(TERN_ERROR_BUSY, "{}: the driver refused the reset: busy (EBUSY)", path));
    if (w.error != 0 || after.state == TERN_DEVICE_STATE_WEDGED) {
        if (after.state == TERN_DEVICE_STATE_WEDGED)
            return finish(fail(TERN_ERROR_DEVICE_LOST,
                               "{}: the reset failed ({}) and the function is wedged: rebind "
                               "the driver or reset the PCI function; see dmesg",
                               path, w.error != 0 ? errno_name(w.error) : "no error reported"));
        return finish(fail(TERN_ERROR_IO, "{}: writing {} failed: {} ({})", path, reset_path,
                           std::strerror(-w.error), errno_name(w.error)));
    }
    if (after.state != TERN_DEVICE_STATE_READY)
        return finish(fail(TERN_ERROR_IO,
                           "{}: the driver reported the reset done but the state reads {}, not "
                           "ready",
                           path, state_name(after.state)));
    if (!before.has_reset_count || !after.has_reset_count)
        return finish(fail(TERN_ERROR_IO,
                           "{}: cannot verify the reset: {}/tern/reset_count is not readable", path,
                           dir));
    if (after.reset_count <= before.reset_count)
        return finish(fail(TERN_ERROR_IO,
                           "{}: the driver reported the reset done but reset_count stayed at {}",
                           path, after.reset_count));
    return finish(TERN_OK);
}

}  // extern "C"
