// SPDX-License-Identifier: MIT
// The kernel backend: Tern device nodes of tern.ko, reached through libdrm.
#pragma once

#include "../backend.hpp"

namespace tern::rt {

// Enumerates Tern devices; nullptr and a message that says what to check
// when there is none.
std::unique_ptr<Backend> make_kernel_backend(std::string* error_message);

}  // namespace tern::rt
