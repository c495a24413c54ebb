// SPDX-License-Identifier: MIT
// The human table of the processes holding a device (`processes`, `top`).
#pragma once

#include "snapshot.hpp"

#include <string>

namespace tern::smi {

std::string processes_text(const ProcessesView& p);

}  // namespace tern::smi
