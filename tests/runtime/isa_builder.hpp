// SPDX-License-Identifier: MIT
// Builds device program images (docs/hw-spec.md section 7, docs/isa.md) for
// the runtime and model tests.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "tern/hw/tern_isa.h"

namespace tern_test::isa {

// The opcodes and dtypes of tern_isa.h under short names.
enum Opcode : uint16_t {
    kCopy = TERN_ISA_COPY,
    kFill = TERN_ISA_FILL,
    kGather = TERN_ISA_GATHER,
    kMatmul = TERN_ISA_MATMUL,
    kAdd = TERN_ISA_ADD,
    kMul = TERN_ISA_MUL,
    kRelu = TERN_ISA_RELU,
};
enum Dtype : uint8_t {
    kF32 = TERN_ISA_DTYPE_FP32,
    kBf16 = TERN_ISA_DTYPE_BF16,
    kF16 = TERN_ISA_DTYPE_FP16,
    kI32 = TERN_ISA_DTYPE_INT32,
};
constexpr uint16_t kNone = TERN_ISA_NONE;
constexpr uint32_t kOpIndexHeader = TERN_ISA_ERR_OP_HEADER;

class Program {
public:
    // Adds a tensor naming binding slot `binding`; dense row-major strides
    // unless `strides` is given. Returns the tensor index.
    uint16_t tensor(uint16_t binding, Dtype dtype, std::initializer_list<uint32_t> shape,
                    uint64_t offset = 0, std::initializer_list<uint64_t> strides = {});
    // Adds an op; unused sources are TERN_ISA_NONE, unused params zero.
    void op(Opcode opcode, uint16_t dst, std::initializer_list<uint16_t> src,
            std::initializer_list<uint32_t> params = {}, uint16_t flags = 0);
    // The image: header, tensor table, op list.
    std::vector<uint8_t> image() const;

private:
    struct Tensor {
        uint16_t binding;
        uint8_t dtype;
        uint8_t rank;
        uint64_t offset;
        uint32_t shape[6];
        uint64_t stride[6];
    };
    struct Op {
        uint16_t opcode;
        uint16_t flags;
        uint16_t dst;
        uint16_t src[3];
        uint32_t param[13];
    };
    std::vector<Tensor> tensors_;
    std::vector<Op> ops_;
};

// IEEE-754 binary32 bits of f, for FILL and other float parameters.
uint32_t f32_bits(float f);

}  // namespace tern_test::isa
