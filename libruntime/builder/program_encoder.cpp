// SPDX-License-Identifier: MIT
#include "program_encoder.hpp"

#include <tern/hw/tern_isa.h>

#include <cstring>
#include <map>
#include <string>

#include "numerics.hpp"

namespace tern::builder::detail {

namespace {

tern_isa_tensor descriptor(const Lowered& l, const std::vector<uint16_t>& binding_of,
                           const View& v) {
    tern_isa_tensor t;
    std::memset(&t, 0, sizeof(t));
    const Storage& s = l.storages[v.storage];
    t.binding = binding_of[v.storage];
    t.dtype = static_cast<uint8_t>(v.dtype);
    t.rank = static_cast<uint8_t>(v.shape.size());
    t.offset = s.offset + v.offset * dtype_size(v.dtype);
    for (size_t d = 0; d < TERN_ISA_MAX_RANK; ++d) {
        const bool in_rank = d < v.shape.size();
        t.shape[d] = in_rank ? static_cast<uint32_t>(v.shape[d]) : 1;
        // A size-1 axis is never stepped over; 0 keeps equal views equal.
        t.stride[d] = in_rank && v.shape[d] != 1 ? v.strides[d] : 0;
    }
    return t;
}

class ProgramWriter {
public:
    ProgramWriter(uint32_t max_tensors, uint32_t max_ops)
        : max_tensors_(max_tensors), max_ops_(max_ops) {}

    // Adds an op with its descriptors, starting a new program when one of
    // the tables is full.
    void add(const tern_isa_op& proto, const tern_isa_tensor* tensors[4], EncodedPrograms* out) {
        uint32_t fresh = 0;
        for (int k = 0; k < 4; ++k) {
            if (tensors[k] != nullptr && !index_.contains(key(*tensors[k]))) {
                ++fresh;
            }
        }
        if (ops_.size() + 1 > max_ops_ || tensor_table_.size() + fresh > max_tensors_) {
            flush(out);
        }
        tern_isa_op op = proto;
        op.dst = lookup(*tensors[0]);
        for (int k = 0; k < 3; ++k) {
            op.src[k] = tensors[k + 1] != nullptr ? lookup(*tensors[k + 1]) : TERN_ISA_NONE;
        }
        ops_.push_back(op);
    }

    void flush(EncodedPrograms* out) {
        if (ops_.empty()) {
            return;
        }
        tern_isa_header h{};
        h.magic = TERN_ISA_MAGIC;
        h.version = TERN_ISA_VERSION;
        h.num_tensors = static_cast<uint32_t>(tensor_table_.size());
        h.num_ops = static_cast<uint32_t>(ops_.size());
        h.tensors_offset = sizeof(tern_isa_header);
        h.ops_offset = h.tensors_offset + h.num_tensors * sizeof(tern_isa_tensor);
        h.size = h.ops_offset + h.num_ops * sizeof(tern_isa_op);
        std::vector<uint8_t> image(h.size);
        std::memcpy(image.data(), &h, sizeof(h));
        std::memcpy(image.data() + h.tensors_offset, tensor_table_.data(),
                    tensor_table_.size() * sizeof(tern_isa_tensor));
        std::memcpy(image.data() + h.ops_offset, ops_.data(), ops_.size() * sizeof(tern_isa_op));
        out->images.push_back(std::move(image));
        out->tensors += h.num_tensors;
        tensor_table_.clear();
        ops_.clear();
        index_.clear();
    }

private:
    static std::string key(const tern_isa_tensor& t) {
        return std::string(reinterpret_cast<const char*>(&t), sizeof(t));
    }

    uint16_t lookup(const tern_isa_tensor& t) {
        auto [it, inserted] = index_.emplace(key(t), static_cast<uint16_t>(tensor_table_.size()));
        if (inserted) {
            tensor_table_.push_back(t);
        }
        return it->second;
    }

    uint32_t max_tensors_;
    uint32_t max_ops_;
    std::vector<tern_isa_tensor> tensor_table_;
    std::vector<tern_isa_op> ops_;
    std::map<std::string, uint16_t> index_;
};

}  // namespace

EncodedPrograms encode_programs(const Lowered& lowered, const std::vector<uint16_t>& binding_of,
                                uint32_t max_tensors, uint32_t max_ops) {
    EncodedPrograms out;
    ProgramWriter writer(max_tensors, max_ops);
    for (const LoweredOp& lop : lowered.ops) {
        tern_isa_op op;
        std::memset(&op, 0, sizeof(op));
        op.opcode = lop.opcode;
        op.flags = lop.flags;
        std::memcpy(op.param, lop.param.data(), sizeof(op.param));
        tern_isa_tensor descs[4];
        const tern_isa_tensor* ptrs[4] = {};
        descs[0] = descriptor(lowered, binding_of, lop.dst);
        ptrs[0] = &descs[0];
        for (int k = 0; k < 3; ++k) {
            if (lop.src[k]) {
                descs[k + 1] = descriptor(lowered, binding_of, *lop.src[k]);
                ptrs[k + 1] = &descs[k + 1];
            }
        }
        writer.add(op, ptrs, &out);
    }
    writer.flush(&out);
    return out;
}

}  // namespace tern::builder::detail
