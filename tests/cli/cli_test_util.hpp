// SPDX-License-Identifier: MIT
// Shared helpers of the tern-smi tests: running the built binary on the
// mock with a known configuration, and checking JSON against the schema.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "json_schema.hpp"
#include "subprocess.hpp"

namespace tern_test {

using nlohmann::json;

// The mock every command test runs on: 2 devices of 64 MiB and 4 cores.
inline constexpr uint64_t kMockMemory = 64ull << 20;
inline constexpr uint32_t kMockCores = 4;
inline constexpr int kMockDevices = 2;

inline EnvChanges mock_env() {
    return {{"TERN_BACKEND", "mock"},           {"TERN_MOCK_DEVICES", std::to_string(kMockDevices)},
            {"TERN_MOCK_MEMORY", "64M"},        {"TERN_MOCK_CORES", std::to_string(kMockCores)},
            {"TERN_MOCK_CONFIG", std::nullopt}, {"TERN_MOCK_JOB_TIMEOUT_MS", std::nullopt},
            {"TERN_LOG_LEVEL", std::nullopt}};
}

inline RunResult smi(const std::vector<std::string>& args, const EnvChanges& env = mock_env()) {
    std::vector<std::string> argv{TERN_SMI_PATH};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, env);
}

inline const JsonSchema& schema() {
    static const JsonSchema s = JsonSchema::from_file(TERN_SMI_SCHEMA);
    return s;
}

// Validates against "#/$defs/<def>" and against the whole schema.
inline ::testing::AssertionResult matches_schema(const json& doc, const std::string& def) {
    std::vector<std::string> errors = schema().validate(doc, "#/$defs/" + def);
    if (errors.empty() && !schema().validate(doc).empty())
        errors.push_back("valid as " + def + " but not against the whole schema");
    if (errors.empty())
        return ::testing::AssertionSuccess();
    auto r = ::testing::AssertionFailure() << def << " violations:";
    for (const std::string& e : errors)
        r << "\n  " << e;
    return r << "\n" << doc.dump(2);
}

// Exit code, with stdout and stderr in the failure message.
#define EXPECT_EXIT_CODE(expected, result)                                        \
    EXPECT_EQ(expected, (result).exit_code)                                       \
        << "signal " << (result).signal << (result).timed_out << "\n--- stdout\n" \
        << (result).out << "--- stderr\n"                                         \
        << (result).err

inline json parse_json(const std::string& text) {
    try {
        return json::parse(text);
    } catch (const std::exception& e) {
        ADD_FAILURE() << "not JSON: " << e.what() << "\n" << text;
        return json();
    }
}

// One JSON document per line (streams).
inline std::vector<json> parse_lines(const std::string& text) {
    std::vector<json> docs;
    size_t start = 0;
    while (start < text.size()) {
        size_t nl = text.find('\n', start);
        std::string line = text.substr(start, nl == std::string::npos ? nl : nl - start);
        if (!line.empty())
            docs.push_back(parse_json(line));
        if (nl == std::string::npos)
            break;
        start = nl + 1;
    }
    return docs;
}

inline bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

// Runs a failing command with --json: the message and hints on stderr, the
// error document on stdout, the exit code.
inline json expect_failure(const std::vector<std::string>& args, int code,
                           const std::string& error_code,
                           const std::vector<std::string>& stderr_has,
                           const EnvChanges& env = mock_env()) {
    std::vector<std::string> json_args = args;
    json_args.push_back("--json");
    RunResult r = smi(json_args, env);
    EXPECT_EXIT_CODE(code, r);
    EXPECT_TRUE(contains(r.err, "tern-smi: error: ")) << r.err;
    for (const std::string& want : stderr_has)
        EXPECT_TRUE(contains(r.err, want)) << want << "\n" << r.err;
    json doc = parse_json(r.out);
    EXPECT_TRUE(matches_schema(doc, "error_output"));
    EXPECT_EQ(error_code, doc["error"]["code"]);
    EXPECT_EQ(code, doc["error"]["exit_code"]);
    const std::string message = doc["error"]["message"];
    EXPECT_TRUE(contains(r.err, "tern-smi: error: " + message)) << "the same message";
    return doc;
}

}  // namespace tern_test
