// SPDX-License-Identifier: MIT
// Device selection, and every failure tern-smi reports: exit code, a
// message on stderr that says what to do, and with --json an error
// document that matches the schema.
#include <unistd.h>

#include "cli_test_util.hpp"

namespace tern_test {
namespace {

// The indices of the devices `list` with `args` shows (plus --json after
// the command unless `add_json` is false).
std::vector<int> listed(const std::vector<std::string>& args, bool add_json = true) {
    std::vector<std::string> a;
    if (add_json)
        a = {"list", "--json"};
    a.insert(a.end(), args.begin(), args.end());
    if (!add_json && std::find(a.begin(), a.end(), "list") == a.end())
        a.push_back("list");
    RunResult r = smi(a);
    EXPECT_EXIT_CODE(0, r);
    std::vector<int> out;
    json doc = parse_json(r.out);
    EXPECT_TRUE(matches_schema(doc, "list_output"));
    for (const json& d : doc["devices"])
        out.push_back(d["index"]);
    return out;
}

// Without --json a failure prints nothing on stdout.
TEST(CliErrors, TextModeWritesOnlyStderr) {
    RunResult r = smi({"info", "-d", "7"});
    EXPECT_EXIT_CODE(3, r);
    EXPECT_EQ("", r.out);
    EXPECT_TRUE(contains(r.err, "tern-smi: error: no device 7")) << r.err;
}

// ---- selection -------------------------------------------------------------------

TEST(CliSelect, ByIndexPciAddressAndNode) {
    // Global options before the command; repeated -d keeps its order.
    EXPECT_EQ((std::vector<int>{1, 0}), listed({"--json", "-d", "1", "-d", "0"}, false));
    // After the command; a comma list of a short PCI address (domain 0000
    // implied) and a node.
    EXPECT_EQ((std::vector<int>{1, 0}), listed({"-d", "02:00.0,mock:0", "--json"}, false));
    // The same device three ways is listed once.
    EXPECT_EQ((std::vector<int>{0}),
              listed({"--device", "0", "-d", "mock:0", "-d", "0000:01:00.0"}));
}

// ---- errors ------------------------------------------------------------------------

TEST(CliErrors, DeviceIndexOutOfRange) {
    expect_failure({"info", "-d", "5"}, 3, "no_device",
                   {"no device 5", "there are 2 devices", "indices 0..1", "tern-smi list"});
}

TEST(CliErrors, MalformedPciAddressIsAUsageError) {
    expect_failure({"telemetry", "-d", "0000:zz:00.0"}, 2, "usage",
                   {"malformed PCI address \"0000:zz:00.0\"", "e.g. 0000:03:00.0"});
}

TEST(CliErrors, AbsentPciAddress) {
    expect_failure(
        {"health", "-d", "0000:09:00.0"}, 3, "no_device",
        {"no device with PCI address 0000:09:00.0", "present: 0000:01:00.0, 0000:02:00.0"});
}

TEST(CliErrors, AbsentNode) {
    expect_failure({"list", "-d", "/dev/accel/accel9"}, 3, "no_device",
                   {"no device with node /dev/accel/accel9", "present: mock:0, mock:1"});
}

TEST(CliErrors, NotADeviceSelector) {
    expect_failure({"list", "-d", "gpu0"}, 2, "usage", {"bad device \"gpu0\""});
}

TEST(CliErrors, UnknownCommand) {
    json doc = expect_failure({"frobnicate"}, 2, "usage", {"frobnicate", "tern-smi --help"});
    EXPECT_TRUE(doc["command"].is_null()) << "no command was recognised";
}

TEST(CliErrors, BadOptionValues) {
    RunResult r = smi({"telemetry", "--interval-ms", "5"});
    EXPECT_EXIT_CODE(2, r);
    EXPECT_TRUE(contains(r.err, "--interval-ms")) << r.err;
    r = smi({"list", "--frob"});
    EXPECT_EXIT_CODE(2, r);
    EXPECT_TRUE(contains(r.err, "--frob")) << r.err;
}

TEST(CliErrors, ResetOnTheMockIsUnsupported) {
    expect_failure({"reset", "-d", "0"}, 5, "not_supported",
                   {"reset of device 0 (mock:0, 0000:01:00.0)",
                    "the mock backend has no administrator reset"});
}

TEST(CliErrors, ResetNeedsExactlyOneDevice) {
    expect_failure({"reset"}, 2, "usage", {"exactly one device"});
}

TEST(CliErrors, NoMockDevices) {
    EnvChanges env = mock_env();
    env["TERN_MOCK_DEVICES"] = "0";
    json doc = expect_failure({}, 3, "no_device",
                              {"cannot initialise the Tern runtime", "TERN_MOCK_DEVICES"}, env);
    EXPECT_TRUE(doc["backend"].is_null()) << "no backend came up";
    EXPECT_EQ("summary", doc["command"]);
}

TEST(CliErrors, UnknownBackend) {
    EnvChanges env = mock_env();
    env["TERN_BACKEND"] = "bogus";
    expect_failure({"list"}, 3, "no_device", {"unknown backend \"bogus\""}, env);
}

// The kernel backend on a machine without the module says what to check.
TEST(CliErrors, NoKernelDeviceGivesHints) {
    if (access("/sys/module/tern", F_OK) == 0)
        GTEST_SKIP() << "tern.ko is loaded here";
    EnvChanges env = mock_env();
    env["TERN_BACKEND"] = std::nullopt;  // default: kernel
    expect_failure({"list"}, 3, "no_device",
                   {"no Tern device found", "hint: is the tern module loaded?", "modprobe tern",
                    "dmesg", "TERN_BACKEND=mock"},
                   env);
}

// `version` still reports the tool and runtime without a device.
TEST(CliErrors, VersionWithoutADeviceStillSucceeds) {
    if (access("/sys/module/tern", F_OK) == 0)
        GTEST_SKIP() << "tern.ko is loaded here";
    EnvChanges env = mock_env();
    env["TERN_BACKEND"] = "kernel";
    RunResult r = smi({"version", "--json"}, env);
    EXPECT_EXIT_CODE(0, r);
    json doc = parse_json(r.out);
    EXPECT_TRUE(matches_schema(doc, "version_output"));
    EXPECT_TRUE(doc["backend"].is_null());
    EXPECT_TRUE(contains(doc["backend_error"].get<std::string>(), "no Tern device found"));
    EXPECT_TRUE(doc["devices"].empty());
    EXPECT_TRUE(contains(r.err, "warning: no device versions")) << r.err;
}

}  // namespace
}  // namespace tern_test
