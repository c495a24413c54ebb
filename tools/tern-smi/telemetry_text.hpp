// SPDX-License-Identifier: MIT
// The human rendering of one device's telemetry, shared by `telemetry` and
// `top`.
#pragma once

#include "session.hpp"
#include "snapshot.hpp"

#include <string>

namespace tern::smi {

// Multi-line block, each line indented by two spaces; `bars` draws the
// per-core utilisation as bars (top) instead of numbers.
std::string telemetry_text(const OpenDevice& d, const TelemetryView& t, bool bars);

}  // namespace tern::smi
