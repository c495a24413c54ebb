// SPDX-License-Identifier: MIT
// execute_program: fetch, validate, then run the ops in order (hw-spec
// section 7, docs/isa.md).
#include <cstring>
#include <vector>

#include "compute/compute.hpp"
#include "compute/ops.hpp"
#include "compute/program.hpp"
#include "tern/hw/tern_regs.h"

namespace tern::sim {

ExecResult execute_program(VaSpace& mem, const ExecRequest& req) {
    ExecResult res;
    auto fail = [&res](uint32_t qerr, uint32_t op_index) {
        res.qerr = qerr;
        res.op_index = op_index;
        return res;
    };
    // Fetch: the header first (so a size mismatch is reported as such, not
    // as a fault past the image), then the rest of the image and the
    // binding table.
    const size_t header_size = sizeof(tern_isa_header);
    if (req.program_size < header_size) {
        return fail(TERN_QERR_PROGRAM, TERN_ISA_ERR_OP_HEADER);
    }
    std::vector<uint8_t> image(req.program_size);
    if (!mem.read(req.program_va, image.data(), header_size, &res.fault)) {
        return fail(TERN_QERR_PAGE_FAULT, TERN_ISA_ERR_OP_HEADER);
    }
    tern_isa_header header;
    std::memcpy(&header, image.data(), header_size);
    if (header.size != req.program_size) {
        return fail(TERN_QERR_PROGRAM, TERN_ISA_ERR_OP_HEADER);
    }
    if (req.program_size > header_size &&
        !mem.read(req.program_va + header_size, image.data() + header_size,
                  req.program_size - header_size, &res.fault)) {
        return fail(TERN_QERR_PAGE_FAULT, TERN_ISA_ERR_OP_HEADER);
    }
    std::vector<tern_isa_binding> bindings(req.binding_count);
    if (req.binding_count > 0 &&
        !mem.read(req.bindings_va, bindings.data(), bindings.size() * sizeof(tern_isa_binding),
                  &res.fault)) {
        return fail(TERN_QERR_PAGE_FAULT, TERN_ISA_ERR_OP_HEADER);
    }

    compute::Program prog;
    uint32_t bad_op = 0;
    if (!compute::parse_program(image.data(), image.size(), bindings.data(), req.binding_count,
                                &prog, &bad_op)) {
        return fail(TERN_QERR_PROGRAM, bad_op);
    }
    image = {};

    const compute::OpEnv env{mem, prog.tensors, &res.fault};
    for (uint32_t i = 0; i < prog.ops.size(); ++i) {
        switch (compute::run_op(env, prog.ops[i])) {
            case compute::OpStatus::kOk:
                break;
            case compute::OpStatus::kFault:
                return fail(TERN_QERR_PAGE_FAULT, i);
            case compute::OpStatus::kIndex:
                return fail(TERN_QERR_INDEX, i);
        }
    }
    return res;
}

}  // namespace tern::sim
