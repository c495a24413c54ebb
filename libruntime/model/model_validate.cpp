// SPDX-License-Identifier: MIT
// The semantic rules of a model (docs/model-format.md sections 4 and 5),
// shared by the writer (nothing invalid is ever written) and the parser
// (nothing invalid is ever loaded).
#include "model_file.hpp"

#include <tern/hw/tern_isa.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <string>

namespace tern::model {

namespace {

// Returns "" if `name` is an acceptable input/output/model name.
std::string check_name(const std::string& name, const std::string& what) {
    if (name.empty())
        return what + ": the name is empty";
    if (name.size() > kMaxNameLength)
        return what + ": the name is " + std::to_string(name.size()) + " bytes, at most " +
               std::to_string(kMaxNameLength);
    for (size_t i = 0; i < name.size(); ++i) {
        auto c = static_cast<unsigned char>(name[i]);
        if (c < 0x20 || c > 0x7e)
            return what + ": byte " + std::to_string(i) + " of the name (value " +
                   std::to_string(c) + ") is not printable ASCII";
    }
    return "";
}

std::string shape_str(const std::vector<uint64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i)
        s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

std::string check_spec(const TensorSpec& t, const std::string& what) {
    std::string label = what + " '" + t.name + "'";
    if (std::string e = check_name(t.name, what); !e.empty())
        return e;
    if (dtype_size(t.dtype) == 0)
        return label + ": unknown dtype " + std::to_string(static_cast<uint32_t>(t.dtype));
    if (t.shape.empty() || t.shape.size() > kMaxRank)
        return label + ": rank " + std::to_string(t.shape.size()) + " is not in 1.." +
               std::to_string(kMaxRank);
    for (size_t d = 0; d < t.shape.size(); ++d)
        if (t.shape[d] == 0)
            return label + ": shape[" + std::to_string(d) + "] is 0";
    if (tensor_bytes(t) == 0)
        return label + ": shape " + shape_str(t.shape) + " is larger than " +
               std::to_string(kMaxTensorBytes) + " bytes";
    return "";
}

bool known_dtype(uint32_t d) {
    return d >= TERN_ISA_DTYPE_FP32 && d <= TERN_ISA_DTYPE_INT32;
}

uint32_t isa_esize(uint32_t d) {
    return d == TERN_ISA_DTYPE_FP32 || d == TERN_ISA_DTYPE_INT32 ? 4 : 2;
}

}  // namespace

uint32_t dtype_size(DType dtype) {
    switch (dtype) {
        case DType::kFp32:
        case DType::kInt32:
            return 4;
        case DType::kBf16:
        case DType::kFp16:
            return 2;
    }
    return 0;
}

uint64_t tensor_bytes(const TensorSpec& spec) {
    uint64_t bytes = dtype_size(spec.dtype);
    if (bytes == 0 || spec.shape.empty() || spec.shape.size() > kMaxRank)
        return 0;
    for (uint64_t d : spec.shape)
        if (d == 0 || __builtin_mul_overflow(bytes, d, &bytes) || bytes > kMaxTensorBytes)
            return 0;
    return bytes;
}

const char* dtype_name(DType dtype) {
    switch (dtype) {
        case DType::kFp32:
            return "fp32";
        case DType::kBf16:
            return "bf16";
        case DType::kFp16:
            return "fp16";
        case DType::kInt32:
            return "int32";
    }
    return "?";
}

const char* role_name(BindingRole role) {
    switch (role) {
        case BindingRole::kInput:
            return "input";
        case BindingRole::kOutput:
            return "output";
        case BindingRole::kWeights:
            return "weights";
        case BindingRole::kScratch:
            return "scratch";
    }
    return "?";
}

const char* section_name(SectionType type) {
    switch (type) {
        case SectionType::kMetadata:
            return "METADATA";
        case SectionType::kWeights:
            return "WEIGHTS";
        case SectionType::kPrograms:
            return "PROGRAMS";
        case SectionType::kFeatureNames:
            return "FEATURE_NAMES";
    }
    return "?";
}

std::string check_program(std::span<const uint8_t> image, const std::vector<Binding>& bindings) {
    const uint64_t size = image.size();
    if (size < sizeof(tern_isa_header))
        return "the image is " + std::to_string(size) + " bytes, smaller than its 32-byte header";
    if (size > kMaxProgramSize)
        return "the image is " + std::to_string(size) + " bytes, more than the limit of " +
               std::to_string(kMaxProgramSize);
    tern_isa_header h;
    std::memcpy(&h, image.data(), sizeof(h));
    if (h.magic != TERN_ISA_MAGIC)
        return "header.magic is not TERN_ISA_MAGIC (not a Tern program image)";
    if (h.version != TERN_ISA_VERSION)
        return "header.version is " + std::to_string(h.version) + ", the device runs ISA " +
               std::to_string(TERN_ISA_VERSION);
    if (h.flags != 0 || h.rsvd != 0)
        return "header.flags and header.rsvd must be zero";
    if (h.size != size)
        return "header.size is " + std::to_string(h.size) + ", the image has " +
               std::to_string(size) + " bytes";
    if (h.num_tensors < 1 || h.num_tensors > TERN_ISA_MAX_TENSORS)
        return "header.num_tensors " + std::to_string(h.num_tensors) + " is not in 1.." +
               std::to_string(TERN_ISA_MAX_TENSORS);
    if (h.num_ops < 1 || h.num_ops > TERN_ISA_MAX_OPS)
        return "header.num_ops " + std::to_string(h.num_ops) + " is not in 1.." +
               std::to_string(TERN_ISA_MAX_OPS);
    const uint64_t t_off = h.tensors_offset, o_off = h.ops_offset;
    const uint64_t t_end = t_off + uint64_t(h.num_tensors) * sizeof(tern_isa_tensor);
    const uint64_t o_end = o_off + uint64_t(h.num_ops) * sizeof(tern_isa_op);
    if (t_off % 8 != 0 || t_off < sizeof(h) || t_end > size)
        return "header.tensors_offset " + std::to_string(t_off) +
               ": the tensor table must be 8-byte aligned, after the header and inside the "
               "image";
    if (o_off % 8 != 0 || o_off < sizeof(h) || o_end > size)
        return "header.ops_offset " + std::to_string(o_off) +
               ": the op list must be 8-byte aligned, after the header and inside the image";
    if (t_off < o_end && o_off < t_end)
        return "the tensor table and the op list overlap";
    for (uint32_t i = 0; i < h.num_tensors; ++i) {
        tern_isa_tensor t;
        std::memcpy(&t, image.data() + t_off + uint64_t(i) * sizeof(t), sizeof(t));
        const std::string where = "tensor " + std::to_string(i) + ": ";
        if (!known_dtype(t.dtype))
            return where + "unknown dtype " + std::to_string(t.dtype);
        if (t.rank < 1 || t.rank > TERN_ISA_MAX_RANK)
            return where + "rank " + std::to_string(t.rank) + " is not in 1..6";
        if (t.rsvd0 != 0 || t.rsvd != 0)
            return where + "reserved fields must be zero";
        if (t.binding >= bindings.size())
            return where + "binding " + std::to_string(t.binding) + " but the model has " +
                   std::to_string(bindings.size()) + " binding slots";
        const uint32_t esize = isa_esize(t.dtype);
        if (t.offset % esize != 0)
            return where + "offset " + std::to_string(t.offset) + " is not a multiple of " +
                   std::to_string(esize);
        // span = esize * (1 + sum (shape-1) * stride), logical = esize *
        // prod(shape); both without overflow (isa.md section 3).
        uint64_t last = 0, count = 1;
        bool overflow = false;
        for (uint32_t d = 0; d < TERN_ISA_MAX_RANK; ++d) {
            if (d < t.rank) {
                if (t.shape[d] < 1)
                    return where + "shape[" + std::to_string(d) + "] is 0";
                uint64_t term;
                overflow |= __builtin_mul_overflow(uint64_t(t.shape[d] - 1), t.stride[d], &term);
                overflow |= __builtin_add_overflow(last, term, &last);
                overflow |= __builtin_mul_overflow(count, uint64_t(t.shape[d]), &count);
            } else if (t.shape[d] != 1 || t.stride[d] != 0) {
                return where + "shape[" + std::to_string(d) + "] must be 1 and stride[" +
                       std::to_string(d) + "] 0 beyond the rank";
            }
        }
        uint64_t span, logical;
        overflow |= __builtin_add_overflow(last, uint64_t(1), &span);
        overflow |= __builtin_mul_overflow(span, uint64_t(esize), &span);
        overflow |= __builtin_mul_overflow(count, uint64_t(esize), &logical);
        if (overflow || span > TERN_ISA_MAX_TENSOR_BYTES || logical > TERN_ISA_MAX_TENSOR_BYTES)
            return where + "larger than the device's 4 GiB tensor limit";
        const uint64_t slot = bindings[t.binding].size;
        if (t.offset > slot || span > slot - t.offset)
            return where + "bytes [" + std::to_string(t.offset) + ", " + std::to_string(t.offset) +
                   "+" + std::to_string(span) + ") lie outside binding " +
                   std::to_string(t.binding) + " (" + role_name(bindings[t.binding].role) + ", " +
                   std::to_string(slot) + " bytes)";
    }
    return "";
}

std::string validate(const ModelImage& m) {
    return validate(m, m.weights.size());
}

std::string validate(const ModelImage& m, uint64_t weights_size) {
    if (std::string e = check_name(m.name, "model name"); !e.empty())
        return e;
    if (m.inputs.size() > kMaxInputs)
        return std::to_string(m.inputs.size()) + " inputs, at most " + std::to_string(kMaxInputs);
    if (m.outputs.empty() || m.outputs.size() > kMaxOutputs)
        return std::to_string(m.outputs.size()) + " outputs, must be 1.." +
               std::to_string(kMaxOutputs);
    if (m.bindings.empty() || m.bindings.size() > kMaxBindings)
        return std::to_string(m.bindings.size()) + " bindings, must be 1.." +
               std::to_string(kMaxBindings);
    if (m.programs.empty() || m.programs.size() > kMaxPrograms)
        return std::to_string(m.programs.size()) + " programs, must be 1.." +
               std::to_string(kMaxPrograms);
    if (weights_size > kMaxWeightsBytes)
        return "weights: " + std::to_string(weights_size) + " bytes, at most " +
               std::to_string(kMaxWeightsBytes);
    if (m.scratch_bytes > kMaxScratchBytes)
        return "scratch_bytes " + std::to_string(m.scratch_bytes) + " is more than " +
               std::to_string(kMaxScratchBytes);
    for (const auto* list : {&m.inputs, &m.outputs}) {
        const bool in = list == &m.inputs;
        std::set<std::string> names;
        for (size_t i = 0; i < list->size(); ++i) {
            const std::string what = std::string(in ? "input " : "output ") + std::to_string(i);
            if (std::string e = check_spec((*list)[i], what); !e.empty())
                return e;
            if (!names.insert((*list)[i].name).second)
                return what + ": the name '" + (*list)[i].name + "' is used twice";
        }
    }
    std::vector<bool> output_bound(m.outputs.size(), false);
    for (size_t i = 0; i < m.bindings.size(); ++i) {
        const Binding& b = m.bindings[i];
        const std::string what = "binding " + std::to_string(i);
        uint64_t limit = 0;
        switch (b.role) {
            case BindingRole::kInput:
                if (b.index >= m.inputs.size())
                    return what + ": input index " + std::to_string(b.index) +
                           " but the model has " + std::to_string(m.inputs.size()) + " inputs";
                limit = tensor_bytes(m.inputs[b.index]);
                break;
            case BindingRole::kOutput:
                if (b.index >= m.outputs.size())
                    return what + ": output index " + std::to_string(b.index) +
                           " but the model has " + std::to_string(m.outputs.size()) + " outputs";
                limit = tensor_bytes(m.outputs[b.index]);
                output_bound[b.index] = true;
                break;
            case BindingRole::kWeights:
                limit = weights_size;
                break;
            case BindingRole::kScratch:
                limit = m.scratch_bytes;
                break;
            default:
                return what + ": unknown role " + std::to_string(static_cast<uint32_t>(b.role));
        }
        if ((b.role == BindingRole::kWeights || b.role == BindingRole::kScratch) && b.index != 0)
            return what + ": index must be 0 for the " + role_name(b.role) + " slot";
        if (b.size > limit)
            return what + " (" + role_name(b.role) + "): size " + std::to_string(b.size) +
                   " is larger than the " + std::to_string(limit) + " bytes behind it";
    }
    for (size_t j = 0; j < output_bound.size(); ++j)
        if (!output_bound[j])
            return "output " + std::to_string(j) + " '" + m.outputs[j].name +
                   "' is not bound to any binding slot, so no program could write it";
    for (size_t p = 0; p < m.programs.size(); ++p)
        if (std::string e = check_program(m.programs[p], m.bindings); !e.empty())
            return "program " + std::to_string(p) + ": " + e;
    return "";
}

}  // namespace tern::model
