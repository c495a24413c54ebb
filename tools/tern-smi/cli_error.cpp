// SPDX-License-Identifier: MIT
#include "cli_error.hpp"

#include <cstdlib>
#include <cstring>

namespace tern::smi {

Exit exit_for_status(tern_status status) {
    switch (status) {
        case TERN_OK:
            return Exit::ok;
        case TERN_ERROR_NO_DEVICE:
            return Exit::no_device;
        case TERN_ERROR_PERMISSION:
            return Exit::permission;
        case TERN_ERROR_NOT_SUPPORTED:
            return Exit::not_supported;
        case TERN_ERROR_TIMEOUT:
            return Exit::timeout;
        case TERN_ERROR_VERSION_MISMATCH:
            return Exit::version_mismatch;
        case TERN_ERROR_BUSY:
            return Exit::busy;
        case TERN_ERROR_DEVICE_LOST:
        case TERN_ERROR_DEVICE_FAULT:
        case TERN_ERROR_QUEUE_BROKEN:
        case TERN_ERROR_IO:
        case TERN_ERROR_OUT_OF_DEVICE_MEMORY:
            return Exit::device_error;
        default:
            return Exit::internal;
    }
}

const char* exit_name(Exit code) {
    switch (code) {
        case Exit::ok:
            return "ok";
        case Exit::internal:
            return "internal";
        case Exit::usage:
            return "usage";
        case Exit::no_device:
            return "no_device";
        case Exit::permission:
            return "permission";
        case Exit::not_supported:
            return "not_supported";
        case Exit::device_error:
            return "device_error";
        case Exit::timeout:
            return "timeout";
        case Exit::unhealthy:
            return "unhealthy";
        case Exit::version_mismatch:
            return "version_mismatch";
        case Exit::busy:
            return "busy";
    }
    return "internal";
}

CliError from_runtime(const tern::Error& e, const std::string& backend, const std::string& what) {
    const Exit code = exit_for_status(e.status());
    std::vector<std::string> hints;
    const bool kernel = backend == "kernel" || (backend.empty() && [] {
                            const char* b = std::getenv("TERN_BACKEND");
                            return b == nullptr || *b == '\0' || std::strcmp(b, "kernel") == 0;
                        }());
    if (code == Exit::no_device && kernel) {
        hints.push_back(
            "is the tern module loaded? `lsmod | grep tern`; load it with `sudo modprobe tern`");
        hints.push_back("see why it did not bind: `sudo dmesg | grep -i tern`");
        hints.push_back("to try tern-smi without a card, use the mock: TERN_BACKEND=mock tern-smi");
    } else if (code == Exit::permission) {
        hints.push_back(
            "device nodes belong to the render group: `sudo usermod -aG render $USER`, then log "
            "in again");
        hints.push_back(
            "the Tern udev rule sets the group and mode of /dev/accel/accel* (install the tern "
            "package's udev rule, then `sudo udevadm trigger`)");
    } else if (code == Exit::version_mismatch) {
        hints.push_back(
            "install the same release of the tern driver and runtime; `tern-smi "
            "version` shows the versions it can read");
    }
    return CliError(code, what.empty() ? e.what() : what + ": " + e.what(), std::move(hints));
}

}  // namespace tern::smi
