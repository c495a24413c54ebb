// SPDX-License-Identifier: MIT
// The pieces of tern-smi that need no device: the JSON Schema validator the
// other tests rely on (it must reject what the schema forbids), the health
// rules, -d parsing and the exit-code mapping.
#include <gtest/gtest.h>

#include "cli_error.hpp"
#include "cli_test_util.hpp"
#include "device_selector.hpp"
#include "health_rules.hpp"

namespace tern_test {
namespace {

using tern::smi::CheckStatus;
using tern::smi::CliError;
using tern::smi::DeviceSelector;
using tern::smi::Exit;
using tern::smi::HealthFacts;
using tern::smi::Verdict;

// ---- the validator -------------------------------------------------------------

json good_list_doc() {
    return json::parse(R"({
      "schema_version": "1.1", "tool_version": "0.1.0", "command": "list", "backend": "mock",
      "time_unix_ms": 1700000000000,
      "devices": [{"index": 0, "name": "Tern T1", "node": "mock:0",
                   "pci_address": "0000:01:00.0", "is_partition": false,
                   "partition_index": null, "num_cores": 8,
                   "memory_total_bytes": 268435456, "numa_node": 0}]})");
}

std::vector<std::string> list_errors(const json& doc) {
    return schema().validate(doc, "#/$defs/list_output");
}

TEST(CliSchema, ShippedSchemaLoadsAndAcceptsAGoodDocument) {
    EXPECT_TRUE(list_errors(good_list_doc()).empty());
    EXPECT_TRUE(schema().validate(good_list_doc()).empty());
}

TEST(CliSchema, RejectsWhatTheSchemaForbids) {
    struct Case {
        const char* what;
        std::function<void(json&)> mutate;
        const char* message;
    } cases[] = {
        {"missing field", [](json& d) { d["devices"][0].erase("num_cores"); },
         "missing required property \"num_cores\""},
        {"extra field", [](json& d) { d["devices"][0]["bogus"] = 1; },
         "unexpected property \"bogus\""},
        {"wrong type", [](json& d) { d["devices"][0]["num_cores"] = "8"; }, "type"},
        {"float for integer", [](json& d) { d["devices"][0]["memory_total_bytes"] = 1.5; }, "type"},
        {"null not allowed", [](json& d) { d["devices"][0]["name"] = nullptr; }, "type"},
        {"below minimum", [](json& d) { d["devices"][0]["num_cores"] = 0; }, "minimum"},
        {"pattern", [](json& d) { d["devices"][0]["pci_address"] = "1:2:3"; }, "does not match"},
        {"enum", [](json& d) { d["backend"] = "cuda"; }, "must be one of"},
        {"const", [](json& d) { d["schema_version"] = "2.0"; }, "must be \"1.1\""},
        {"command", [](json& d) { d["command"] = "info"; }, "must be \"list\""},
        {"empty name", [](json& d) { d["devices"][0]["name"] = ""; }, "shorter than"},
    };
    for (const Case& c : cases) {
        json doc = good_list_doc();
        c.mutate(doc);
        std::vector<std::string> errors = list_errors(doc);
        ASSERT_FALSE(errors.empty()) << c.what;
        std::string all;
        for (const std::string& e : errors)
            all += e + "\n";
        EXPECT_TRUE(contains(all, c.message)) << c.what << ":\n" << all;
        EXPECT_FALSE(schema().validate(doc).empty()) << c.what << " passes the root schema";
    }
}

TEST(CliSchema, UnsupportedKeywordsAndBadRefsAreRejected) {
    EXPECT_THROW(JsonSchema(json::parse(R"({"type": "object", "patternProperties": {}})")),
                 std::invalid_argument);
    EXPECT_THROW(JsonSchema(json::parse(R"({"$ref": "#/$defs/missing"})")), std::invalid_argument);
    EXPECT_THROW(JsonSchema(json::parse(R"({"type": "float"})")), std::invalid_argument);
    EXPECT_THROW(JsonSchema(json::parse(R"({"additionalProperties": {"type": "string"}})")),
                 std::invalid_argument);
}

TEST(CliSchema, NullableTypesAndArrays) {
    JsonSchema s(json::parse(R"({"type": "object", "properties": {
        "a": {"type": ["integer", "null"], "minimum": 1},
        "b": {"type": ["array", "null"], "items": {"type": "number", "maximum": 100}}},
        "required": ["a", "b"], "additionalProperties": false})"));
    EXPECT_TRUE(s.validate(json::parse(R"({"a": null, "b": null})")).empty());
    EXPECT_TRUE(s.validate(json::parse(R"({"a": 3, "b": [1, 2.5]})")).empty());
    EXPECT_FALSE(s.validate(json::parse(R"({"a": 0, "b": null})")).empty());
    EXPECT_FALSE(s.validate(json::parse(R"({"a": 1, "b": [101]})")).empty());
    EXPECT_FALSE(s.validate(json::parse(R"({"a": 1})")).empty());
}

// ---- health rules --------------------------------------------------------------

HealthFacts healthy_facts() {
    HealthFacts f;
    f.driver_state = "ready";
    f.reset_count = 0;
    f.heartbeat_advancing = true;
    f.die_c = 40.0;
    f.limit_c = 95.0;
    f.throttled = false;
    f.ecc_corrected = 3;
    f.ecc_uncorrected = 0;
    return f;
}

CheckStatus status_of(const std::vector<tern::smi::Check>& checks, const std::string& name) {
    for (const auto& c : checks)
        if (c.name == name)
            return c.status;
    ADD_FAILURE() << "no check " << name;
    return CheckStatus::unknown;
}

TEST(CliHealthRules, AllGood) {
    auto checks = tern::smi::evaluate_health(healthy_facts());
    EXPECT_EQ(6u, checks.size());
    for (const auto& c : checks)
        EXPECT_EQ(CheckStatus::pass, c.status) << c.name;
    EXPECT_EQ(Verdict::healthy, tern::smi::verdict(checks));
}

TEST(CliHealthRules, EachProblemAndItsVerdict) {
    struct Case {
        const char* check;
        std::function<void(HealthFacts&)> mutate;
        CheckStatus status;
        Verdict verdict;
    } cases[] = {
        {"driver_state", [](HealthFacts& f) { f.driver_state = "wedged"; }, CheckStatus::fail,
         Verdict::unhealthy},
        {"driver_state", [](HealthFacts& f) { f.driver_state = "resetting"; }, CheckStatus::warn,
         Verdict::degraded},
        {"driver_state", [](HealthFacts& f) { f.driver_state.reset(); }, CheckStatus::unknown,
         Verdict::healthy},
        {"heartbeat", [](HealthFacts& f) { f.heartbeat_advancing = false; }, CheckStatus::fail,
         Verdict::unhealthy},
        {"heartbeat", [](HealthFacts& f) { f.heartbeat_advancing.reset(); }, CheckStatus::unknown,
         Verdict::healthy},
        {"temperature", [](HealthFacts& f) { f.die_c = 95.0; }, CheckStatus::warn,
         Verdict::degraded},
        {"temperature", [](HealthFacts& f) { f.die_c.reset(); }, CheckStatus::unknown,
         Verdict::healthy},
        {"throttling", [](HealthFacts& f) { f.throttled = true; }, CheckStatus::warn,
         Verdict::degraded},
        {"ecc", [](HealthFacts& f) { f.ecc_uncorrected = 1; }, CheckStatus::fail,
         Verdict::unhealthy},
        {"ecc", [](HealthFacts& f) { f.ecc_uncorrected.reset(); }, CheckStatus::unknown,
         Verdict::healthy},
    };
    for (const Case& c : cases) {
        HealthFacts f = healthy_facts();
        c.mutate(f);
        auto checks = tern::smi::evaluate_health(f);
        EXPECT_EQ(c.status, status_of(checks, c.check)) << c.check;
        EXPECT_EQ(c.verdict, tern::smi::verdict(checks)) << c.check;
    }
}

TEST(CliHealthRules, UnresponsiveDeviceIsUnhealthyAndNothingElseIsClaimed) {
    HealthFacts f = healthy_facts();
    f.responsive = false;
    f.unresponsive_reason = "device lost";
    auto checks = tern::smi::evaluate_health(f);
    ASSERT_EQ(1u, checks.size());
    EXPECT_EQ("responsive", checks[0].name);
    EXPECT_EQ(CheckStatus::fail, checks[0].status);
    EXPECT_EQ("device lost", checks[0].detail);
    EXPECT_EQ(Verdict::unhealthy, tern::smi::verdict(checks));
}

// ---- -d parsing ----------------------------------------------------------------

TEST(CliSelectorParse, Kinds) {
    DeviceSelector s = tern::smi::parse_selector("12");
    EXPECT_EQ(DeviceSelector::Kind::index, s.kind);
    EXPECT_EQ(12u, s.index);
    s = tern::smi::parse_selector("0000:3B:1F.7");
    EXPECT_EQ(DeviceSelector::Kind::pci_address, s.kind);
    EXPECT_EQ("0000:3b:1f.7", s.text);
    s = tern::smi::parse_selector("3b:00.1");
    EXPECT_EQ("0000:3b:00.1", s.text);
    s = tern::smi::parse_selector("/dev/accel/accel0");
    EXPECT_EQ(DeviceSelector::Kind::node, s.kind);
    s = tern::smi::parse_selector("mock:3");
    EXPECT_EQ(DeviceSelector::Kind::node, s.kind);
    EXPECT_EQ(3u, tern::smi::parse_selectors({"1,2", "3"}).size());
}

TEST(CliSelectorParse, MalformedValuesAreUsageErrors) {
    for (const char* bad : {"", "abc", "0000:3b:20.0", "0000:3b:00.8", "3b:0.0", "000:3b:00.0",
                            "0000:3b:00", "123456", "-1", "mock:"}) {
        try {
            tern::smi::parse_selector(bad);
            ADD_FAILURE() << "accepted \"" << bad << "\"";
        } catch (const CliError& e) {
            EXPECT_EQ(Exit::usage, e.code()) << bad;
        }
    }
    EXPECT_THROW(tern::smi::parse_selectors({"0,"}), CliError);
}

// ---- exit codes ----------------------------------------------------------------

TEST(CliExitCodes, StatusMapping) {
    EXPECT_EQ(Exit::no_device, tern::smi::exit_for_status(TERN_ERROR_NO_DEVICE));
    EXPECT_EQ(Exit::permission, tern::smi::exit_for_status(TERN_ERROR_PERMISSION));
    EXPECT_EQ(Exit::not_supported, tern::smi::exit_for_status(TERN_ERROR_NOT_SUPPORTED));
    EXPECT_EQ(Exit::timeout, tern::smi::exit_for_status(TERN_ERROR_TIMEOUT));
    EXPECT_EQ(Exit::version_mismatch, tern::smi::exit_for_status(TERN_ERROR_VERSION_MISMATCH));
    EXPECT_EQ(Exit::device_error, tern::smi::exit_for_status(TERN_ERROR_DEVICE_LOST));
    EXPECT_EQ(Exit::device_error, tern::smi::exit_for_status(TERN_ERROR_IO));
    EXPECT_EQ(Exit::internal, tern::smi::exit_for_status(TERN_ERROR_INVALID_HANDLE));
    EXPECT_EQ(Exit::busy, tern::smi::exit_for_status(TERN_ERROR_BUSY));
    EXPECT_STREQ("busy", tern::smi::exit_name(Exit::busy));
    EXPECT_EQ(10, static_cast<int>(Exit::busy));
    EXPECT_STREQ("no_device", tern::smi::exit_name(Exit::no_device));
    EXPECT_STREQ("unhealthy", tern::smi::exit_name(Exit::unhealthy));
}

TEST(CliExitCodes, PermissionErrorsPointAtTheUdevRuleAndTheRenderGroup) {
    tern_error_detail d{};
    d.struct_size = sizeof(d);
    d.status = TERN_ERROR_PERMISSION;
    std::snprintf(d.message, sizeof(d.message), "cannot open /dev/accel/accel0: EACCES");
    CliError e = tern::smi::from_runtime(tern::Error(TERN_ERROR_PERMISSION, d), "kernel",
                                         "cannot open device 0");
    EXPECT_EQ(Exit::permission, e.code());
    EXPECT_TRUE(contains(e.what(), "cannot open device 0: cannot open /dev/accel/accel0"));
    std::string hints;
    for (const std::string& h : e.hints())
        hints += h + "\n";
    EXPECT_TRUE(contains(hints, "render group")) << hints;
    EXPECT_TRUE(contains(hints, "udev rule")) << hints;
}

}  // namespace
}  // namespace tern_test
