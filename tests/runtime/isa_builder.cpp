// SPDX-License-Identifier: MIT
#include "isa_builder.hpp"

#include <cstring>
#include <stdexcept>

namespace tern_test::isa {

uint16_t Program::tensor(uint16_t binding, Dtype dtype, std::initializer_list<uint32_t> shape,
                         uint64_t offset, std::initializer_list<uint64_t> strides) {
    if (shape.size() < 1 || shape.size() > TERN_ISA_MAX_RANK ||
        (strides.size() != 0 && strides.size() != shape.size())) {
        throw std::invalid_argument("isa::Program::tensor: bad rank");
    }
    Tensor t{};
    t.binding = binding;
    t.dtype = dtype;
    t.rank = static_cast<uint8_t>(shape.size());
    t.offset = offset;
    for (int d = 0; d < TERN_ISA_MAX_RANK; ++d) {
        t.shape[d] = 1;
    }
    int d = 0;
    for (uint32_t s : shape) {
        t.shape[d++] = s;
    }
    if (strides.size() != 0) {
        d = 0;
        for (uint64_t s : strides) {
            t.stride[d++] = s;
        }
    } else {
        uint64_t s = 1;
        for (int i = t.rank - 1; i >= 0; --i) {
            t.stride[i] = s;
            s *= t.shape[i];
        }
    }
    tensors_.push_back(t);
    return static_cast<uint16_t>(tensors_.size() - 1);
}

void Program::op(Opcode opcode, uint16_t dst, std::initializer_list<uint16_t> src,
                 std::initializer_list<uint32_t> params, uint16_t flags) {
    if (src.size() > 3 || params.size() > 13) {
        throw std::invalid_argument("isa::Program::op: too many operands");
    }
    Op o{};
    o.opcode = opcode;
    o.flags = flags;
    o.dst = dst;
    o.src[0] = o.src[1] = o.src[2] = TERN_ISA_NONE;
    int i = 0;
    for (uint16_t s : src) {
        o.src[i++] = s;
    }
    i = 0;
    for (uint32_t p : params) {
        o.param[i++] = p;
    }
    ops_.push_back(o);
}

std::vector<uint8_t> Program::image() const {
    const size_t tensors_offset = sizeof(tern_isa_header);
    const size_t ops_offset = tensors_offset + tensors_.size() * sizeof(tern_isa_tensor);
    const size_t size = ops_offset + ops_.size() * sizeof(tern_isa_op);
    std::vector<uint8_t> img(size, 0);

    tern_isa_header h{};
    h.magic = TERN_ISA_MAGIC;
    h.version = TERN_ISA_VERSION;
    h.size = static_cast<__u32>(size);
    h.num_tensors = static_cast<__u32>(tensors_.size());
    h.num_ops = static_cast<__u32>(ops_.size());
    h.tensors_offset = static_cast<__u32>(tensors_offset);
    h.ops_offset = static_cast<__u32>(ops_offset);
    std::memcpy(img.data(), &h, sizeof(h));

    for (size_t i = 0; i < tensors_.size(); ++i) {
        const Tensor& s = tensors_[i];
        tern_isa_tensor t{};
        t.binding = s.binding;
        t.dtype = s.dtype;
        t.rank = s.rank;
        t.offset = s.offset;
        for (int d = 0; d < TERN_ISA_MAX_RANK; ++d) {
            t.shape[d] = s.shape[d];
            t.stride[d] = s.stride[d];
        }
        std::memcpy(img.data() + tensors_offset + i * sizeof(t), &t, sizeof(t));
    }
    for (size_t i = 0; i < ops_.size(); ++i) {
        const Op& s = ops_[i];
        tern_isa_op o{};
        o.opcode = s.opcode;
        o.flags = s.flags;
        o.dst = s.dst;
        for (int k = 0; k < 3; ++k) {
            o.src[k] = s.src[k];
        }
        for (int k = 0; k < 13; ++k) {
            o.param[k] = s.param[k];
        }
        std::memcpy(img.data() + ops_offset + i * sizeof(o), &o, sizeof(o));
    }
    return img;
}

uint32_t f32_bits(float f) {
    uint32_t b;
    std::memcpy(&b, &f, sizeof(b));
    return b;
}

}  // namespace tern_test::isa
