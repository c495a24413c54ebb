// SPDX-License-Identifier: MIT
// Tern model builder: describe a graph of tensor ops in C++, let the builder
// check shapes and dtypes, plan device memory, lower the graph to the Tern T1
// ISA (docs/isa.md) and produce a compiled model (tern::model::ModelImage,
// saved as a model file, docs/model-format.md). docs/model-builder.md is the
// guide; evaluate_reference() runs the same graph on the host for checking.
//
// Values are immutable SSA names (tern::builder::Tensor). Every op checks its
// operands when it is called and throws tern::builder::BuildError naming the
// op, the operands' shapes and dtypes and what is wrong; nothing is added to
// the graph then, so a caller can catch the error and carry on.
//
// Thread safety: a ModelBuilder is not synchronised; build() and
// evaluate_reference() are const and may run concurrently with each other.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "model/model_image.hpp"

namespace tern::builder {

using DType = tern::model::DType;
using Shape = std::vector<uint64_t>;

// Every build-time failure: a bad shape, dtype, axis, name, option or a
// model that exceeds a device limit.
class BuildError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

namespace detail {
struct Graph;
}

// A value of the graph. Cheap to copy; valid while its ModelBuilder lives.
// A default-constructed Tensor is "absent" (for optional operands).
class Tensor {
public:
    Tensor() = default;
    bool valid() const noexcept { return graph_ != nullptr; }
    explicit operator bool() const noexcept { return valid(); }
    DType dtype() const;
    const Shape& shape() const;
    uint32_t rank() const;
    // Dimension `axis`; negative counts from the end (-1 = last).
    uint64_t dim(int axis) const;

private:
    friend class ModelBuilder;
    friend struct TensorAccess;
    Tensor(const detail::Graph* graph, uint32_t id) : graph_(graph), id_(id) {}
    const detail::Graph* graph_ = nullptr;
    uint32_t id_ = 0;
};

enum class UnaryOp {
    kRelu,
    kGelu,      // exact: 0.5 x (1 + erf(x / sqrt 2))
    kGeluTanh,  // tanh approximation
    kSilu,
    kSigmoid,
    kTanh,
    kExp,
    kLog,
    kSqrt,
    kRsqrt,
    kNeg,
    kAbs,
};

enum class BinaryOp { kAdd, kSub, kMul, kDiv, kMax, kMin };
enum class ReduceOp { kSum, kMax, kMean };
enum class PoolOp { kMax, kAvg };

struct MatmulOptions {
    bool transpose_a = false;  // use a with its last two axes swapped
    bool transpose_b = false;
    float alpha = 1.0f;  // scales the product (before any bias)
};

struct Conv2dOptions {
    uint32_t stride_h = 1, stride_w = 1;
    uint32_t pad_h = 0, pad_w = 0;  // zero padding on both sides
    uint32_t dilation_h = 1, dilation_w = 1;
    uint32_t groups = 1;
};

struct Pool2dOptions {
    uint32_t kernel_h = 2, kernel_w = 2;
    uint32_t stride_h = 2, stride_w = 2;
    uint32_t pad_h = 0, pad_w = 0;  // ignored positions; must be < kernel
};

struct BuildOptions {
    // Program limits; the ISA's (4096 tensors, 65536 ops) are the maximum.
    // Lower values force a split into several programs (tests use this).
    uint32_t max_tensors_per_program = 4096;
    uint32_t max_ops_per_program = 65536;
    // Reuse scratch memory between activations whose lifetimes do not
    // overlap. Off: every activation gets its own bytes (for comparison).
    bool reuse_scratch = true;
};

// What build() decided, for introspection and tests.
struct BuildStats {
    uint64_t weights_bytes = 0;
    uint64_t scratch_bytes = 0;                // the arena, after reuse
    uint64_t scratch_bytes_without_reuse = 0;  // sum of every activation
    uint32_t activations = 0;                  // buffers placed in scratch
    uint32_t outputs_written_in_place = 0;     // outputs needing no copy
    uint32_t programs = 0;
    uint32_t ops = 0;
    uint32_t tensors = 0;  // descriptors, summed over programs
};

// A dense row-major host tensor, in the encoding of its dtype.
struct HostTensor {
    DType dtype = DType::kFp32;
    Shape shape;
    std::vector<uint8_t> data;

    uint64_t count() const;
    // Encodes `values` as `dtype` (round to nearest even for BF16/FP16,
    // truncation for INT32).
    static HostTensor from_floats(DType dtype, Shape shape, std::span<const float> values);
    static HostTensor from_int32(Shape shape, std::span<const int32_t> values);
    // Decodes to fp32 (INT32 values convert to nearest float).
    std::vector<float> to_floats() const;
};

class ModelBuilder {
public:
    explicit ModelBuilder(std::string model_name);
    ~ModelBuilder();
    ModelBuilder(ModelBuilder&&) noexcept;
    ModelBuilder& operator=(ModelBuilder&&) noexcept;
    ModelBuilder(const ModelBuilder&) = delete;
    ModelBuilder& operator=(const ModelBuilder&) = delete;

    // ---- graph inputs, constants, outputs ----
    // A model input, bound by the caller at execution time (input number =
    // order of the calls). Names are unique among inputs and outputs.
    Tensor input(const std::string& name, DType dtype, const Shape& shape);
    // A weight stored in the model; float values are rounded to `dtype`.
    Tensor constant(const std::string& name, DType dtype, const Shape& shape,
                    std::span<const float> values);
    Tensor constant_int32(const std::string& name, const Shape& shape,
                          std::span<const int32_t> values);
    // Marks `value` as model output `name` (output number = call order).
    void output(const std::string& name, Tensor value);

    // ---- linear algebra ----
    // a [..., M, K] x b [..., K, N] -> [..., M, N]. Batch axes are equal on
    // both sides, or one operand is rank 2 and is used for every batch.
    Tensor matmul(Tensor a, Tensor b, const MatmulOptions& options = {});
    // x [..., K] x weight [K, N] + bias [N] (bias optional) -> [..., N].
    Tensor linear(Tensor x, Tensor weight, Tensor bias = {});
    // x [N, C, H, W], weight [O, C/groups, KH, KW], bias [O] (optional).
    Tensor conv2d(Tensor x, Tensor weight, Tensor bias = {}, const Conv2dOptions& options = {});

    // ---- elementwise (numpy broadcasting, operands of one dtype) ----
    Tensor binary(BinaryOp op, Tensor a, Tensor b);
    Tensor add(Tensor a, Tensor b) { return binary(BinaryOp::kAdd, a, b); }
    Tensor sub(Tensor a, Tensor b) { return binary(BinaryOp::kSub, a, b); }
    Tensor mul(Tensor a, Tensor b) { return binary(BinaryOp::kMul, a, b); }
    Tensor div(Tensor a, Tensor b) { return binary(BinaryOp::kDiv, a, b); }
    Tensor maximum(Tensor a, Tensor b) { return binary(BinaryOp::kMax, a, b); }
    Tensor minimum(Tensor a, Tensor b) { return binary(BinaryOp::kMin, a, b); }

    Tensor unary(UnaryOp op, Tensor x);
    Tensor relu(Tensor x) { return unary(UnaryOp::kRelu, x); }
    Tensor gelu(Tensor x) { return unary(UnaryOp::kGelu, x); }
    Tensor gelu_tanh(Tensor x) { return unary(UnaryOp::kGeluTanh, x); }
    Tensor silu(Tensor x) { return unary(UnaryOp::kSilu, x); }
    Tensor sigmoid(Tensor x) { return unary(UnaryOp::kSigmoid, x); }
    Tensor tanh(Tensor x) { return unary(UnaryOp::kTanh, x); }
    Tensor exp(Tensor x) { return unary(UnaryOp::kExp, x); }
    Tensor log(Tensor x) { return unary(UnaryOp::kLog, x); }
    Tensor sqrt(Tensor x) { return unary(UnaryOp::kSqrt, x); }
    Tensor rsqrt(Tensor x) { return unary(UnaryOp::kRsqrt, x); }
    Tensor neg(Tensor x) { return unary(UnaryOp::kNeg, x); }
    Tensor abs(Tensor x) { return unary(UnaryOp::kAbs, x); }
    // scale * x + shift, computed in fp32.
    Tensor affine(Tensor x, float scale, float shift = 0.0f);
    // Converts to another dtype (round to nearest even; to INT32 truncates).
    Tensor cast(Tensor x, DType dtype);

    // ---- normalisation and reductions ----
    Tensor softmax(Tensor x, int axis = -1);
    // Over the last axis; gamma and beta [D] are optional.
    Tensor layernorm(Tensor x, Tensor gamma = {}, Tensor beta = {}, float eps = 1e-5f);
    Tensor reduce(ReduceOp op, Tensor x, int axis, bool keepdim = false);
    Tensor reduce_sum(Tensor x, int axis, bool keepdim = false) {
        return reduce(ReduceOp::kSum, x, axis, keepdim);
    }
    Tensor reduce_max(Tensor x, int axis, bool keepdim = false) {
        return reduce(ReduceOp::kMax, x, axis, keepdim);
    }
    Tensor reduce_mean(Tensor x, int axis, bool keepdim = false) {
        return reduce(ReduceOp::kMean, x, axis, keepdim);
    }

    // ---- layout (views where possible; no device work) ----
    // Output axis i is input axis perm[i] (numpy transpose).
    Tensor permute(Tensor x, const std::vector<int>& perm);
    Tensor transpose(Tensor x, int axis0 = -2, int axis1 = -1);
    // Same element count; one dimension may be -1 (inferred). A view when
    // x is contiguous, else one COPY.
    Tensor reshape(Tensor x, const std::vector<int64_t>& shape);

    // ---- pooling and gather ----
    Tensor pool2d(PoolOp op, Tensor x, const Pool2dOptions& options);
    Tensor maxpool2d(Tensor x, const Pool2dOptions& options) {
        return pool2d(PoolOp::kMax, x, options);
    }
    Tensor avgpool2d(Tensor x, const Pool2dOptions& options) {
        return pool2d(PoolOp::kAvg, x, options);
    }
    // table [V, D] rows picked by INT32 indices [...] -> [..., D].
    Tensor gather(Tensor table, Tensor indices);

    // ---- results ----
    // Lowers the graph to the device ISA. Throws BuildError if the graph
    // has no output or exceeds a device limit.
    tern::model::ModelImage build(const BuildOptions& options = {},
                                  BuildStats* stats = nullptr) const;
    // build() and write the model file (docs/model-format.md) atomically.
    // Throws BuildError, tern::model::FormatError or std::system_error.
    void save(const std::string& path, const BuildOptions& options = {},
              BuildStats* stats = nullptr) const;

    // Runs the graph on the host with plain loops in double precision,
    // rounding every op's result to its dtype as the device does
    // (docs/model-builder.md, "Numerics"). Inputs in declaration order,
    // dtypes and shapes as declared; returns the outputs in order.
    std::vector<HostTensor> evaluate_reference(std::span<const HostTensor> inputs) const;

    const std::string& name() const;
    std::vector<tern::model::TensorSpec> input_specs() const;
    std::vector<tern::model::TensorSpec> output_specs() const;

private:
    std::unique_ptr<detail::Graph> graph_;
};

// Weights of one multi-head attention layer: projections [D, D] (in, out)
// and biases [D] (each bias optional).
struct AttentionWeights {
    Tensor wq, bq, wk, bk, wv, bv, wo, bo;
};

// Multi-head self-attention over x [B, S, D] with `heads` heads (D divisible
// by heads): softmax(Q K^T / sqrt(D/heads) + mask) V, heads concatenated and
// projected by wo. `mask` (optional) is added to the scores [B, heads, S, S]
// with broadcasting, e.g. [S, S] with -inf above the diagonal. Composed of
// linear, reshape, permute, matmul, add and softmax.
Tensor multi_head_attention(ModelBuilder& builder, Tensor x, const AttentionWeights& weights,
                            uint32_t heads, Tensor mask = {});

}  // namespace tern::builder
