// SPDX-License-Identifier: MIT
// ModelBuilder::save: build() and write the model file with the container
// writer (libruntime/model/model_file.hpp).
#include "model/model_file.hpp"
#include "tern/model_builder.hpp"

namespace tern::builder {

void ModelBuilder::save(const std::string& path, const BuildOptions& options,
                        BuildStats* stats) const {
    tern::model::write_model_file(build(options, stats), path);
}

}  // namespace tern::builder
