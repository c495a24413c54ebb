// SPDX-License-Identifier: MIT
#include "tensor_io.hpp"

#include <cstring>
#include <random>

namespace tern::run {

const char* dtype_name(tern_dtype dtype) {
    switch (dtype) {
        case TERN_DTYPE_FLOAT32:
            return "fp32";
        case TERN_DTYPE_BFLOAT16:
            return "bf16";
        case TERN_DTYPE_FLOAT16:
            return "fp16";
        case TERN_DTYPE_INT32:
            return "int32";
    }
    return "?";
}

uint32_t dtype_size(tern_dtype dtype) {
    return dtype == TERN_DTYPE_FLOAT32 || dtype == TERN_DTYPE_INT32 ? 4 : 2;
}

std::vector<uint8_t> input_bytes(const npy::Array& a, const std::string& name, tern_dtype dtype,
                                 const std::vector<uint64_t>& shape) {
    const std::string what =
        "input '" + name + "' (" + dtype_name(dtype) + " " + npy::shape_str(shape) + ")";
    if (a.shape != shape)
        throw npy::Error(what + ": the file has shape " + npy::shape_str(a.shape));
    const char* want = nullptr;
    switch (dtype) {
        case TERN_DTYPE_FLOAT32:
            want = "<f4";
            break;
        case TERN_DTYPE_FLOAT16:
            want = "<f2";
            break;
        case TERN_DTYPE_INT32:
            want = "<i4";
            break;
        case TERN_DTYPE_BFLOAT16:
            if (a.descr == "<u2")
                return a.data;  // raw bfloat16 bits
            if (a.descr != "<f4")
                throw npy::Error(what + ": the file's dtype is '" + a.descr +
                                 "'; a bf16 input takes '<f4' (rounded to nearest even) or "
                                 "'<u2' (raw bfloat16 bits)");
            {
                std::vector<uint8_t> out(a.data.size() / 2);
                for (size_t i = 0; i < a.data.size() / 4; ++i) {
                    float f;
                    std::memcpy(&f, a.data.data() + 4 * i, 4);
                    const uint16_t b = npy::bf16_from_f32(f);
                    std::memcpy(out.data() + 2 * i, &b, 2);
                }
                return out;
            }
    }
    if (want == nullptr)
        throw npy::Error(what + ": unsupported model dtype");
    if (a.descr != want)
        throw npy::Error(what + ": the file's dtype is '" + a.descr + "', expected '" + want + "'");
    return a.data;
}

npy::Array output_array(const std::vector<uint8_t>& bytes, tern_dtype dtype,
                        const std::vector<uint64_t>& shape) {
    npy::Array a;
    a.shape = shape;
    switch (dtype) {
        case TERN_DTYPE_FLOAT32:
            a.descr = "<f4";
            a.data = bytes;
            break;
        case TERN_DTYPE_FLOAT16:
            a.descr = "<f2";
            a.data = bytes;
            break;
        case TERN_DTYPE_INT32:
            a.descr = "<i4";
            a.data = bytes;
            break;
        case TERN_DTYPE_BFLOAT16:
            a.descr = "<f4";  // exact: every bfloat16 is a float
            a.data.resize(bytes.size() * 2);
            for (size_t i = 0; i < bytes.size() / 2; ++i) {
                uint16_t b;
                std::memcpy(&b, bytes.data() + 2 * i, 2);
                const float f = npy::f32_from_bf16(b);
                std::memcpy(a.data.data() + 4 * i, &f, 4);
            }
            break;
    }
    return a;
}

std::vector<uint8_t> random_bytes(tern_dtype dtype, uint64_t elements, uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> uni(-1.0f, 1.0f);
    std::vector<uint8_t> out(elements * dtype_size(dtype));
    for (uint64_t i = 0; i < elements; ++i) {
        switch (dtype) {
            case TERN_DTYPE_FLOAT32: {
                float f = uni(rng);
                std::memcpy(out.data() + 4 * i, &f, 4);
                break;
            }
            case TERN_DTYPE_INT32: {
                auto v = int32_t(rng() % 10);
                std::memcpy(out.data() + 4 * i, &v, 4);
                break;
            }
            case TERN_DTYPE_BFLOAT16: {
                uint16_t b = npy::bf16_from_f32(uni(rng));
                std::memcpy(out.data() + 2 * i, &b, 2);
                break;
            }
            case TERN_DTYPE_FLOAT16: {
                // Multiples of 1/1024 in [-1, 1) are exact in binary16.
                auto k = int32_t(rng() % 2048) - 1024;
                uint16_t h = 0;
                if (k != 0) {
                    const uint32_t a = uint32_t(k < 0 ? -k : k);
                    const int top = 31 - __builtin_clz(a);  // a = 1.f * 2^top
                    const uint32_t exp = uint32_t(top - 10 + 15);
                    const uint32_t mant = ((a << (10 - top)) & 0x3ffu);
                    h = uint16_t((k < 0 ? 0x8000u : 0u) | (exp << 10) | mant);
                }
                std::memcpy(out.data() + 2 * i, &h, 2);
                break;
            }
        }
    }
    return out;
}

}  // namespace tern::run
