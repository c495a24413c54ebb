// SPDX-License-Identifier: MIT
// The checks of a program image's header that the runtime makes before
// uploading it. Kept apart: the ISA header's names clash with tern.h's.
#pragma once

#include <cstddef>
#include <string>

namespace tern::rt {

// True if the header is acceptable; else false and a reason.
bool check_program_header(const void* image, size_t size, std::string* why);

}  // namespace tern::rt
