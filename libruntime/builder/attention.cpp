// SPDX-License-Identifier: MIT
// Multi-head self-attention composed from the builder's ops.
#include <cmath>

#include "graph.hpp"
#include "tern/model_builder.hpp"

namespace tern::builder {

Tensor multi_head_attention(ModelBuilder& b, Tensor x, const AttentionWeights& w, uint32_t heads,
                            Tensor mask) {
    auto fail = [&](const std::string& why) {
        throw BuildError("model '" + b.name() + "': multi_head_attention: " + why);
    };
    if (!x.valid()) {
        fail("x is absent");
    }
    if (x.rank() != 3) {
        fail("x " + detail::shape_str(x.shape()) + " must be [batch, sequence, model width]");
    }
    if (!w.wq.valid() || !w.wk.valid() || !w.wv.valid() || !w.wo.valid()) {
        fail("the projections wq, wk, wv and wo are required");
    }
    const int64_t batch = static_cast<int64_t>(x.dim(0));
    const int64_t seq = static_cast<int64_t>(x.dim(1));
    const int64_t width = static_cast<int64_t>(x.dim(2));
    if (heads == 0 || width % heads != 0) {
        fail("the model width " + std::to_string(width) + " is not divisible by " +
             std::to_string(heads) + " heads");
    }
    const int64_t head_width = width / heads;
    const int64_t h = heads;

    // [B, S, D] -> [B, H, S, D/H]: a reshape and a permute, both views.
    auto split_heads = [&](Tensor t) {
        return b.permute(b.reshape(t, {batch, seq, h, head_width}), {0, 2, 1, 3});
    };
    const Tensor q = split_heads(b.linear(x, w.wq, w.bq));
    const Tensor k = split_heads(b.linear(x, w.wk, w.bk));
    const Tensor v = split_heads(b.linear(x, w.wv, w.bv));

    MatmulOptions scores_opts;
    scores_opts.transpose_b = true;
    scores_opts.alpha = 1.0f / std::sqrt(static_cast<float>(head_width));
    Tensor scores = b.matmul(q, k, scores_opts);  // [B, H, S, S]
    if (mask.valid()) {
        scores = b.add(scores, mask);
    }
    const Tensor probs = b.softmax(scores, -1);
    const Tensor context = b.matmul(probs, v);  // [B, H, S, D/H]
    const Tensor merged = b.reshape(b.permute(context, {0, 2, 1, 3}), {batch, seq, width});
    return b.linear(merged, w.wo, w.bo);
}

}  // namespace tern::builder
