// SPDX-License-Identifier: MIT
// One-op device programs for tern-model-bench, encoded from the ISA
// header directly so that the bench measures the loader and the model
// layer, not the builder.
#pragma once

#include <cstdint>
#include <vector>

namespace bench_isa {

enum Opcode : uint16_t { kCopy = 0x01, kRelu = 0x30 };

// dst = op(src0[, src1]) over rank-1 fp32 tensors of n elements; tensor i
// names binding slot slots[i], the last one is dst.
std::vector<uint8_t> one_op_program(Opcode op, uint32_t n, const std::vector<uint16_t>& slots);

}  // namespace bench_isa
