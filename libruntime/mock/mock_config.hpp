// SPDX-License-Identifier: MIT
// Configuration of the mock devices: the environment (TERN_MOCK_*) or a JSON
// file. Every value is validated; a bad one is an error that names it, never
// a silent default.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tern::rt::mock {

inline constexpr unsigned kMaxMockDevices = 16;
inline constexpr int kNumaAuto = -2;  // the device's node is picked at creation

// A partition applied when the card is created, as an administrator would
// have done at boot (the JSON file's "partitions"): a VF that is there from
// the start, in every process that uses the configuration.
struct PartitionConfig {
    uint64_t mem_base = 0;
    uint64_t mem_size = 0;
    uint32_t core_mask = 0;
    uint32_t num_queues = 0;
    uint32_t num_asids = 0;
};

// One physical function (card). The module-parameter-like policies (job
// timeout, ban threshold) are per device so that tests can shorten them.
struct DeviceConfig {
    uint64_t mem_size = 256ull << 20;
    uint32_t num_cores = 8;
    uint32_t num_queues = 16;
    uint32_t num_asids = 64;
    uint32_t job_timeout_ms = 10000;
    // Faults plus timeouts after which a file is banned; 0 = never.
    uint32_t ban_threshold = 8;
    int numa_node = kNumaAuto;  // -1: unknown
    uint32_t housekeeping_us = 10000;
    std::vector<PartitionConfig> partitions;  // VFs enabled at creation
};

struct MockConfig {
    std::vector<DeviceConfig> devices;
};

// Reads TERN_MOCK_DEVICES, TERN_MOCK_MEMORY, TERN_MOCK_CORES,
// TERN_MOCK_JOB_TIMEOUT_MS and TERN_MOCK_CONFIG (a JSON file, exclusive
// with the first three); checks TERN_MOCK_SPIN_NS (wait spin, 0..10^7 ns).
bool config_from_env(MockConfig* out, std::string* error);

// {"devices": [{"memory": "256M", "cores": 8, "queues": 16, "asids": 64,
//   "job_timeout_ms": 10000, "ban_threshold": 8, "numa_node": 0,
//   "partitions": [{"memory_base": "0", "memory": "64M", "core_mask": 3,
//                   "queues": 4, "asids": 8}, ...]}, ...]}
// `defaults` fills the keys an entry omits.
bool config_from_json(const std::string& text, const DeviceConfig& defaults, MockConfig* out,
                      std::string* error);

// "256M", "1G", "65536", "512K" (binary units). False on anything else.
bool parse_size(const std::string& text, uint64_t* out);

}  // namespace tern::rt::mock
