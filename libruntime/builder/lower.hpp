// SPDX-License-Identifier: MIT
// Lowering of the graph to a list of ISA ops over strided views of storage
// buffers (inputs, outputs, weights, activations). Addresses are resolved
// later: first the memory plan places the activations, then the program
// encoder turns views into tensor descriptors.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <vector>

#include "graph.hpp"

namespace tern::builder::detail {

enum class Place { kInput, kOutput, kWeights, kScratch };

struct Storage {
    Place place;
    uint32_t index = 0;     // input/output number
    uint64_t bytes = 0;     // dense size
    uint64_t offset = 0;    // byte offset in the weights/scratch binding
    uint32_t constant = 0;  // kWeights: which Graph::constants entry
};

// A strided view: element (i0..) lives at storage + esize * (offset +
// sum(i_d * strides[d])).
struct View {
    uint32_t storage = 0;
    DType dtype = DType::kFp32;
    uint64_t offset = 0;  // elements
    Shape shape;
    std::vector<uint64_t> strides;  // elements
};

struct LoweredOp {
    uint16_t opcode = 0;
    uint16_t flags = 0;
    View dst;
    std::array<std::optional<View>, 3> src;
    std::array<uint32_t, 13> param{};
};

struct Lowered {
    std::vector<Storage> storages;
    std::vector<LoweredOp> ops;
    uint32_t outputs_in_place = 0;
};

// Lowers every node that an output depends on. Throws BuildError if the
// graph has no outputs.
Lowered lower_graph(const Graph& graph);

// Dense row-major strides of `shape`.
std::vector<uint64_t> dense_strides(const Shape& shape);

}  // namespace tern::builder::detail
