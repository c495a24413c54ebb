// SPDX-License-Identifier: MIT
// Mock-only: configuration from the environment and JSON, and the
// process-wide backend. Every invalid value is an error that names it.
#include <stdlib.h>

#include <cerrno>
#include <fstream>

#include "conformance.hpp"
#include "mock/mock_config.hpp"

namespace tern::conformance {
namespace {

using rt::mock::config_from_env;
using rt::mock::config_from_json;
using rt::mock::DeviceConfig;
using rt::mock::MockConfig;
using rt::mock::parse_size;

// Sets variables for one test and restores the environment after it.
class EnvGuard {
public:
    EnvGuard() {
        for (const char* n : kNames) {
            const char* v = getenv(n);
            saved_.emplace_back(n, v != nullptr ? std::optional<std::string>(v) : std::nullopt);
            unsetenv(n);
        }
    }
    ~EnvGuard() {
        for (auto& [n, v] : saved_) {
            if (v) {
                setenv(n, v->c_str(), 1);
            } else {
                unsetenv(n);
            }
        }
    }
    void set(const char* n, const char* v) { setenv(n, v, 1); }

private:
    static constexpr const char* kNames[] = {"TERN_MOCK_DEVICES", "TERN_MOCK_MEMORY",
                                             "TERN_MOCK_CORES",   "TERN_MOCK_JOB_TIMEOUT_MS",
                                             "TERN_MOCK_CONFIG",  "TERN_MOCK_SPIN_NS"};
    std::vector<std::pair<const char*, std::optional<std::string>>> saved_;
};

TEST(MockConfig, ParseSize) {
    uint64_t v = 0;
    EXPECT_TRUE(parse_size("256M", &v));
    EXPECT_EQ(v, 256ull << 20);
    EXPECT_TRUE(parse_size("1G", &v));
    EXPECT_EQ(v, 1ull << 30);
    EXPECT_TRUE(parse_size("4096", &v));
    EXPECT_EQ(v, 4096u);
    EXPECT_TRUE(parse_size("512k", &v));
    EXPECT_EQ(v, 512ull << 10);
    for (const char* bad :
         {"", "M", "-1G", "1.5G", "12Q", "1 G", "99999999999999999999", "17179869184G"}) {
        EXPECT_FALSE(parse_size(bad, &v)) << bad;
    }
}

TEST(MockConfig, Environment) {
    EnvGuard env;
    MockConfig cfg;
    std::string err;
    ASSERT_TRUE(config_from_env(&cfg, &err)) << err;  // defaults
    ASSERT_EQ(cfg.devices.size(), 1u);
    EXPECT_EQ(cfg.devices[0].mem_size, 256ull << 20);
    EXPECT_EQ(cfg.devices[0].num_cores, 8u);
    EXPECT_EQ(cfg.devices[0].job_timeout_ms, 10000u);

    env.set("TERN_MOCK_DEVICES", "3");
    env.set("TERN_MOCK_MEMORY", "64M");
    env.set("TERN_MOCK_CORES", "4");
    env.set("TERN_MOCK_JOB_TIMEOUT_MS", "250");
    ASSERT_TRUE(config_from_env(&cfg, &err)) << err;
    ASSERT_EQ(cfg.devices.size(), 3u);
    EXPECT_EQ(cfg.devices[2].mem_size, 64ull << 20);
    EXPECT_EQ(cfg.devices[2].num_cores, 4u);
    EXPECT_EQ(cfg.devices[2].job_timeout_ms, 250u);

    struct Bad {
        const char* name;
        const char* value;
    };
    for (const Bad& b : {Bad{"TERN_MOCK_DEVICES", "0"}, Bad{"TERN_MOCK_DEVICES", "two"},
                         Bad{"TERN_MOCK_DEVICES", "17"}, Bad{"TERN_MOCK_MEMORY", "3M"},
                         Bad{"TERN_MOCK_MEMORY", "lots"}, Bad{"TERN_MOCK_MEMORY", "0"},
                         Bad{"TERN_MOCK_CORES", "33"}, Bad{"TERN_MOCK_CORES", ""},
                         Bad{"TERN_MOCK_JOB_TIMEOUT_MS", "0"}, Bad{"TERN_MOCK_SPIN_NS", "fast"}}) {
        EnvGuard inner;
        inner.set(b.name, b.value);
        err.clear();
        EXPECT_FALSE(config_from_env(&cfg, &err)) << b.name << "=" << b.value;
        EXPECT_NE(err.find(b.name), std::string::npos) << err;
    }
}

TEST(MockConfig, Json) {
    MockConfig cfg;
    std::string err;
    ASSERT_TRUE(config_from_json(
        R"({"devices": [{"memory": "128M", "cores": 2, "job_timeout_ms": 50},
                        {"memory": 4194304, "queues": 4, "asids": 3, "numa_node": -1}]})",
        DeviceConfig{}, &cfg, &err))
        << err;
    ASSERT_EQ(cfg.devices.size(), 2u);
    EXPECT_EQ(cfg.devices[0].mem_size, 128ull << 20);
    EXPECT_EQ(cfg.devices[0].num_cores, 2u);
    EXPECT_EQ(cfg.devices[0].job_timeout_ms, 50u);
    EXPECT_EQ(cfg.devices[1].mem_size, 4ull << 20);
    EXPECT_EQ(cfg.devices[1].num_queues, 4u);
    EXPECT_EQ(cfg.devices[1].num_asids, 3u);
    EXPECT_EQ(cfg.devices[1].num_cores, 8u);  // default kept

    for (const char* bad :
         {"", "[]", "{}", R"({"devices": []})", R"({"devices": [1]})",
          R"({"devices": [{}], "x": 1})", R"({"devices": [{"memry": "1G"}]})",
          R"({"devices": [{"memory": "1.5G"}]})", R"({"devices": [{"cores": 0}]})",
          R"({"devices": [{"cores": -1}]})", R"({"devices": [{"queues": 17}]})",
          R"({"devices": [{"numa_node": 4096}]})"}) {
        err.clear();
        EXPECT_FALSE(config_from_json(bad, DeviceConfig{}, &cfg, &err)) << bad;
        EXPECT_FALSE(err.empty());
    }
}

TEST(MockConfig, ProcessWideBackend) {
    EnvGuard env;
    const std::string path = testing::TempDir() + "tern_mock_config.json";
    {
        std::ofstream out(path);
        out << R"({"devices": [{"memory": "32M", "cores": 2}, {"memory": "16M"}]})";
    }
    env.set("TERN_MOCK_CONFIG", path.c_str());
    std::string err;
    // The devices exist from the first success on, for the whole process:
    // the refusal can only be seen before (not in a --gtest_repeat rerun).
    static bool first_run = true;
    if (first_run) {
        first_run = false;
        env.set("TERN_MOCK_CORES", "4");
        EXPECT_EQ(rt::make_mock_backend(&err), nullptr);  // both: ambiguous
        EXPECT_NE(err.find("TERN_MOCK_CONFIG"), std::string::npos) << err;
        unsetenv("TERN_MOCK_CORES");
    }

    auto a = rt::make_mock_backend(&err);
    ASSERT_NE(a, nullptr) << err;
    EXPECT_STREQ(a->name(), "mock");
    auto b = rt::make_mock_backend(&err);
    ASSERT_NE(b, nullptr);
    const auto nodes = a->enumerate();
    ASSERT_EQ(nodes.size(), 2u);
    EXPECT_EQ(nodes[0].path, "mock:0");
    EXPECT_FALSE(nodes[1].pci_address.empty());
    // Both backends reach the same devices: a BO made through one shows in
    // MEM_FREE seen through the other.
    int e = 0;
    Dev fa(a->open(1, &e));
    Dev fb(b->open(1, &e));
    EXPECT_EQ(fa.param(DRM_TERN_PARAM_MEM_SIZE), 16ull << 20);
    const uint64_t free0 = fb.param(DRM_TERN_PARAM_MEM_FREE);
    BoRef bo = fa.bo(4 << 20, DRM_TERN_BO_DEVICE);
    EXPECT_EQ(fb.param(DRM_TERN_PARAM_MEM_FREE), free0 - (4 << 20));
    fa.close_bo(bo);
    EXPECT_EQ(a->open(2, &e), nullptr);
    EXPECT_EQ(e, -ENODEV);
}

}  // namespace
}  // namespace tern::conformance
