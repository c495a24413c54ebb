// SPDX-License-Identifier: MIT
// The mock the partition tests expect (partition_test_util.hpp), as the
// default when the binary is run by hand; CTest sets the same variables.
#include <cstdlib>

namespace {

const bool kMockSelected = [] {
    return setenv("TERN_BACKEND", "mock", 0) == 0 && setenv("TERN_MOCK_DEVICES", "2", 0) == 0 &&
           setenv("TERN_MOCK_MEMORY", "64M", 0) == 0 && setenv("TERN_MOCK_CORES", "8", 0) == 0 &&
           setenv("TERN_MOCK_JOB_TIMEOUT_MS", "1000", 0) == 0;
}();

}  // namespace
