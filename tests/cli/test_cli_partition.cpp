// SPDX-License-Identifier: MIT
// tern-smi partition list|create|destroy on the mock: human output, JSON
// against the schema, the VFs as ordinary devices of `list`, and every
// refusal with its exit code. The mock's devices live in the tern-smi
// process, so partitions that exist before a command come from the mock
// configuration ("partitions" of TERN_MOCK_CONFIG), as if an administrator
// had made them at boot.
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "cli_error.hpp"
#include "cli_test_util.hpp"
#include "partition_args.hpp"

namespace tern_test {
namespace {

constexpr uint64_t kMiB = 1ull << 20;

// Card 0: 64 MiB, 8 cores, VFs 0 (cores 0-1, 16 MiB at 0) and 1 (cores
// 2-3, 16 MiB at 32 MiB); card 1: 64 MiB, 4 cores, no partitions.
class PartitionedMock {
public:
    PartitionedMock() {
        char tmpl[] = "/tmp/tern-cli-part-XXXXXX.json";
        const int fd = mkstemps(tmpl, 5);
        EXPECT_GE(fd, 0);
        path_ = tmpl;
        const std::string text = R"({"devices": [
          {"memory": "64M", "cores": 8, "partitions": [
             {"memory_base": 0, "memory": "16M", "core_mask": 3, "queues": 4, "asids": 8},
             {"memory_base": "32M", "memory": "16M", "core_mask": 12, "queues": 2, "asids": 4}]},
          {"memory": "64M", "cores": 4}]})";
        EXPECT_EQ(ssize_t(text.size()), write(fd, text.data(), text.size()));
        close(fd);
    }
    ~PartitionedMock() { unlink(path_.c_str()); }
    EnvChanges env() const {
        EnvChanges e = mock_env();
        e["TERN_MOCK_DEVICES"] = std::nullopt;
        e["TERN_MOCK_MEMORY"] = std::nullopt;
        e["TERN_MOCK_CORES"] = std::nullopt;
        e["TERN_MOCK_CONFIG"] = path_;
        return e;
    }

private:
    std::string path_;
};

json run_json(const std::vector<std::string>& args, const std::string& def,
              const EnvChanges& env = mock_env()) {
    std::vector<std::string> a = args;
    a.push_back("--json");
    RunResult r = smi(a, env);
    EXPECT_EXIT_CODE(0, r);
    json doc = parse_json(r.out);
    EXPECT_TRUE(matches_schema(doc, def));
    return doc;
}

// A refused partition command: what every failure shows (expect_failure),
// in a document that names the command.
json expect_partition_failure(const std::vector<std::string>& args, int code,
                              const std::string& error_code,
                              const std::vector<std::string>& stderr_has,
                              const EnvChanges& env = mock_env()) {
    json doc = expect_failure(args, code, error_code, stderr_has, env);
    EXPECT_EQ("partition", doc["command"]);
    return doc;
}

TEST(CliPartitionList, ProfilesOfUnpartitionedCards) {
    RunResult r = smi({"partition", "list"});
    EXPECT_EXIT_CODE(0, r);
    for (const char* want : {"Device 0: Tern T1 (mock:0, 0000:01:00.0)", "Device 1: Tern T1",
                             "Card: 4 cores (mask 0x0f), 64 MiB; up to 8 partitions",
                             "No partitions.", "| 4way |", "PF reserve 0 B"})
        EXPECT_TRUE(contains(r.out, want)) << want << "\n" << r.out;
    EXPECT_FALSE(contains(r.out, "8way")) << "8 ways on 4 cores";

    json doc =
        run_json({"partition", "list", "--pf-reserve", "16M", "-d", "1"}, "partition_list_output");
    ASSERT_EQ(1u, doc["devices"].size());
    const json& d = doc["devices"][0];
    EXPECT_EQ("list", doc["action"]);
    EXPECT_EQ(1, d["index"]);
    EXPECT_EQ(true, d["partitioning_supported"]);
    EXPECT_EQ(8, d["max_partitions"]);
    EXPECT_EQ(15, d["card_core_mask"]);
    EXPECT_EQ(64 * kMiB, d["card_memory_bytes"]);
    EXPECT_EQ(64 * kMiB, d["free_memory_bytes"]);
    EXPECT_EQ(16 * kMiB, d["pf_reserve_bytes"]);
    EXPECT_TRUE(d["partitions"].empty());
    EXPECT_TRUE(d["holders"].empty());
    ASSERT_EQ(3u, d["profiles"].size());
    EXPECT_EQ("4way", d["profiles"][2]["name"]);
    EXPECT_EQ(1, d["profiles"][2]["cores_per_partition"]);
    EXPECT_EQ(12 * kMiB, d["profiles"][2]["memory_per_partition_bytes"]);
}

TEST(CliPartitionList, TableVfDevicesAndHolders) {
    PartitionedMock mock;
    RunResult r = smi({"partition", "list", "-d", "0"}, mock.env());
    EXPECT_EXIT_CODE(0, r);
    for (const char* want :
         {"Partitions: 2; left to the PF: cores 0xf0, 32 MiB", "2: mock:0.vf0 (0000:01:00.1)",
          "3: mock:0.vf1 (0000:01:00.2)", "Held by: nobody", "0x0c"})
        EXPECT_TRUE(contains(r.out, want)) << want << "\n" << r.out;

    json doc = run_json({"partition", "list"}, "partition_list_output", mock.env());
    ASSERT_EQ(2u, doc["devices"].size()) << "the PFs; the VFs are under theirs";
    const json& parts = doc["devices"][0]["partitions"];
    ASSERT_EQ(2u, parts.size());
    EXPECT_EQ(12, parts[1]["core_mask"]);
    EXPECT_EQ(2, parts[1]["num_cores"]);
    EXPECT_EQ(32 * kMiB, parts[1]["memory_offset_bytes"]);
    EXPECT_EQ(16 * kMiB, parts[1]["memory_bytes"]);
    EXPECT_EQ(2, parts[1]["num_queues"]);
    EXPECT_EQ(4, parts[1]["num_address_spaces"]);
    EXPECT_EQ(3, parts[1]["device"]["index"]);
    EXPECT_EQ("mock:0.vf1", parts[1]["device"]["node"]);
    EXPECT_EQ(2, doc["devices"][0]["enabled_vfs"]);
    EXPECT_EQ(240, doc["devices"][0]["free_core_mask"]);
    EXPECT_TRUE(doc["devices"][0]["holders"].empty()) << "tern-smi closed the VFs it saw";

    // The VFs are ordinary devices for every other command.
    json list = run_json({"list"}, "list_output", mock.env());
    ASSERT_EQ(4u, list["devices"].size());
    EXPECT_EQ(true, list["devices"][3]["is_partition"]);
    EXPECT_EQ(1, list["devices"][3]["partition_index"]);
    EXPECT_EQ("Tern T1 partition 1", list["devices"][3]["name"]);
    EXPECT_EQ(2, list["devices"][3]["num_cores"]);
    json info = run_json({"info", "-d", "mock:0.vf0"}, "info_output", mock.env());
    EXPECT_EQ("vf", info["devices"][0]["function"]);
    EXPECT_EQ(3, info["devices"][0]["core_mask"]);
    EXPECT_EQ(16 * kMiB, info["devices"][0]["memory_total_bytes"]);
}

TEST(CliPartitionCreate, ProfileHumanAndJson) {
    RunResult r = smi({"partition", "create", "-d", "0", "--profile", "2way"});
    EXPECT_EXIT_CODE(0, r);
    for (const char* want : {"Created 2 partitions on device 0 (mock:0, 0000:01:00.0):",
                             "2: mock:0.vf0 (0000:01:00.1)", "3: mock:0.vf1", "0x0c",
                             "live as long as this tern-smi process"})
        EXPECT_TRUE(contains(r.out, want)) << want << "\n" << r.out;

    json doc = run_json({"partition", "create", "-d", "1", "--profile", "4way", "--pf-reserve",
                         "8M", "--timeout-ms", "5000"},
                        "partition_create_output");
    EXPECT_EQ("create", doc["action"]);
    EXPECT_EQ(false, doc["dry_run"]);
    EXPECT_EQ(false, doc["persistent"]) << "the mock's partitions end with the process";
    EXPECT_EQ(1, doc["device"]["index"]);
    ASSERT_EQ(4u, doc["partitions"].size());
    for (int i = 0; i < 4; ++i) {
        const json& p = doc["partitions"][i];
        EXPECT_EQ(i, p["index"]);
        EXPECT_EQ(1 << i, p["core_mask"]);
        EXPECT_EQ(14 * kMiB, p["memory_bytes"]);
        EXPECT_EQ(8 * kMiB + i * 14 * kMiB, p["memory_offset_bytes"]);
        EXPECT_EQ(2 + i, p["device"]["index"]);
    }
}

TEST(CliPartitionCreate, ExplicitVfsAndDryRun) {
    json doc = run_json({"partition", "create", "-d", "0", "--vf", "cores=1,mem=16M", "--vf",
                         "mask=0x8,mem=8M,queues=2,asids=3,base=0", "--dry-run"},
                        "partition_create_output");
    EXPECT_EQ(true, doc["dry_run"]);
    ASSERT_EQ(2u, doc["partitions"].size());
    EXPECT_EQ(1, doc["partitions"][0]["core_mask"]);
    EXPECT_EQ(48 * kMiB, doc["partitions"][0]["memory_offset_bytes"]);
    EXPECT_TRUE(doc["partitions"][0]["device"].is_null()) << "only planned";
    EXPECT_EQ(8, doc["partitions"][1]["core_mask"]);
    EXPECT_EQ(0, doc["partitions"][1]["memory_offset_bytes"]);
    EXPECT_EQ(2, doc["partitions"][1]["num_queues"]);
    EXPECT_EQ(3, doc["partitions"][1]["num_address_spaces"]);
    RunResult r = smi({"partition", "create", "-d", "0", "--vf", "cores=1,mem=16M", "--dry-run"});
    EXPECT_EXIT_CODE(0, r);
    EXPECT_TRUE(contains(r.out, "Would create 1 partition on device 0")) << r.out;
    EXPECT_FALSE(contains(r.out, "live as long")) << r.out;
}

TEST(CliPartitionDestroy, RemovesThemOrSaysThereAreNone) {
    PartitionedMock mock;
    json doc = run_json({"partition", "destroy", "-d", "0000:01:00.0"}, "partition_destroy_output",
                        mock.env());
    EXPECT_EQ("destroy", doc["action"]);
    EXPECT_EQ(2, doc["destroyed"]);
    EXPECT_EQ(0, doc["device"]["index"]);
    RunResult r = smi({"partition", "destroy", "-d", "0"}, mock.env());
    EXPECT_EXIT_CODE(0, r);
    EXPECT_TRUE(contains(r.out, "Destroyed 2 partitions on device 0 (mock:0")) << r.out;
    r = smi({"partition", "destroy", "-d", "1"}, mock.env());
    EXPECT_EXIT_CODE(0, r);
    EXPECT_TRUE(contains(r.out, "has no partitions; nothing to do")) << r.out;
    doc = run_json({"partition", "destroy", "-d", "1"}, "partition_destroy_output", mock.env());
    EXPECT_EQ(0, doc["destroyed"]);
}

TEST(CliPartitionErrors, Usage) {
    expect_partition_failure({"partition", "create", "--profile", "2way"}, 2, "usage",
                             {"exactly one device"});
    expect_partition_failure({"partition", "create", "-d", "0,1", "--profile", "2way"}, 2, "usage",
                             {"exactly one device"});
    expect_partition_failure({"partition", "destroy"}, 2, "usage", {"exactly one device"});
    expect_partition_failure({"partition", "create", "-d", "0"}, 2, "usage",
                             {"--profile NAME", "--vf"});
    expect_partition_failure({"partition", "create", "-d", "0", "--profile", "3way"}, 2, "usage",
                             {"1way, 2way, 4way and 8way"});
    expect_partition_failure({"partition", "create", "-d", "0", "--vf", "cores=2"}, 2, "usage",
                             {"mem=SIZE is required"});
    expect_partition_failure({"partition", "create", "-d", "0", "--vf", "cores=2,mem=lots"}, 2,
                             "usage", {"\"lots\" is not a size"});
    expect_partition_failure({"partition", "create", "-d", "0", "--vf", "cores=2,mem=8M,color=red"},
                             2, "usage", {"unknown key \"color\""});
    expect_partition_failure({"partition", "list", "--pf-reserve", "64M"}, 2, "usage",
                             {"--pf-reserve", "leaves no device memory"});
    // The runtime's refusal of a layout is a usage error too, with its reason.
    expect_partition_failure(
        {"partition", "create", "-d", "0", "--profile", "8way"}, 2, "usage",
        {"8 partitions need at least 8 cores; the card has 4", "partition list -d"});
    expect_partition_failure({"partition", "create", "-d", "0", "--vf", "cores=2,mem=3M"}, 2,
                             "usage", {"multiple of 2 MiB"});
    RunResult r =
        smi({"partition", "create", "-d", "0", "--profile", "2way", "--vf", "cores=1,mem=2M"});
    EXPECT_EXIT_CODE(2, r);
    r = smi({"partition", "destroy", "-d", "0", "--timeout-ms", "0"});
    EXPECT_EXIT_CODE(2, r);
    r = smi({"partition"});
    EXPECT_EXIT_CODE(2, r);
}

TEST(CliPartitionErrors, BusyAndNotSupported) {
    PartitionedMock mock;
    json doc = expect_partition_failure(
        {"partition", "create", "-d", "0", "--profile", "2way"}, 10, "busy",
        {"already has 2 partition(s)", "hint: destroy the existing"}, mock.env());
    EXPECT_TRUE(doc["error"]["holders"].empty());
    expect_partition_failure({"partition", "list", "-d", "2"}, 5, "not_supported",
                             {"mock:0.vf0 is partition 0 (a VF)"}, mock.env());
    expect_partition_failure({"partition", "destroy", "-d", "mock:0.vf1"}, 5, "not_supported",
                             {"is partition 1 (a VF)"}, mock.env());
    expect_partition_failure({"partition", "list", "-d", "9"}, 3, "no_device", {"no device 9"});
}

// Without CAP_SYS_ADMIN the change is refused (exit 4) and the hint says
// what to run; planning still works.
TEST(CliPartitionErrors, CreatingNeedsRoot) {
    if (access("/usr/bin/setpriv", X_OK) != 0)
        GTEST_SKIP() << "setpriv (util-linux) is not installed";
    if (geteuid() != 0)
        GTEST_SKIP() << "the test drops CAP_SYS_ADMIN from root";
    auto without_admin = [](std::vector<std::string> args) {
        std::vector<std::string> argv{"/usr/bin/setpriv", "--bounding-set", "-sys_admin",
                                      "--inh-caps",       "-sys_admin",     TERN_SMI_PATH};
        argv.insert(argv.end(), args.begin(), args.end());
        return run(argv, mock_env());
    };
    RunResult r = without_admin({"partition", "create", "-d", "0", "--profile", "2way"});
    EXPECT_EXIT_CODE(4, r);
    EXPECT_TRUE(contains(r.err, "CAP_SYS_ADMIN")) << r.err;
    EXPECT_TRUE(contains(r.err, "hint: changing partitions needs root")) << r.err;
    r = without_admin({"partition", "create", "-d", "0", "--profile", "2way", "--dry-run"});
    EXPECT_EXIT_CODE(0, r);
}

// ---- argument parsing, without a device ---------------------------------------

TEST(CliPartitionArgs, Sizes) {
    using tern::smi::parse_size_arg;
    EXPECT_EQ(64 * kMiB, parse_size_arg("64M", "x"));
    EXPECT_EQ(64 * kMiB, parse_size_arg("64MiB", "x"));
    EXPECT_EQ(64 * kMiB, parse_size_arg("64mb", "x"));
    EXPECT_EQ(2ull << 30, parse_size_arg("2G", "x"));
    EXPECT_EQ(4096u, parse_size_arg("4096", "x"));
    EXPECT_EQ(4096u, parse_size_arg("4K", "x"));
    EXPECT_EQ(1ull << 40, parse_size_arg("1T", "x"));
    for (const char* bad : {"", "M", "-1", "1.5G", "12Q", "0x10", "99999999999999999999",
                            "20000000T", "MiB", "1 M"}) {
        try {
            parse_size_arg(bad, "--pf-reserve");
            ADD_FAILURE() << "accepted \"" << bad << "\"";
        } catch (const tern::smi::CliError& e) {
            EXPECT_EQ(tern::smi::Exit::usage, e.code()) << bad;
            EXPECT_TRUE(contains(e.what(), "--pf-reserve")) << e.what();
        }
    }
}

TEST(CliPartitionArgs, ProfilesAndVfSpecs) {
    using tern::smi::parse_profile;
    using tern::smi::parse_vf_spec;
    EXPECT_EQ(2u, parse_profile("2way"));
    EXPECT_EQ(8u, parse_profile("8WAY"));
    EXPECT_EQ(4u, parse_profile("4"));
    for (const char* bad : {"3way", "16way", "way", "", "2ways"})
        EXPECT_THROW(parse_profile(bad), tern::smi::CliError) << bad;

    tern_partition_spec s = parse_vf_spec("cores=2,mem=64M");
    EXPECT_EQ(sizeof(s), s.struct_size);
    EXPECT_EQ(2u, s.num_cores);
    EXPECT_EQ(0u, s.core_mask);
    EXPECT_EQ(64 * kMiB, s.memory_bytes);
    EXPECT_EQ(TERN_PARTITION_BASE_AUTO, s.memory_base);
    EXPECT_EQ(0u, s.num_queues);
    s = parse_vf_spec("mask=0x30,mem=8M,queues=4,asids=16,base=128M");
    EXPECT_EQ(0x30u, s.core_mask);
    EXPECT_EQ(4u, s.num_queues);
    EXPECT_EQ(16u, s.num_address_spaces);
    EXPECT_EQ(128 * kMiB, s.memory_base);
    struct Bad {
        const char* spec;
        const char* says;
    };
    for (const Bad& b :
         {Bad{"mem=8M", "cores=N or as mask"}, Bad{"cores=1,mask=1,mem=8M", "cores=N or as mask"},
          Bad{"cores=1", "mem=SIZE is required"},
          Bad{"cores=1,cores=2,mem=8M", "cores given twice"},
          Bad{"cores=x,mem=8M", "\"x\" is not a number"},
          Bad{"cores=99999999999,mem=8M", "is not a number"},
          Bad{"cores=1,mem=8M,", "is not key=value"}, Bad{"cores=1,=3,mem=8M", "is not key=value"},
          Bad{"cores=1,mem=", "is not key=value"},
          Bad{"cores=1,mem=8M,gpu=1", "unknown key \"gpu\""}}) {
        try {
            parse_vf_spec(b.spec);
            ADD_FAILURE() << "accepted \"" << b.spec << "\"";
        } catch (const tern::smi::CliError& e) {
            EXPECT_EQ(tern::smi::Exit::usage, e.code()) << b.spec;
            EXPECT_TRUE(contains(e.what(), b.says)) << b.spec << ": " << e.what();
        }
    }
}

}  // namespace
}  // namespace tern_test
