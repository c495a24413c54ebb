// SPDX-License-Identifier: MIT
// The example models, built with the model builder from a fixed seed: an
// MLP and a transformer encoder block. Shared by the example programs
// (tern_example_mlp, tern_example_transformer) and tests/builder.
#pragma once

#include <tern/model_builder.hpp>

#include <cstdint>
#include <vector>

namespace tern_examples {

using tern::builder::DType;
using tern::builder::HostTensor;
using tern::builder::ModelBuilder;

// x [batch, in] -> linear -> relu -> linear -> gelu -> linear -> softmax.
struct MlpConfig {
    uint64_t batch = 32;
    uint64_t in = 64;
    uint64_t hidden = 256;
    uint64_t classes = 10;
    uint64_t seed = 2024;
};
ModelBuilder build_mlp(DType dtype, const MlpConfig& config = {});

// A pre-norm transformer encoder block over x [batch, seq, width]:
//   h = x + attention(layernorm(x))      (multi-head self-attention)
//   y = h + linear(gelu(linear(layernorm(h))))
struct EncoderConfig {
    uint64_t batch = 4;
    uint64_t seq = 32;
    uint64_t width = 128;
    uint32_t heads = 4;
    uint64_t ff = 512;    // feed-forward width
    bool causal = false;  // add a causal mask to the attention scores
    uint64_t seed = 2025;
};
ModelBuilder build_encoder(DType dtype, const EncoderConfig& config = {});

// Inputs for every model input, uniform in [-1, 1) from `seed`, in the
// input's dtype.
std::vector<HostTensor> make_inputs(const ModelBuilder& model, uint64_t seed);

// Largest |device - reference| over all outputs.
double max_abs_error(const std::vector<HostTensor>& got, const std::vector<HostTensor>& want);

// The documented bound of max_abs_error for the example models
// (docs/model-builder.md, "Numerics"): fp32 1e-4; bf16 3e-2 (several
// roundings to 8-bit mantissas in a row, outputs of magnitude ~1).
double example_tolerance(DType dtype);

}  // namespace tern_examples
