// SPDX-License-Identifier: MIT
#include "model_bench_isa.hpp"

#include <cstring>

namespace bench_isa {

std::vector<uint8_t> one_op_program(tern_isa_opcode opcode, uint32_t n,
                                    const std::vector<uint16_t>& slots) {
    const auto nt = uint32_t(slots.size());
    const size_t size =
        sizeof(tern_isa_header) + nt * sizeof(tern_isa_tensor) + sizeof(tern_isa_op);
    std::vector<uint8_t> img(size, 0);
    tern_isa_header h{};
    h.magic = TERN_ISA_MAGIC;
    h.version = TERN_ISA_VERSION;
    h.size = uint32_t(size);
    h.num_tensors = nt;
    h.num_ops = 1;
    h.tensors_offset = sizeof(h);
    h.ops_offset = uint32_t(sizeof(h) + nt * sizeof(tern_isa_tensor));
    std::memcpy(img.data(), &h, sizeof(h));
    for (uint32_t i = 0; i < nt; ++i) {
        tern_isa_tensor t{};
        t.binding = slots[i];
        t.dtype = TERN_ISA_DTYPE_FP32;
        t.rank = 1;
        t.shape[0] = n;
        t.stride[0] = 1;
        for (int d = 1; d < TERN_ISA_MAX_RANK; ++d)
            t.shape[d] = 1;
        std::memcpy(img.data() + h.tensors_offset + i * sizeof(t), &t, sizeof(t));
    }
    tern_isa_op op{};
    op.opcode = opcode;
    op.dst = uint16_t(nt - 1);
    op.src[0] = 0;
    op.src[1] = nt > 2 ? 1 : TERN_ISA_NONE;
    op.src[2] = TERN_ISA_NONE;
    std::memcpy(img.data() + h.ops_offset, &op, sizeof(op));
    return img;
}

}  // namespace bench_isa
