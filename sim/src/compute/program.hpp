// SPDX-License-Identifier: MIT
// Parsing and validation of a program image (docs/isa.md, "Validation").
// Everything is checked before the first op runs.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "compute/tensor_io.hpp"
#include "tern/hw/tern_isa.h"

namespace tern::sim::compute {

struct Program {
    std::vector<TensorView> tensors;
    std::vector<tern_isa_op> ops;
};

// Validates the image (size bytes, header first) against the binding table.
// On success fills *out and returns true; otherwise returns false with
// *bad_op = the failing op index or TERN_ISA_ERR_OP_HEADER.
bool parse_program(const uint8_t* image, size_t size, const tern_isa_binding* bindings,
                   uint32_t binding_count, Program* out, uint32_t* bad_op);

// Operand, flag, parameter, shape and dtype rules of one op.
bool validate_op(const tern_isa_op& op, const std::vector<TensorView>& tensors);

// Parameter slot as the IEEE-754 binary32 value it holds.
float param_float(const tern_isa_op& op, unsigned slot);

}  // namespace tern::sim::compute
