// SPDX-License-Identifier: MIT
// A strict reader and writer of NumPy .npy files (format versions 1.0,
// 2.0 and 3.0), for the dtypes of Tern models:
//
//   .npy descr  model dtype   notes
//   '<f4'       fp32, bf16    bf16 inputs are rounded to nearest even;
//                             bf16 outputs are written as '<f4' (exact)
//   '<u2'       bf16          raw bfloat16 bits (NumPy has no bfloat16)
//   '<f2'       fp16
//   '<i4'       int32
//
// C order only, little-endian only. Every field is checked: the magic,
// the header length (<= 65535), the header dict (exactly the keys descr,
// fortran_order and shape, Python literal syntax), the shape (rank <= 32,
// product without overflow) and the data size (exactly the rest of the
// file). Errors name what is wrong and where.
#pragma once

#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace tern::npy {

class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct Array {
    std::string descr;            // "<f4", "<f2", "<i4", "<u2"
    std::vector<uint64_t> shape;  // () for a scalar
    std::vector<uint8_t> data;    // C order, little-endian
};

inline constexpr uint32_t kMaxHeaderLength = 65535;
inline constexpr uint32_t kMaxRank = 32;

// Element size of a supported descr, 0 otherwise.
uint32_t descr_size(const std::string& descr);

// Parses a whole .npy file image; `where` prefixes errors (a path).
Array parse(std::span<const uint8_t> file, const std::string& where);
Array read(const std::string& path);

// Encodes as format 1.0 (2.0 if the header needs it), header padded so
// the data starts on a 64-byte boundary.
std::vector<uint8_t> encode(const Array& a);
void write(const std::string& path, const Array& a);

// "(3, 4)", "(5,)", "()".
std::string shape_str(const std::vector<uint64_t>& shape);

// fp32 <-> bf16 (round to nearest even; NaN stays a quiet NaN).
uint16_t bf16_from_f32(float f);
float f32_from_bf16(uint16_t b);

}  // namespace tern::npy
