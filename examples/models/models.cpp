// SPDX-License-Identifier: MIT
#include "models.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

namespace tern_examples {

namespace {

using tern::builder::Tensor;

// splitmix64: the same numbers on every platform (std:: distributions are
// implementation-defined).
class Random {
public:
    explicit Random(uint64_t seed) : state_(seed * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull) {}
    float uniform(float lo, float hi) {
        uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        return lo + (hi - lo) * static_cast<float>(double(z >> 11) / double(uint64_t{1} << 53));
    }
    std::vector<float> uniform(size_t n, float lo, float hi) {
        std::vector<float> v(n);
        for (float& x : v) {
            x = uniform(lo, hi);
        }
        return v;
    }

private:
    uint64_t state_;
};

const char* suffix(DType dtype) {
    switch (dtype) {
        case DType::kBf16:
            return "bf16";
        case DType::kFp16:
            return "fp16";
        case DType::kInt32:
            return "int32";
        default:
            return "fp32";
    }
}

// A dense layer's weight [in, out] and bias [out], uniform in
// +-1/sqrt(in) (PyTorch's default initialisation of nn.Linear).
struct Dense {
    Tensor weight, bias;
};
Dense dense(ModelBuilder& b, Random& rng, DType dt, const std::string& name, uint64_t in,
            uint64_t out) {
    const float bound = 1.0f / std::sqrt(static_cast<float>(in));
    Dense d;
    d.weight = b.constant(name + ".weight", dt, {in, out}, rng.uniform(in * out, -bound, bound));
    d.bias = b.constant(name + ".bias", dt, {out}, rng.uniform(out, -bound, bound));
    return d;
}

struct Norm {
    Tensor gamma, beta;
};
Norm norm(ModelBuilder& b, Random& rng, DType dt, const std::string& name, uint64_t width) {
    Norm n;
    n.gamma = b.constant(name + ".gamma", dt, {width}, rng.uniform(width, 0.9f, 1.1f));
    n.beta = b.constant(name + ".beta", dt, {width}, rng.uniform(width, -0.1f, 0.1f));
    return n;
}

}  // namespace

ModelBuilder build_mlp(DType dt, const MlpConfig& c) {
    ModelBuilder b(std::string("mlp-") + suffix(dt));
    Random rng(c.seed);
    const Tensor x = b.input("x", dt, {c.batch, c.in});
    const Dense l1 = dense(b, rng, dt, "fc1", c.in, c.hidden);
    const Dense l2 = dense(b, rng, dt, "fc2", c.hidden, c.hidden);
    const Dense l3 = dense(b, rng, dt, "fc3", c.hidden, c.classes);
    Tensor h = b.relu(b.linear(x, l1.weight, l1.bias));
    h = b.gelu(b.linear(h, l2.weight, l2.bias));
    b.output("probs", b.softmax(b.linear(h, l3.weight, l3.bias), -1));
    return b;
}

ModelBuilder build_encoder(DType dt, const EncoderConfig& c) {
    ModelBuilder b(std::string("encoder-") + suffix(dt));
    Random rng(c.seed);
    const Tensor x = b.input("x", dt, {c.batch, c.seq, c.width});

    const Norm ln1 = norm(b, rng, dt, "ln1", c.width);
    tern::builder::AttentionWeights attn;
    const Dense q = dense(b, rng, dt, "attn.q", c.width, c.width);
    const Dense k = dense(b, rng, dt, "attn.k", c.width, c.width);
    const Dense v = dense(b, rng, dt, "attn.v", c.width, c.width);
    const Dense o = dense(b, rng, dt, "attn.out", c.width, c.width);
    attn.wq = q.weight;
    attn.bq = q.bias;
    attn.wk = k.weight;
    attn.bk = k.bias;
    attn.wv = v.weight;
    attn.bv = v.bias;
    attn.wo = o.weight;
    attn.bo = o.bias;
    const Norm ln2 = norm(b, rng, dt, "ln2", c.width);
    const Dense ff1 = dense(b, rng, dt, "ff1", c.width, c.ff);
    const Dense ff2 = dense(b, rng, dt, "ff2", c.ff, c.width);

    Tensor mask;
    if (c.causal) {
        std::vector<float> m(c.seq * c.seq);
        for (uint64_t i = 0; i < c.seq; ++i) {
            for (uint64_t j = 0; j < c.seq; ++j) {
                m[i * c.seq + j] = j > i ? -std::numeric_limits<float>::infinity() : 0.0f;
            }
        }
        mask = b.constant("causal_mask", dt, {c.seq, c.seq}, m);
    }
    const Tensor a = tern::builder::multi_head_attention(
        b, b.layernorm(x, ln1.gamma, ln1.beta, 1e-5f), attn, c.heads, mask);
    const Tensor h = b.add(x, a);
    const Tensor f =
        b.linear(b.gelu(b.linear(b.layernorm(h, ln2.gamma, ln2.beta, 1e-5f), ff1.weight, ff1.bias)),
                 ff2.weight, ff2.bias);
    b.output("y", b.add(h, f));
    return b;
}

std::vector<HostTensor> make_inputs(const ModelBuilder& model, uint64_t seed) {
    Random rng(seed);
    std::vector<HostTensor> out;
    for (const tern::model::TensorSpec& s : model.input_specs()) {
        uint64_t n = 1;
        for (uint64_t d : s.shape) {
            n *= d;
        }
        out.push_back(HostTensor::from_floats(s.dtype, s.shape, rng.uniform(n, -1.0f, 1.0f)));
    }
    return out;
}

double max_abs_error(const std::vector<HostTensor>& got, const std::vector<HostTensor>& want) {
    double worst = 0;
    for (size_t i = 0; i < got.size() && i < want.size(); ++i) {
        const std::vector<float> g = got[i].to_floats();
        const std::vector<float> w = want[i].to_floats();
        if (g.size() != w.size()) {
            return std::numeric_limits<double>::infinity();
        }
        for (size_t j = 0; j < g.size(); ++j) {
            const double e = std::fabs(double(g[j]) - double(w[j]));
            worst = std::isnan(e) ? std::numeric_limits<double>::infinity() : std::max(worst, e);
        }
    }
    return worst;
}

double example_tolerance(DType dtype) {
    return dtype == DType::kFp32 ? 1e-4 : 3e-2;
}

}  // namespace tern_examples
