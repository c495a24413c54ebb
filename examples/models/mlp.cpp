// SPDX-License-Identifier: MIT
// The MLP example: builds the model, saves mlp-<dtype>.tmodel, runs it on a
// Tern device through the model API, compares with the CPU reference and
// prints latency and throughput.
#include "run_example.hpp"

int main(int argc, char** argv) {
    const tern_examples::MlpConfig config;
    tern_examples::Example ex;
    ex.program = "tern_example_mlp";
    ex.description = "MLP " + std::to_string(config.in) + " -> " + std::to_string(config.hidden) +
                     " -> " + std::to_string(config.hidden) + " -> " +
                     std::to_string(config.classes) + " (relu, gelu, softmax), batch " +
                     std::to_string(config.batch);
    ex.build = [config](tern_examples::DType dt) { return tern_examples::build_mlp(dt, config); };
    ex.samples_per_run = config.batch;
    return tern_examples::run_example(ex, argc, argv);
}
