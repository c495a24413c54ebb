// SPDX-License-Identifier: MIT
// tern-run --info: the header, sections and metadata of a model file,
// read with the container library alone (no device, weights not read).
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace tern::run {

// Throws tern::model::FormatError / std::system_error.
nlohmann::json file_info(const std::string& path);
std::string file_info_text(const nlohmann::json& info);

}  // namespace tern::run
