// SPDX-License-Identifier: MIT
// Host-side encodings of the device dtypes (docs/isa.md section 4): used to
// store constants in the model and, by the reference, to round results the
// way the device does. Written independently of the device model.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "model/model_file.hpp"
#include "tern/model_builder.hpp"

namespace tern::builder::detail {

using tern::model::dtype_size;  // bytes per element, 0 if unknown

// fp32 -> bf16 bits, round to nearest even; NaN -> quiet NaN.
uint16_t float_to_bf16(float value);
float bf16_to_float(uint16_t bits);
uint16_t float_to_fp16(float value);
float fp16_to_float(uint16_t bits);
// Truncation toward zero, saturating; NaN -> 0 (the device's rule).
int32_t float_to_int32(float value);

// The value the device stores for fp32 result `value` in `dtype`, back in a
// double (exact: every dtype's values are doubles).
double round_to(DType dtype, float value);

// Dense encodings.
std::vector<uint8_t> encode(DType dtype, std::span<const float> values);
void decode(DType dtype, std::span<const uint8_t> bytes, std::span<double> out);

}  // namespace tern::builder::detail
