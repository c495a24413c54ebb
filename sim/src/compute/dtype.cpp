// SPDX-License-Identifier: MIT
#include "compute/dtype.hpp"

#include <Eigen/Core>
#include <cmath>
#include <cstring>

#include "tern/hw/tern_isa.h"

namespace tern::sim::compute {

size_t dtype_size(uint32_t dtype) {
    switch (dtype) {
        case TERN_ISA_DTYPE_FP32:
        case TERN_ISA_DTYPE_INT32:
            return 4;
        case TERN_ISA_DTYPE_BF16:
        case TERN_ISA_DTYPE_FP16:
            return 2;
        default:
            return 0;
    }
}

bool dtype_is_float(uint32_t dtype) {
    return dtype == TERN_ISA_DTYPE_FP32 || dtype == TERN_ISA_DTYPE_BF16 ||
           dtype == TERN_ISA_DTYPE_FP16;
}

int32_t float_to_int32(float v) {
    if (std::isnan(v)) {
        return 0;
    }
    if (v >= 2147483648.0f) {
        return INT32_MAX;
    }
    if (v <= -2147483648.0f) {
        return INT32_MIN;
    }
    return static_cast<int32_t>(v);  // truncates toward zero
}

float load_float(uint32_t dtype, const uint8_t* p) {
    switch (dtype) {
        case TERN_ISA_DTYPE_FP32: {
            float f;
            std::memcpy(&f, p, 4);
            return f;
        }
        case TERN_ISA_DTYPE_BF16: {
            uint16_t bits;
            std::memcpy(&bits, p, 2);
            return static_cast<float>(Eigen::numext::bit_cast<Eigen::bfloat16>(bits));
        }
        case TERN_ISA_DTYPE_FP16: {
            uint16_t bits;
            std::memcpy(&bits, p, 2);
            return static_cast<float>(Eigen::numext::bit_cast<Eigen::half>(bits));
        }
        case TERN_ISA_DTYPE_INT32: {
            int32_t i;
            std::memcpy(&i, p, 4);
            return static_cast<float>(i);
        }
        default:
            return 0.0f;
    }
}

void store_float(uint32_t dtype, uint8_t* p, float v) {
    switch (dtype) {
        case TERN_ISA_DTYPE_FP32:
            std::memcpy(p, &v, 4);
            break;
        case TERN_ISA_DTYPE_BF16: {
            const auto bits = Eigen::numext::bit_cast<uint16_t>(Eigen::bfloat16(v));
            std::memcpy(p, &bits, 2);
            break;
        }
        case TERN_ISA_DTYPE_FP16: {
            const auto bits = Eigen::numext::bit_cast<uint16_t>(Eigen::half(v));
            std::memcpy(p, &bits, 2);
            break;
        }
        case TERN_ISA_DTYPE_INT32: {
            const int32_t i = float_to_int32(v);
            std::memcpy(p, &i, 4);
            break;
        }
        default:
            break;
    }
}

void decode_floats(uint32_t dtype, const uint8_t* src, float* dst, size_t n) {
    if (dtype == TERN_ISA_DTYPE_FP32) {
        std::memcpy(dst, src, n * 4);
        return;
    }
    const size_t es = dtype_size(dtype);
    for (size_t i = 0; i < n; ++i) {
        dst[i] = load_float(dtype, src + i * es);
    }
}

void encode_floats(uint32_t dtype, const float* src, uint8_t* dst, size_t n) {
    if (dtype == TERN_ISA_DTYPE_FP32) {
        std::memcpy(dst, src, n * 4);
        return;
    }
    const size_t es = dtype_size(dtype);
    for (size_t i = 0; i < n; ++i) {
        store_float(dtype, dst + i * es, src[i]);
    }
}

void convert_elements(uint32_t src_dtype, const uint8_t* src, uint32_t dst_dtype, uint8_t* dst,
                      size_t n) {
    if (src_dtype == dst_dtype) {
        std::memmove(dst, src, n * dtype_size(src_dtype));
        return;
    }
    const size_t ses = dtype_size(src_dtype);
    const size_t des = dtype_size(dst_dtype);
    for (size_t i = 0; i < n; ++i) {
        store_float(dst_dtype, dst + i * des, load_float(src_dtype, src + i * ses));
    }
}

}  // namespace tern::sim::compute
