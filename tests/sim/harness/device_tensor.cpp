// SPDX-License-Identifier: MIT
#include "harness/device_tensor.hpp"

#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cstring>

#include "harness/numerics.hpp"
#include "isa_program.hpp"

namespace tern::test {

size_t DeviceTensor::bytes() const {
    return count * dtype_size(dtype);
}

DeviceTensor DeviceAllocator::alloc(size_t count, uint8_t dtype) {
    DeviceTensor t{next_, count, dtype};
    const uint64_t end = next_ + ((t.bytes() + 255) & ~uint64_t{255});
    if (end > limit_) {
        ADD_FAILURE() << "device allocator exhausted";
        return {};
    }
    next_ = end;
    return t;
}

bool write_tensor(Workspace& ws, const DeviceTensor& t, const std::vector<float>& values) {
    EXPECT_EQ(values.size(), t.count);
    std::vector<uint8_t> raw(t.bytes());
    for (size_t i = 0; i < t.count && i < values.size(); ++i) {
        switch (t.dtype) {
            case TERN_ISA_DTYPE_FP32:
                std::memcpy(&raw[4 * i], &values[i], 4);
                break;
            case TERN_ISA_DTYPE_BF16: {
                const uint16_t h = bf16_from_float(values[i]);
                std::memcpy(&raw[2 * i], &h, 2);
                break;
            }
            case TERN_ISA_DTYPE_FP16: {
                const uint16_t h = Eigen::numext::bit_cast<uint16_t>(Eigen::half(values[i]));
                std::memcpy(&raw[2 * i], &h, 2);
                break;
            }
            case TERN_ISA_DTYPE_INT32: {
                const auto v = static_cast<int32_t>(values[i]);
                std::memcpy(&raw[4 * i], &v, 4);
                break;
            }
            default:
                ADD_FAILURE() << "bad dtype";
                return false;
        }
    }
    return ws.upload(t.offset, raw.data(), raw.size());
}

bool write_tensor_i32(Workspace& ws, const DeviceTensor& t, const std::vector<int32_t>& values) {
    EXPECT_EQ(t.dtype, TERN_ISA_DTYPE_INT32);
    EXPECT_EQ(values.size(), t.count);
    return ws.upload(t.offset, values.data(), values.size() * sizeof(int32_t));
}

std::vector<float> read_tensor(Workspace& ws, const DeviceTensor& t) {
    const std::vector<uint8_t> raw = ws.download(t.offset, t.bytes());
    std::vector<float> out(t.count);
    if (raw.size() != t.bytes()) {
        return {};
    }
    for (size_t i = 0; i < t.count; ++i) {
        switch (t.dtype) {
            case TERN_ISA_DTYPE_FP32:
                std::memcpy(&out[i], &raw[4 * i], 4);
                break;
            case TERN_ISA_DTYPE_BF16: {
                uint16_t h;
                std::memcpy(&h, &raw[2 * i], 2);
                out[i] = bf16_to_float(h);
                break;
            }
            case TERN_ISA_DTYPE_FP16: {
                uint16_t h;
                std::memcpy(&h, &raw[2 * i], 2);
                out[i] = static_cast<float>(Eigen::numext::bit_cast<Eigen::half>(h));
                break;
            }
            case TERN_ISA_DTYPE_INT32: {
                int32_t v;
                std::memcpy(&v, &raw[4 * i], 4);
                out[i] = static_cast<float>(v);
                break;
            }
            default:
                return {};
        }
    }
    return out;
}

tern_isa_binding binding_of(Workspace& ws, const DeviceTensor& t) {
    return tern_isa_binding{ws.dev_va(t.offset), t.bytes()};
}

}  // namespace tern::test
