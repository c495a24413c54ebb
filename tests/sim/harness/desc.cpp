// SPDX-License-Identifier: MIT
#include "harness/desc.hpp"

namespace tern::test {

namespace {
tern_desc blank(uint8_t opcode, uint8_t flags) {
    tern_desc d{};
    d.hdr.opcode = opcode;
    d.hdr.flags = flags;
    return d;
}
}  // namespace

tern_desc make_nop(uint8_t flags) {
    return blank(TERN_OP_NOP, flags);
}

tern_desc make_dma(uint64_t src_va, uint64_t dst_va, uint64_t size, uint8_t flags) {
    tern_desc d = blank(TERN_OP_DMA_COPY, flags);
    d.dma.src_va = src_va;
    d.dma.dst_va = dst_va;
    d.dma.size = size;
    return d;
}

tern_desc make_exec(uint64_t program_va, uint32_t program_size, uint64_t bindings_va,
                    uint32_t binding_count, uint32_t core_mask, uint8_t flags) {
    tern_desc d = blank(TERN_OP_EXECUTE, flags);
    d.exec.program_va = program_va;
    d.exec.program_size = program_size;
    d.exec.bindings_va = bindings_va;
    d.exec.binding_count = binding_count;
    d.exec.core_mask = core_mask;
    return d;
}

tern_desc make_sem_signal(uint32_t index, uint32_t op, uint64_t value, uint8_t flags) {
    tern_desc d = blank(TERN_OP_SEM_SIGNAL, flags);
    d.sem.index = index;
    d.sem.op = op;
    d.sem.value = value;
    return d;
}

tern_desc make_sem_wait(uint32_t index, uint64_t value, uint8_t flags) {
    tern_desc d = blank(TERN_OP_SEM_WAIT, flags);
    d.sem.index = index;
    d.sem.value = value;
    return d;
}

tern_desc make_timestamp(uint64_t dst_va, uint8_t flags) {
    tern_desc d = blank(TERN_OP_TIMESTAMP, flags);
    d.ts.dst_va = dst_va;
    return d;
}

}  // namespace tern::test
