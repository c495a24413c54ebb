// SPDX-License-Identifier: MIT
// Builds device program images (docs/hw-spec.md section 7, docs/isa.md) for
// the runtime tests and benchmarks. The constants below are checked against
// tern_isa.h in isa_builder.cpp.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <vector>

namespace tern_test::isa {

// Opcodes and dtypes, value for value as in tern_isa.h.
enum Opcode : uint16_t {
    kCopy = 0x01,
    kFill = 0x02,
    kGather = 0x04,
    kMatmul = 0x10,
    kAdd = 0x20,
    kMul = 0x22,
    kRelu = 0x30,
};
enum Dtype : uint8_t { kF32 = 1, kBf16 = 2, kF16 = 3, kI32 = 4 };
constexpr uint16_t kNone = 0xffff;
constexpr uint32_t kOpIndexHeader = 0xffffffffU;

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
