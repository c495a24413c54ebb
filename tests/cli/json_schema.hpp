// SPDX-License-Identifier: MIT
// A JSON Schema validator for the subset of draft 2020-12 that
// docs/schema/tern-smi.schema.json uses: type, const, enum, properties,
// required, additionalProperties (boolean), items, minimum, maximum,
// minLength, pattern, anyOf, $ref (local "#/$defs/..."), and the
// annotations $schema, $id, title, description, $defs. Any other keyword is
// an error, so the schema cannot silently rely on something unchecked.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <regex>
#include <string>
#include <vector>

namespace tern_test {

class JsonSchema {
public:
    // Throws std::invalid_argument if the schema uses an unsupported
    // keyword or a $ref that does not resolve.
    explicit JsonSchema(nlohmann::json schema);

    static JsonSchema from_file(const std::string& path);

    // Validates `doc` against the whole schema, or against the subschema
    // at `pointer` ("#/$defs/list_output"). Returns the violations, each
    // "<instance path>: <what>"; empty if valid.
    std::vector<std::string> validate(const nlohmann::json& doc,
                                      const std::string& pointer = "#") const;

private:
    void check_schema(const nlohmann::json& s, const std::string& where) const;
    const nlohmann::json& resolve(const std::string& ref) const;
    void validate_at(const nlohmann::json& s, const nlohmann::json& doc, const std::string& path,
                     std::vector<std::string>* errors) const;

    const std::regex& regex(const std::string& pattern) const;

    nlohmann::json root_;
    mutable std::map<std::string, std::regex> regexes_;  // compiled once
};

}  // namespace tern_test
