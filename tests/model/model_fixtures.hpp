// SPDX-License-Identifier: MIT
// Small hand-made models for the model tests (programs built directly in
// the device ISA with tests/support/isa_program), and helpers to edit
// model files the way a corrupt or hostile file would look.
#pragma once

#include "model/model_file.hpp"

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace tern_test {

// y = x * w + b over n fp32 elements, in two programs: t = x * w into the
// scratch arena, then y = t + b. w and b are the weights (w first).
// Bindings: 0 input x, 1 weights, 2 scratch, 3 output y.
tern::model::ModelImage affine_model(uint32_t n);
std::vector<float> affine_reference(const std::vector<float>& x);
float affine_w(uint32_t i);
float affine_b(uint32_t i);

// Y[m,n] = X[m,k] @ W[k,n] + bias[n] (one MATMUL; W, bias in the weights).
tern::model::ModelImage matmul_model(uint32_t m, uint32_t k, uint32_t n);
std::vector<float> matmul_reference(const std::vector<float>& x, uint32_t m, uint32_t k,
                                    uint32_t n);

// A model whose weights are `bytes` long (a multiple of 4, at least 64):
// output "all" (int32) is a bit-exact COPY of the whole weights, so a test
// sees every byte that reached the device.
tern::model::ModelImage big_weights_model(uint64_t bytes);

// Recomputes every section checksum and the header checksum of a model
// file, so that a test's edit reaches the rule it targets.
void reseal(std::vector<uint8_t>& file);

// Byte offsets in a file written by serialize() (docs/model-format.md).
constexpr size_t kSectionTable = 128;
constexpr size_t kEntry = 64;
size_t section_entry(const std::vector<uint8_t>& file, tern::model::SectionType type);

template <class T>
void poke(std::vector<uint8_t>& file, size_t offset, T value) {
    static_assert(std::is_trivially_copyable_v<T>);
    std::memcpy(file.data() + offset, &value, sizeof(T));
}
template <class T>
T peek(const std::vector<uint8_t>& file, size_t offset) {
    T v;
    std::memcpy(&v, file.data() + offset, sizeof(T));
    return v;
}

// A fresh path under $TMPDIR (or /tmp) for this process; removed by the
// caller.
std::string temp_path(const std::string& name);
void write_file(const std::string& path, const std::vector<uint8_t>& bytes);

}  // namespace tern_test
