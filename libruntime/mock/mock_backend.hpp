// SPDX-License-Identifier: MIT
// The mock backend: the Tern UAPI implemented in userspace over the device
// model (the approach of Mesa's drm-shim, but complete). It behaves as
// tern.ko does, errno for errno (docs/uapi.md), and drives the model only
// through its registers and interrupts.
#pragma once

#include <memory>
#include <string>

#include "backend/backend.hpp"
#include "mock/mock_config.hpp"

namespace tern::rt {

// The process-wide mock devices, created at first use and configured by
// TERN_MOCK_DEVICES, TERN_MOCK_MEMORY, TERN_MOCK_CORES,
// TERN_MOCK_JOB_TIMEOUT_MS or TERN_MOCK_CONFIG (a JSON file). Every backend
// returned shares them, as every open() of /dev shares the real devices.
// nullptr and *error_message when the configuration is invalid.
std::unique_ptr<Backend> make_mock_backend(std::string* error_message);

namespace mock {

// A backend over devices of its own, configured explicitly (tests, tools
// that need a shorter job timeout or several cards). Independent of the
// process-wide devices.
std::unique_ptr<Backend> make_mock_backend(const MockConfig& config, std::string* error_message);

// Bytes of host BOs charged to RLIMIT_MEMLOCK by this process.
uint64_t mock_locked_bytes();

// Test hook, as a test card's error injection: makes PF `index` of a mock
// backend report an uncorrectable ECC error (TERN_REG_ERR_INJECT), which the
// driver answers with a function reset. 0, or -EINVAL (not a mock PF) /
// -EOPNOTSUPP (no injection capability).
int inject_fatal_error(Backend& backend, size_t index);

}  // namespace mock

}  // namespace tern::rt
