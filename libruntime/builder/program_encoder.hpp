// SPDX-License-Identifier: MIT
// Lowered ops -> device program images (docs/isa.md section 1): tensor
// descriptors deduplicated per program, a new program whenever the tensor
// table or op list would exceed its limit.
#pragma once

#include <cstdint>
#include <vector>

#include "lower.hpp"

namespace tern::builder::detail {

struct EncodedPrograms {
    std::vector<std::vector<uint8_t>> images;
    uint32_t tensors = 0;  // descriptors over all programs
};

// `binding_of` maps each storage to its binding-table slot; storage offsets
// must already be placed.
EncodedPrograms encode_programs(const Lowered& lowered, const std::vector<uint16_t>& binding_of,
                                uint32_t max_tensors, uint32_t max_ops);

}  // namespace tern::builder::detail
