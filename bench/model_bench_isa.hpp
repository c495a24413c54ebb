// SPDX-License-Identifier: MIT
// One-op device programs for tern-model-bench, encoded with the tests' ISA
// encoder (tests/support) rather than the model builder, so that the bench
// measures the loader and the model layer, not the builder.
#pragma once

#include <cstdint>
#include <vector>

#include <tern/hw/tern_isa.h>

namespace bench_isa {

// dst = op(src0[, src1]) over rank-1 fp32 tensors of n elements (op:
// TERN_ISA_COPY, TERN_ISA_RELU, ...); tensor i names binding slot slots[i],
// the last one is dst.
std::vector<uint8_t> one_op_program(tern_isa_opcode op, uint32_t n,
                                    const std::vector<uint16_t>& slots);

}  // namespace bench_isa
