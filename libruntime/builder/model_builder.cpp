// SPDX-License-Identifier: MIT
// Graph construction: every op checks its operands (shapes, dtypes, axes,
// options) and infers its result before the node is added.
#include <tern/hw/tern_isa.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "graph.hpp"
#include "numerics.hpp"
#include "tern/model_builder.hpp"

namespace tern::builder {

using detail::Graph;
using detail::kNoValue;
using detail::Node;
using detail::NodeKind;
using detail::shape_str;

// ---- Tensor ----------------------------------------------------------------

namespace {

const Node& node_of(const detail::Graph* g, uint32_t id) {
    if (g == nullptr) {
        throw BuildError("tern::builder::Tensor: the tensor is absent (default-constructed)");
    }
    return g->nodes[id];
}

}  // namespace

DType Tensor::dtype() const {
    return node_of(graph_, id_).dtype;
}

const Shape& Tensor::shape() const {
    return node_of(graph_, id_).shape;
}

uint32_t Tensor::rank() const {
    return static_cast<uint32_t>(shape().size());
}

uint64_t Tensor::dim(int axis) const {
    const Shape& s = shape();
    const int r = static_cast<int>(s.size());
    if (axis < -r || axis >= r) {
        throw BuildError("tern::builder::Tensor::dim: axis " + std::to_string(axis) +
                         " is out of range for shape " + shape_str(s));
    }
    return s[axis < 0 ? axis + r : axis];
}

// ---- helpers ---------------------------------------------------------------

namespace {

// Collects the message for one op: "model 'mlp': matmul: ...".
class OpCheck {
public:
    OpCheck(const Graph& g, std::string op) : g_(g), op_(std::move(op)) {}

    [[noreturn]] void fail(const std::string& why) const {
        throw BuildError("model '" + g_.name + "': " + op_ + ": " + why);
    }

    // A required operand of this builder; returns its node.
    const Node& operand(const Tensor& t, const char* what) const {
        if (!t.valid()) {
            fail(std::string(what) + " is absent");
        }
        if (TensorAccess::graph(t) != &g_) {
            fail(std::string(what) + " belongs to another ModelBuilder");
        }
        return g_.nodes[TensorAccess::id(t)];
    }
    const Node* optional(const Tensor& t, const char* what) const {
        return t.valid() ? &operand(t, what) : nullptr;
    }

    static std::string describe(const Node& n) {
        return shape_str(n.shape) + " " + detail::dtype_name(n.dtype);
    }

    void need_float(const Node& n, const char* what) const {
        if (!detail::is_float(n.dtype)) {
            fail(std::string(what) + " " + describe(n) +
                 ": needs a float dtype (fp32, bf16, fp16)");
        }
    }
    void need_same_dtype(const Node& a, const char* an, const Node& b, const char* bn) const {
        if (a.dtype != b.dtype) {
            fail(std::string(an) + " is " + detail::dtype_name(a.dtype) + " but " + bn + " is " +
                 detail::dtype_name(b.dtype) + " (operands share one dtype; use cast())");
        }
    }
    void need_rank(const Node& n, const char* what, size_t lo, size_t hi) const {
        if (n.shape.size() < lo || n.shape.size() > hi) {
            fail(std::string(what) + " " + describe(n) + ": needs rank " + std::to_string(lo) +
                 (lo == hi ? "" : ".." + std::to_string(hi)));
        }
    }
    uint32_t axis(int axis, size_t rank) const {
        const int r = static_cast<int>(rank);
        if (axis < -r || axis >= r) {
            fail("axis " + std::to_string(axis) + " is out of range for rank " +
                 std::to_string(rank));
        }
        return static_cast<uint32_t>(axis < 0 ? axis + r : axis);
    }

    // Every result must be describable by one ISA tensor descriptor.
    void check_result(const Shape& shape, DType dtype) const {
        if (shape.empty() || shape.size() > TERN_ISA_MAX_RANK) {
            fail("result " + shape_str(shape) + " has rank " + std::to_string(shape.size()) +
                 "; the device supports rank 1.." + std::to_string(TERN_ISA_MAX_RANK));
        }
        uint64_t bytes = detail::dtype_size(dtype);
        for (uint64_t d : shape) {
            if (d == 0 || d > UINT32_MAX) {
                fail("result " + shape_str(shape) + ": every dimension must be 1..2^32-1");
            }
            if (bytes > TERN_ISA_MAX_TENSOR_BYTES / d) {
                bytes = TERN_ISA_MAX_TENSOR_BYTES + 1;
                break;
            }
            bytes *= d;
        }
        if (bytes > TERN_ISA_MAX_TENSOR_BYTES) {
            fail("result " + shape_str(shape) + " " + detail::dtype_name(dtype) +
                 " is larger than the device's 4 GiB tensor limit");
        }
    }

private:
    const Graph& g_;
    std::string op_;
};

bool valid_dtype(DType d) {
    return d == DType::kFp32 || d == DType::kBf16 || d == DType::kFp16 || d == DType::kInt32;
}

uint32_t id(const Tensor& t) {
    return TensorAccess::id(t);
}

uint32_t id_or_none(const Tensor& t) {
    return t.valid() ? TensorAccess::id(t) : kNoValue;
}

// numpy broadcasting of two shapes, aligned at the last axis.
bool broadcast_shapes(const Shape& a, const Shape& b, Shape* out) {
    const size_t r = std::max(a.size(), b.size());
    out->assign(r, 1);
    for (size_t i = 0; i < r; ++i) {
        const uint64_t da = i < r - a.size() ? 1 : a[i - (r - a.size())];
        const uint64_t db = i < r - b.size() ? 1 : b[i - (r - b.size())];
        if (da != db && da != 1 && db != 1) {
            return false;
        }
        (*out)[i] = std::max(da, db);
    }
    return true;
}

// Output extent of a window along one axis; 0 if the window does not fit.
uint64_t window_out(uint64_t in, uint64_t pad, uint64_t kernel, uint64_t dil, uint64_t stride) {
    const uint64_t padded = in + 2 * pad;
    const uint64_t eff = dil * (kernel - 1) + 1;
    return eff > padded ? 0 : (padded - eff) / stride + 1;
}

}  // namespace

// ---- ModelBuilder ---------------------------------------------------------

namespace {

Tensor push(Graph& g, Node&& n) {
    const uint32_t i = static_cast<uint32_t>(g.nodes.size());
    g.nodes.push_back(std::move(n));
    return TensorAccess::make(&g, i);
}

Node make_node(NodeKind kind, DType dtype, Shape shape, std::vector<uint32_t> inputs) {
    Node n{};
    n.kind = kind;
    n.dtype = dtype;
    n.shape = std::move(shape);
    n.inputs = std::move(inputs);
    return n;
}

// Model files store names of 1..255 printable ASCII characters.
bool printable_name(const std::string& name) {
    return !name.empty() && name.size() <= 255 &&
           std::all_of(name.begin(), name.end(), [](char ch) { return ch >= 0x20 && ch <= 0x7e; });
}

void check_name(const Graph& g, const OpCheck& c, const std::string& name) {
    if (!printable_name(name)) {
        c.fail("names are 1..255 printable ASCII characters");
    }
    for (uint32_t i : g.inputs) {
        if (g.nodes[i].name == name) {
            c.fail("the name '" + name + "' is already an input");
        }
    }
    for (const detail::Output& o : g.outputs) {
        if (o.name == name) {
            c.fail("the name '" + name + "' is already an output");
        }
    }
}

}  // namespace

ModelBuilder::ModelBuilder(std::string model_name) : graph_(std::make_unique<Graph>()) {
    if (!printable_name(model_name)) {
        throw BuildError(
            "tern::builder::ModelBuilder: the model name must be 1..255 printable ASCII "
            "characters");
    }
    graph_->name = std::move(model_name);
}

ModelBuilder::~ModelBuilder() = default;
ModelBuilder::ModelBuilder(ModelBuilder&&) noexcept = default;
ModelBuilder& ModelBuilder::operator=(ModelBuilder&&) noexcept = default;

const std::string& ModelBuilder::name() const {
    return graph_->name;
}

std::vector<tern::model::TensorSpec> ModelBuilder::input_specs() const {
    std::vector<tern::model::TensorSpec> out;
    for (uint32_t i : graph_->inputs) {
        const Node& n = graph_->nodes[i];
        out.push_back({n.name, n.dtype, n.shape});
    }
    return out;
}

std::vector<tern::model::TensorSpec> ModelBuilder::output_specs() const {
    std::vector<tern::model::TensorSpec> out;
    for (const detail::Output& o : graph_->outputs) {
        const Node& n = graph_->nodes[o.value];
        out.push_back({o.name, n.dtype, n.shape});
    }
    return out;
}

Tensor ModelBuilder::input(const std::string& name, DType dtype, const Shape& shape) {
    Graph& g = *graph_;
    const OpCheck c(g, "input '" + name + "'");
    check_name(g, c, name);
    if (!valid_dtype(dtype)) {
        c.fail("unknown dtype " + std::to_string(static_cast<uint32_t>(dtype)));
    }
    c.check_result(shape, dtype);
    if (g.inputs.size() >= TERN_ISA_MAX_BINDINGS) {
        c.fail("too many inputs");
    }
    Node n = make_node(NodeKind::kInput, dtype, shape, {});
    n.name = name;
    n.index = static_cast<uint32_t>(g.inputs.size());
    Tensor t = push(g, std::move(n));
    g.inputs.push_back(id(t));
    return t;
}

Tensor ModelBuilder::constant(const std::string& name, DType dtype, const Shape& shape,
                              std::span<const float> values) {
    Graph& g = *graph_;
    const OpCheck c(g, "constant '" + name + "'");
    if (name.empty()) {
        c.fail("the name is empty");
    }
    if (!valid_dtype(dtype)) {
        c.fail("unknown dtype " + std::to_string(static_cast<uint32_t>(dtype)));
    }
    c.check_result(shape, dtype);
    if (values.size() != detail::element_count(shape)) {
        c.fail(std::to_string(values.size()) + " values given for shape " + shape_str(shape) +
               " (" + std::to_string(detail::element_count(shape)) + " elements)");
    }
    Node n = make_node(NodeKind::kConstant, dtype, shape, {});
    n.name = name;
    n.index = static_cast<uint32_t>(g.constants.size());
    g.constants.push_back(detail::encode(dtype, values));
    return push(g, std::move(n));
}

Tensor ModelBuilder::constant_int32(const std::string& name, const Shape& shape,
                                    std::span<const int32_t> values) {
    Graph& g = *graph_;
    const OpCheck c(g, "constant '" + name + "'");
    if (name.empty()) {
        c.fail("the name is empty");
    }
    c.check_result(shape, DType::kInt32);
    if (values.size() != detail::element_count(shape)) {
        c.fail(std::to_string(values.size()) + " values given for shape " + shape_str(shape));
    }
    Node n = make_node(NodeKind::kConstant, DType::kInt32, shape, {});
    n.name = name;
    n.index = static_cast<uint32_t>(g.constants.size());
    const auto* p = reinterpret_cast<const uint8_t*>(values.data());
    g.constants.emplace_back(p, p + values.size() * 4);
    return push(g, std::move(n));
}

void ModelBuilder::output(const std::string& name, Tensor value) {
    Graph& g = *graph_;
    const OpCheck c(g, "output '" + name + "'");
    c.operand(value, "the value");
    check_name(g, c, name);
    if (g.outputs.size() >= TERN_ISA_MAX_BINDINGS) {
        c.fail("too many outputs");
    }
    g.outputs.push_back({name, id(value)});
}

// ---- linear algebra ---------------------------------------------------------

Tensor ModelBuilder::matmul(Tensor a, Tensor b, const MatmulOptions& options) {
    Graph& g = *graph_;
    const OpCheck c(g, "matmul");
    const Node& na = c.operand(a, "a");
    const Node& nb = c.operand(b, "b");
    c.need_float(na, "a");
    c.need_same_dtype(na, "a", nb, "b");
    if (na.shape.size() < 2 || nb.shape.size() < 2) {
        c.fail("a " + OpCheck::describe(na) + " and b " + OpCheck::describe(nb) +
               ": both operands need rank >= 2 (use reshape for vectors)");
    }
    if (!std::isfinite(options.alpha)) {
        c.fail("alpha must be finite");
    }
    const size_t ra = na.shape.size(), rb = nb.shape.size();
    const uint64_t m = na.shape[ra - (options.transpose_a ? 1 : 2)];
    const uint64_t ka = na.shape[ra - (options.transpose_a ? 2 : 1)];
    const uint64_t kb = nb.shape[rb - (options.transpose_b ? 1 : 2)];
    const uint64_t n = nb.shape[rb - (options.transpose_b ? 2 : 1)];
    if (ka != kb) {
        c.fail("a " + OpCheck::describe(na) + " and b " + OpCheck::describe(nb) +
               ": inner dimensions differ (" + std::to_string(ka) + " vs " + std::to_string(kb) +
               ")");
    }
    const Shape batch_a(na.shape.begin(), na.shape.end() - 2);
    const Shape batch_b(nb.shape.begin(), nb.shape.end() - 2);
    if (!batch_a.empty() && !batch_b.empty() && batch_a != batch_b) {
        c.fail("a " + OpCheck::describe(na) + " and b " + OpCheck::describe(nb) +
               ": batch axes differ (they must be equal, or one operand rank 2)");
    }
    Shape out = batch_a.empty() ? batch_b : batch_a;
    out.push_back(m);
    out.push_back(n);
    c.check_result(out, na.dtype);
    Node node = make_node(NodeKind::kMatmul, na.dtype, out, {id(a), id(b), kNoValue});
    node.matmul = options;
    return push(g, std::move(node));
}

Tensor ModelBuilder::linear(Tensor x, Tensor weight, Tensor bias) {
    Graph& g = *graph_;
    const OpCheck c(g, "linear");
    const Node& nx = c.operand(x, "x");
    const Node& nw = c.operand(weight, "weight");
    const Node* nbias = c.optional(bias, "bias");
    c.need_float(nx, "x");
    c.need_same_dtype(nx, "x", nw, "weight");
    c.need_rank(nw, "weight", 2, 2);
    if (nx.shape.back() != nw.shape[0]) {
        c.fail("x " + OpCheck::describe(nx) + " and weight " + OpCheck::describe(nw) +
               ": x's last dimension must equal weight's first (weight is [in, out])");
    }
    if (nbias != nullptr) {
        c.need_same_dtype(nx, "x", *nbias, "bias");
        if (nbias->shape != Shape{nw.shape[1]}) {
            c.fail("bias " + OpCheck::describe(*nbias) + ": must be [" +
                   std::to_string(nw.shape[1]) + "]");
        }
    }
    if (nx.shape.size() == 1) {
        // The device multiplies matrices: treat a vector as one row.
        const int64_t k = static_cast<int64_t>(nx.shape[0]);
        Tensor row = reshape(x, {1, k});
        Tensor y = linear(row, weight, bias);
        return reshape(y, {static_cast<int64_t>(nw.shape[1])});
    }
    Shape out = nx.shape;
    out.back() = nw.shape[1];
    c.check_result(out, nx.dtype);
    Node node = make_node(NodeKind::kMatmul, nx.dtype, out, {id(x), id(weight), id_or_none(bias)});
    return push(g, std::move(node));
}

Tensor ModelBuilder::conv2d(Tensor x, Tensor weight, Tensor bias, const Conv2dOptions& o) {
    Graph& g = *graph_;
    const OpCheck c(g, "conv2d");
    const Node& nx = c.operand(x, "x");
    const Node& nw = c.operand(weight, "weight");
    const Node* nbias = c.optional(bias, "bias");
    c.need_float(nx, "x");
    c.need_same_dtype(nx, "x", nw, "weight");
    c.need_rank(nx, "x", 4, 4);
    c.need_rank(nw, "weight", 4, 4);
    if (o.stride_h == 0 || o.stride_w == 0 || o.dilation_h == 0 || o.dilation_w == 0 ||
        o.groups == 0) {
        c.fail("strides, dilations and groups must be >= 1");
    }
    const uint64_t cin = nx.shape[1], cout = nw.shape[0];
    if (cin % o.groups != 0 || cout % o.groups != 0 || nw.shape[1] != cin / o.groups) {
        c.fail("x " + OpCheck::describe(nx) + ", weight " + OpCheck::describe(nw) + ", groups " +
               std::to_string(o.groups) +
               ": groups must divide the input and output channels and weight must be "
               "[O, C/groups, KH, KW]");
    }
    if (nbias != nullptr) {
        c.need_same_dtype(nx, "x", *nbias, "bias");
        if (nbias->shape != Shape{cout}) {
            c.fail("bias " + OpCheck::describe(*nbias) + ": must be [" + std::to_string(cout) +
                   "]");
        }
    }
    const uint64_t oh = window_out(nx.shape[2], o.pad_h, nw.shape[2], o.dilation_h, o.stride_h);
    const uint64_t ow = window_out(nx.shape[3], o.pad_w, nw.shape[3], o.dilation_w, o.stride_w);
    if (oh == 0 || ow == 0) {
        c.fail("the kernel " + shape_str({nw.shape[2], nw.shape[3]}) +
               " (with dilation) does not fit the padded input " + OpCheck::describe(nx));
    }
    const Shape out{nx.shape[0], cout, oh, ow};
    c.check_result(out, nx.dtype);
    Node node = make_node(NodeKind::kConv2d, nx.dtype, out, {id(x), id(weight), id_or_none(bias)});
    node.conv = o;
    return push(g, std::move(node));
}

// ---- elementwise -------------------------------------------------------------

Tensor ModelBuilder::binary(BinaryOp op, Tensor a, Tensor b) {
    Graph& g = *graph_;
    if (op < BinaryOp::kAdd || op > BinaryOp::kMin) {
        throw BuildError("model '" + g.name + "': binary: unknown op " +
                         std::to_string(static_cast<int>(op)));
    }
    const OpCheck c(g, detail::binary_name(op));
    const Node& na = c.operand(a, "a");
    const Node& nb = c.operand(b, "b");
    c.need_float(na, "a");
    c.need_same_dtype(na, "a", nb, "b");
    Shape out;
    if (!broadcast_shapes(na.shape, nb.shape, &out)) {
        c.fail("a " + OpCheck::describe(na) + " and b " + OpCheck::describe(nb) +
               " do not broadcast (each axis, aligned at the end, must be equal or 1)");
    }
    c.check_result(out, na.dtype);
    Node node = make_node(NodeKind::kBinary, na.dtype, out, {id(a), id(b)});
    node.binary = op;
    return push(g, std::move(node));
}

Tensor ModelBuilder::unary(UnaryOp op, Tensor x) {
    Graph& g = *graph_;
    if (op < UnaryOp::kRelu || op > UnaryOp::kAbs) {
        throw BuildError("model '" + g.name + "': unary: unknown op " +
                         std::to_string(static_cast<int>(op)));
    }
    const OpCheck c(g, detail::unary_name(op));
    const Node& nx = c.operand(x, "x");
    c.need_float(nx, "x");
    Node node = make_node(NodeKind::kUnary, nx.dtype, nx.shape, {id(x)});
    node.unary = op;
    return push(g, std::move(node));
}

Tensor ModelBuilder::affine(Tensor x, float scale, float shift) {
    Graph& g = *graph_;
    const OpCheck c(g, "affine");
    const Node& nx = c.operand(x, "x");
    c.need_float(nx, "x");
    if (!std::isfinite(scale) || !std::isfinite(shift)) {
        c.fail("scale and shift must be finite");
    }
    Node node = make_node(NodeKind::kAffine, nx.dtype, nx.shape, {id(x)});
    node.f0 = scale;
    node.f1 = shift;
    return push(g, std::move(node));
}

Tensor ModelBuilder::cast(Tensor x, DType dtype) {
    Graph& g = *graph_;
    const OpCheck c(g, "cast");
    const Node& nx = c.operand(x, "x");
    if (!valid_dtype(dtype)) {
        c.fail("unknown dtype " + std::to_string(static_cast<uint32_t>(dtype)));
    }
    if (nx.dtype == dtype) {
        return x;
    }
    c.check_result(nx.shape, dtype);
    return push(g, make_node(NodeKind::kCast, dtype, nx.shape, {id(x)}));
}

// ---- normalisation and reductions -------------------------------------------

Tensor ModelBuilder::softmax(Tensor x, int axis) {
    Graph& g = *graph_;
    const OpCheck c(g, "softmax");
    const Node& nx = c.operand(x, "x");
    c.need_float(nx, "x");
    Node node = make_node(NodeKind::kSoftmax, nx.dtype, nx.shape, {id(x)});
    node.axis = c.axis(axis, nx.shape.size());
    return push(g, std::move(node));
}

Tensor ModelBuilder::layernorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
    Graph& g = *graph_;
    const OpCheck c(g, "layernorm");
    const Node& nx = c.operand(x, "x");
    c.need_float(nx, "x");
    const Shape want{nx.shape.back()};
    const std::pair<const Tensor*, const char*> params[] = {{&gamma, "gamma"}, {&beta, "beta"}};
    for (const auto& [t, what] : params) {
        const Node* n = c.optional(*t, what);
        if (n == nullptr) {
            continue;
        }
        c.need_same_dtype(nx, "x", *n, what);
        if (n->shape != want) {
            c.fail(std::string(what) + " " + OpCheck::describe(*n) + ": must be " +
                   shape_str(want) + " (the last axis of x)");
        }
    }
    if (!std::isfinite(eps) || eps < 0.0f) {
        c.fail("eps must be finite and >= 0");
    }
    Node node = make_node(NodeKind::kLayerNorm, nx.dtype, nx.shape,
                          {id(x), id_or_none(gamma), id_or_none(beta)});
    node.f0 = eps;
    return push(g, std::move(node));
}

Tensor ModelBuilder::reduce(ReduceOp op, Tensor x, int axis, bool keepdim) {
    Graph& g = *graph_;
    if (op < ReduceOp::kSum || op > ReduceOp::kMean) {
        throw BuildError("model '" + g.name + "': reduce: unknown op " +
                         std::to_string(static_cast<int>(op)));
    }
    const OpCheck c(g, detail::reduce_name(op));
    const Node& nx = c.operand(x, "x");
    c.need_float(nx, "x");
    const uint32_t ax = c.axis(axis, nx.shape.size());
    Shape out = nx.shape;
    if (keepdim || out.size() == 1) {
        out[ax] = 1;  // a reduced vector stays [1]: rank 0 does not exist
    } else {
        out.erase(out.begin() + ax);
    }
    Node node = make_node(NodeKind::kReduce, nx.dtype, out, {id(x)});
    node.reduce = op;
    node.axis = ax;
    node.keepdim = keepdim;
    return push(g, std::move(node));
}

// ---- layout ----------------------------------------------------------------

Tensor ModelBuilder::permute(Tensor x, const std::vector<int>& perm) {
    Graph& g = *graph_;
    const OpCheck c(g, "permute");
    const Node& nx = c.operand(x, "x");
    if (perm.size() != nx.shape.size()) {
        c.fail("x " + OpCheck::describe(nx) + ": the permutation has " +
               std::to_string(perm.size()) + " entries, x has rank " +
               std::to_string(nx.shape.size()));
    }
    std::vector<uint32_t> p;
    std::set<uint32_t> seen;
    Shape out;
    for (int v : perm) {
        const uint32_t a = c.axis(v, nx.shape.size());
        if (!seen.insert(a).second) {
            c.fail("axis " + std::to_string(a) + " appears twice in the permutation");
        }
        p.push_back(a);
        out.push_back(nx.shape[a]);
    }
    Node node = make_node(NodeKind::kPermute, nx.dtype, out, {id(x)});
    node.perm = std::move(p);
    return push(g, std::move(node));
}

Tensor ModelBuilder::transpose(Tensor x, int axis0, int axis1) {
    Graph& g = *graph_;
    const OpCheck c(g, "transpose");
    const Node& nx = c.operand(x, "x");
    const uint32_t a0 = c.axis(axis0, nx.shape.size());
    const uint32_t a1 = c.axis(axis1, nx.shape.size());
    std::vector<int> perm(nx.shape.size());
    for (size_t i = 0; i < perm.size(); ++i) {
        perm[i] = static_cast<int>(i);
    }
    std::swap(perm[a0], perm[a1]);
    return permute(x, perm);
}

Tensor ModelBuilder::reshape(Tensor x, const std::vector<int64_t>& shape) {
    Graph& g = *graph_;
    const OpCheck c(g, "reshape");
    const Node& nx = c.operand(x, "x");
    const uint64_t count = detail::element_count(nx.shape);
    int infer = -1;
    uint64_t known = 1;
    Shape out(shape.size());
    for (size_t i = 0; i < shape.size(); ++i) {
        if (shape[i] == -1 && infer < 0) {
            infer = static_cast<int>(i);
        } else if (shape[i] < 1) {
            c.fail("dimension " + std::to_string(i) + " is " + std::to_string(shape[i]) +
                   " (dimensions are >= 1; one may be -1)");
        } else {
            out[i] = static_cast<uint64_t>(shape[i]);
            known *= out[i];
        }
    }
    if (infer >= 0) {
        if (known == 0 || count % known != 0) {
            c.fail("x " + OpCheck::describe(nx) + " cannot be reshaped with an inferred axis");
        }
        out[infer] = count / known;
    }
    if (detail::element_count(out) != count) {
        c.fail("x " + OpCheck::describe(nx) + " has " + std::to_string(count) +
               " elements, the new shape " + shape_str(out) + " has " +
               std::to_string(detail::element_count(out)));
    }
    c.check_result(out, nx.dtype);
    return push(g, make_node(NodeKind::kReshape, nx.dtype, out, {id(x)}));
}

// ---- pooling and gather ---------------------------------------------------

Tensor ModelBuilder::pool2d(PoolOp op, Tensor x, const Pool2dOptions& o) {
    Graph& g = *graph_;
    if (op != PoolOp::kMax && op != PoolOp::kAvg) {
        throw BuildError("model '" + g.name + "': pool2d: unknown op " +
                         std::to_string(static_cast<int>(op)));
    }
    const OpCheck c(g, detail::pool_name(op));
    const Node& nx = c.operand(x, "x");
    c.need_float(nx, "x");
    c.need_rank(nx, "x", 4, 4);
    if (o.kernel_h == 0 || o.kernel_w == 0 || o.stride_h == 0 || o.stride_w == 0) {
        c.fail("kernel and stride must be >= 1");
    }
    if (o.pad_h >= o.kernel_h || o.pad_w >= o.kernel_w) {
        c.fail("padding must be smaller than the kernel");
    }
    const uint64_t oh = window_out(nx.shape[2], o.pad_h, o.kernel_h, 1, o.stride_h);
    const uint64_t ow = window_out(nx.shape[3], o.pad_w, o.kernel_w, 1, o.stride_w);
    if (oh == 0 || ow == 0) {
        c.fail("the window " + shape_str({o.kernel_h, o.kernel_w}) +
               " does not fit the padded input " + OpCheck::describe(nx));
    }
    const Shape out{nx.shape[0], nx.shape[1], oh, ow};
    Node node = make_node(NodeKind::kPool2d, nx.dtype, out, {id(x)});
    node.pool = op;
    node.pool_opts = o;
    return push(g, std::move(node));
}

Tensor ModelBuilder::gather(Tensor table, Tensor indices) {
    Graph& g = *graph_;
    const OpCheck c(g, "gather");
    const Node& nt = c.operand(table, "table");
    const Node& ni = c.operand(indices, "indices");
    c.need_rank(nt, "table", 2, 2);
    if (ni.dtype != DType::kInt32) {
        c.fail("indices " + OpCheck::describe(ni) + ": must be int32");
    }
    c.need_rank(ni, "indices", 1, TERN_ISA_MAX_RANK - 1);
    Shape out = ni.shape;
    out.push_back(nt.shape[1]);
    c.check_result(out, nt.dtype);
    return push(g, make_node(NodeKind::kGather, nt.dtype, out, {id(table), id(indices)}));
}

}  // namespace tern::builder
