// SPDX-License-Identifier: MIT
// Encodes compute program images (tern_isa.h, docs/isa.md) for the tests and
// benchmarks: the one place outside the runtime's own encoder where the
// header, tensor table and op list of an image are laid out. Written
// independently of the device model and the runtime, so that tests built on
// it check them rather than agree with them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <vector>

#include "tern/hw/tern_isa.h"

namespace tern::test {

// Bytes per element of an ISA dtype; 0 for a value that is not one.
size_t dtype_size(uint8_t dtype);
// IEEE-754 binary32 bits of f (FILL values and other float op params).
uint32_t f32_bits(float f);

class ProgramBuilder {
public:
    // A tensor viewing `binding` at byte `offset`; contiguous row-major
    // strides (last dimension fastest) unless `stride` is given. Returns its
    // index. Throws std::invalid_argument for a rank outside
    // 1..TERN_ISA_MAX_RANK or a stride list of another length.
    uint16_t tensor(uint16_t binding, uint8_t dtype, std::initializer_list<uint32_t> shape,
                    uint64_t offset = 0, std::initializer_list<uint64_t> stride = {});
    uint16_t tensor(uint16_t binding, uint8_t dtype, std::span<const uint32_t> shape,
                    uint64_t offset, std::span<const uint64_t> stride);
    // An op; missing srcs are TERN_ISA_NONE, missing params zero. Returns its
    // index. Throws std::invalid_argument for more than 3 srcs or 13 params.
    uint32_t op(uint16_t opcode, uint16_t dst, std::initializer_list<uint16_t> src = {},
                std::initializer_list<uint32_t> param = {}, uint16_t flags = 0);

    // Direct access, for tests that corrupt a field on purpose.
    tern_isa_tensor& tensor_at(size_t i) { return tensors_.at(i); }
    const tern_isa_tensor& tensor_at(size_t i) const { return tensors_.at(i); }
    tern_isa_op& op_at(size_t i) { return ops_.at(i); }
    const tern_isa_op& op_at(size_t i) const { return ops_.at(i); }
    size_t num_tensors() const { return tensors_.size(); }
    size_t num_ops() const { return ops_.size(); }

    // The image: header, tensor table at offset 32, op list right after it.
    std::vector<uint8_t> build() const;

private:
    std::vector<tern_isa_tensor> tensors_;
    std::vector<tern_isa_op> ops_;
};

// In-place view of the header of an encoded image (at least 32 bytes).
tern_isa_header& header_of(std::vector<uint8_t>& image);

}  // namespace tern::test
