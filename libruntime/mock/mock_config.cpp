// SPDX-License-Identifier: MIT
#include "mock/mock_config.hpp"

#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tern/hw/tern_regs.h"

#if TERN_MOCK_HAVE_NUMA
#include <numa.h>
#endif

namespace tern::rt::mock {

namespace {

constexpr uint64_t kMemAlign = TERN_PART_ALIGN;
constexpr uint64_t kMaxMem = 1ull << 40;  // reserved lazily, but keep it sane
constexpr uint32_t kMaxTimeoutMs = 3600u * 1000u;

bool parse_uint(const std::string& s, uint64_t* out) {
    if (s.empty() || s.size() > 20) {
        return false;
    }
    uint64_t v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') {
            return false;
        }
        const uint64_t d = static_cast<uint64_t>(c - '0');
        if (v > (UINT64_MAX - d) / 10) {
            return false;
        }
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

bool fail(std::string* error, const std::string& msg) {
    if (error != nullptr) {
        *error = msg;
    }
    return false;
}

bool check_mem(uint64_t v, const std::string& what, std::string* error) {
    if (v < kMemAlign || v % kMemAlign != 0 || v > kMaxMem) {
        return fail(error, what + ": device memory must be a multiple of 2M between 2M and 1T");
    }
    return true;
}

bool check_range(uint64_t v, uint64_t lo, uint64_t hi, const std::string& what,
                 std::string* error) {
    if (v < lo || v > hi) {
        return fail(error, what + " must be " + std::to_string(lo) + ".." + std::to_string(hi) +
                               ", got " + std::to_string(v));
    }
    return true;
}

bool check_numa(int64_t node, const std::string& what, std::string* error) {
    if (node < -1) {
        return fail(error, what + " must be -1 (unknown) or a NUMA node number");
    }
#if TERN_MOCK_HAVE_NUMA
    if (node >= 0 && (numa_available() < 0 || node > numa_max_node())) {
        return fail(error, what + ": NUMA node " + std::to_string(node) +
                               " does not exist on this machine");
    }
#else
    if (node > 0) {
        return fail(error, what + ": built without libnuma, only node -1 or 0 is possible");
    }
#endif
    return true;
}

// Reads one environment variable as an unsigned integer in [lo, hi].
bool env_uint(const char* name, uint64_t lo, uint64_t hi, bool* present, uint64_t* out,
              std::string* error) {
    const char* v = std::getenv(name);
    *present = v != nullptr;
    if (v == nullptr) {
        return true;
    }
    if (!parse_uint(v, out)) {
        return fail(error, std::string(name) + "='" + v + "' is not a non-negative integer");
    }
    return check_range(*out, lo, hi, name, error);
}

// A size given as "64M" or as a byte count.
bool get_size(const nlohmann::json& value, const std::string& what, uint64_t* out,
              std::string* error) {
    if (value.is_string()) {
        if (!parse_size(value.get<std::string>(), out)) {
            return fail(error, what + " = \"" + value.get<std::string>() +
                                   "\" is not a size (e.g. 256M, 1G)");
        }
        return true;
    }
    if (value.is_number_unsigned()) {
        *out = value.get<uint64_t>();
        return true;
    }
    return fail(error, what + " must be a size string or a byte count");
}

// "partitions": the entries of a partition table applied at creation.
bool parse_partitions(const nlohmann::json& list, const std::string& where,
                      std::vector<PartitionConfig>* out, std::string* error) {
    if (!list.is_array() || list.empty() || list.size() > TERN_MAX_VFS) {
        return fail(error, where + " must be an array of 1.." + std::to_string(TERN_MAX_VFS) +
                               " partitions");
    }
    for (size_t i = 0; i < list.size(); ++i) {
        const auto& p = list[i];
        const std::string at = where + "[" + std::to_string(i) + "]";
        if (!p.is_object()) {
            return fail(error, at + " must be an object");
        }
        PartitionConfig pc;
        for (const char* key : {"memory_base", "memory", "core_mask", "queues", "asids"}) {
            if (!p.contains(key)) {
                return fail(error, at + ": \"" + key + "\" is missing");
            }
        }
        for (const auto& [key, value] : p.items()) {
            const std::string what = at + "." + key;
            auto get_u32 = [&](uint64_t lo, uint64_t hi, uint32_t* v) {
                if (!value.is_number_unsigned()) {
                    return fail(error, what + " must be a non-negative integer");
                }
                const uint64_t x = value.get<uint64_t>();
                *v = static_cast<uint32_t>(x);
                return check_range(x, lo, hi, what, error);
            };
            bool ok = true;
            if (key == "memory_base") {
                ok = get_size(value, what, &pc.mem_base, error);
            } else if (key == "memory") {
                ok = get_size(value, what, &pc.mem_size, error);
            } else if (key == "core_mask") {
                ok = get_u32(1, UINT32_MAX, &pc.core_mask);
            } else if (key == "queues") {
                ok = get_u32(1, TERN_MAX_QUEUES, &pc.num_queues);
            } else if (key == "asids") {
                ok = get_u32(1, TERN_MAX_ASIDS, &pc.num_asids);
            } else {
                return fail(error, at + ": unknown key \"" + key + "\"");
            }
            if (!ok) {
                return false;
            }
        }
        if (pc.mem_base % kMemAlign != 0 || pc.mem_size == 0 || pc.mem_size % kMemAlign != 0) {
            return fail(error, at + ": memory_base and memory must be multiples of 2M, memory "
                                    "non-zero");
        }
        out->push_back(pc);
    }
    return true;
}

// The checks of hw-spec 10.2 against the card the entry belongs to.
bool check_partitions(const DeviceConfig& dc, const std::string& where, std::string* error) {
    const uint32_t card_cores = dc.num_cores >= 32 ? ~0u : (1u << dc.num_cores) - 1;
    uint32_t used = 0;
    for (size_t i = 0; i < dc.partitions.size(); ++i) {
        const PartitionConfig& p = dc.partitions[i];
        const std::string at = where + ".partitions[" + std::to_string(i) + "]";
        if (p.mem_base > dc.mem_size || p.mem_size > dc.mem_size - p.mem_base) {
            return fail(error, at + ": the window ends beyond the card's memory");
        }
        for (size_t j = 0; j < i; ++j) {
            const PartitionConfig& o = dc.partitions[j];
            if (p.mem_base < o.mem_base + o.mem_size && o.mem_base < p.mem_base + p.mem_size) {
                return fail(error,
                            at + ": the window overlaps partitions[" + std::to_string(j) + "]'s");
            }
        }
        if ((p.core_mask & ~card_cores) != 0 || (p.core_mask & used) != 0) {
            return fail(error, at + ": core_mask names cores the card does not have or that an "
                                    "earlier partition has");
        }
        used |= p.core_mask;
    }
    return true;
}

}  // namespace

bool parse_size(const std::string& text, uint64_t* out) {
    if (text.empty()) {
        return false;
    }
    std::string digits = text;
    unsigned shift = 0;
    const char last = text.back();
    switch (last) {
        case 'K':
        case 'k':
            shift = 10;
            break;
        case 'M':
        case 'm':
            shift = 20;
            break;
        case 'G':
        case 'g':
            shift = 30;
            break;
        case 'T':
        case 't':
            shift = 40;
            break;
        default:
            break;
    }
    if (shift != 0) {
        digits.pop_back();
    }
    uint64_t v = 0;
    if (!parse_uint(digits, &v) || (shift != 0 && v > (UINT64_MAX >> shift))) {
        return false;
    }
    *out = v << shift;
    return true;
}

bool config_from_json(const std::string& text, const DeviceConfig& defaults, MockConfig* out,
                      std::string* error) {
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        return fail(error, std::string("mock config: invalid JSON: ") + e.what());
    }
    if (!j.is_object() || !j.contains("devices") || !j["devices"].is_array()) {
        return fail(error, "mock config: expected an object with a \"devices\" array");
    }
    for (const auto& [key, value] : j.items()) {
        if (key != "devices") {
            return fail(error, "mock config: unknown key \"" + key + "\"");
        }
    }
    const auto& devs = j["devices"];
    if (devs.empty() || devs.size() > kMaxMockDevices) {
        return fail(error, "mock config: \"devices\" must have 1.." +
                               std::to_string(kMaxMockDevices) + " entries");
    }
    MockConfig cfg;
    for (size_t i = 0; i < devs.size(); ++i) {
        const auto& d = devs[i];
        const std::string where = "mock config: devices[" + std::to_string(i) + "]";
        if (!d.is_object()) {
            return fail(error, where + " must be an object");
        }
        DeviceConfig dc = defaults;
        for (const auto& [key, value] : d.items()) {
            const std::string what = where + "." + key;
            auto get_uint = [&](uint64_t lo, uint64_t hi, uint64_t* v) {
                if (!value.is_number_unsigned()) {
                    return fail(error, what + " must be a non-negative integer");
                }
                *v = value.get<uint64_t>();
                return check_range(*v, lo, hi, what, error);
            };
            uint64_t v = 0;
            if (key == "memory") {
                if (value.is_string()) {
                    if (!parse_size(value.get<std::string>(), &v)) {
                        return fail(error, what + " = \"" + value.get<std::string>() +
                                               "\" is not a size (e.g. 256M, 1G)");
                    }
                } else if (value.is_number_unsigned()) {
                    v = value.get<uint64_t>();
                } else {
                    return fail(error, what + " must be a size string or a byte count");
                }
                if (!check_mem(v, what, error)) {
                    return false;
                }
                dc.mem_size = v;
            } else if (key == "cores") {
                if (!get_uint(1, TERN_MAX_CORES, &v)) {
                    return false;
                }
                dc.num_cores = static_cast<uint32_t>(v);
            } else if (key == "queues") {
                if (!get_uint(1, TERN_MAX_QUEUES, &v)) {
                    return false;
                }
                dc.num_queues = static_cast<uint32_t>(v);
            } else if (key == "asids") {
                if (!get_uint(1, TERN_MAX_ASIDS, &v)) {
                    return false;
                }
                dc.num_asids = static_cast<uint32_t>(v);
            } else if (key == "job_timeout_ms") {
                if (!get_uint(1, kMaxTimeoutMs, &v)) {
                    return false;
                }
                dc.job_timeout_ms = static_cast<uint32_t>(v);
            } else if (key == "ban_threshold") {
                if (!get_uint(0, 1000000, &v)) {
                    return false;
                }
                dc.ban_threshold = static_cast<uint32_t>(v);
            } else if (key == "numa_node") {
                if (!value.is_number_integer()) {
                    return fail(error, what + " must be an integer");
                }
                const int64_t n = value.get<int64_t>();
                if (!check_numa(n, what, error)) {
                    return false;
                }
                dc.numa_node = static_cast<int>(n);
            } else if (key == "housekeeping_us") {
                if (!get_uint(100, 1000000, &v)) {
                    return false;
                }
                dc.housekeeping_us = static_cast<uint32_t>(v);
            } else if (key == "partitions") {
                if (!parse_partitions(value, what, &dc.partitions, error)) {
                    return false;
                }
            } else {
                return fail(error, where + ": unknown key \"" + key + "\"");
            }
        }
        if (!check_partitions(dc, where, error)) {
            return false;
        }
        cfg.devices.push_back(dc);
    }
    *out = std::move(cfg);
    return true;
}

bool config_from_env(MockConfig* out, std::string* error) {
    DeviceConfig defaults;
    bool present = false;
    uint64_t v = 0;
    if (!env_uint("TERN_MOCK_JOB_TIMEOUT_MS", 1, kMaxTimeoutMs, &present, &v, error)) {
        return false;
    }
    if (present) {
        defaults.job_timeout_ms = static_cast<uint32_t>(v);
    }

    // Read by the syncobj waits directly; checked here so that a bad value
    // stops the backend instead of falling back quietly.
    uint64_t spin = 0;
    if (!env_uint("TERN_MOCK_SPIN_NS", 0, 10000000, &present, &spin, error)) {
        return false;
    }

    bool have_devices = false;
    bool have_cores = false;
    uint64_t devices = 1;
    uint64_t cores = 0;
    if (!env_uint("TERN_MOCK_DEVICES", 1, kMaxMockDevices, &have_devices, &devices, error) ||
        !env_uint("TERN_MOCK_CORES", 1, TERN_MAX_CORES, &have_cores, &cores, error)) {
        return false;
    }
    const char* mem = std::getenv("TERN_MOCK_MEMORY");
    if (mem != nullptr) {
        uint64_t bytes = 0;
        if (!parse_size(mem, &bytes)) {
            return fail(error, std::string("TERN_MOCK_MEMORY='") + mem +
                                   "' is not a size (bytes, or with a K/M/G/T suffix)");
        }
        if (!check_mem(bytes, "TERN_MOCK_MEMORY", error)) {
            return false;
        }
        defaults.mem_size = bytes;
    }
    if (have_cores) {
        defaults.num_cores = static_cast<uint32_t>(cores);
    }

    const char* path = std::getenv("TERN_MOCK_CONFIG");
    if (path != nullptr) {
        if (have_devices || have_cores || mem != nullptr) {
            return fail(error,
                        "TERN_MOCK_CONFIG is set together with TERN_MOCK_DEVICES/MEMORY/CORES: "
                        "describe the devices in the JSON file only");
        }
        std::ifstream in(path);
        if (!in) {
            return fail(error, std::string("TERN_MOCK_CONFIG: cannot read '") + path + "'");
        }
        std::ostringstream ss;
        ss << in.rdbuf();
        std::string why;
        if (!config_from_json(ss.str(), defaults, out, &why)) {
            return fail(error, std::string("TERN_MOCK_CONFIG '") + path + "': " + why);
        }
        return true;
    }
    MockConfig cfg;
    cfg.devices.assign(devices, defaults);
    *out = std::move(cfg);
    return true;
}

}  // namespace tern::rt::mock
