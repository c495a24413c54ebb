// SPDX-License-Identifier: MIT
// The in-memory form of a compiled Tern model: what the model builder
// produces and the model file (docs/model-format.md) stores. The loader
// parses a file back into this form only after validating every field.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tern::model {

// Values match enum tern_isa_dtype (docs/isa.md section 4).
enum class DType : uint32_t { kFp32 = 1, kBf16 = 2, kFp16 = 3, kInt32 = 4 };

// What a binding-table slot of the program holds at execution time.
enum class BindingRole : uint32_t {
    kInput = 1,    // caller's tensor for input `index`
    kOutput = 2,   // caller's tensor for output `index`
    kWeights = 3,  // the model's weights, loaded once into device memory
    kScratch = 4,  // activations arena, one per concurrent run
};

struct Binding {
    BindingRole role;
    uint32_t index;  // input/output number for kInput/kOutput, else 0
    uint64_t size;   // bytes the program may touch through this slot
};

// A named model input or output: a dense row-major tensor.
struct TensorSpec {
    std::string name;
    DType dtype;
    std::vector<uint64_t> shape;  // rank 1..6
};

struct ModelImage {
    std::string name;
    std::vector<TensorSpec> inputs;
    std::vector<TensorSpec> outputs;
    // Binding table layout shared by every program of the model.
    std::vector<Binding> bindings;
    // Device ISA images (docs/isa.md), run in order for one execution.
    std::vector<std::vector<uint8_t>> programs;
    std::vector<uint8_t> weights;  // contents of the kWeights binding
    uint64_t scratch_bytes = 0;    // size of the kScratch binding
};

}  // namespace tern::model
