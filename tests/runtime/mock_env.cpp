// SPDX-License-Identifier: MIT
// Selects the mock backend for the whole test binary, before main() and
// gtest run, unless TERN_BACKEND is already set (CTest sets it too; a
// developer running the binary by hand gets the same default).
#include <cstdlib>

namespace {

const bool kMockSelected = [] { return setenv("TERN_BACKEND", "mock", 0) == 0; }();

}  // namespace
