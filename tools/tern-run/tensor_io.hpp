// SPDX-License-Identifier: MIT
// Converts between .npy arrays and the bytes of a model's input/output
// tensors, with the dtype conventions documented in npy.hpp.
#pragma once

#include "npy.hpp"

#include <tern/tern.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tern::run {

const char* dtype_name(tern_dtype dtype);  // "fp32", "bf16", "fp16", "int32"
uint32_t dtype_size(tern_dtype dtype);

// The tensor bytes for input `name` of `dtype` and `shape` from `a`;
// throws npy::Error naming the input, the file's dtype/shape and the
// model's when they do not fit.
std::vector<uint8_t> input_bytes(const npy::Array& a, const std::string& name, tern_dtype dtype,
                                 const std::vector<uint64_t>& shape);

// The .npy array for an output's bytes (bf16 widened to '<f4').
npy::Array output_array(const std::vector<uint8_t>& bytes, tern_dtype dtype,
                        const std::vector<uint64_t>& shape);

// Deterministic inputs for --random-inputs: uniform in [-1, 1) for float
// dtypes, 0..9 for int32.
std::vector<uint8_t> random_bytes(tern_dtype dtype, uint64_t elements, uint64_t seed);

}  // namespace tern::run
