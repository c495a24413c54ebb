// SPDX-License-Identifier: MIT
// Shared harness of the compute-engine tests (test_compute_*.cpp): a flat
// virtual address space with holes, a program builder, dtype conversions
// written independently of the engine, and comparison helpers.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "compute/compute.hpp"
#include "isa_program.hpp"
#include "tern/hw/tern_isa.h"
#include "tern/hw/tern_regs.h"

namespace tern_test {

using tern::sim::ExecRequest;
using tern::sim::ExecResult;
using tern::sim::Fault;

constexpr uint16_t kNone = TERN_ISA_NONE;
constexpr uint64_t kPage = 4096;

// ---------------------------------------------------------------------------
// Memory: [kBase, kBase + size) is mapped; pages can be unmapped or made
// read-only. Accesses copy up to the first faulting page, like the MMU.

class FlatVa : public tern::sim::VaSpace {
public:
    static constexpr uint64_t kBase = 0x10000000;

    explicit FlatVa(size_t size = size_t{256} << 10)
        : mem_(size, 0), state_((size + kPage - 1) / kPage, kMapped) {}

    bool read(uint64_t va, void* dst, size_t len, Fault* fault) override {
        ++reads;
        return access(va, static_cast<uint8_t*>(dst), len, false, fault);
    }
    bool write(uint64_t va, const void* src, size_t len, Fault* fault) override {
        ++writes;
        return access(va, const_cast<uint8_t*>(static_cast<const uint8_t*>(src)), len, true, fault);
    }

    void unmap(uint64_t va, uint64_t len) { set_state(va, len, kUnmapped); }
    void protect(uint64_t va, uint64_t len) { set_state(va, len, kReadOnly); }
    uint8_t* ptr(uint64_t va) { return mem_.data() + (va - kBase); }

    // Bump allocator; fresh memory is filled with a sentinel byte.
    uint64_t alloc(uint64_t bytes, uint64_t align = 64) {
        next_ = (next_ + align - 1) / align * align;
        const uint64_t va = kBase + next_;
        next_ += bytes;
        if (next_ > mem_.size()) {
            ADD_FAILURE() << "FlatVa out of memory";
            return kBase;
        }
        std::memset(ptr(va), kSentinel, bytes);
        return va;
    }
    // Skips to the next page boundary (so that a new buffer starts a page).
    void align_page() { next_ = (next_ + kPage - 1) / kPage * kPage; }

    static constexpr uint8_t kSentinel = 0xA5;
    int reads = 0;
    int writes = 0;

private:
    enum : uint8_t { kMapped, kUnmapped, kReadOnly };

    void set_state(uint64_t va, uint64_t len, uint8_t s) {
        for (uint64_t p = (va - kBase) / kPage; p * kPage < va - kBase + len; ++p) {
            state_[p] = s;
        }
    }
    bool access(uint64_t va, uint8_t* buf, size_t len, bool is_write, Fault* fault) {
        for (uint64_t a = va; a < va + len;) {
            const uint64_t page_end = (a / kPage + 1) * kPage;
            const uint64_t n = std::min<uint64_t>(page_end, va + len) - a;
            uint32_t reason = 0;
            if (a < kBase || a - kBase >= mem_.size()) {
                reason = TERN_FAULT_UNMAPPED;
            } else if (state_[(a - kBase) / kPage] == kUnmapped) {
                reason = TERN_FAULT_UNMAPPED;
            } else if (is_write && state_[(a - kBase) / kPage] == kReadOnly) {
                reason = TERN_FAULT_WRITE;
            }
            if (reason != 0) {
                *fault = Fault{a, reason, is_write, 0};
                return false;
            }
            if (is_write) {
                std::memcpy(ptr(a), buf + (a - va), n);
            } else {
                std::memcpy(buf + (a - va), ptr(a), n);
            }
            a += n;
        }
        return true;
    }

    std::vector<uint8_t> mem_;
    std::vector<uint8_t> state_;
    uint64_t next_ = 0;
};

// ---------------------------------------------------------------------------
// Reference dtype conversions (independent of the engine).

inline size_t esize(uint8_t dtype) {
    return dtype == TERN_ISA_DTYPE_BF16 || dtype == TERN_ISA_DTYPE_FP16 ? 2 : 4;
}

using tern::test::f32_bits;

inline float bits_f32(uint32_t b) {
    float f;
    std::memcpy(&f, &b, 4);
    return f;
}

inline uint16_t to_bf16_bits(float f) {
    uint32_t b = f32_bits(f);
    if (std::isnan(f)) {
        return uint16_t((b >> 16) | 0x40);
    }
    b += 0x7fff + ((b >> 16) & 1);  // round to nearest even
    return uint16_t(b >> 16);
}
inline float from_bf16_bits(uint16_t h) {
    return bits_f32(uint32_t{h} << 16);
}

inline uint16_t to_fp16_bits(float f) {
    const _Float16 h = static_cast<_Float16>(f);
    uint16_t b;
    std::memcpy(&b, &h, 2);
    return b;
}
inline float from_fp16_bits(uint16_t b) {
    _Float16 h;
    std::memcpy(&h, &b, 2);
    return static_cast<float>(h);
}

inline int32_t to_i32(float f) {
    if (std::isnan(f)) {
        return 0;
    }
    if (f >= 2147483648.0f) {
        return INT32_MAX;
    }
    if (f < -2147483648.0f) {
        return INT32_MIN;
    }
    return static_cast<int32_t>(std::trunc(f));
}

// The value v takes after rounding to fp32 and storing as dtype.
inline double quantize(uint8_t dtype, double v) {
    const float f = static_cast<float>(v);
    switch (dtype) {
        case TERN_ISA_DTYPE_BF16:
            return from_bf16_bits(to_bf16_bits(f));
        case TERN_ISA_DTYPE_FP16:
            return from_fp16_bits(to_fp16_bits(f));
        case TERN_ISA_DTYPE_INT32:
            return to_i32(f);
        default:
            return f;
    }
}

inline void store_elem(uint8_t dtype, uint8_t* p, double v) {
    const float f = static_cast<float>(v);
    switch (dtype) {
        case TERN_ISA_DTYPE_BF16: {
            const uint16_t b = to_bf16_bits(f);
            std::memcpy(p, &b, 2);
            break;
        }
        case TERN_ISA_DTYPE_FP16: {
            const uint16_t b = to_fp16_bits(f);
            std::memcpy(p, &b, 2);
            break;
        }
        case TERN_ISA_DTYPE_INT32: {
            const int32_t i = static_cast<int32_t>(v);  // tests store exact integers
            std::memcpy(p, &i, 4);
            break;
        }
        default:
            std::memcpy(p, &f, 4);
    }
}

inline double load_elem(uint8_t dtype, const uint8_t* p) {
    switch (dtype) {
        case TERN_ISA_DTYPE_BF16: {
            uint16_t b;
            std::memcpy(&b, p, 2);
            return from_bf16_bits(b);
        }
        case TERN_ISA_DTYPE_FP16: {
            uint16_t b;
            std::memcpy(&b, p, 2);
            return from_fp16_bits(b);
        }
        case TERN_ISA_DTYPE_INT32: {
            int32_t i;
            std::memcpy(&i, p, 4);
            return i;
        }
        default: {
            float f;
            std::memcpy(&f, p, 4);
            return f;
        }
    }
}

inline const char* dtype_name(uint8_t dtype) {
    switch (dtype) {
        case TERN_ISA_DTYPE_FP32:
            return "fp32";
        case TERN_ISA_DTYPE_BF16:
            return "bf16";
        case TERN_ISA_DTYPE_FP16:
            return "fp16";
        default:
            return "int32";
    }
}

// Relative tolerance of a result stored as dtype (fp32 compute included).
inline double rtol(uint8_t dtype) {
    switch (dtype) {
        case TERN_ISA_DTYPE_BF16:
            return 1e-2;
        case TERN_ISA_DTYPE_FP16:
            return 2e-3;
        default:
            return 1e-5;
    }
}

// ---------------------------------------------------------------------------
// Shapes.

using Shape = std::vector<uint32_t>;

inline uint64_t numel(const Shape& s) {
    uint64_t n = 1;
    for (uint32_t d : s) {
        n *= d;
    }
    return n;
}

inline std::vector<uint64_t> dense_strides(const Shape& s) {
    std::vector<uint64_t> st(s.size());
    uint64_t acc = 1;
    for (size_t d = s.size(); d-- > 0;) {
        st[d] = acc;
        acc *= s[d];
    }
    return st;
}

// Row-major multi-index of flat index i.
inline std::vector<uint64_t> unravel(uint64_t i, const Shape& s) {
    std::vector<uint64_t> idx(s.size());
    for (size_t d = s.size(); d-- > 0;) {
        idx[d] = i % s[d];
        i /= s[d];
    }
    return idx;
}

// ---------------------------------------------------------------------------
// Program builder.

class Prog {
public:
    explicit Prog(FlatVa& va) : va_(va) {}

    // A new buffer of `bytes` bytes as a binding slot.
    uint16_t buffer(uint64_t bytes, bool page_aligned = false) {
        if (page_aligned) {
            va_.align_page();
        }
        const uint64_t va = va_.alloc(bytes);
        bindings.push_back(tern_isa_binding{va, bytes});
        return uint16_t(bindings.size() - 1);
    }

    // A tensor over `binding` (a new exactly-sized buffer if kNone); strides
    // default to dense row-major; offset in elements.
    uint16_t tensor(uint8_t dtype, const Shape& shape, std::vector<uint64_t> stride = {},
                    uint16_t binding = kNone, uint64_t offset_elems = 0) {
        if (stride.empty()) {
            stride = dense_strides(shape);
        }
        if (binding == kNone) {
            uint64_t span = 0;
            for (size_t d = 0; d < shape.size() && d < stride.size(); ++d) {
                span += (uint64_t(shape[d]) - 1) * stride[d];
            }
            binding = buffer((offset_elems + span + 1) * esize(dtype));
        }
        return program_.tensor(binding, dtype, shape, offset_elems * esize(dtype), stride);
    }
    tern_isa_tensor& tensor_at(size_t t) { return program_.tensor_at(t); }
    const tern_isa_tensor& tensor_at(size_t t) const { return program_.tensor_at(t); }
    size_t num_tensors() const { return program_.num_tensors(); }

    // Address of element idx (row-major flat index) of tensor t.
    uint64_t elem_va(uint16_t t, uint64_t flat) const {
        const tern_isa_tensor& d = tensor_at(t);
        Shape s(d.shape, d.shape + d.rank);
        const auto idx = unravel(flat, s);
        uint64_t off = d.offset / esize(d.dtype);
        for (size_t k = 0; k < idx.size(); ++k) {
            off += idx[k] * d.stride[k];
        }
        return bindings[d.binding].va + off * esize(d.dtype);
    }
    uint64_t count(uint16_t t) const {
        uint64_t n = 1;
        for (int d = 0; d < tensor_at(t).rank; ++d) {
            n *= tensor_at(t).shape[d];
        }
        return n;
    }

    // Stores values (row-major, converted to the tensor's dtype).
    void set(uint16_t t, const std::vector<double>& v) {
        ASSERT_EQ(v.size(), count(t));
        for (uint64_t i = 0; i < v.size(); ++i) {
            store_elem(tensor_at(t).dtype, va_.ptr(elem_va(t, i)), v[i]);
        }
    }
    std::vector<double> get(uint16_t t) const {
        std::vector<double> v(count(t));
        for (uint64_t i = 0; i < v.size(); ++i) {
            v[i] = load_elem(tensor_at(t).dtype, va_.ptr(elem_va(t, i)));
        }
        return v;
    }
    // The values as stored (quantized to the tensor's dtype).
    std::vector<double> stored(uint16_t t, const std::vector<double>& v) const {
        std::vector<double> q(v.size());
        for (size_t i = 0; i < v.size(); ++i) {
            q[i] = quantize(tensor_at(t).dtype, v[i]);
        }
        return q;
    }

    // An op (tern::test::ProgramBuilder::op), returned for editing in place.
    tern_isa_op& op(uint16_t opcode, uint16_t dst, std::initializer_list<uint16_t> srcs = {},
                    std::initializer_list<uint32_t> params = {}, uint16_t flags = 0) {
        return program_.op_at(program_.op(opcode, dst, srcs, params, flags));
    }
    tern_isa_op& op_at(size_t i) { return program_.op_at(i); }

    // The image bytes: header, tensor table at 32, op list after it.
    std::vector<uint8_t> image() const { return program_.build(); }

    // Places the image and binding table in memory (reusing the space of
    // the previous run when it fits) and executes them.
    ExecResult run_image(const std::vector<uint8_t>& img, uint32_t binding_count) {
        const uint64_t table_bytes = bindings.size() * sizeof(tern_isa_binding) + 16;
        if (img.size() > program_cap_) {
            program_cap_ = img.size();
            last_program_va = va_.alloc(program_cap_, 64);
        }
        if (table_bytes > bindings_cap_) {
            bindings_cap_ = table_bytes;
            last_bindings_va = va_.alloc(bindings_cap_, 16);
        }
        std::memcpy(va_.ptr(last_program_va), img.data(), img.size());
        std::memcpy(va_.ptr(last_bindings_va), bindings.data(),
                    bindings.size() * sizeof(tern_isa_binding));
        return tern::sim::execute_program(va_, ExecRequest{last_program_va, uint32_t(img.size()),
                                                           last_bindings_va, binding_count});
    }
    ExecResult run() { return run_image(image(), uint32_t(bindings.size())); }

    std::vector<tern_isa_binding> bindings;
    uint64_t last_program_va = 0;
    uint64_t last_bindings_va = 0;

private:
    FlatVa& va_;
    tern::test::ProgramBuilder program_;
    uint64_t program_cap_ = 0;
    uint64_t bindings_cap_ = 0;
};

inline uint32_t fbits(float f) {
    return f32_bits(f);
}

// ---------------------------------------------------------------------------
// Data and comparison.

inline std::vector<double> random_values(size_t n, std::mt19937& rng, double lo = -2.0,
                                         double hi = 2.0) {
    std::uniform_real_distribution<double> dist(lo, hi);
    std::vector<double> v(n);
    for (double& x : v) {
        x = dist(rng);
    }
    return v;
}

// |got - want| <= rtol * |want| + atol[i] for every element; NaN matches NaN.
inline ::testing::AssertionResult all_close(const std::vector<double>& got,
                                            const std::vector<double>& want, double rel,
                                            const std::vector<double>& atol) {
    if (got.size() != want.size()) {
        return ::testing::AssertionFailure() << "size " << got.size() << " != " << want.size();
    }
    int bad = 0;
    std::string msg;
    for (size_t i = 0; i < got.size(); ++i) {
        const bool ok = (std::isnan(want[i]) && std::isnan(got[i])) ||
                        (std::isinf(want[i]) && got[i] == want[i]) ||
                        std::fabs(got[i] - want[i]) <= rel * std::fabs(want[i]) + atol[i];
        if (!ok && bad++ < 5) {
            msg += " [" + std::to_string(i) + "] got " + std::to_string(got[i]) + " want " +
                   std::to_string(want[i]) + ";";
        }
    }
    if (bad > 0) {
        return ::testing::AssertionFailure() << bad << " mismatches:" << msg;
    }
    return ::testing::AssertionSuccess();
}

inline ::testing::AssertionResult all_close(const std::vector<double>& got,
                                            const std::vector<double>& want, double rel,
                                            double atol = 0.0) {
    return all_close(got, want, rel, std::vector<double>(want.size(), atol));
}

inline ::testing::AssertionResult ok(const ExecResult& r) {
    if (r.qerr == TERN_QERR_NONE) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "qerr " << r.qerr << " op " << r.op_index;
}

constexpr uint8_t kFloatTypes[] = {TERN_ISA_DTYPE_FP32, TERN_ISA_DTYPE_BF16, TERN_ISA_DTYPE_FP16};

}  // namespace tern_test
