// SPDX-License-Identifier: MIT
// The transformer example: one pre-norm encoder block (multi-head
// attention, layer norm, GELU, residuals), built, saved as
// encoder-<dtype>.tmodel, run through the model API and checked against the
// CPU reference, with latency and throughput.
#include "run_example.hpp"

int main(int argc, char** argv) {
    const tern_examples::EncoderConfig config;
    tern_examples::Example ex;
    ex.program = "tern_example_transformer";
    ex.description = "transformer encoder block, width " + std::to_string(config.width) + ", " +
                     std::to_string(config.heads) + " heads, feed-forward " +
                     std::to_string(config.ff) + ", batch " + std::to_string(config.batch) + " x " +
                     std::to_string(config.seq) + " tokens";
    ex.build = [config](tern_examples::DType dt) {
        return tern_examples::build_encoder(dt, config);
    };
    ex.samples_per_run = config.batch;  // sequences
    return tern_examples::run_example(ex, argc, argv);
}
