// SPDX-License-Identifier: MIT
#include "model_fixtures.hpp"

#include "isa_program.hpp"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace tern_test {

using tern::model::Binding;
using tern::model::BindingRole;
using tern::model::DType;
using tern::model::ModelImage;
using tern::test::ProgramBuilder;

namespace {

void put_floats(std::vector<uint8_t>& bytes, const std::vector<float>& v) {
    const size_t at = bytes.size();
    bytes.resize(at + v.size() * sizeof(float));
    std::memcpy(bytes.data() + at, v.data(), v.size() * sizeof(float));
}

float matmul_w(uint32_t i, uint32_t j) {
    return float(int((i * 7 + j * 3) % 11) - 5) * 0.125f;
}

float matmul_bias(uint32_t j) {
    return float(j) * 0.5f - 1.0f;
}

}  // namespace

float affine_w(uint32_t i) {
    return 0.5f + float(i % 17) * 0.25f;
}

float affine_b(uint32_t i) {
    return float(int(i % 7) - 3);
}

ModelImage affine_model(uint32_t n) {
    ModelImage m;
    m.name = "affine";
    m.inputs = {{"x", DType::kFp32, {n}}};
    m.outputs = {{"y", DType::kFp32, {n}}};
    const uint64_t bytes = uint64_t(n) * 4;
    m.bindings = {
        Binding{BindingRole::kInput, 0, bytes}, Binding{BindingRole::kWeights, 0, 2 * bytes},
        Binding{BindingRole::kScratch, 0, bytes}, Binding{BindingRole::kOutput, 0, bytes}};
    m.scratch_bytes = bytes;
    ProgramBuilder p0;
    uint16_t x = p0.tensor(0, TERN_ISA_DTYPE_FP32, {n});
    uint16_t w = p0.tensor(1, TERN_ISA_DTYPE_FP32, {n});
    uint16_t t = p0.tensor(2, TERN_ISA_DTYPE_FP32, {n});
    p0.op(TERN_ISA_MUL, t, {x, w});
    ProgramBuilder p1;
    uint16_t t1 = p1.tensor(2, TERN_ISA_DTYPE_FP32, {n});
    uint16_t b = p1.tensor(1, TERN_ISA_DTYPE_FP32, {n}, bytes);
    uint16_t y = p1.tensor(3, TERN_ISA_DTYPE_FP32, {n});
    p1.op(TERN_ISA_ADD, y, {t1, b});
    m.programs = {p0.build(), p1.build()};
    std::vector<float> wv(n), bv(n);
    for (uint32_t i = 0; i < n; ++i) {
        wv[i] = affine_w(i);
        bv[i] = affine_b(i);
    }
    put_floats(m.weights, wv);
    put_floats(m.weights, bv);
    return m;
}

std::vector<float> affine_reference(const std::vector<float>& x) {
    std::vector<float> y(x.size());
    for (uint32_t i = 0; i < x.size(); ++i) {
        float t = x[i] * affine_w(i);  // rounded once, as the device stores t
        y[i] = t + affine_b(i);
    }
    return y;
}

ModelImage matmul_model(uint32_t m_, uint32_t k, uint32_t n) {
    ModelImage m;
    m.name = "matmul";
    m.inputs = {{"x", DType::kFp32, {m_, k}}};
    m.outputs = {{"y", DType::kFp32, {m_, n}}};
    const uint64_t w_bytes = uint64_t(k) * n * 4;
    m.bindings = {Binding{BindingRole::kInput, 0, uint64_t(m_) * k * 4},
                  Binding{BindingRole::kWeights, 0, w_bytes + uint64_t(n) * 4},
                  Binding{BindingRole::kOutput, 0, uint64_t(m_) * n * 4}};
    ProgramBuilder p;
    uint16_t x = p.tensor(0, TERN_ISA_DTYPE_FP32, {m_, k});
    uint16_t w = p.tensor(1, TERN_ISA_DTYPE_FP32, {k, n});
    uint16_t bias = p.tensor(1, TERN_ISA_DTYPE_FP32, {n}, w_bytes);
    uint16_t y = p.tensor(2, TERN_ISA_DTYPE_FP32, {m_, n});
    p.op(TERN_ISA_MATMUL, y, {x, w, bias});
    m.programs = {p.build()};
    std::vector<float> wv(uint64_t(k) * n), bv(n);
    for (uint32_t i = 0; i < k; ++i)
        for (uint32_t j = 0; j < n; ++j)
            wv[uint64_t(i) * n + j] = matmul_w(i, j);
    for (uint32_t j = 0; j < n; ++j)
        bv[j] = matmul_bias(j);
    put_floats(m.weights, wv);
    put_floats(m.weights, bv);
    return m;
}

std::vector<float> matmul_reference(const std::vector<float>& x, uint32_t m, uint32_t k,
                                    uint32_t n) {
    std::vector<float> y(uint64_t(m) * n);
    for (uint32_t r = 0; r < m; ++r)
        for (uint32_t j = 0; j < n; ++j) {
            double acc = 0;
            for (uint32_t i = 0; i < k; ++i)
                acc += double(x[uint64_t(r) * k + i]) * matmul_w(i, j);
            y[uint64_t(r) * n + j] = float(acc + matmul_bias(j));
        }
    return y;
}

ModelImage big_weights_model(uint64_t bytes) {
    if (bytes < 64 || bytes % 4 != 0)
        throw std::invalid_argument("big_weights_model: a multiple of 4, at least 64 bytes");
    const auto words = uint32_t(bytes / 4);
    ModelImage m;
    m.name = "big-weights";
    m.outputs = {{"all", DType::kInt32, {words}}};
    m.bindings = {Binding{BindingRole::kWeights, 0, bytes},
                  Binding{BindingRole::kOutput, 0, bytes}};
    ProgramBuilder p;
    uint16_t w = p.tensor(0, TERN_ISA_DTYPE_INT32, {words});
    uint16_t y = p.tensor(1, TERN_ISA_DTYPE_INT32, {words});
    p.op(TERN_ISA_COPY, y, {w});
    m.programs = {p.build()};
    m.weights.resize(bytes);
    // A cheap pattern in which every 8-byte word differs.
    for (uint64_t i = 0; i + 8 <= bytes; i += 8) {
        uint64_t v = (i + 1) * 0x9e3779b97f4a7c15ull;
        std::memcpy(m.weights.data() + i, &v, 8);
    }
    if (bytes % 8 != 0)
        std::memset(m.weights.data() + bytes - 4, 0x5a, 4);
    return m;
}

void reseal(std::vector<uint8_t>& f) {
    const uint32_t count = peek<uint32_t>(f, 48);
    for (uint32_t i = 0; i < count && kSectionTable + (i + 1) * kEntry <= f.size(); ++i) {
        const size_t e = kSectionTable + i * kEntry;
        const uint64_t off = peek<uint64_t>(f, e + 8), size = peek<uint64_t>(f, e + 16);
        if (off <= f.size() && size <= f.size() - off)
            poke<uint64_t>(f, e + 24,
                           tern::model::checksum(std::span<const uint8_t>(f.data() + off, size)));
    }
    const size_t area = std::min<size_t>(f.size(), kSectionTable + size_t(count) * kEntry);
    std::vector<uint8_t> h(f.begin(), f.begin() + area);
    std::memset(h.data() + 120, 0, 8);
    poke<uint64_t>(f, 120, tern::model::checksum(h));
}

size_t section_entry(const std::vector<uint8_t>& f, tern::model::SectionType type) {
    const uint32_t count = peek<uint32_t>(f, 48);
    for (uint32_t i = 0; i < count; ++i)
        if (peek<uint32_t>(f, kSectionTable + i * kEntry) == uint32_t(type))
            return kSectionTable + i * kEntry;
    throw std::runtime_error("section not found");
}

std::string temp_path(const std::string& name) {
    static std::atomic<int> counter{0};
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir != nullptr && *dir ? dir : "/tmp") + "/tern-model-test-" +
           std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + name;
}

void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    if (!out)
        throw std::runtime_error("cannot write " + path);
}

}  // namespace tern_test
