// SPDX-License-Identifier: MIT
#include "numerics.hpp"

#include <bit>
#include <cmath>
#include <cstring>

namespace tern::builder::detail {

uint16_t float_to_bf16(float value) {
    const uint32_t bits = std::bit_cast<uint32_t>(value);
    if (std::isnan(value)) {
        return static_cast<uint16_t>((bits >> 16) | 0x0040u);  // quiet, keeps the sign
    }
    // Round to nearest even on the 16 dropped bits; a carry into the
    // exponent gives the next binade or infinity, as it should.
    const uint32_t lsb = (bits >> 16) & 1u;
    return static_cast<uint16_t>((bits + 0x7fffu + lsb) >> 16);
}

float bf16_to_float(uint16_t bits) {
    return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16);
}

uint16_t float_to_fp16(float value) {
    const uint32_t x = std::bit_cast<uint32_t>(value);
    const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
    const uint32_t ax = x & 0x7fffffffu;
    if (ax > 0x7f800000u) {
        return sign | 0x7e00u;  // quiet NaN
    }
    if (ax >= 0x477ff000u) {
        return sign | 0x7c00u;  // >= 65520 rounds (ties to even) to infinity
    }
    if (ax < 0x38800000u) {
        // Below the smallest normal (2^-14): a multiple of 2^-24. The
        // scaling is exact; nearbyint rounds to nearest even, and 1024
        // units carry into the smallest normal by themselves.
        const float units = std::bit_cast<float>(ax) * 16777216.0f;
        return sign | static_cast<uint16_t>(std::nearbyint(units));
    }
    // Rebias the exponent (127 -> 15), keep 10 mantissa bits, round the 13
    // dropped bits to nearest even; a mantissa carry bumps the exponent.
    uint32_t h = (ax >> 13) - (uint32_t{127 - 15} << 10);
    const uint32_t rest = ax & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) {
        ++h;
    }
    return sign | static_cast<uint16_t>(h);
}

float fp16_to_float(uint16_t bits) {
    const uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
    const uint32_t exp = (bits >> 10) & 0x1fu;
    const uint32_t man = bits & 0x3ffu;
    if (exp == 0) {
        const float v = std::ldexp(static_cast<float>(man), -24);  // zero or subnormal
        return sign ? -v : v;
    }
    if (exp == 31) {
        return std::bit_cast<float>(sign | 0x7f800000u | (man << 13));  // inf or NaN
    }
    return std::bit_cast<float>(sign | ((exp + 112) << 23) | (man << 13));
}

int32_t float_to_int32(float value) {
    if (std::isnan(value)) {
        return 0;
    }
    if (value >= 2147483648.0f) {
        return INT32_MAX;
    }
    if (value <= -2147483648.0f) {
        return INT32_MIN;
    }
    return static_cast<int32_t>(value);
}

double round_to(DType dtype, float value) {
    switch (dtype) {
        case DType::kFp32:
            return value;
        case DType::kBf16:
            return bf16_to_float(float_to_bf16(value));
        case DType::kFp16:
            return fp16_to_float(float_to_fp16(value));
        case DType::kInt32:
            return float_to_int32(value);
    }
    return value;
}

std::vector<uint8_t> encode(DType dtype, std::span<const float> values) {
    const size_t es = dtype_size(dtype);
    std::vector<uint8_t> out(values.size() * es);
    for (size_t i = 0; i < values.size(); ++i) {
        uint8_t* p = out.data() + i * es;
        switch (dtype) {
            case DType::kFp32:
                std::memcpy(p, &values[i], 4);
                break;
            case DType::kBf16: {
                const uint16_t b = float_to_bf16(values[i]);
                std::memcpy(p, &b, 2);
                break;
            }
            case DType::kFp16: {
                const uint16_t b = float_to_fp16(values[i]);
                std::memcpy(p, &b, 2);
                break;
            }
            case DType::kInt32: {
                const int32_t v = float_to_int32(values[i]);
                std::memcpy(p, &v, 4);
                break;
            }
        }
    }
    return out;
}

void decode(DType dtype, std::span<const uint8_t> bytes, std::span<double> out) {
    const size_t es = dtype_size(dtype);
    for (size_t i = 0; i < out.size(); ++i) {
        const uint8_t* p = bytes.data() + i * es;
        switch (dtype) {
            case DType::kFp32: {
                float f;
                std::memcpy(&f, p, 4);
                out[i] = f;
                break;
            }
            case DType::kBf16:
            case DType::kFp16: {
                uint16_t b;
                std::memcpy(&b, p, 2);
                out[i] = dtype == DType::kBf16 ? bf16_to_float(b) : fp16_to_float(b);
                break;
            }
            case DType::kInt32: {
                int32_t v;
                std::memcpy(&v, p, 4);
                out[i] = v;
                break;
            }
        }
    }
}

}  // namespace tern::builder::detail
