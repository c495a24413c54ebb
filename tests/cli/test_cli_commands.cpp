// SPDX-License-Identifier: MIT
// Every tern-smi command on the mock (2 devices, 64 MiB, 4 cores): human
// output checked for content, --json output against the schema and against
// the mock's configuration.
#include <unistd.h>

#include <regex>

#include "cli_test_util.hpp"
#include "tern/tern.h"

namespace tern_test {
namespace {

const char* const kPci[kMockDevices] = {"0000:01:00.0", "0000:02:00.0"};

// The device reference fields every per-device object carries.
void expect_device_ref(const json& d, int index) {
    EXPECT_EQ(index, d["index"]);
    EXPECT_EQ("Tern T1", d["name"]);
    EXPECT_EQ("mock:" + std::to_string(index), d["node"]);
    EXPECT_EQ(kPci[index], d["pci_address"]);
    EXPECT_EQ(false, d["is_partition"]);
    EXPECT_TRUE(d["partition_index"].is_null());
}

std::string runtime_release() {
    tern_version_info v{};
    v.struct_size = sizeof(v);
    EXPECT_EQ(TERN_OK, tern_get_version_info(&v));
    return v.release;
}

// ---- summary (no command) ----------------------------------------------------

TEST(CliSummary, TableListsEveryDevice) {
    RunResult r = smi({});
    EXPECT_EXIT_CODE(0, r);
    EXPECT_TRUE(contains(r.out, "backend mock | 2 devices")) << r.out;
    for (const char* col : {"Idx", "Name", "PCI address", "Partition", "Memory used / total",
                            "Util", "Temp", "Power", "Procs"})
        EXPECT_TRUE(contains(r.out, col)) << col << "\n" << r.out;
    // One row per device: index, name, PCI address, memory of the mock config.
    for (int i = 0; i < kMockDevices; ++i) {
        std::regex row("\\|\\s+" + std::to_string(i) + " \\| Tern T1 \\| " + kPci[i] +
                       " \\| - +\\| +0 B / 64 MiB \\| +[0-9.]+ % \\| +[0-9.]+ C \\| +[0-9.]+ W "
                       "\\| +1 \\|");
        EXPECT_TRUE(std::regex_search(r.out, row)) << "row of device " << i << "\n" << r.out;
    }
    EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(CliSummary, Json) {
    RunResult r = smi({"--json"});
    EXPECT_EXIT_CODE(0, r);
    json doc = parse_json(r.out);
    EXPECT_TRUE(matches_schema(doc, "summary_output"));
    EXPECT_EQ("summary", doc["command"]);
    EXPECT_EQ("mock", doc["backend"]);
    ASSERT_EQ(size_t(kMockDevices), doc["devices"].size());
    for (int i = 0; i < kMockDevices; ++i) {
        const json& d = doc["devices"][size_t(i)];
        expect_device_ref(d, i);
        EXPECT_EQ(kMockMemory, d["memory_total_bytes"]);
        EXPECT_EQ(0u, d["memory_used_bytes"]);
        EXPECT_EQ(1u, d["process_count"]);  // tern-smi itself
        EXPECT_TRUE(d["power_w"].is_number());
        EXPECT_TRUE(d["temperature_die_c"].is_number());
        EXPECT_TRUE(d["utilization_percent"].is_number());
    }
}

// ---- list ------------------------------------------------------------------------

TEST(CliList, Human) {
    RunResult r = smi({"list"});
    EXPECT_EXIT_CODE(0, r);
    for (int i = 0; i < kMockDevices; ++i)
        EXPECT_TRUE(contains(r.out, "Device " + std::to_string(i) +
                                        ": Tern T1 (node mock:" + std::to_string(i) + ", PCI " +
                                        kPci[i] + ", 4 cores, 64 MiB memory, NUMA node"))
            << r.out;
}

TEST(CliList, Json) {
    RunResult r = smi({"list", "--json"});
    EXPECT_EXIT_CODE(0, r);
    json doc = parse_json(r.out);
    EXPECT_TRUE(matches_schema(doc, "list_output"));
    ASSERT_EQ(size_t(kMockDevices), doc["devices"].size());
    for (int i = 0; i < kMockDevices; ++i) {
        const json& d = doc["devices"][size_t(i)];
        expect_device_ref(d, i);
        EXPECT_EQ(kMockCores, d["num_cores"]);
        EXPECT_EQ(kMockMemory, d["memory_total_bytes"]);
    }
}

// ---- info ------------------------------------------------------------------------

TEST(CliInfo, Human) {
    RunResult r = smi({"info", "-d", "0"});
    EXPECT_EXIT_CODE(0, r);
    for (const char* want :
         {"Device 0: Tern T1", "Node          mock:0", "PCI address   0000:01:00.0",
          "Function      PF", "Transport     mock", "PCIe link     n/a (max n/a)",
          "Cores         4 (core mask 0x0000000f)",
          "Memory        64 MiB total, 0 B used, 64 MiB free", "Capabilities  fp32", "telemetry",
          "Versions      UAPI 1.0"})
        EXPECT_TRUE(contains(r.out, want)) << want << "\n" << r.out;
    EXPECT_FALSE(contains(r.out, "Device 1")) << r.out;
}

TEST(CliInfo, Json) {
    RunResult r = smi({"info", "--json"});
    EXPECT_EXIT_CODE(0, r);
    json doc = parse_json(r.out);
    EXPECT_TRUE(matches_schema(doc, "info_output"));
    ASSERT_EQ(size_t(kMockDevices), doc["devices"].size());
    const json& d = doc["devices"][0];
    expect_device_ref(d, 0);
    EXPECT_EQ("pf", d["function"]);
    EXPECT_EQ("mock", d["transport"]);
    EXPECT_EQ(kMockCores, d["num_cores"]);
    EXPECT_EQ(0xfu, d["core_mask"]);
    EXPECT_EQ(kMockMemory, d["memory_total_bytes"]);
    EXPECT_EQ(kMockMemory, d["memory_free_bytes"]);
    EXPECT_EQ(0u, d["memory_used_bytes"]);
    // The mock has no PCIe link: unavailable, not zero.
    for (const char* k : {"speed_gt_per_s", "width_lanes", "max_speed_gt_per_s", "max_width_lanes"})
        EXPECT_TRUE(d["pcie_link"][k].is_null()) << k;
    const std::vector<std::string> caps = d["capabilities"];
    for (const char* c : {"fp32", "telemetry", "emulated"})
        EXPECT_NE(caps.end(), std::find(caps.begin(), caps.end(), c)) << c;
    EXPECT_NE(0u, d["capability_bits"].get<uint64_t>() & TERN_CAP_TELEMETRY);
    EXPECT_EQ("1.0", d["versions"]["uapi"]);
    EXPECT_GE(d["limits"]["num_queues"].get<int>(), 1);
    EXPECT_EQ(1000000000u, d["limits"]["timestamp_frequency_hz"]);
}

// ---- health ----------------------------------------------------------------------

TEST(CliHealth, HumanReportsEveryCheck) {
    RunResult r = smi({"health"});
    EXPECT_EXIT_CODE(0, r);
    EXPECT_TRUE(contains(r.out, "Device 0 (Tern T1, mock:0): healthy")) << r.out;
    EXPECT_TRUE(contains(r.out, "Device 1 (Tern T1, mock:1): healthy")) << r.out;
    for (const char* line :
         {"pass    responsive", "unknown driver_state  the mock backend has no driver state",
          "pass    heartbeat     advancing", "pass    temperature", "pass    throttling",
          "pass    ecc           0 uncorrected"})
        EXPECT_TRUE(contains(r.out, line)) << line << "\n" << r.out;
}

TEST(CliHealth, Json) {
    RunResult r = smi({"health", "--json", "-d", "1"});
    EXPECT_EXIT_CODE(0, r);
    json doc = parse_json(r.out);
    EXPECT_TRUE(matches_schema(doc, "health_output"));
    EXPECT_EQ(true, doc["healthy"]);
    ASSERT_EQ(1u, doc["devices"].size());
    const json& d = doc["devices"][0];
    expect_device_ref(d, 1);
    EXPECT_EQ("healthy", d["status"]);
    EXPECT_TRUE(d["driver_state"].is_null());  // the mock has no sysfs state
    EXPECT_TRUE(d["reset_count"].is_null());
    EXPECT_EQ(true, d["heartbeat_advancing"]);
    std::vector<std::string> names;
    for (const json& c : d["checks"])
        names.push_back(c["name"]);
    EXPECT_EQ((std::vector<std::string>{"responsive", "driver_state", "heartbeat", "temperature",
                                        "throttling", "ecc"}),
              names);
}

// ---- telemetry -------------------------------------------------------------------

TEST(CliTelemetry, Human) {
    RunResult r = smi({"telemetry", "-d", "0", "--count", "2", "--interval-ms", "10"});
    EXPECT_EXIT_CODE(0, r);
    for (const char* want :
         {"Device 0: Tern T1 (mock:0, 0000:01:00.0)", "Temperature  die ", "Coolant      inlet ",
          "mL/min", "Power        ", "clock ", "Memory       0 B used of 64 MiB (0.0 %)",
          "ECC errors   0 corrected, 0 uncorrected", "Utilization  ", "Cores        0: "})
        EXPECT_TRUE(contains(r.out, want)) << want << "\n" << r.out;
    EXPECT_FALSE(contains(r.out, "n/a")) << "the mock has every sensor\n" << r.out;
    EXPECT_TRUE(contains(r.out, "--- sample 0\nDevice 0: Tern T1")) << r.out;
    EXPECT_TRUE(contains(r.out, "--- sample 1\nDevice 0: Tern T1")) << r.out;
    EXPECT_FALSE(contains(r.out, "--- sample 2")) << r.out;
    EXPECT_FALSE(contains(r.out, "Device 1")) << r.out;
}

TEST(CliTelemetry, JsonOnce) {
    RunResult r = smi({"telemetry", "--json"});
    EXPECT_EXIT_CODE(0, r);
    json doc = parse_json(r.out);
    EXPECT_TRUE(matches_schema(doc, "telemetry_output"));
    EXPECT_EQ(0, doc["sample"]);
    ASSERT_EQ(size_t(kMockDevices), doc["devices"].size());
    for (int i = 0; i < kMockDevices; ++i) {
        const json& d = doc["devices"][size_t(i)];
        expect_device_ref(d, i);
        EXPECT_EQ(true, d["telemetry_supported"]);
        for (const char* k :
             {"temperature_die_c", "temperature_hbm_c", "temperature_limit_c", "coolant_inlet_c",
              "coolant_outlet_c", "coolant_flow_ml_per_min", "power_w", "energy_j", "clock_mhz",
              "throttled", "ecc_corrected_errors", "ecc_uncorrected_errors", "utilization_percent",
              "heartbeat"})
            EXPECT_FALSE(d[k].is_null()) << k;
        EXPECT_LT(d["temperature_die_c"].get<double>(), d["temperature_limit_c"].get<double>());
        EXPECT_GT(d["power_w"].get<double>(), 0.0);
        ASSERT_EQ(size_t(kMockCores), d["cores"].size());
        for (size_t c = 0; c < kMockCores; ++c)
            EXPECT_EQ(c, d["cores"][c]["index"]);
        EXPECT_EQ(kMockMemory, d["memory_total_bytes"]);
        EXPECT_EQ(0u, d["memory_used_bytes"]);
    }
}

TEST(CliTelemetry, JsonStreamOneDocumentPerLine) {
    RunResult r = smi({"telemetry", "--json", "--interval-ms", "20", "--count", "3", "-d", "0"});
    EXPECT_EXIT_CODE(0, r);
    std::vector<json> docs = parse_lines(r.out);
    ASSERT_EQ(3u, docs.size()) << r.out;
    uint64_t last_heartbeat = 0;
    for (size_t i = 0; i < docs.size(); ++i) {
        EXPECT_TRUE(matches_schema(docs[i], "telemetry_output"));
        EXPECT_EQ(i, docs[i]["sample"]);
        ASSERT_EQ(1u, docs[i]["devices"].size());
        const uint64_t hb = docs[i]["devices"][0]["heartbeat"];
        EXPECT_GE(hb, last_heartbeat) << "the heartbeat never goes back";
        last_heartbeat = hb;
    }
}

// ---- top -------------------------------------------------------------------------

TEST(CliTop, NotATerminalPrintsOneFrameAndEnds) {
    RunResult r = smi({"top"});
    EXPECT_EXIT_CODE(0, r);
    EXPECT_TRUE(contains(r.out, "tern-smi top | backend mock")) << r.out;
    EXPECT_TRUE(contains(r.out, "Device 0: Tern T1")) << r.out;
    EXPECT_TRUE(contains(r.out, "Device 1: Tern T1")) << r.out;
    EXPECT_TRUE(contains(r.out, "core  3 [")) << r.out;
    EXPECT_TRUE(contains(r.out, "Processes")) << r.out;
    EXPECT_FALSE(contains(r.out, "\x1b[")) << "no terminal control codes into a pipe";
    EXPECT_EQ(r.out.find("tern-smi top |"), r.out.rfind("tern-smi top |")) << "one frame\n"
                                                                           << r.out;
}

TEST(CliTop, JsonFrames) {
    RunResult r = smi({"top", "--json", "--count", "2", "--interval-ms", "10"});
    EXPECT_EXIT_CODE(0, r);
    std::vector<json> docs = parse_lines(r.out);
    ASSERT_EQ(2u, docs.size()) << r.out;
    for (size_t i = 0; i < docs.size(); ++i) {
        EXPECT_TRUE(matches_schema(docs[i], "top_output"));
        EXPECT_EQ(i, docs[i]["frame"]);
        ASSERT_EQ(size_t(kMockDevices), docs[i]["devices"].size());
        EXPECT_EQ(1u, docs[i]["devices"][0]["processes"].size());
    }
}

// Under a terminal, top redraws on the alternate screen until q.
TEST(CliTop, TerminalQuitsOnQ) {
    bool typed = false;
    RunResult r = run_in_pty(
        {TERN_SMI_PATH, "top", "--interval-ms", "50"}, mock_env(),
        [&typed](const std::string& out) -> std::string {
            // Wait for a complete frame of both devices.
            if (!typed && contains(out, "Device 1: Tern T1") && contains(out, "Processes")) {
                typed = true;
                return "q";
            }
            return "";
        });
    EXPECT_TRUE(typed) << r.out;
    EXPECT_EXIT_CODE(0, r);
    EXPECT_TRUE(contains(r.out, "\x1b[?1049h")) << "alternate screen entered";
    EXPECT_TRUE(contains(r.out, "\x1b[?1049l")) << "and left again";
    EXPECT_TRUE(contains(r.out, "q or Ctrl-C quits"));
}

TEST(CliTop, TerminalQuitsOnCtrlC) {
    bool typed = false;
    RunResult r = run_in_pty({TERN_SMI_PATH, "top", "--interval-ms", "50"}, mock_env(),
                             [&typed](const std::string& out) -> std::string {
                                 if (!typed && contains(out, "Processes")) {
                                     typed = true;
                                     return "\x03";  // the terminal turns it into SIGINT
                                 }
                                 return "";
                             });
    EXPECT_TRUE(typed) << r.out;
    EXPECT_EXIT_CODE(0, r);
    EXPECT_TRUE(contains(r.out, "\x1b[?1049l")) << "the screen is restored after Ctrl-C";
}

// ---- processes -------------------------------------------------------------------

TEST(CliProcesses, HumanShowsTheOnlyHolderTheMockHas) {
    RunResult r = smi({"processes", "-d", "0"});
    EXPECT_EXIT_CODE(0, r);
    EXPECT_TRUE(contains(r.out, "Device 0: Tern T1 (mock:0)")) << r.out;
    std::regex row("\\| +" + std::to_string(r.pid) +
                   " \\| tern-smi +\\| +n/a \\| +0 B \\| +n/a \\| +n/a \\|");
    EXPECT_TRUE(std::regex_search(r.out, row)) << r.out;
    EXPECT_TRUE(contains(r.out, "mock backend: its devices live in this process")) << r.out;
}

TEST(CliProcesses, Json) {
    RunResult r = smi({"processes", "--json"});
    EXPECT_EXIT_CODE(0, r);
    json doc = parse_json(r.out);
    EXPECT_TRUE(matches_schema(doc, "processes_output"));
    ASSERT_EQ(size_t(kMockDevices), doc["devices"].size());
    for (int i = 0; i < kMockDevices; ++i) {
        const json& d = doc["devices"][size_t(i)];
        expect_device_ref(d, i);
        EXPECT_EQ("mock-self", d["process_source"]);
        EXPECT_EQ(0u, d["uninspected_processes"]);
        ASSERT_EQ(1u, d["processes"].size());
        const json& p = d["processes"][0];
        EXPECT_EQ(r.pid, p["pid"]);
        EXPECT_EQ("tern-smi", p["command"]);
        EXPECT_EQ(0u, p["device_memory_bytes"]);
        // What the mock cannot know is null, not 0.
        EXPECT_TRUE(p["engine_time_ns"].is_null());
        EXPECT_TRUE(p["host_memory_bytes"].is_null());
        EXPECT_TRUE(p["num_files"].is_null());
    }
}

// ---- version ---------------------------------------------------------------------

TEST(CliVersion, Human) {
    RunResult r = smi({"version"});
    EXPECT_EXIT_CODE(0, r);
    const std::string release = runtime_release();
    EXPECT_TRUE(contains(r.out, "tern-smi " + release)) << r.out;
    EXPECT_TRUE(contains(r.out, "runtime  libternrt " + release + ", API 1.")) << r.out;
    EXPECT_TRUE(contains(r.out, "backend  mock")) << r.out;
    EXPECT_TRUE(std::regex_search(
        r.out, std::regex("device 0 \\(mock:0\\): driver [0-9]+\\.[0-9]+\\.[0-9]+, UAPI 1\\.0, "
                          "firmware [0-9]+\\.[0-9]+\\.[0-9]+, hardware 1\\.[0-9]+")))
        << r.out;
}

TEST(CliVersion, Json) {
    RunResult r = smi({"version", "--json"});
    EXPECT_EXIT_CODE(0, r);
    json doc = parse_json(r.out);
    EXPECT_TRUE(matches_schema(doc, "version_output"));
    EXPECT_EQ(runtime_release(), doc["runtime"]["release"]);
    EXPECT_EQ(runtime_release(), doc["tool_version"]);
    EXPECT_TRUE(doc["backend_error"].is_null());
    ASSERT_EQ(size_t(kMockDevices), doc["devices"].size());
    EXPECT_EQ("1.0", doc["devices"][0]["uapi_version"]);
}

TEST(CliVersion, FlagPrintsTheToolVersion) {
    RunResult r = smi({"--version"});
    EXPECT_EXIT_CODE(0, r);
    EXPECT_TRUE(contains(r.out, "tern-smi " + runtime_release())) << r.out;
}

TEST(CliHelp, ListsCommandsAndExitCodes) {
    RunResult r = smi({"--help"});
    EXPECT_EXIT_CODE(0, r);
    for (const char* want :
         {"list", "info", "health", "telemetry", "top", "processes", "partition", "reset",
          "version", "--json", "--device", "3 no device", "5 not supported", "10 busy"})
        EXPECT_TRUE(contains(r.out, want)) << want << "\n" << r.out;
}

}  // namespace
}  // namespace tern_test
