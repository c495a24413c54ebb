// SPDX-License-Identifier: MIT
// Typed buffers in a function's device memory: a bump allocator, and
// float <-> dtype conversion on upload/download through a Workspace.
#pragma once

#include <cstdint>
#include <vector>

#include "harness/workspace.hpp"
#include "tern/hw/tern_isa.h"

namespace tern::test {

struct DeviceTensor {
    uint64_t offset = 0;  // device-memory offset of the function
    size_t count = 0;     // elements
    uint8_t dtype = TERN_ISA_DTYPE_FP32;
    size_t bytes() const;
};

class DeviceAllocator {
public:
    DeviceAllocator(uint64_t base, uint64_t limit) : next_(base), limit_(limit) {}
    // 256 B aligned; fails the test when memory runs out.
    DeviceTensor alloc(size_t count, uint8_t dtype);

private:
    uint64_t next_;
    uint64_t limit_;
};

// Converts to the tensor's dtype (bf16/fp16 round to nearest even, int32
// truncates) and uploads.
bool write_tensor(Workspace& ws, const DeviceTensor& t, const std::vector<float>& values);
bool write_tensor_i32(Workspace& ws, const DeviceTensor& t, const std::vector<int32_t>& values);
// Downloads and converts to float.
std::vector<float> read_tensor(Workspace& ws, const DeviceTensor& t);
// The binding-table slot covering the tensor.
tern_isa_binding binding_of(Workspace& ws, const DeviceTensor& t);

}  // namespace tern::test
