// SPDX-License-Identifier: MIT
// The host reference: evaluates the graph with plain loops in double
// precision and rounds each node's result to fp32 and then to the node's
// dtype, which is what the device does after computing in fp32
// (docs/isa.md section 7). It shares no code with the device model, so a
// test comparing the two checks the lowering and the device both.
#include <algorithm>
#include <cmath>
#include <limits>

#include "graph.hpp"
#include "numerics.hpp"
#include "tern/model_builder.hpp"

namespace tern::builder {

using detail::kNoValue;
using detail::Node;
using detail::NodeKind;

namespace {

struct Value {
    Shape shape;
    std::vector<double> v;  // dense row-major, exactly representable in the dtype
};

double rnd(DType dtype, double x) {
    return detail::round_to(dtype, static_cast<float>(x));
}

std::vector<uint64_t> strides_of(const Shape& s) {
    std::vector<uint64_t> st(s.size());
    uint64_t step = 1;
    for (size_t d = s.size(); d-- > 0;) {
        st[d] = step;
        step *= s[d];
    }
    return st;
}

// Strides that read `s` (rank promoted to `rank`) at the broadcast index.
std::vector<uint64_t> broadcast_strides(const Shape& s, size_t rank) {
    std::vector<uint64_t> dense = strides_of(s);
    std::vector<uint64_t> out(rank, 0);
    const size_t lead = rank - s.size();
    for (size_t d = 0; d < s.size(); ++d) {
        out[lead + d] = s[d] == 1 ? 0 : dense[d];
    }
    return out;
}

// Calls fn(flat_out, offsets...) for every index of `shape` in row-major
// order, with one offset per stride vector.
template <size_t N, class Fn>
void for_each_index(const Shape& shape, const std::array<std::vector<uint64_t>, N>& strides,
                    Fn&& fn) {
    const size_t r = shape.size();
    const uint64_t total = detail::element_count(shape);
    std::vector<uint64_t> idx(r, 0);
    std::array<uint64_t, N> off{};
    for (uint64_t flat = 0; flat < total; ++flat) {
        fn(flat, off);
        for (size_t d = r; d-- > 0;) {
            ++idx[d];
            for (size_t k = 0; k < N; ++k) {
                off[k] += strides[k][d];
            }
            if (idx[d] < shape[d]) {
                break;
            }
            for (size_t k = 0; k < N; ++k) {
                off[k] -= strides[k][d] * idx[d];
            }
            idx[d] = 0;
        }
    }
}

// IEEE-754-2019 maximum/minimum: NaN wins, -0 < +0.
double ieee_max(double a, double b) {
    if (std::isnan(a) || std::isnan(b)) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    if (a == b) {
        return std::signbit(a) ? b : a;
    }
    return a > b ? a : b;
}

double ieee_min(double a, double b) {
    if (std::isnan(a) || std::isnan(b)) {
        return std::numeric_limits<double>::quiet_NaN();
    }
    if (a == b) {
        return std::signbit(a) ? a : b;
    }
    return a < b ? a : b;
}

double unary(UnaryOp op, double x) {
    switch (op) {
        case UnaryOp::kRelu:
            return x < 0 ? 0.0 : x;
        case UnaryOp::kGelu:
            return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
        case UnaryOp::kGeluTanh:
            return 0.5 * x * (1.0 + std::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x)));
        case UnaryOp::kSilu:
            return x / (1.0 + std::exp(-x));
        case UnaryOp::kSigmoid:
            return 1.0 / (1.0 + std::exp(-x));
        case UnaryOp::kTanh:
            return std::tanh(x);
        case UnaryOp::kExp:
            return std::exp(x);
        case UnaryOp::kLog:
            return std::log(x);
        case UnaryOp::kSqrt:
            return std::sqrt(x);
        case UnaryOp::kRsqrt:
            return 1.0 / std::sqrt(x);
        case UnaryOp::kNeg:
            return -x;
        case UnaryOp::kAbs:
            return std::fabs(x);
    }
    return x;
}

class Evaluator {
public:
    Evaluator(const detail::Graph& g, std::span<const HostTensor> inputs)
        : g_(g), inputs_(inputs), values_(g.nodes.size()) {}

    std::vector<HostTensor> run() {
        if (inputs_.size() != g_.inputs.size()) {
            fail("", std::to_string(inputs_.size()) + " inputs given, the model has " +
                         std::to_string(g_.inputs.size()));
        }
        std::vector<bool> live(g_.nodes.size());
        for (const detail::Output& o : g_.outputs) {
            live[o.value] = true;
        }
        for (size_t i = g_.nodes.size(); i-- > 0;) {
            if (live[i]) {
                for (uint32_t in : g_.nodes[i].inputs) {
                    if (in != kNoValue) {
                        live[in] = true;
                    }
                }
            }
        }
        for (size_t i = 0; i < g_.nodes.size(); ++i) {
            if (live[i]) {
                values_[i] = eval(g_.nodes[i]);
            }
        }
        std::vector<HostTensor> out;
        for (const detail::Output& o : g_.outputs) {
            const Node& n = g_.nodes[o.value];
            const Value& v = values_[o.value];
            HostTensor t;
            t.dtype = n.dtype;
            t.shape = n.shape;
            if (n.dtype == DType::kInt32) {
                std::vector<int32_t> iv(v.v.begin(), v.v.end());
                t = HostTensor::from_int32(n.shape, iv);
            } else {
                std::vector<float> fv(v.v.begin(), v.v.end());
                t = HostTensor::from_floats(n.dtype, n.shape, fv);
            }
            out.push_back(std::move(t));
        }
        return out;
    }

private:
    [[noreturn]] void fail(const std::string& op, const std::string& why) const {
        throw BuildError("model '" + g_.name + "': evaluate_reference: " + op +
                         (op.empty() ? "" : ": ") + why);
    }

    const Value& in(const Node& n, size_t k) const { return values_[n.inputs[k]]; }
    bool has(const Node& n, size_t k) const {
        return k < n.inputs.size() && n.inputs[k] != kNoValue;
    }

    Value eval(const Node& n) {
        Value out;
        out.shape = n.shape;
        out.v.resize(detail::element_count(n.shape));
        switch (n.kind) {
            case NodeKind::kInput: {
                const HostTensor& h = inputs_[n.index];
                if (h.dtype != n.dtype || h.shape != n.shape) {
                    fail("input '" + n.name + "'", "given " + detail::shape_str(h.shape) + " " +
                                                       detail::dtype_name(h.dtype) + ", declared " +
                                                       detail::shape_str(n.shape) + " " +
                                                       detail::dtype_name(n.dtype));
                }
                if (h.data.size() != out.v.size() * detail::dtype_size(n.dtype)) {
                    fail("input '" + n.name + "'", "data size does not match the shape");
                }
                detail::decode(n.dtype, h.data, out.v);
                return out;
            }
            case NodeKind::kConstant:
                detail::decode(n.dtype, g_.constants[n.index], out.v);
                return out;
            case NodeKind::kMatmul:
                matmul(n, &out);
                return out;
            case NodeKind::kConv2d:
                conv2d(n, &out);
                return out;
            case NodeKind::kBinary: {
                const Value& a = in(n, 0);
                const Value& b = in(n, 1);
                const std::array<std::vector<uint64_t>, 2> st = {
                    broadcast_strides(a.shape, n.shape.size()),
                    broadcast_strides(b.shape, n.shape.size())};
                for_each_index<2>(n.shape, st, [&](uint64_t i, const std::array<uint64_t, 2>& o) {
                    const double x = a.v[o[0]], y = b.v[o[1]];
                    double r = 0;
                    switch (n.binary) {
                        case BinaryOp::kAdd:
                            r = x + y;
                            break;
                        case BinaryOp::kSub:
                            r = x - y;
                            break;
                        case BinaryOp::kMul:
                            r = x * y;
                            break;
                        case BinaryOp::kDiv:
                            r = x / y;
                            break;
                        case BinaryOp::kMax:
                            r = ieee_max(x, y);
                            break;
                        case BinaryOp::kMin:
                            r = ieee_min(x, y);
                            break;
                    }
                    out.v[i] = rnd(n.dtype, r);
                });
                return out;
            }
            case NodeKind::kUnary: {
                const Value& x = in(n, 0);
                for (size_t i = 0; i < out.v.size(); ++i) {
                    out.v[i] = rnd(n.dtype, unary(n.unary, x.v[i]));
                }
                return out;
            }
            case NodeKind::kAffine: {
                // Two fp32 operations, each rounded, as the device computes.
                const Value& x = in(n, 0);
                for (size_t i = 0; i < out.v.size(); ++i) {
                    const float prod = static_cast<float>(double(n.f0) * x.v[i]);
                    out.v[i] = rnd(n.dtype, double(prod) + double(n.f1));
                }
                return out;
            }
            case NodeKind::kCast: {
                const Value& x = in(n, 0);
                for (size_t i = 0; i < out.v.size(); ++i) {
                    out.v[i] = rnd(n.dtype, x.v[i]);
                }
                return out;
            }
            case NodeKind::kSoftmax:
                softmax(n, &out);
                return out;
            case NodeKind::kLayerNorm:
                layernorm(n, &out);
                return out;
            case NodeKind::kReduce:
                reduce(n, &out);
                return out;
            case NodeKind::kPermute: {
                const Value& x = in(n, 0);
                const std::vector<uint64_t> xs = strides_of(x.shape);
                std::array<std::vector<uint64_t>, 1> st;
                for (uint32_t p : n.perm) {
                    st[0].push_back(xs[p]);
                }
                for_each_index<1>(n.shape, st, [&](uint64_t i, const std::array<uint64_t, 1>& o) {
                    out.v[i] = x.v[o[0]];
                });
                return out;
            }
            case NodeKind::kReshape:
                out.v = in(n, 0).v;
                return out;
            case NodeKind::kPool2d:
                pool2d(n, &out);
                return out;
            case NodeKind::kGather:
                gather(n, &out);
                return out;
        }
        return out;
    }

    void matmul(const Node& n, Value* out) const {
        const Value& a = in(n, 0);
        const Value& b = in(n, 1);
        const bool ta = n.matmul.transpose_a, tb = n.matmul.transpose_b;
        const size_t ra = a.shape.size(), rb = b.shape.size();
        const uint64_t m = n.shape[n.shape.size() - 2], nn = n.shape.back();
        const uint64_t k = ta ? a.shape[ra - 2] : a.shape[ra - 1];
        const uint64_t batch = detail::element_count(n.shape) / (m * nn);
        const uint64_t a_mat = a.shape[ra - 1] * a.shape[ra - 2];
        const uint64_t b_mat = b.shape[rb - 1] * b.shape[rb - 2];
        const uint64_t a_step = ra > 2 ? a_mat : 0, b_step = rb > 2 ? b_mat : 0;
        const Value* bias = has(n, 2) ? &in(n, 2) : nullptr;
        const double alpha = n.matmul.alpha;
        for (uint64_t bi = 0; bi < batch; ++bi) {
            const double* A = a.v.data() + bi * a_step;
            const double* B = b.v.data() + bi * b_step;
            for (uint64_t i = 0; i < m; ++i) {
                for (uint64_t j = 0; j < nn; ++j) {
                    double s = 0;
                    for (uint64_t p = 0; p < k; ++p) {
                        const double av = ta ? A[p * m + i] : A[i * k + p];
                        const double bv = tb ? B[j * k + p] : B[p * nn + j];
                        s += av * bv;
                    }
                    s = alpha * s + (bias != nullptr ? bias->v[j] : 0.0);
                    out->v[(bi * m + i) * nn + j] = rnd(n.dtype, s);
                }
            }
        }
    }

    void conv2d(const Node& n, Value* out) const {
        const Value& x = in(n, 0);
        const Value& w = in(n, 1);
        const Value* bias = has(n, 2) ? &in(n, 2) : nullptr;
        const Conv2dOptions& o = n.conv;
        const int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
        const int64_t O = w.shape[0], KH = w.shape[2], KW = w.shape[3];
        const int64_t OH = n.shape[2], OW = n.shape[3];
        const int64_t cg = C / o.groups, og = O / o.groups;
        for (int64_t b = 0; b < N; ++b) {
            for (int64_t oc = 0; oc < O; ++oc) {
                const int64_t g = oc / og;
                for (int64_t y = 0; y < OH; ++y) {
                    for (int64_t xx = 0; xx < OW; ++xx) {
                        double s = bias != nullptr ? bias->v[oc] : 0.0;
                        for (int64_t c = 0; c < cg; ++c) {
                            for (int64_t i = 0; i < KH; ++i) {
                                const int64_t r =
                                    y * o.stride_h - int64_t(o.pad_h) + i * int64_t(o.dilation_h);
                                if (r < 0 || r >= H) {
                                    continue;
                                }
                                for (int64_t j = 0; j < KW; ++j) {
                                    const int64_t q = xx * o.stride_w - int64_t(o.pad_w) +
                                                      j * int64_t(o.dilation_w);
                                    if (q < 0 || q >= W) {
                                        continue;
                                    }
                                    s += x.v[((b * C + g * cg + c) * H + r) * W + q] *
                                         w.v[((oc * cg + c) * KH + i) * KW + j];
                                }
                            }
                        }
                        out->v[((b * O + oc) * OH + y) * OW + xx] = rnd(n.dtype, s);
                    }
                }
            }
        }
    }

    // Visits every line along `axis` of `shape`: fn(first element, step).
    template <class Fn>
    static void for_each_line(const Shape& shape, uint32_t axis, Fn&& fn) {
        uint64_t outer = 1, inner = 1;
        for (uint32_t d = 0; d < axis; ++d) {
            outer *= shape[d];
        }
        for (size_t d = axis + 1; d < shape.size(); ++d) {
            inner *= shape[d];
        }
        for (uint64_t o = 0; o < outer; ++o) {
            for (uint64_t i = 0; i < inner; ++i) {
                fn(o * shape[axis] * inner + i, inner, o * inner + i);
            }
        }
    }

    void softmax(const Node& n, Value* out) const {
        const Value& x = in(n, 0);
        const uint64_t len = x.shape[n.axis];
        for_each_line(x.shape, n.axis, [&](uint64_t first, uint64_t step, uint64_t) {
            double m = -std::numeric_limits<double>::infinity();
            bool nan_line = false;
            for (uint64_t j = 0; j < len; ++j) {
                const double v = x.v[first + j * step];
                nan_line |= std::isnan(v) || v == std::numeric_limits<double>::infinity();
                m = std::max(m, v);
            }
            nan_line |= m == -std::numeric_limits<double>::infinity();
            double sum = 0;
            for (uint64_t j = 0; j < len; ++j) {
                sum += std::exp(x.v[first + j * step] - m);
            }
            for (uint64_t j = 0; j < len; ++j) {
                const double e = std::exp(x.v[first + j * step] - m);
                out->v[first + j * step] =
                    nan_line ? std::numeric_limits<double>::quiet_NaN() : rnd(n.dtype, e / sum);
            }
        });
    }

    void layernorm(const Node& n, Value* out) const {
        const Value& x = in(n, 0);
        const Value* gamma = has(n, 1) ? &in(n, 1) : nullptr;
        const Value* beta = has(n, 2) ? &in(n, 2) : nullptr;
        const uint64_t d = x.shape.back();
        const uint64_t rows = x.v.size() / d;
        for (uint64_t r = 0; r < rows; ++r) {
            const double* row = x.v.data() + r * d;
            double mean = 0;
            for (uint64_t j = 0; j < d; ++j) {
                mean += row[j];
            }
            mean /= double(d);
            double var = 0;
            for (uint64_t j = 0; j < d; ++j) {
                var += (row[j] - mean) * (row[j] - mean);
            }
            var /= double(d);
            const double inv = 1.0 / std::sqrt(var + double(n.f0));
            for (uint64_t j = 0; j < d; ++j) {
                double y = (row[j] - mean) * inv;
                y = y * (gamma != nullptr ? gamma->v[j] : 1.0) +
                    (beta != nullptr ? beta->v[j] : 0.0);
                out->v[r * d + j] = rnd(n.dtype, y);
            }
        }
    }

    void reduce(const Node& n, Value* out) const {
        const Value& x = in(n, 0);
        const uint64_t len = x.shape[n.axis];
        for_each_line(x.shape, n.axis, [&](uint64_t first, uint64_t step, uint64_t line) {
            double acc = n.reduce == ReduceOp::kMax ? -std::numeric_limits<double>::infinity() : 0;
            for (uint64_t j = 0; j < len; ++j) {
                const double v = x.v[first + j * step];
                acc = n.reduce == ReduceOp::kMax ? ieee_max(acc, v) : acc + v;
            }
            if (n.reduce == ReduceOp::kMean) {
                acc /= double(len);
            }
            out->v[line] = rnd(n.dtype, acc);
        });
    }

    void pool2d(const Node& n, Value* out) const {
        const Value& x = in(n, 0);
        const Pool2dOptions& o = n.pool_opts;
        const int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
        const int64_t OH = n.shape[2], OW = n.shape[3];
        for (int64_t p = 0; p < N * C; ++p) {
            const double* plane = x.v.data() + p * H * W;
            for (int64_t y = 0; y < OH; ++y) {
                for (int64_t xx = 0; xx < OW; ++xx) {
                    const int64_t r0 = y * o.stride_h - int64_t(o.pad_h);
                    const int64_t c0 = xx * o.stride_w - int64_t(o.pad_w);
                    double acc =
                        n.pool == PoolOp::kMax ? -std::numeric_limits<double>::infinity() : 0.0;
                    int64_t count = 0;
                    for (int64_t r = std::max<int64_t>(r0, 0);
                         r < std::min<int64_t>(r0 + o.kernel_h, H); ++r) {
                        for (int64_t c = std::max<int64_t>(c0, 0);
                             c < std::min<int64_t>(c0 + o.kernel_w, W); ++c) {
                            const double v = plane[r * W + c];
                            acc = n.pool == PoolOp::kMax ? ieee_max(acc, v) : acc + v;
                            ++count;
                        }
                    }
                    if (n.pool == PoolOp::kAvg) {
                        acc /= double(count);
                    }
                    out->v[(p * OH + y) * OW + xx] = rnd(n.dtype, acc);
                }
            }
        }
    }

    void gather(const Node& n, Value* out) const {
        const Value& table = in(n, 0);
        const Value& idx = in(n, 1);
        const uint64_t rows = table.shape[0], d = table.shape[1];
        for (size_t i = 0; i < idx.v.size(); ++i) {
            const double r = idx.v[i];
            if (r < 0 || r >= double(rows)) {
                fail("gather", "index " + std::to_string(int64_t(r)) + " at position " +
                                   std::to_string(i) + " is outside the table's " +
                                   std::to_string(rows) + " rows");
            }
            // Same dtype: the row is copied exactly.
            std::copy_n(table.v.begin() + uint64_t(r) * d, d, out->v.begin() + i * d);
        }
    }

    const detail::Graph& g_;
    std::span<const HostTensor> inputs_;
    std::vector<Value> values_;
};

}  // namespace

std::vector<HostTensor> ModelBuilder::evaluate_reference(std::span<const HostTensor> inputs) const {
    return Evaluator(*graph_, inputs).run();
}

// ---- HostTensor ------------------------------------------------------------

uint64_t HostTensor::count() const {
    return detail::element_count(shape);
}

HostTensor HostTensor::from_floats(DType dtype, Shape shape, std::span<const float> values) {
    if (values.size() != detail::element_count(shape)) {
        throw BuildError("HostTensor::from_floats: " + std::to_string(values.size()) +
                         " values for shape " + detail::shape_str(shape));
    }
    HostTensor t;
    t.dtype = dtype;
    t.shape = std::move(shape);
    t.data = detail::encode(dtype, values);
    return t;
}

HostTensor HostTensor::from_int32(Shape shape, std::span<const int32_t> values) {
    if (values.size() != detail::element_count(shape)) {
        throw BuildError("HostTensor::from_int32: " + std::to_string(values.size()) +
                         " values for shape " + detail::shape_str(shape));
    }
    HostTensor t;
    t.dtype = DType::kInt32;
    t.shape = std::move(shape);
    const auto* p = reinterpret_cast<const uint8_t*>(values.data());
    t.data.assign(p, p + values.size() * 4);
    return t;
}

std::vector<float> HostTensor::to_floats() const {
    const uint64_t n = count();
    if (data.size() != n * detail::dtype_size(dtype)) {
        throw BuildError("HostTensor::to_floats: " + std::to_string(data.size()) +
                         " bytes for shape " + detail::shape_str(shape) + " " +
                         detail::dtype_name(dtype));
    }
    std::vector<double> d(n);
    detail::decode(dtype, data, d);
    return std::vector<float>(d.begin(), d.end());
}

}  // namespace tern::builder
