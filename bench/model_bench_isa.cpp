// SPDX-License-Identifier: MIT
#include "model_bench_isa.hpp"

#include <stdexcept>

#include "isa_program.hpp"

namespace bench_isa {

std::vector<uint8_t> one_op_program(tern_isa_opcode opcode, uint32_t n,
                                    const std::vector<uint16_t>& slots) {
    if (slots.size() < 2 || slots.size() > 3) {
        throw std::invalid_argument("one_op_program: 1 or 2 sources and a dst");
    }
    tern::test::ProgramBuilder pb;
    for (uint16_t slot : slots) {
        pb.tensor(slot, TERN_ISA_DTYPE_FP32, {n});
    }
    const auto dst = static_cast<uint16_t>(slots.size() - 1);
    if (slots.size() == 3) {
        pb.op(opcode, dst, {0, 1});
    } else {
        pb.op(opcode, dst, {0});
    }
    return pb.build();
}

}  // namespace bench_isa
