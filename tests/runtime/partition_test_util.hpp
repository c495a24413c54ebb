// SPDX-License-Identifier: MIT
// Shared pieces of the partition tests: the mock card they run on, request
// builders, and a fixture that opens PF 0 and leaves it without partitions
// whatever the test did (the mock's devices live as long as the process).
#pragma once

#include <string>
#include <vector>

#include "tern/tern_partition.h"
#include "test_util.hpp"

namespace tern_test {

inline constexpr uint64_t kMiB = 1ull << 20;
// The mock of these tests (CTest sets the same; partition_env.cpp makes it
// the default by hand): 2 cards of 64 MiB and 8 cores, 16 queues, 64
// address spaces, a 1 s job timeout (ordinary jobs stay far below it even
// on a loaded machine).
inline constexpr uint64_t kCardMemory = 64 * kMiB;
inline constexpr uint32_t kCardCores = 8;
inline constexpr uint32_t kPfQueues = 16;
inline constexpr uint32_t kPfAsids = 64;
inline constexpr int64_t kSecond = 1000000000;

inline tern_partition_request equal_request(uint32_t n, uint64_t reserve = 0) {
    tern_partition_request r{};
    r.struct_size = sizeof(r);
    r.layout = TERN_PARTITION_LAYOUT_EQUAL;
    r.num_partitions = n;
    r.pf_reserve_bytes = reserve;
    r.timeout_ns = 10 * kSecond;
    return r;
}

inline tern_partition_spec spec(uint64_t memory, uint32_t num_cores, uint32_t core_mask = 0,
                                uint32_t queues = 0, uint32_t asids = 0,
                                uint64_t base = TERN_PARTITION_BASE_AUTO) {
    tern_partition_spec s{};
    s.struct_size = sizeof(s);
    s.num_cores = num_cores;
    s.core_mask = core_mask;
    s.num_queues = queues;
    s.num_address_spaces = asids;
    s.memory_bytes = memory;
    s.memory_base = base;
    return s;
}

// `specs` must outlive the request.
inline tern_partition_request explicit_request(const std::vector<tern_partition_spec>& specs,
                                               uint64_t reserve = 0) {
    tern_partition_request r = equal_request(static_cast<uint32_t>(specs.size()), reserve);
    r.layout = TERN_PARTITION_LAYOUT_EXPLICIT;
    r.specs = specs.data();
    return r;
}

template <class T>
std::vector<T> blank(size_t n) {
    T b{};
    b.struct_size = sizeof(b);
    return std::vector<T>(n, b);
}

inline std::string last_message() {
    tern_error_detail d{};
    d.struct_size = sizeof(d);
    tern_last_error(&d);
    return d.message;
}

inline uint32_t device_count() {
    uint32_t n = 0;
    EXPECT_EQ(TERN_OK, tern_device_count(&n));
    return n;
}

inline tern_device_info device_info(tern_device d) {
    tern_device_info i{};
    i.struct_size = sizeof(i);
    EXPECT_EQ(TERN_OK, tern_device_get_info(d, &i));
    return i;
}

inline tern_device_properties device_properties(tern_device d) {
    tern_device_properties p{};
    p.struct_size = sizeof(p);
    EXPECT_EQ(TERN_OK, tern_device_get_properties(d, &p));
    return p;
}

class PartitionTest : public ::testing::Test {
protected:
    void SetUp() override {
        default_to_mock();
        const tern_init_info info = init_info();
        TERN_ASSERT_OK(tern_init(&info));
        initialised_ = true;
        TERN_ASSERT_OK(tern_device_open(0, pf_.out()));
        if (!has_capability(CAP_SYS_ADMIN)) {
            GTEST_SKIP() << "creating partitions needs CAP_SYS_ADMIN";
        }
        // A test that failed half-way may have left some.
        TERN_ASSERT_OK(tern_partition_destroy(pf_.get(), 10 * kSecond));
    }
    void TearDown() override {
        if (pf_) {
            TERN_EXPECT_OK(tern_partition_destroy(pf_.get(), 10 * kSecond));
        }
        pf_.reset();
        if (initialised_) {
            EXPECT_EQ(TERN_OK, tern_shutdown());
        }
    }

    // Creates and returns the partitions, failing the test on an error.
    std::vector<tern_partition> create(const tern_partition_request& r) {
        auto out = blank<tern_partition>(r.num_partitions);
        const tern_status s = tern_partition_create(pf_.get(), &r, out.data(), r.num_partitions);
        EXPECT_EQ(TERN_OK, s) << tern_status_str(s) << ": " << last_message();
        return out;
    }

    std::vector<tern_partition> table(tern_partition_table_info* info = nullptr) {
        tern_partition_table_info t{};
        t.struct_size = sizeof(t);
        auto out = blank<tern_partition>(TERN_MAX_PARTITIONS);
        EXPECT_EQ(TERN_OK, tern_partition_get_table(pf_.get(), &t, out.data(), TERN_MAX_PARTITIONS))
            << last_message();
        out.resize(t.num_partitions);
        if (info != nullptr) {
            *info = t;
        }
        return out;
    }

    std::vector<tern_partition_holder> holders() {
        auto out = blank<tern_partition_holder>(32);
        uint32_t count = 0;
        EXPECT_EQ(TERN_OK, tern_partition_get_holders(pf_.get(), out.data(), 32, &count, nullptr))
            << last_message();
        out.resize(count);
        return out;
    }

    bool initialised_ = false;
    Device pf_;
};

}  // namespace tern_test
