// SPDX-License-Identifier: MIT
// The driver shared by the example programs: for each dtype, build the
// model and save it as a model file, load it through the public model API
// (tern_model.h), run it, compare with the CPU reference and time it.
#pragma once

#include <functional>
#include <string>

#include "models.hpp"

namespace tern_examples {

struct Example {
    std::string program;      // argv[0]-style name for messages
    std::string description;  // one line: what the model is
    std::function<ModelBuilder(DType)> build;
    uint64_t samples_per_run;  // for the throughput line
};

// Parses --dtype, --runs, --dir and runs the example. Returns the exit code:
// 0 when every dtype ran and stayed within its tolerance.
int run_example(const Example& example, int argc, char** argv);

}  // namespace tern_examples
