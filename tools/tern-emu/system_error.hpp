// SPDX-License-Identifier: MIT
// Setup failures carry errno and what was being attempted, so that the log
// line names the file or call that failed.
#pragma once

#include <cerrno>
#include <string>
#include <system_error>

namespace tern::emu {

[[noreturn]] inline void throw_errno(const std::string& what) {
    throw std::system_error(errno, std::generic_category(), what);
}

}  // namespace tern::emu
