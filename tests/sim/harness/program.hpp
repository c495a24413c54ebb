// SPDX-License-Identifier: MIT
// Encodes compute program images (tern_isa.h) and binding tables.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "tern/hw/tern_isa.h"

namespace tern::test {

size_t dtype_size(uint8_t dtype);
// IEEE-754 binary32 bits of f (for op params).
uint32_t f32_bits(float f);

class ProgramBuilder {
public:
    // A tensor viewing `binding`; contiguous row-major strides (last
    // dimension fastest) unless `stride` is given. Returns its index.
    uint16_t tensor(uint16_t binding, uint8_t dtype, std::initializer_list<uint32_t> shape,
                    uint64_t offset = 0, std::initializer_list<uint64_t> stride = {});
    // An op; missing srcs are TERN_ISA_NONE, missing params zero.
    uint32_t op(uint16_t opcode, uint16_t dst, std::initializer_list<uint16_t> src = {},
                std::initializer_list<uint32_t> param = {}, uint16_t flags = 0);

    // Direct access for negative tests.
    tern_isa_tensor& tensor_at(size_t i) { return tensors_.at(i); }
    tern_isa_op& op_at(size_t i) { return ops_.at(i); }
    size_t num_tensors() const { return tensors_.size(); }
    size_t num_ops() const { return ops_.size(); }

    // Header, tensor table at offset 32, op list after it.
    std::vector<uint8_t> build() const;

private:
    std::vector<tern_isa_tensor> tensors_;
    std::vector<tern_isa_op> ops_;
};

// In-place view of the header of an encoded image.
tern_isa_header& header_of(std::vector<uint8_t>& image);

}  // namespace tern::test
