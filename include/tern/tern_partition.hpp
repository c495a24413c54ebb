// SPDX-License-Identifier: MIT
// Tern runtime C++ API: partitions (SR-IOV virtual functions), over the C
// ABI of tern_partition.h. Failures throw tern::Error like the rest of
// tern.hpp. A partition, once created, is an ordinary tern::Device:
// tern::Device(partition.device_index).
#pragma once

#include <tern/tern_partition.h>
#include <tern/tern.hpp>

#include <chrono>
#include <cstdint>
#include <vector>

namespace tern {

// One partition as asked for (tern_partition_spec): memory, and cores by
// count or by mask; zero queues / address spaces take the default share.
struct PartitionSpec {
    uint64_t memory_bytes = 0;
    uint32_t num_cores = 0;
    uint32_t core_mask = 0;
    uint32_t num_queues = 0;
    uint32_t num_address_spaces = 0;
    uint64_t memory_base = TERN_PARTITION_BASE_AUTO;
};

// What to create: an equal N-way split or one spec per partition.
class PartitionRequest {
public:
    // N (1, 2, 4 or 8) equal partitions above `pf_reserve_bytes`.
    static PartitionRequest equal(uint32_t n, uint64_t pf_reserve_bytes = 0) {
        PartitionRequest r;
        r.layout_ = TERN_PARTITION_LAYOUT_EQUAL;
        r.n_ = n;
        r.reserve_ = pf_reserve_bytes;
        return r;
    }
    static PartitionRequest from_specs(std::vector<PartitionSpec> specs,
                                       uint64_t pf_reserve_bytes = 0) {
        PartitionRequest r;
        r.layout_ = TERN_PARTITION_LAYOUT_EXPLICIT;
        r.n_ = static_cast<uint32_t>(specs.size());
        r.reserve_ = pf_reserve_bytes;
        for (const PartitionSpec& s : specs) {
            tern_partition_spec c{};
            c.struct_size = sizeof(c);
            c.num_cores = s.num_cores;
            c.core_mask = s.core_mask;
            c.num_queues = s.num_queues;
            c.num_address_spaces = s.num_address_spaces;
            c.memory_bytes = s.memory_bytes;
            c.memory_base = s.memory_base;
            r.specs_.push_back(c);
        }
        return r;
    }
    // How long create() waits for the VF devices (default: no limit).
    PartitionRequest& timeout(std::chrono::nanoseconds t) {
        timeout_ = t;
        return *this;
    }

    // The C request; valid while this object lives unchanged.
    tern_partition_request c_request() const {
        tern_partition_request r{};
        r.struct_size = sizeof(r);
        r.layout = layout_;
        r.num_partitions = n_;
        r.pf_reserve_bytes = reserve_;
        r.timeout_ns = timeout_.count();
        r.specs = specs_.empty() ? nullptr : specs_.data();
        return r;
    }
    uint32_t size() const { return n_; }

private:
    tern_partition_layout layout_ = TERN_PARTITION_LAYOUT_EQUAL;
    uint32_t n_ = 0;
    uint64_t reserve_ = 0;
    std::chrono::nanoseconds timeout_ = forever;
    std::vector<tern_partition_spec> specs_;
};

struct PartitionTable {
    tern_partition_table_info info{};
    std::vector<tern_partition> partitions;
};

namespace detail {

template <class T>
std::vector<T> blank_array(size_t n) {
    T blank{};
    blank.struct_size = sizeof(blank);
    return std::vector<T>(n, blank);
}

}  // namespace detail

// The equal-split profiles that fit the PF.
inline std::vector<tern_partition_profile> partition_profiles(const Device& pf,
                                                              uint64_t pf_reserve_bytes = 0) {
    auto out = detail::blank_array<tern_partition_profile>(TERN_MAX_PARTITIONS);
    uint32_t count = 0;
    detail::check(tern_partition_get_profiles(pf.handle(), pf_reserve_bytes, out.data(),
                                              static_cast<uint32_t>(out.size()), &count));
    out.resize(count < out.size() ? count : out.size());
    return out;
}

// What create() would make, without making it.
inline std::vector<tern_partition> plan_partitions(const Device& pf,
                                                   const PartitionRequest& request) {
    auto out = detail::blank_array<tern_partition>(request.size());
    const tern_partition_request r = request.c_request();
    detail::check(
        tern_partition_plan(pf.handle(), &r, out.data(), static_cast<uint32_t>(out.size())));
    return out;
}

// Creates the partitions and returns them with their VF devices; throws
// (TERN_ERROR_TIMEOUT when the VFs did not appear in time: the table is
// then applied, see tern_partition_create).
inline std::vector<tern_partition> create_partitions(const Device& pf,
                                                     const PartitionRequest& request) {
    auto out = detail::blank_array<tern_partition>(request.size());
    const tern_partition_request r = request.c_request();
    detail::check(
        tern_partition_create(pf.handle(), &r, out.data(), static_cast<uint32_t>(out.size())));
    return out;
}

inline PartitionTable partition_table(const Device& pf) {
    PartitionTable t;
    t.info.struct_size = sizeof(t.info);
    t.partitions = detail::blank_array<tern_partition>(TERN_MAX_PARTITIONS);
    detail::check(tern_partition_get_table(pf.handle(), &t.info, t.partitions.data(),
                                           static_cast<uint32_t>(t.partitions.size())));
    t.partitions.resize(t.info.num_partitions < t.partitions.size() ? t.info.num_partitions
                                                                    : t.partitions.size());
    return t;
}

// Throws TERN_ERROR_BUSY, changing nothing, while a partition is held.
inline void destroy_partitions(const Device& pf, std::chrono::nanoseconds timeout = forever) {
    detail::check(tern_partition_destroy(pf.handle(), detail::to_ns(timeout)));
}

struct PartitionHolders {
    std::vector<tern_partition_holder> list;
    uint32_t uninspected = 0;
};

inline PartitionHolders partition_holders(const Device& pf) {
    PartitionHolders out;
    for (uint32_t capacity = 16;; capacity *= 2) {
        out.list = detail::blank_array<tern_partition_holder>(capacity);
        uint32_t count = 0;
        detail::check(tern_partition_get_holders(pf.handle(), out.list.data(), capacity, &count,
                                                 &out.uninspected));
        if (count <= capacity) {
            out.list.resize(count);
            return out;
        }
        capacity = count;
    }
}

// Enumerates the devices again; returns how many there are.
inline uint32_t rescan_devices() {
    uint32_t n = 0;
    detail::check(tern_device_rescan(&n));
    return n;
}

}  // namespace tern
