// SPDX-License-Identifier: MIT
// The builder's graph: one node per value, in creation order (which is a
// topological order, since an op only names existing values). Shared by the
// lowering (lower.cpp) and the host reference (reference.cpp).
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "model/model_file.hpp"
#include "tern/model_builder.hpp"

namespace tern::builder::detail {

inline constexpr uint32_t kNoValue = 0xffffffffu;

enum class NodeKind {
    kInput,
    kConstant,
    kMatmul,  // inputs: a, b, bias (optional)
    kConv2d,  // inputs: x, weight, bias (optional)
    kBinary,
    kUnary,
    kAffine,
    kCast,
    kSoftmax,
    kLayerNorm,  // inputs: x, gamma (optional), beta (optional)
    kReduce,
    kPermute,
    kReshape,
    kPool2d,
    kGather,  // inputs: table, indices
};

struct Node {
    NodeKind kind;
    DType dtype;
    Shape shape;
    std::vector<uint32_t> inputs;  // value ids; kNoValue for an absent optional

    // Attributes; each kind reads only its own.
    std::string name;    // kInput, kConstant
    uint32_t index = 0;  // kInput: input number; kConstant: constant number
    UnaryOp unary = UnaryOp::kRelu;
    BinaryOp binary = BinaryOp::kAdd;
    ReduceOp reduce = ReduceOp::kSum;
    PoolOp pool = PoolOp::kMax;
    MatmulOptions matmul;
    Conv2dOptions conv;
    Pool2dOptions pool_opts;
    std::vector<uint32_t> perm;  // kPermute
    uint32_t axis = 0;           // kSoftmax, kReduce
    bool keepdim = false;        // kReduce
    float f0 = 0.0f, f1 = 0.0f;  // kAffine scale/shift; kLayerNorm eps in f0
};

struct Output {
    std::string name;
    uint32_t value;
};

struct Graph {
    std::string name;
    std::deque<Node> nodes;  // a deque keeps Tensor::shape() references valid
    std::vector<uint32_t> inputs;
    std::vector<Output> outputs;
    std::vector<std::vector<uint8_t>> constants;  // encoded in the node's dtype
};

}  // namespace tern::builder::detail

namespace tern::builder {

// Friend of Tensor: the builder's internals reach a Tensor's id through it.
struct TensorAccess {
    static uint32_t id(const Tensor& t) { return t.id_; }
    static const detail::Graph* graph(const Tensor& t) { return t.graph_; }
    static Tensor make(const detail::Graph* g, uint32_t id) { return Tensor(g, id); }
};

}  // namespace tern::builder

namespace tern::builder::detail {

uint64_t element_count(const Shape& shape);
std::string shape_str(const Shape& shape);
using tern::model::dtype_name;  // model/model_file.hpp
const char* unary_name(UnaryOp op);
const char* binary_name(BinaryOp op);
const char* reduce_name(ReduceOp op);
const char* pool_name(PoolOp op);
bool is_float(DType dtype);

}  // namespace tern::builder::detail
