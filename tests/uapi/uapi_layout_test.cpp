// SPDX-License-Identifier: MIT
// ABI freeze of include/uapi/drm/tern_accel.h: the size of every structure,
// the offset and size of every field, and the ioctl numbers. The tables
// below are the frozen ABI; a change here is an ABI break unless it only
// appends (docs/uapi.md, "Versioning"). The header itself is scanned so a
// new structure or ioctl cannot be added without a row here.

#include <drm/tern_accel.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <string_view>

namespace {

struct StructRow {
    std::string_view name;
    std::size_t size;
    std::size_t expected;
};

#define TERN_STRUCT(S, n)       \
    StructRow {                 \
#S, sizeof(struct S), n \
    }

constexpr StructRow kStructs[] = {
    TERN_STRUCT(drm_tern_param, 16),
    TERN_STRUCT(drm_tern_get_info, 24),
    TERN_STRUCT(drm_tern_telemetry, 216),
    TERN_STRUCT(drm_tern_partition, 32),
    TERN_STRUCT(drm_tern_partition_table, 280),
    TERN_STRUCT(drm_tern_bo_create, 24),
    TERN_STRUCT(drm_tern_bo_info, 32),
    TERN_STRUCT(drm_tern_ctx_create, 16),
    TERN_STRUCT(drm_tern_ctx_destroy, 8),
    TERN_STRUCT(drm_tern_cmd_dma, 24),
    TERN_STRUCT(drm_tern_cmd_exec, 32),
    TERN_STRUCT(drm_tern_cmd_timestamp, 8),
    TERN_STRUCT(drm_tern_cmd, 64),
    TERN_STRUCT(drm_tern_fence, 16),
    TERN_STRUCT(drm_tern_submit, 40),
    TERN_STRUCT(drm_tern_ctx_query, 72),
    TERN_STRUCT(drm_tern_partition_set, 24),
};

// One row per field, in declaration order. Rows marked kOverlay are union
// members that share bytes with the row that follows them; every other row
// must start where the previous one ended, so that the rows of a struct
// tile it exactly (no hidden padding, no field left out of this table).
constexpr bool kOverlay = true;

struct FieldRow {
    std::string_view type;
    std::string_view field;
    std::size_t offset;
    std::size_t size;
    std::size_t expected;
    bool overlay = false;
};

#define TERN_FIELD(S, f, off, ...)                                      \
    FieldRow {                                                          \
#S, #f, offsetof(struct S, f), sizeof(((struct S*)nullptr)->f), \
            off __VA_OPT__(, ) __VA_ARGS__                              \
    }

constexpr FieldRow kFields[] = {
    TERN_FIELD(drm_tern_param, param, 0),
    TERN_FIELD(drm_tern_param, index, 4),
    TERN_FIELD(drm_tern_param, value, 8),

    TERN_FIELD(drm_tern_get_info, query, 0),
    TERN_FIELD(drm_tern_get_info, flags, 4),
    TERN_FIELD(drm_tern_get_info, size, 8),
    TERN_FIELD(drm_tern_get_info, pad, 12),
    TERN_FIELD(drm_tern_get_info, data_ptr, 16),

    TERN_FIELD(drm_tern_telemetry, valid, 0),
    TERN_FIELD(drm_tern_telemetry, seq, 4),
    TERN_FIELD(drm_tern_telemetry, timestamp_ns, 8),
    TERN_FIELD(drm_tern_telemetry, temp_die_mc, 16),
    TERN_FIELD(drm_tern_telemetry, temp_hbm_mc, 20),
    TERN_FIELD(drm_tern_telemetry, coolant_in_mc, 24),
    TERN_FIELD(drm_tern_telemetry, coolant_out_mc, 28),
    TERN_FIELD(drm_tern_telemetry, temp_limit_mc, 32),
    TERN_FIELD(drm_tern_telemetry, coolant_flow_ml_min, 36),
    TERN_FIELD(drm_tern_telemetry, power_mw, 40),
    TERN_FIELD(drm_tern_telemetry, clock_mhz, 44),
    TERN_FIELD(drm_tern_telemetry, energy_uj, 48),
    TERN_FIELD(drm_tern_telemetry, ecc_corrected, 56),
    TERN_FIELD(drm_tern_telemetry, ecc_uncorrected, 64),
    TERN_FIELD(drm_tern_telemetry, throttled, 72),
    TERN_FIELD(drm_tern_telemetry, heartbeat, 76),
    TERN_FIELD(drm_tern_telemetry, num_cores, 80),
    TERN_FIELD(drm_tern_telemetry, pad, 84),
    TERN_FIELD(drm_tern_telemetry, core_util, 88),

    TERN_FIELD(drm_tern_partition, mem_base, 0),
    TERN_FIELD(drm_tern_partition, mem_size, 8),
    TERN_FIELD(drm_tern_partition, core_mask, 16),
    TERN_FIELD(drm_tern_partition, num_queues, 20),
    TERN_FIELD(drm_tern_partition, num_asids, 24),
    TERN_FIELD(drm_tern_partition, flags, 28),

    TERN_FIELD(drm_tern_partition_table, num_vfs, 0),
    TERN_FIELD(drm_tern_partition_table, max_vfs, 4),
    TERN_FIELD(drm_tern_partition_table, enabled_vfs, 8),
    TERN_FIELD(drm_tern_partition_table, card_core_mask, 12),
    TERN_FIELD(drm_tern_partition_table, card_mem_size, 16),
    TERN_FIELD(drm_tern_partition_table, entries, 24),

    TERN_FIELD(drm_tern_bo_create, size, 0),
    TERN_FIELD(drm_tern_bo_create, flags, 8),
    TERN_FIELD(drm_tern_bo_create, handle, 12),
    TERN_FIELD(drm_tern_bo_create, va, 16),

    TERN_FIELD(drm_tern_bo_info, handle, 0),
    TERN_FIELD(drm_tern_bo_info, flags, 4),
    TERN_FIELD(drm_tern_bo_info, va, 8),
    TERN_FIELD(drm_tern_bo_info, size, 16),
    TERN_FIELD(drm_tern_bo_info, mmap_offset, 24),

    TERN_FIELD(drm_tern_ctx_create, priority, 0),
    TERN_FIELD(drm_tern_ctx_create, flags, 4),
    TERN_FIELD(drm_tern_ctx_create, ctx_id, 8),
    TERN_FIELD(drm_tern_ctx_create, syncobj_handle, 12),

    TERN_FIELD(drm_tern_ctx_destroy, ctx_id, 0),
    TERN_FIELD(drm_tern_ctx_destroy, pad, 4),

    TERN_FIELD(drm_tern_cmd_dma, src_va, 0),
    TERN_FIELD(drm_tern_cmd_dma, dst_va, 8),
    TERN_FIELD(drm_tern_cmd_dma, size, 16),

    TERN_FIELD(drm_tern_cmd_exec, program_va, 0),
    TERN_FIELD(drm_tern_cmd_exec, bindings_va, 8),
    TERN_FIELD(drm_tern_cmd_exec, program_size, 16),
    TERN_FIELD(drm_tern_cmd_exec, binding_count, 20),
    TERN_FIELD(drm_tern_cmd_exec, core_mask, 24),
    TERN_FIELD(drm_tern_cmd_exec, pad, 28),

    TERN_FIELD(drm_tern_cmd_timestamp, dst_va, 0),

    TERN_FIELD(drm_tern_cmd, type, 0),
    TERN_FIELD(drm_tern_cmd, flags, 4),
    TERN_FIELD(drm_tern_cmd, dma, 8, kOverlay),
    TERN_FIELD(drm_tern_cmd, exec, 8, kOverlay),
    TERN_FIELD(drm_tern_cmd, timestamp, 8, kOverlay),
    TERN_FIELD(drm_tern_cmd, raw, 8),

    TERN_FIELD(drm_tern_fence, handle, 0),
    TERN_FIELD(drm_tern_fence, pad, 4),
    TERN_FIELD(drm_tern_fence, point, 8),

    TERN_FIELD(drm_tern_submit, ctx_id, 0),
    TERN_FIELD(drm_tern_submit, cmd_count, 4),
    TERN_FIELD(drm_tern_submit, cmds_ptr, 8),
    TERN_FIELD(drm_tern_submit, in_fence_count, 16),
    TERN_FIELD(drm_tern_submit, flags, 20),
    TERN_FIELD(drm_tern_submit, in_fences_ptr, 24),
    TERN_FIELD(drm_tern_submit, seqno, 32),

    TERN_FIELD(drm_tern_ctx_query, ctx_id, 0),
    TERN_FIELD(drm_tern_ctx_query, flags, 4),
    TERN_FIELD(drm_tern_ctx_query, state, 8),
    TERN_FIELD(drm_tern_ctx_query, error, 12),
    TERN_FIELD(drm_tern_ctx_query, fault_va, 16),
    TERN_FIELD(drm_tern_ctx_query, fault_reason, 24),
    TERN_FIELD(drm_tern_ctx_query, fault_access, 28),
    TERN_FIELD(drm_tern_ctx_query, engine, 32),
    TERN_FIELD(drm_tern_ctx_query, op_index, 36),
    TERN_FIELD(drm_tern_ctx_query, cmd_index, 40),
    TERN_FIELD(drm_tern_ctx_query, pad, 44),
    TERN_FIELD(drm_tern_ctx_query, failed_seqno, 48),
    TERN_FIELD(drm_tern_ctx_query, submitted_seqno, 56),
    TERN_FIELD(drm_tern_ctx_query, completed_seqno, 64),

    TERN_FIELD(drm_tern_partition_set, num_vfs, 0),
    TERN_FIELD(drm_tern_partition_set, flags, 4),
    TERN_FIELD(drm_tern_partition_set, entry_size, 8),
    TERN_FIELD(drm_tern_partition_set, pad, 12),
    TERN_FIELD(drm_tern_partition_set, entries_ptr, 16),
};

struct IoctlRow {
    std::string_view name;
    unsigned long request;
    unsigned nr;
    unsigned dir;
    std::size_t arg_size;
};

// Read-only arguments use DRM_IOW; everything that returns data DRM_IOWR.
// Never DRM_IOR for an input (aws-neuron-driver's mistake).
#define TERN_IOCTL(name, S, dir)                                             \
    IoctlRow {                                                               \
#name, DRM_IOCTL_TERN_##name, DRM_TERN_##name, dir, sizeof(struct S) \
    }

constexpr unsigned kRW = _IOC_READ | _IOC_WRITE;
constexpr unsigned kW = _IOC_WRITE;

constexpr IoctlRow kIoctls[] = {
    TERN_IOCTL(GET_PARAM, drm_tern_param, kRW),
    TERN_IOCTL(GET_INFO, drm_tern_get_info, kRW),
    TERN_IOCTL(BO_CREATE, drm_tern_bo_create, kRW),
    TERN_IOCTL(BO_INFO, drm_tern_bo_info, kRW),
    TERN_IOCTL(CTX_CREATE, drm_tern_ctx_create, kRW),
    TERN_IOCTL(CTX_DESTROY, drm_tern_ctx_destroy, kW),
    TERN_IOCTL(SUBMIT, drm_tern_submit, kRW),
    TERN_IOCTL(CTX_QUERY, drm_tern_ctx_query, kRW),
    TERN_IOCTL(PARTITION_SET, drm_tern_partition_set, kW),
};

// --- compile-time checks: the build fails before any test runs ----------

constexpr bool struct_sizes_ok() {
    for (const auto& s : kStructs)
        if (s.size != s.expected || s.size % 8 != 0)
            return false;
    return true;
}
static_assert(struct_sizes_ok(), "a UAPI struct changed size or is not a multiple of 8");

constexpr bool field_offsets_ok() {
    for (const auto& f : kFields)
        if (f.offset != f.expected)
            return false;
    return true;
}
static_assert(field_offsets_ok(), "a UAPI field moved");

constexpr bool ioctls_ok() {
    for (std::size_t i = 0; i < std::size(kIoctls); ++i) {
        const auto& a = kIoctls[i];
        if (_IOC_TYPE(a.request) != DRM_IOCTL_BASE)
            return false;
        if (_IOC_NR(a.request) != DRM_COMMAND_BASE + a.nr)
            return false;
        if (_IOC_DIR(a.request) != a.dir)
            return false;
        if (_IOC_SIZE(a.request) != a.arg_size)
            return false;
        if (a.nr != i)
            return false;  // dense, append-only numbering
        for (std::size_t j = i + 1; j < std::size(kIoctls); ++j)
            if (kIoctls[j].request == a.request || kIoctls[j].nr == a.nr)
                return false;
    }
    return DRM_COMMAND_BASE + std::size(kIoctls) <= DRM_COMMAND_END;
}
static_assert(ioctls_ok(), "ioctl numbers not unique, not dense or wrongly encoded");

static_assert(TERN_UAPI_VERSION == ((TERN_UAPI_VERSION_MAJOR << 16) | TERN_UAPI_VERSION_MINOR));
static_assert(TERN_UAPI_VERSION_GET_MAJOR(TERN_UAPI_VERSION) == TERN_UAPI_VERSION_MAJOR);
static_assert(TERN_UAPI_VERSION_GET_MINOR(TERN_UAPI_VERSION) == TERN_UAPI_VERSION_MINOR);

// --- header scanning -----------------------------------------------------

std::string read_header() {
    std::ifstream in(TERN_UAPI_HEADER);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::set<std::string> scan(const std::string& text, const std::string& pattern) {
    std::set<std::string> out;
    const std::regex re(pattern, std::regex::multiline);
    for (auto it = std::sregex_iterator(text.begin(), text.end(), re); it != std::sregex_iterator();
         ++it)
        out.insert((*it)[1].str());
    return out;
}

// --- runtime checks: the same facts, with readable failure messages -------

TEST(uapiLayout, StructSizes) {
    for (const auto& s : kStructs) {
        EXPECT_EQ(s.size, s.expected) << s.name;
        EXPECT_EQ(s.size % 8, 0u) << s.name << " size is not a multiple of 8";
    }
}

TEST(uapiLayout, FieldOffsets) {
    for (const auto& f : kFields)
        EXPECT_EQ(f.offset, f.expected) << f.type << "." << f.field;
}

TEST(uapiLayout, FieldsTileEveryStruct) {
    std::map<std::string_view, std::size_t> end;  // struct -> end of last field
    for (const auto& f : kFields) {
        auto it = end.find(f.type);
        const std::size_t at = it == end.end() ? 0 : it->second;
        EXPECT_EQ(f.offset, at) << f.type << "." << f.field
                                << ": hole before the field, or a field is missing from the table";
        if (!f.overlay)
            end[f.type] = f.offset + f.size;
    }
    for (const auto& s : kStructs) {
        auto it = end.find(s.name);
        ASSERT_NE(it, end.end()) << s.name << " has no fields in the table";
        EXPECT_EQ(it->second, s.size) << s.name << ": tail padding or missing last field";
    }
}

TEST(uapiLayout, EveryHeaderStructIsInTheTable) {
    const std::string text = read_header();
    ASSERT_FALSE(text.empty()) << "cannot read " << TERN_UAPI_HEADER;
    const auto in_header = scan(text, R"(^struct (drm_tern_\w+) \{)");
    std::set<std::string> in_table;
    for (const auto& s : kStructs)
        in_table.insert(std::string(s.name));
    EXPECT_EQ(in_header, in_table);
    EXPECT_EQ(scan(text, R"(^union (\w+) \{)").size(), 0u) << "top-level unions are not tabled";
}

TEST(uapiIoctl, NumbersAreUniqueAndEncodeTheirStruct) {
    std::set<unsigned long> requests;
    std::set<unsigned> nrs;
    for (const auto& a : kIoctls) {
        EXPECT_TRUE(requests.insert(a.request).second) << a.name << " request reused";
        EXPECT_TRUE(nrs.insert(a.nr).second) << a.name << " nr reused";
        EXPECT_EQ(_IOC_TYPE(a.request), static_cast<unsigned>(DRM_IOCTL_BASE)) << a.name;
        EXPECT_EQ(_IOC_NR(a.request), DRM_COMMAND_BASE + a.nr) << a.name;
        EXPECT_LT(_IOC_NR(a.request), static_cast<unsigned>(DRM_COMMAND_END)) << a.name;
        EXPECT_EQ(_IOC_DIR(a.request), a.dir) << a.name;
        EXPECT_EQ(_IOC_SIZE(a.request), a.arg_size) << a.name;
    }
}

TEST(uapiIoctl, EveryHeaderIoctlIsInTheTable) {
    const std::string text = read_header();
    ASSERT_FALSE(text.empty());
    std::set<std::string> in_table;
    for (const auto& a : kIoctls)
        in_table.insert(std::string(a.name));
    EXPECT_EQ(scan(text, R"(^#define DRM_IOCTL_TERN_(\w+))"), in_table);
}

}  // namespace
