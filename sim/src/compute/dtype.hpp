// SPDX-License-Identifier: MIT
// Element types of the compute ISA (docs/isa.md, "Data types"): sizes and
// conversions. Every conversion goes through fp32 except same-dtype moves,
// which copy bits.
#pragma once

#include <cstddef>
#include <cstdint>

namespace tern::sim::compute {

// Bytes per element, or 0 for an unknown dtype.
size_t dtype_size(uint32_t dtype);
bool dtype_is_float(uint32_t dtype);

// fp32 -> int32: truncation toward zero, saturating, NaN -> 0.
int32_t float_to_int32(float v);

// One element of dtype at p, converted to fp32 (INT32 rounds to nearest even).
float load_float(uint32_t dtype, const uint8_t* p);
// Stores v as dtype at p (bf16/fp16 round to nearest even, INT32 per float_to_int32).
void store_float(uint32_t dtype, uint8_t* p, float v);

// n packed elements: dtype <-> fp32.
void decode_floats(uint32_t dtype, const uint8_t* src, float* dst, size_t n);
void encode_floats(uint32_t dtype, const float* src, uint8_t* dst, size_t n);

// n packed elements from src_dtype to dst_dtype: a bit copy when the dtypes
// are equal, otherwise through fp32.
void convert_elements(uint32_t src_dtype, const uint8_t* src, uint32_t dst_dtype, uint8_t* dst,
                      size_t n);

}  // namespace tern::sim::compute
