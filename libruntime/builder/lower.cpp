// SPDX-License-Identifier: MIT
// Graph -> ISA ops. Layout ops (permute, reshape of contiguous data) cost
// nothing: they only change the view later ops read through. Every other
// node writes one fresh dense buffer, which is the output binding itself
// when the node's value is a model output.
#include "lower.hpp"

#include <tern/hw/tern_isa.h>

#include <bit>
#include <utility>

#include "numerics.hpp"

namespace tern::builder::detail {

std::vector<uint64_t> dense_strides(const Shape& shape) {
    std::vector<uint64_t> s(shape.size());
    uint64_t step = 1;
    for (size_t d = shape.size(); d-- > 0;) {
        s[d] = step;
        step *= shape[d];
    }
    return s;
}

namespace {

uint32_t f32_bits(float f) {
    return std::bit_cast<uint32_t>(f);
}

// Contiguous row-major from the view's offset (size-1 axes ignored).
bool is_dense(const View& v) {
    uint64_t expect = 1;
    for (size_t d = v.shape.size(); d-- > 0;) {
        if (v.shape[d] != 1 && v.strides[d] != expect) {
            return false;
        }
        expect *= v.shape[d];
    }
    return true;
}

// Merges axes [first, last] into one when memory allows (each non-trivial
// axis steps over exactly the next one's extent).
bool merge_axes(const View& v, size_t first, size_t last, View* out) {
    uint64_t size = 1;
    uint64_t stride = v.strides[last];
    bool have_inner = false;
    uint64_t inner_stride = 0, inner_size = 0;
    for (size_t d = last + 1; d-- > first;) {
        if (v.shape[d] == 1) {
            continue;
        }
        if (have_inner && v.strides[d] != inner_stride * inner_size) {
            return false;
        }
        if (!have_inner) {
            stride = v.strides[d];
        }
        have_inner = true;
        inner_stride = v.strides[d];
        inner_size = v.shape[d];
        size *= v.shape[d];
    }
    View r = v;
    r.shape.erase(r.shape.begin() + first, r.shape.begin() + last + 1);
    r.strides.erase(r.strides.begin() + first, r.strides.begin() + last + 1);
    r.shape.insert(r.shape.begin() + first, size);
    r.strides.insert(r.strides.begin() + first, stride);
    *out = std::move(r);
    return true;
}

View with_shape_dense(View v, Shape shape) {
    v.strides = dense_strides(shape);
    v.shape = std::move(shape);
    return v;
}

// Prepends size-1 axes up to `rank` (numpy rank promotion).
View promote(View v, size_t rank) {
    while (v.shape.size() < rank) {
        v.shape.insert(v.shape.begin(), 1);
        v.strides.insert(v.strides.begin(), 0);
    }
    return v;
}

void swap_last_two(View* v) {
    const size_t r = v->shape.size();
    std::swap(v->shape[r - 1], v->shape[r - 2]);
    std::swap(v->strides[r - 1], v->strides[r - 2]);
}

uint16_t unary_opcode(UnaryOp op) {
    switch (op) {
        case UnaryOp::kRelu:
            return TERN_ISA_RELU;
        case UnaryOp::kGelu:
            return TERN_ISA_GELU;
        case UnaryOp::kGeluTanh:
            return TERN_ISA_GELU_TANH;
        case UnaryOp::kSilu:
            return TERN_ISA_SILU;
        case UnaryOp::kSigmoid:
            return TERN_ISA_SIGMOID;
        case UnaryOp::kTanh:
            return TERN_ISA_TANH;
        case UnaryOp::kExp:
            return TERN_ISA_EXP;
        case UnaryOp::kLog:
            return TERN_ISA_LOG;
        case UnaryOp::kSqrt:
            return TERN_ISA_SQRT;
        case UnaryOp::kRsqrt:
            return TERN_ISA_RSQRT;
        case UnaryOp::kNeg:
            return TERN_ISA_NEG;
        case UnaryOp::kAbs:
            return TERN_ISA_ABS;
    }
    return 0;
}

uint16_t binary_opcode(BinaryOp op) {
    switch (op) {
        case BinaryOp::kAdd:
            return TERN_ISA_ADD;
        case BinaryOp::kSub:
            return TERN_ISA_SUB;
        case BinaryOp::kMul:
            return TERN_ISA_MUL;
        case BinaryOp::kDiv:
            return TERN_ISA_DIV;
        case BinaryOp::kMax:
            return TERN_ISA_MAX;
        case BinaryOp::kMin:
            return TERN_ISA_MIN;
    }
    return 0;
}

uint16_t reduce_opcode(ReduceOp op) {
    switch (op) {
        case ReduceOp::kSum:
            return TERN_ISA_REDUCE_SUM;
        case ReduceOp::kMax:
            return TERN_ISA_REDUCE_MAX;
        case ReduceOp::kMean:
            return TERN_ISA_REDUCE_MEAN;
    }
    return 0;
}

class Lowerer {
public:
    explicit Lowerer(const Graph& g) : g_(g), live_(g.nodes.size()), views_(g.nodes.size()) {}

    Lowered run() {
        if (g_.outputs.empty()) {
            throw BuildError("model '" + g_.name + "': the model has no outputs");
        }
        mark_live();
        for (uint32_t i = 0; i < g_.nodes.size(); ++i) {
            if (live_[i]) {
                place_value(i);
            }
        }
        claim_outputs();
        for (uint32_t i = 0; i < g_.nodes.size(); ++i) {
            if (!live_[i]) {
                continue;
            }
            emit_node(i);
            for (uint32_t k : copies_after_[i]) {
                emit_output_copy(i, k);
            }
        }
        return std::move(out_);
    }

private:
    void mark_live() {
        for (const Output& o : g_.outputs) {
            live_[o.value] = true;
        }
        for (size_t i = g_.nodes.size(); i-- > 0;) {
            if (!live_[i]) {
                continue;
            }
            for (uint32_t in : g_.nodes[i].inputs) {
                if (in != kNoValue) {
                    live_[in] = true;
                }
            }
        }
    }

    uint32_t new_storage(Place place, uint64_t bytes) {
        Storage s{};
        s.place = place;
        s.bytes = bytes;
        out_.storages.push_back(s);
        return static_cast<uint32_t>(out_.storages.size() - 1);
    }

    View fresh(DType dtype, const Shape& shape) {
        View v;
        v.storage = new_storage(Place::kScratch, element_count(shape) * dtype_size(dtype));
        v.dtype = dtype;
        v.shape = shape;
        v.strides = dense_strides(shape);
        return v;
    }

    const View& view_of(uint32_t value) const { return *views_[value]; }

    // The view a node's value is read through; creates the storage of
    // nodes that compute something.
    void place_value(uint32_t i) {
        const Node& n = g_.nodes[i];
        switch (n.kind) {
            case NodeKind::kInput: {
                View v = fresh(n.dtype, n.shape);
                out_.storages[v.storage].place = Place::kInput;
                out_.storages[v.storage].index = n.index;
                views_[i] = std::move(v);
                return;
            }
            case NodeKind::kConstant: {
                View v = fresh(n.dtype, n.shape);
                out_.storages[v.storage].place = Place::kWeights;
                out_.storages[v.storage].constant = n.index;
                views_[i] = std::move(v);
                return;
            }
            case NodeKind::kPermute: {
                const View& s = view_of(n.inputs[0]);
                View v = s;
                for (size_t d = 0; d < n.perm.size(); ++d) {
                    v.shape[d] = s.shape[n.perm[d]];
                    v.strides[d] = s.strides[n.perm[d]];
                }
                views_[i] = std::move(v);
                return;
            }
            case NodeKind::kReshape: {
                const View& s = view_of(n.inputs[0]);
                views_[i] = is_dense(s) ? with_shape_dense(s, n.shape) : fresh(n.dtype, n.shape);
                return;
            }
            default:
                views_[i] = fresh(n.dtype, n.shape);
                return;
        }
    }

    // An output whose value is a whole fresh buffer gets that buffer placed
    // in its output binding; any other output is copied there.
    void claim_outputs() {
        copies_after_.assign(g_.nodes.size(), {});
        for (uint32_t k = 0; k < g_.outputs.size(); ++k) {
            const uint32_t value = g_.outputs[k].value;
            const View& v = view_of(value);
            Storage& s = out_.storages[v.storage];
            const bool whole =
                v.offset == 0 && element_count(v.shape) * dtype_size(v.dtype) == s.bytes;
            if (s.place == Place::kScratch && whole && is_dense(v)) {
                s.place = Place::kOutput;
                s.index = k;
                ++out_.outputs_in_place;
            } else {
                copies_after_[value].push_back(k);
            }
        }
    }

    LoweredOp& emit(uint16_t opcode, const View& dst) {
        LoweredOp op;
        op.opcode = opcode;
        op.dst = dst;
        out_.ops.push_back(std::move(op));
        return out_.ops.back();
    }

    // COPY into a fresh dense buffer; returns its view. A matrix stored
    // column-major stays column-major, so MATMUL can read it transposed.
    View materialize(const View& v) {
        if (v.shape.size() >= 2 && prefer_transposed(v)) {
            View t = v;
            swap_last_two(&t);
            View d = fresh(t.dtype, t.shape);
            emit(TERN_ISA_COPY, d).src[0] = t;
            swap_last_two(&d);
            return d;
        }
        View d = fresh(v.dtype, v.shape);
        emit(TERN_ISA_COPY, d).src[0] = v;
        return d;
    }

    void emit_output_copy(uint32_t value, uint32_t k) {
        const View& v = view_of(value);
        View d = fresh(v.dtype, v.shape);
        out_.storages[d.storage].place = Place::kOutput;
        out_.storages[d.storage].index = k;
        emit(TERN_ISA_COPY, d).src[0] = v;
    }

    void emit_node(uint32_t i) {
        const Node& n = g_.nodes[i];
        const View& dst = view_of(i);
        auto src = [&](size_t k) -> std::optional<View> {
            if (k >= n.inputs.size() || n.inputs[k] == kNoValue) {
                return std::nullopt;
            }
            return view_of(n.inputs[k]);
        };
        switch (n.kind) {
            case NodeKind::kInput:
            case NodeKind::kConstant:
            case NodeKind::kPermute:
                return;  // data already in place, or a view
            case NodeKind::kReshape: {
                const View& s = view_of(n.inputs[0]);
                if (dst.storage != s.storage) {
                    // COPY keeps the shape: write the source's shape densely.
                    emit(TERN_ISA_COPY, with_shape_dense(dst, s.shape)).src[0] = s;
                }
                return;
            }
            case NodeKind::kMatmul:
                emit_matmul(n, dst);
                return;
            case NodeKind::kConv2d: {
                LoweredOp& op = emit(TERN_ISA_CONV2D, dst);
                op.src = {src(0), src(1), src(2)};
                op.param[TERN_ISA_P_STRIDE_H] = n.conv.stride_h;
                op.param[TERN_ISA_P_STRIDE_W] = n.conv.stride_w;
                op.param[TERN_ISA_P_PAD_H] = n.conv.pad_h;
                op.param[TERN_ISA_P_PAD_W] = n.conv.pad_w;
                op.param[TERN_ISA_P_DIL_H] = n.conv.dilation_h;
                op.param[TERN_ISA_P_DIL_W] = n.conv.dilation_w;
                op.param[TERN_ISA_P_GROUPS] = n.conv.groups;
                return;
            }
            case NodeKind::kBinary: {
                LoweredOp& op = emit(binary_opcode(n.binary), dst);
                op.src[0] = promote(*src(0), n.shape.size());
                op.src[1] = promote(*src(1), n.shape.size());
                return;
            }
            case NodeKind::kUnary:
                emit(unary_opcode(n.unary), dst).src[0] = src(0);
                return;
            case NodeKind::kAffine: {
                LoweredOp& op = emit(TERN_ISA_AFFINE, dst);
                op.src[0] = src(0);
                op.param[0] = f32_bits(n.f0);
                op.param[1] = f32_bits(n.f1);
                return;
            }
            case NodeKind::kCast:
                emit(TERN_ISA_COPY, dst).src[0] = src(0);
                return;
            case NodeKind::kSoftmax: {
                LoweredOp& op = emit(TERN_ISA_SOFTMAX, dst);
                op.src[0] = src(0);
                op.param[TERN_ISA_P_AXIS] = n.axis;
                return;
            }
            case NodeKind::kLayerNorm: {
                LoweredOp& op = emit(TERN_ISA_LAYERNORM, dst);
                op.src = {src(0), src(1), src(2)};
                op.param[TERN_ISA_P_EPS] = f32_bits(n.f0);
                return;
            }
            case NodeKind::kReduce: {
                // The device keeps the reduced axis (size 1).
                Shape kept = view_of(n.inputs[0]).shape;
                kept[n.axis] = 1;
                LoweredOp& op = emit(reduce_opcode(n.reduce), with_shape_dense(dst, kept));
                op.src[0] = src(0);
                op.param[TERN_ISA_P_AXIS] = n.axis;
                return;
            }
            case NodeKind::kPool2d: {
                LoweredOp& op =
                    emit(n.pool == PoolOp::kMax ? TERN_ISA_MAXPOOL2D : TERN_ISA_AVGPOOL2D, dst);
                op.src[0] = src(0);
                op.param[TERN_ISA_P_STRIDE_H] = n.pool_opts.stride_h;
                op.param[TERN_ISA_P_STRIDE_W] = n.pool_opts.stride_w;
                op.param[TERN_ISA_P_PAD_H] = n.pool_opts.pad_h;
                op.param[TERN_ISA_P_PAD_W] = n.pool_opts.pad_w;
                op.param[TERN_ISA_P_KERNEL_H] = n.pool_opts.kernel_h;
                op.param[TERN_ISA_P_KERNEL_W] = n.pool_opts.kernel_w;
                return;
            }
            case NodeKind::kGather: {
                LoweredOp& op = emit(TERN_ISA_GATHER, dst);
                op.src[0] = src(0);
                op.src[1] = src(1);
                return;
            }
        }
    }

    // A view with its batch axes [0, rank-2) merged into one (rank 3), or
    // rank 2 if it has none; copies the operand densely when its memory
    // layout cannot be merged.
    View batch_merged(const View& v) {
        const size_t r = v.shape.size();
        if (r == 2) {
            return v;
        }
        View m;
        if (merge_axes(v, 0, r - 3, &m)) {
            return m;
        }
        (void)merge_axes(materialize(v), 0, r - 3, &m);
        return m;
    }

    // Device MATMUL: A, B rank 2 or 3, dst rank = max. Batch axes of the
    // builder's operands are merged into one; a rank-2 B lets A's batch fold
    // into its rows, making one larger product.
    void emit_matmul(const Node& n, const View& dst) {
        View a = view_of(n.inputs[0]);
        View b = view_of(n.inputs[1]);
        if (n.matmul.transpose_a) {
            swap_last_two(&a);
        }
        if (n.matmul.transpose_b) {
            swap_last_two(&b);
        }
        const size_t ra = a.shape.size(), rb = b.shape.size(), rd = dst.shape.size();
        View A, B, D;
        if (rb == 2) {
            B = b;
            if (!merge_axes(a, 0, ra - 2, &A)) {
                A = batch_merged(a);
            }
            (void)merge_axes(dst, 0, rd - (A.shape.size() == 2 ? 2 : 3), &D);
        } else {
            A = batch_merged(a);
            B = batch_merged(b);
            (void)merge_axes(dst, 0, rd - 3, &D);
        }
        LoweredOp op;
        op.opcode = TERN_ISA_MATMUL;
        op.flags = 0;
        // Read column-major operands as transposed row-major ones, so that
        // the device fetches contiguous rows.
        if (prefer_transposed(A)) {
            swap_last_two(&A);
            op.flags |= TERN_ISA_MM_TRANS_A;
        }
        if (prefer_transposed(B)) {
            swap_last_two(&B);
            op.flags |= TERN_ISA_MM_TRANS_B;
        }
        if (n.matmul.alpha != 1.0f) {
            op.flags |= TERN_ISA_MM_ALPHA;
            op.param[0] = f32_bits(n.matmul.alpha);
        }
        op.dst = D;
        op.src[0] = A;
        op.src[1] = B;
        if (n.inputs.size() > 2 && n.inputs[2] != kNoValue) {
            op.src[2] = view_of(n.inputs[2]);
        }
        out_.ops.push_back(std::move(op));
    }

    static bool prefer_transposed(const View& v) {
        const size_t r = v.shape.size();
        const bool rows_contiguous = v.shape[r - 1] == 1 || v.strides[r - 1] == 1;
        const bool cols_contiguous = v.shape[r - 2] == 1 || v.strides[r - 2] == 1;
        return !rows_contiguous && cols_contiguous;
    }

    const Graph& g_;
    Lowered out_;
    std::vector<bool> live_;
    std::vector<std::optional<View>> views_;
    std::vector<std::vector<uint32_t>> copies_after_;
};

}  // namespace

Lowered lower_graph(const Graph& graph) {
    return Lowerer(graph).run();
}

}  // namespace tern::builder::detail
