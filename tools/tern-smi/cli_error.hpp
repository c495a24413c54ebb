// SPDX-License-Identifier: MIT
// Failures tern-smi reports: an exit code, a message and hints that say
// what to do. Runtime errors are translated here, with the hints for the
// problems admins hit most (no device, permissions).
#pragma once

#include "exit_codes.hpp"

#include <tern/tern.hpp>

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <vector>

namespace tern::smi {

class CliError : public std::runtime_error {
public:
    CliError(Exit code, const std::string& message, std::vector<std::string> hints = {})
        : std::runtime_error(message), code_(code), hints_(std::move(hints)) {}

    Exit code() const noexcept { return code_; }
    const std::vector<std::string>& hints() const noexcept { return hints_; }

    // Machine-readable detail for the JSON error object, e.g. "holders" of
    // a partition that could not be destroyed; an object or null.
    const nlohmann::ordered_json& extra() const noexcept { return extra_; }
    CliError& with_extra(nlohmann::ordered_json extra) {
        extra_ = std::move(extra);
        return *this;
    }

private:
    Exit code_;
    std::vector<std::string> hints_;
    nlohmann::ordered_json extra_;
};

// A runtime failure as tern-smi reports it. `backend` is the runtime's
// backend ("kernel", "mock") or "" when tern_init itself failed; `what`
// names the step ("opening device 0").
CliError from_runtime(const tern::Error& e, const std::string& backend, const std::string& what);

}  // namespace tern::smi
