// SPDX-License-Identifier: MIT
#include "isa_program.hpp"

#include <cstring>
#include <iterator>
#include <stdexcept>

namespace tern::test {

size_t dtype_size(uint8_t dtype) {
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

uint32_t f32_bits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, sizeof(u));
    return u;
}

uint16_t ProgramBuilder::tensor(uint16_t binding, uint8_t dtype,
                                std::initializer_list<uint32_t> shape, uint64_t offset,
                                std::initializer_list<uint64_t> stride) {
    return tensor(binding, dtype, std::span<const uint32_t>(shape.begin(), shape.size()), offset,
                  std::span<const uint64_t>(stride.begin(), stride.size()));
}

uint16_t ProgramBuilder::tensor(uint16_t binding, uint8_t dtype, std::span<const uint32_t> shape,
                                uint64_t offset, std::span<const uint64_t> stride) {
    if (shape.empty() || shape.size() > TERN_ISA_MAX_RANK) {
        throw std::invalid_argument("ProgramBuilder::tensor: rank outside 1..TERN_ISA_MAX_RANK");
    }
    if (!stride.empty() && stride.size() != shape.size()) {
        throw std::invalid_argument("ProgramBuilder::tensor: stride and shape lengths differ");
    }
    tern_isa_tensor t{};
    t.binding = binding;
    t.dtype = dtype;
    t.rank = static_cast<uint8_t>(shape.size());
    t.offset = offset;
    // Unused dimensions: shape 1, stride 0 (docs/isa.md section 3).
    for (unsigned d = 0; d < TERN_ISA_MAX_RANK; ++d) {
        t.shape[d] = d < shape.size() ? shape[d] : 1;
    }
    if (!stride.empty()) {
        for (unsigned d = 0; d < stride.size(); ++d) {
            t.stride[d] = stride[d];
        }
    } else {
        uint64_t s = 1;
        for (int d = static_cast<int>(t.rank) - 1; d >= 0; --d) {
            t.stride[d] = s;
            s *= t.shape[d];
        }
    }
    tensors_.push_back(t);
    return static_cast<uint16_t>(tensors_.size() - 1);
}

uint32_t ProgramBuilder::op(uint16_t opcode, uint16_t dst, std::initializer_list<uint16_t> src,
                            std::initializer_list<uint32_t> param, uint16_t flags) {
    tern_isa_op o{};
    if (src.size() > std::size(o.src) || param.size() > std::size(o.param)) {
        throw std::invalid_argument("ProgramBuilder::op: more than 3 srcs or 13 params");
    }
    o.opcode = opcode;
    o.flags = flags;
    o.dst = dst;
    for (auto& s : o.src) {
        s = TERN_ISA_NONE;
    }
    unsigned i = 0;
    for (uint16_t s : src) {
        o.src[i++] = s;
    }
    i = 0;
    for (uint32_t p : param) {
        o.param[i++] = p;
    }
    ops_.push_back(o);
    return static_cast<uint32_t>(ops_.size() - 1);
}

std::vector<uint8_t> ProgramBuilder::build() const {
    const size_t tensors_off = sizeof(tern_isa_header);
    const size_t ops_off = tensors_off + tensors_.size() * sizeof(tern_isa_tensor);
    const size_t size = ops_off + ops_.size() * sizeof(tern_isa_op);
    std::vector<uint8_t> image(size, 0);
    tern_isa_header h{};
    h.magic = TERN_ISA_MAGIC;
    h.version = TERN_ISA_VERSION;
    h.size = static_cast<uint32_t>(size);
    h.num_tensors = static_cast<uint32_t>(tensors_.size());
    h.num_ops = static_cast<uint32_t>(ops_.size());
    h.tensors_offset = static_cast<uint32_t>(tensors_off);
    h.ops_offset = static_cast<uint32_t>(ops_off);
    std::memcpy(image.data(), &h, sizeof(h));
    if (!tensors_.empty()) {
        std::memcpy(image.data() + tensors_off, tensors_.data(),
                    tensors_.size() * sizeof(tern_isa_tensor));
    }
    if (!ops_.empty()) {
        std::memcpy(image.data() + ops_off, ops_.data(), ops_.size() * sizeof(tern_isa_op));
    }
    return image;
}

tern_isa_header& header_of(std::vector<uint8_t>& image) {
    if (image.size() < sizeof(tern_isa_header)) {
        throw std::invalid_argument("header_of: image shorter than its header");
    }
    return *reinterpret_cast<tern_isa_header*>(image.data());
}

}  // namespace tern::test
