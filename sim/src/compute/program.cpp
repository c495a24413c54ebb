// SPDX-License-Identifier: MIT
#include "compute/program.hpp"

#include <cstring>

#include "compute/dtype.hpp"

namespace tern::sim::compute {

namespace {

constexpr uint64_t kVaLimit = 1ULL << 48;

bool mul_ok(uint64_t a, uint64_t b, uint64_t* r) {
    return !__builtin_mul_overflow(a, b, r);
}
bool add_ok(uint64_t a, uint64_t b, uint64_t* r) {
    return !__builtin_add_overflow(a, b, r);
}

bool header_ok(const tern_isa_header& h, size_t size) {
    if (h.magic != TERN_ISA_MAGIC || h.version != TERN_ISA_VERSION || h.flags != 0 || h.rsvd != 0 ||
        h.size != size) {
        return false;
    }
    if (h.num_tensors < 1 || h.num_tensors > TERN_ISA_MAX_TENSORS || h.num_ops < 1 ||
        h.num_ops > TERN_ISA_MAX_OPS) {
        return false;
    }
    const uint64_t t_lo = h.tensors_offset;
    const uint64_t t_hi = t_lo + uint64_t{h.num_tensors} * sizeof(tern_isa_tensor);
    const uint64_t o_lo = h.ops_offset;
    const uint64_t o_hi = o_lo + uint64_t{h.num_ops} * sizeof(tern_isa_op);
    if (t_lo % 8 != 0 || o_lo % 8 != 0) {
        return false;
    }
    if (t_lo < sizeof(tern_isa_header) || o_lo < sizeof(tern_isa_header) || t_hi > size ||
        o_hi > size) {
        return false;
    }
    return t_hi <= o_lo || o_hi <= t_lo;  // the tables do not overlap
}

bool binding_ok(const tern_isa_binding& b) {
    return b.va <= kVaLimit && b.size <= kVaLimit - b.va;
}

bool tensor_ok(const tern_isa_tensor& t, const tern_isa_binding* bindings, uint32_t binding_count,
               TensorView* out) {
    const size_t es = dtype_size(t.dtype);
    if (es == 0 || t.rank < 1 || t.rank > kMaxRank || t.rsvd0 != 0 || t.rsvd != 0 ||
        t.binding >= binding_count || t.offset % es != 0) {
        return false;
    }
    uint64_t span = 0;   // elements between [0..0] and the farthest element
    uint64_t count = 1;  // elements
    for (uint32_t d = 0; d < kMaxRank; ++d) {
        if (d >= t.rank) {
            if (t.shape[d] != 1 || t.stride[d] != 0) {
                return false;
            }
            continue;
        }
        if (t.shape[d] < 1) {
            return false;
        }
        uint64_t reach = 0;
        if (!mul_ok(t.shape[d] - 1, t.stride[d], &reach) || !add_ok(span, reach, &span) ||
            !mul_ok(count, t.shape[d], &count)) {
            return false;
        }
    }
    uint64_t extent = 0;  // bytes from [0..0] to the end of the farthest element
    uint64_t logical = 0;
    uint64_t end = 0;
    if (!mul_ok(span, es, &extent) || !add_ok(extent, es, &extent) ||
        extent > TERN_ISA_MAX_TENSOR_BYTES || !mul_ok(count, es, &logical) ||
        logical > TERN_ISA_MAX_TENSOR_BYTES || !add_ok(t.offset, extent, &end)) {
        return false;
    }
    const tern_isa_binding& b = bindings[t.binding];
    if (end > b.size) {
        return false;
    }
    out->va = b.va + t.offset;
    out->dtype = t.dtype;
    out->rank = t.rank;
    for (uint32_t d = 0; d < kMaxRank; ++d) {
        out->shape[d] = t.shape[d];
        out->stride[d] = t.stride[d];
    }
    return true;
}

}  // namespace

float param_float(const tern_isa_op& op, unsigned slot) {
    float f;
    std::memcpy(&f, &op.param[slot], sizeof(f));
    return f;
}

bool parse_program(const uint8_t* image, size_t size, const tern_isa_binding* bindings,
                   uint32_t binding_count, Program* out, uint32_t* bad_op) {
    *bad_op = TERN_ISA_ERR_OP_HEADER;
    tern_isa_header h;
    if (size < sizeof(h)) {
        return false;
    }
    std::memcpy(&h, image, sizeof(h));
    if (!header_ok(h, size)) {
        return false;
    }
    for (uint32_t i = 0; i < binding_count; ++i) {
        if (!binding_ok(bindings[i])) {
            return false;
        }
    }
    out->tensors.assign(h.num_tensors, TensorView{});
    for (uint32_t i = 0; i < h.num_tensors; ++i) {
        tern_isa_tensor t;
        std::memcpy(&t, image + h.tensors_offset + size_t{i} * sizeof(t), sizeof(t));
        if (!tensor_ok(t, bindings, binding_count, &out->tensors[i])) {
            return false;
        }
    }
    out->ops.resize(h.num_ops);
    std::memcpy(out->ops.data(), image + h.ops_offset, size_t{h.num_ops} * sizeof(tern_isa_op));
    for (uint32_t i = 0; i < h.num_ops; ++i) {
        if (!validate_op(out->ops[i], out->tensors)) {
            *bad_op = i;
            return false;
        }
    }
    return true;
}

}  // namespace tern::sim::compute
