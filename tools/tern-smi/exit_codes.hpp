// SPDX-License-Identifier: MIT
// tern-smi's exit codes (docs/tern-smi.md, tern-smi.1): one per class of
// outcome a script may want to tell apart. Never renumbered.
#pragma once

#include <tern/tern.h>

namespace tern::smi {

enum class Exit : int {
    ok = 0,
    internal = 1,          // a bug or an unexpected runtime failure
    usage = 2,             // bad command line: unknown command or option, malformed value
    no_device = 3,         // no backend/device, or the selected device does not exist
    permission = 4,        // the device node or the operation is not allowed
    not_supported = 5,     // the backend/device/tern-smi cannot do this (yet)
    device_error = 6,      // the device or driver failed the operation
    timeout = 7,           // a bounded wait expired (reset)
    unhealthy = 8,         // `health`: a device is degraded or unhealthy
    version_mismatch = 9,  // runtime, driver or caller versions are incompatible
    busy = 10,             // refused because the device or a partition is in use
};

// The exit code for a failed runtime call.
Exit exit_for_status(tern_status status);

// Stable machine-readable name of an exit code ("no_device", ...), used as
// error.code in JSON.
const char* exit_name(Exit code);

}  // namespace tern::smi
