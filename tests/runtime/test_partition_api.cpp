// SPDX-License-Identifier: MIT
// The partition API of tern_partition.h on the mock: profiles, planning
// (every rule, every refusal), create and destroy with their post-
// conditions, VFs enumerating as ordinary devices with exactly their
// resources, refusals while held (holders named), privilege, rescans, and
// the C++ wrapper.
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include "partition_c_api.h"
#include "partition_test_util.hpp"
#include "tern/tern_partition.hpp"

namespace tern_test {
namespace {

using ProfilesTest = PartitionTest;
using PlanTest = PartitionTest;
using CreateTest = PartitionTest;
using DestroyTest = PartitionTest;
using RescanTest = PartitionTest;

std::string own_command() {
    std::ifstream in("/proc/self/comm");
    std::string comm;
    std::getline(in, comm);
    return comm;
}

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

// ---- Profiles --------------------------------------------------------------

TEST_F(ProfilesTest, TheEqualSplitsThatFit) {
    auto p = blank<tern_partition_profile>(8);
    uint32_t count = 0;
    TERN_ASSERT_OK(tern_partition_get_profiles(pf_.get(), 0, p.data(), 8, &count));
    ASSERT_EQ(4u, count);
    const uint32_t ways[] = {1, 2, 4, 8};
    for (uint32_t i = 0; i < 4; ++i) {
        const uint32_t n = ways[i];
        EXPECT_EQ(n, p[i].num_partitions);
        EXPECT_EQ(std::to_string(n) + "way", p[i].name);
        EXPECT_EQ(kCardCores / n, p[i].cores_per_partition);
        EXPECT_EQ(kPfQueues / n, p[i].queues_per_partition);
        EXPECT_EQ(kPfAsids / n, p[i].address_spaces_per_partition);
        EXPECT_EQ(kCardMemory / n, p[i].memory_per_partition);
        EXPECT_EQ(0u, p[i].pf_reserve_bytes);
    }
    // A reserve is rounded up to 2 MiB and taken off the top of the split:
    // 3 MiB -> 4 MiB, 60 MiB / 8 = 7.5 MiB -> 6 MiB windows.
    TERN_ASSERT_OK(tern_partition_get_profiles(pf_.get(), 3 * kMiB, p.data(), 8, &count));
    ASSERT_EQ(4u, count);
    EXPECT_EQ(4 * kMiB, p[3].pf_reserve_bytes);
    EXPECT_EQ(6 * kMiB, p[3].memory_per_partition);
    EXPECT_EQ(60 * kMiB, p[0].memory_per_partition);
    // 4 MiB left: only 1 and 2 ways have windows of 2 MiB or more.
    TERN_ASSERT_OK(tern_partition_get_profiles(pf_.get(), 60 * kMiB, p.data(), 8, &count));
    ASSERT_EQ(2u, count);
    EXPECT_EQ(2 * kMiB, p[1].memory_per_partition);
}

TEST_F(ProfilesTest, ArgumentsAreChecked) {
    auto p = blank<tern_partition_profile>(8);
    uint32_t count = 0;
    // Fewer slots than profiles: the first ones, and the full count.
    TERN_ASSERT_OK(tern_partition_get_profiles(pf_.get(), 0, p.data(), 2, &count));
    EXPECT_EQ(4u, count);
    EXPECT_EQ(2u, p[1].num_partitions);
    EXPECT_EQ(0u, p[2].num_partitions) << "written beyond capacity";
    TERN_ASSERT_OK(tern_partition_get_profiles(pf_.get(), 0, nullptr, 0, &count));
    EXPECT_EQ(4u, count);
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                       tern_partition_get_profiles(pf_.get(), 0, p.data(), 8, nullptr));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                       tern_partition_get_profiles(pf_.get(), 0, nullptr, 1, &count));
    p[0].struct_size = 8;
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                       tern_partition_get_profiles(pf_.get(), 0, p.data(), 8, &count));
    EXPECT_TRUE(contains(last_message(), "struct_size")) << last_message();
    p[0].struct_size = sizeof(tern_partition_profile);
    p[5].struct_size = 0;
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                       tern_partition_get_profiles(pf_.get(), 0, p.data(), 8, &count));
    EXPECT_TRUE(contains(last_message(), "[5]")) << last_message();
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                       tern_partition_get_profiles(pf_.get(), kCardMemory, nullptr, 0, &count));
    EXPECT_TRUE(contains(last_message(), "leaves no device memory")) << last_message();
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE,
                       tern_partition_get_profiles(nullptr, 0, nullptr, 0, &count));
}

// ---- Planning ----------------------------------------------------------------

TEST_F(PlanTest, EqualSplit) {
    const tern_partition_request r = equal_request(4);
    auto p = blank<tern_partition>(4);
    TERN_ASSERT_OK(tern_partition_plan(pf_.get(), &r, p.data(), 4));
    uint32_t cores = 0;
    for (uint32_t i = 0; i < 4; ++i) {
        SCOPED_TRACE(i);
        EXPECT_EQ(i, p[i].index);
        EXPECT_EQ(16 * kMiB, p[i].memory_bytes);
        EXPECT_EQ(i * 16 * kMiB, p[i].memory_base);
        EXPECT_EQ(0x3u << (2 * i), p[i].core_mask);
        EXPECT_EQ(2u, p[i].num_cores);
        EXPECT_EQ(4u, p[i].num_queues);
        EXPECT_EQ(16u, p[i].num_address_spaces);
        EXPECT_EQ(TERN_PARTITION_NO_DEVICE, p[i].device_index) << "only planned";
        EXPECT_STREQ("", p[i].node);
        EXPECT_EQ(0u, cores & p[i].core_mask);
        cores |= p[i].core_mask;
    }
    // With a reserve the windows sit at the top, equal and aligned: 54 MiB
    // above 10 MiB make two of 26 MiB.
    const tern_partition_request rr = equal_request(2, 10 * kMiB);
    TERN_ASSERT_OK(tern_partition_plan(pf_.get(), &rr, p.data(), 4));
    EXPECT_EQ(12 * kMiB, p[0].memory_base);
    EXPECT_EQ(38 * kMiB, p[1].memory_base);
    EXPECT_EQ(26 * kMiB, p[1].memory_bytes);
    EXPECT_EQ(0x0fu, p[0].core_mask);
    EXPECT_EQ(0xf0u, p[1].core_mask);
    // Nothing was applied.
    tern_partition_table_info t{};
    EXPECT_TRUE(table(&t).empty());
    EXPECT_EQ(2u, device_count());
}

TEST_F(PlanTest, ExplicitSpecs) {
    const std::vector<tern_partition_spec> specs = {
        spec(8 * kMiB, 2),              // the lowest 2 free cores
        spec(4 * kMiB, 0, 0xc0, 3, 5),  // cores 6-7, 3 queues, 5 address spaces
        spec(2 * kMiB, 1, 0, 0, 0, 0),  // window at card offset 0
    };
    const tern_partition_request r = explicit_request(specs);
    auto p = blank<tern_partition>(3);
    TERN_ASSERT_OK(tern_partition_plan(pf_.get(), &r, p.data(), 3));
    EXPECT_EQ(0x03u, p[0].core_mask);
    EXPECT_EQ(0xc0u, p[1].core_mask);
    EXPECT_EQ(0x04u, p[2].core_mask);
    // Automatic windows from the top down, partition 0 lowest.
    EXPECT_EQ(52 * kMiB, p[0].memory_base);
    EXPECT_EQ(60 * kMiB, p[1].memory_base);
    EXPECT_EQ(0u, p[2].memory_base);
    EXPECT_EQ(kPfQueues / 3, p[0].num_queues);
    EXPECT_EQ(kPfAsids / 3, p[0].num_address_spaces);
    EXPECT_EQ(3u, p[1].num_queues);
    EXPECT_EQ(5u, p[1].num_address_spaces);
    // An explicit window in the middle: the automatic ones go around it.
    const std::vector<tern_partition_spec> around = {
        spec(20 * kMiB, 1), spec(30 * kMiB, 1, 0, 0, 0, 30 * kMiB), spec(10 * kMiB, 1)};
    const tern_partition_request ra = explicit_request(around);
    TERN_ASSERT_OK(tern_partition_plan(pf_.get(), &ra, p.data(), 3));
    // Placed last to first: 10 MiB do not fit in the 4 MiB above the
    // explicit window, so right below it; 20 MiB then below that.
    EXPECT_EQ(30 * kMiB, p[1].memory_base);
    EXPECT_EQ(20 * kMiB, p[2].memory_base);
    EXPECT_EQ(0u, p[0].memory_base);
}

struct BadPlan {
    const char* what;
    tern_partition_request request;
    std::vector<tern_partition_spec> specs;
    const char* message;
};

TEST_F(PlanTest, RefusesWhatCannotWork) {
    auto req = [](std::vector<tern_partition_spec> s, uint64_t reserve = 0) {
        BadPlan b{"", {}, std::move(s), ""};
        b.request = explicit_request(b.specs, reserve);
        return b;
    };
    std::vector<BadPlan> cases;
    auto add = [&](const char* what, BadPlan b, const char* message) {
        b.what = what;
        b.message = message;
        cases.push_back(std::move(b));
    };
    add("3 ways", BadPlan{"", equal_request(3), {}, ""}, "1, 2, 4 or 8");
    add("16 ways", BadPlan{"", equal_request(16), {}, ""}, "must be 1..8");
    add("0 ways", BadPlan{"", equal_request(0), {}, ""}, "num_partitions is 0");
    add("cores and mask", req({spec(2 * kMiB, 1, 1)}), "exactly one of num_cores and core_mask");
    add("no cores", req({spec(2 * kMiB, 0, 0)}), "exactly one of num_cores and core_mask");
    add("mask beyond the card", req({spec(2 * kMiB, 0, 0x100)}), "does not have");
    add("overlapping masks", req({spec(2 * kMiB, 0, 0x3), spec(2 * kMiB, 0, 0x6)}),
        "overlaps the cores");
    add("too many cores", req({spec(2 * kMiB, 0, 0x3), spec(2 * kMiB, 7)}),
        "7 cores asked, 6 left");
    add("unaligned memory", req({spec(3 * kMiB, 1)}), "multiple of 2 MiB");
    add("no memory", req({spec(0, 1)}), "multiple of 2 MiB");
    add("more than the card", req({spec(128 * kMiB, 1)}), "more than the card's");
    add("does not fit", req({spec(40 * kMiB, 1), spec(40 * kMiB, 1)}), "no free 40 MiB window");
    add("reserve squeezes", req({spec(40 * kMiB, 1)}, 32 * kMiB), "no free 40 MiB window");
    add("unaligned base", req({spec(2 * kMiB, 1, 0, 0, 0, kMiB)}), "not 2 MiB aligned");
    add("base beyond", req({spec(4 * kMiB, 1, 0, 0, 0, 62 * kMiB)}), "ends beyond");
    add("bases overlap",
        req({spec(4 * kMiB, 1, 0, 0, 0, 8 * kMiB), spec(4 * kMiB, 1, 0, 0, 0, 10 * kMiB)}),
        "overlaps specs[0]'s");
    add("base in reserve", req({spec(2 * kMiB, 1, 0, 0, 0, 0)}, 8 * kMiB), "inside the PF reserve");
    add("17 queues", req({spec(2 * kMiB, 1, 0, 17)}), "num_queues is 17");
    add("65 address spaces", req({spec(2 * kMiB, 1, 0, 0, 65)}), "num_address_spaces is 65");
    add("all the reserve", BadPlan{"", equal_request(1, kCardMemory), {}, ""},
        "leaves no device memory");
    BadPlan reserved = req({spec(2 * kMiB, 1)});
    reserved.specs[0].reserved = 1;
    add("reserved field", std::move(reserved), ".reserved is 1");
    BadPlan flags{"", equal_request(2), {}, ""};
    flags.request.flags = 4;
    add("flags", std::move(flags), "flags is 0x4");
    BadPlan layout{"", equal_request(2), {}, ""};
    layout.request.layout = static_cast<tern_partition_layout>(7);
    add("layout", std::move(layout), "not a tern_partition_layout");
    BadPlan equal_specs = req({spec(2 * kMiB, 1)});
    equal_specs.request.layout = TERN_PARTITION_LAYOUT_EQUAL;
    add("equal with specs", std::move(equal_specs), "must be NULL");
    BadPlan no_specs{"", equal_request(2), {}, ""};
    no_specs.request.layout = TERN_PARTITION_LAYOUT_EXPLICIT;
    add("explicit without specs", std::move(no_specs), "specs is NULL");
    BadPlan sizes = req({spec(2 * kMiB, 1), spec(2 * kMiB, 1)});
    sizes.specs[1].struct_size = 8;
    add("spec struct_size", std::move(sizes), "specs[1].struct_size is 8");
    BadPlan small{"", equal_request(2), {}, ""};
    small.request.struct_size = 8;
    add("request struct_size", std::move(small), "struct_size is 8");

    auto out = blank<tern_partition>(8);
    for (BadPlan& c : cases) {
        SCOPED_TRACE(c.what);
        if (!c.specs.empty()) {
            c.request.specs = c.specs.data();  // the vector moved
        }
        TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                           tern_partition_plan(pf_.get(), &c.request, out.data(), 8));
        EXPECT_TRUE(contains(last_message(), c.message)) << last_message();
        // create refuses the same way, before touching the device.
        TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                           tern_partition_create(pf_.get(), &c.request, out.data(), 8));
    }
    const tern_partition_request r = equal_request(4);
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                       tern_partition_plan(pf_.get(), &r, out.data(), 3));
    EXPECT_TRUE(contains(last_message(), "capacity is 3")) << last_message();
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                       tern_partition_plan(pf_.get(), nullptr, out.data(), 8));
    EXPECT_TRUE(table().empty()) << "a refused request changed the table";
    EXPECT_EQ(2u, device_count());
}

// The header is C11, and a C caller gets the same plan.
TEST_F(PlanTest, FromC) {
    tern_partition p[2] = {};
    TERN_ASSERT_OK(c_plan_two_partitions(pf_.get(), p));
    EXPECT_EQ(0x03u, p[0].core_mask);
    EXPECT_EQ(48 * kMiB, p[0].memory_base);
    EXPECT_EQ(16 * kMiB, p[0].memory_bytes);
    EXPECT_EQ(0x30u, p[1].core_mask);
    EXPECT_EQ(0u, p[1].memory_base);
    EXPECT_EQ(2u, p[1].num_queues);
    EXPECT_EQ(kPfAsids / 2, p[1].num_address_spaces);
}

// ---- Create and destroy --------------------------------------------------------

TEST_F(CreateTest, RoundTripWithVfsAsOrdinaryDevices) {
    ASSERT_EQ(2u, device_count());
    const tern_partition_request r = equal_request(2);
    auto planned = blank<tern_partition>(2);
    TERN_ASSERT_OK(tern_partition_plan(pf_.get(), &r, planned.data(), 2));
    const std::vector<tern_partition> parts = create(r);
    ASSERT_EQ(4u, device_count()) << "each partition is a device, after the PFs";
    for (uint32_t i = 0; i < 2; ++i) {
        SCOPED_TRACE(i);
        const tern_partition& p = parts[i];
        EXPECT_EQ(planned[i].memory_base, p.memory_base) << "created as planned";
        EXPECT_EQ(planned[i].core_mask, p.core_mask);
        EXPECT_EQ(2 + i, p.device_index);
        EXPECT_EQ("mock:0.vf" + std::to_string(i), p.node);
        EXPECT_EQ("0000:01:00." + std::to_string(i + 1), p.pci_address);

        Device vf;
        TERN_ASSERT_OK(tern_device_open(p.device_index, vf.out()));
        const tern_device_info info = device_info(vf.get());
        EXPECT_EQ(1u, info.is_partition);
        EXPECT_EQ(i, info.partition_index);
        EXPECT_EQ("Tern T1 partition " + std::to_string(i), info.name);
        EXPECT_EQ(p.device_index, info.index);
        EXPECT_EQ(4u, info.num_cores);
        EXPECT_EQ(32 * kMiB, info.memory_total);
        EXPECT_EQ(32 * kMiB, info.memory_free);
        const tern_device_properties props = device_properties(vf.get());
        EXPECT_EQ(0x2u, props.device_id) << "the VF device ID";
        EXPECT_EQ(p.core_mask, props.core_mask);
        EXPECT_EQ(8u, props.num_queues);
        EXPECT_EQ(32u, props.max_address_spaces);
        EXPECT_EQ(0u, props.max_partitions);
        EXPECT_EQ(0u, props.capabilities & (TERN_CAP_PARTITIONING | TERN_CAP_PARTITION_SET));
        // A VF cannot be partitioned further.
        uint32_t count = 0;
        TERN_EXPECT_STATUS(TERN_ERROR_NOT_SUPPORTED,
                           tern_partition_get_profiles(vf.get(), 0, nullptr, 0, &count));
        EXPECT_TRUE(contains(last_message(), "is partition " + std::to_string(i)))
            << last_message();
        TERN_EXPECT_STATUS(TERN_ERROR_NOT_SUPPORTED, tern_partition_destroy(vf.get(), 0));
    }
    tern_partition_table_info t{};
    const std::vector<tern_partition> now = table(&t);
    ASSERT_EQ(2u, now.size());
    EXPECT_EQ(2u, t.num_partitions);
    EXPECT_EQ(8u, t.max_partitions);
    EXPECT_EQ(2u, t.enabled_vfs);
    EXPECT_EQ(0xffu, t.card_core_mask);
    EXPECT_EQ(0u, t.free_core_mask);
    EXPECT_EQ(kCardMemory, t.card_memory_bytes);
    EXPECT_EQ(0u, t.free_memory_bytes);
    for (uint32_t i = 0; i < 2; ++i) {
        EXPECT_EQ(parts[i].device_index, now[i].device_index);
        EXPECT_STREQ(parts[i].node, now[i].node);
        EXPECT_EQ(parts[i].memory_bytes, now[i].memory_bytes);
    }
    // The windows are not the PF's memory any more.
    EXPECT_EQ(0u, device_info(pf_.get()).memory_free);

    TERN_ASSERT_OK(tern_partition_destroy(pf_.get(), 10 * kSecond));
    EXPECT_EQ(2u, device_count());
    EXPECT_TRUE(table(&t).empty());
    EXPECT_EQ(0xffu, t.free_core_mask);
    EXPECT_EQ(kCardMemory, t.free_memory_bytes);
    EXPECT_EQ(kCardMemory, device_info(pf_.get()).memory_free);
    Device gone;
    TERN_EXPECT_STATUS(TERN_ERROR_NO_DEVICE, tern_device_open(2, gone.out()));
    // Again, another shape: eight single-core partitions.
    const std::vector<tern_partition> eight = create(equal_request(8));
    EXPECT_EQ(10u, device_count());
    EXPECT_EQ(0x80u, eight[7].core_mask);
    EXPECT_EQ(9u, eight[7].device_index);
}

TEST_F(CreateTest, RefusedWhilePartitionedNamingHolders) {
    const std::vector<tern_partition> parts = create(equal_request(2));
    auto out = blank<tern_partition>(4);
    const tern_partition_request again = equal_request(4);
    TERN_EXPECT_STATUS(TERN_ERROR_BUSY, tern_partition_create(pf_.get(), &again, out.data(), 4));
    EXPECT_TRUE(contains(last_message(), "already has 2 partition(s)")) << last_message();
    EXPECT_TRUE(contains(last_message(), "destroy them first")) << last_message();

    Device vf;
    TERN_ASSERT_OK(tern_device_open(parts[0].device_index, vf.out()));
    TERN_EXPECT_STATUS(TERN_ERROR_BUSY, tern_partition_create(pf_.get(), &again, out.data(), 4));
    const std::string who = "partition 0 by pid " + std::to_string(getpid()) + " (" + own_command();
    EXPECT_TRUE(contains(last_message(), who)) << last_message();
    EXPECT_EQ(2u, table().size()) << "the refused create changed the table";
}

TEST_F(DestroyTest, RefusedWhileHeldNamingHolders) {
    const std::vector<tern_partition> parts = create(equal_request(2));
    Device vf;
    TERN_ASSERT_OK(tern_device_open(parts[1].device_index, vf.out()));
    Context ctx;
    TERN_ASSERT_OK(tern_context_create(vf.get(), ctx.out()));
    const tern_tensor_desc d = tensor_desc(TERN_DTYPE_INT32, {1024});
    Tensor t;
    TERN_ASSERT_OK(tern_tensor_create(ctx.get(), &d, t.out()));
    const std::vector<uint8_t> data = pattern(4096, 3);
    TERN_ASSERT_OK(tern_tensor_write(t.get(), 0, data.data(), data.size()));

    TERN_EXPECT_STATUS(TERN_ERROR_BUSY, tern_partition_destroy(pf_.get(), 10 * kSecond));
    const std::string msg = last_message();
    EXPECT_TRUE(contains(msg, "nothing changed")) << msg;
    EXPECT_TRUE(contains(
        msg, "partition 1 by pid " + std::to_string(getpid()) + " (" + own_command() + ", "))
        << msg;
    EXPECT_FALSE(contains(msg, "partition 0")) << "partition 0 is not held: " << msg;
    const std::vector<tern_partition_holder> h = holders();
    ASSERT_EQ(1u, h.size());
    EXPECT_EQ(1u, h[0].partition_index);
    EXPECT_EQ(getpid(), h[0].pid);
    EXPECT_EQ(own_command(), h[0].command);
    EXPECT_GE(h[0].num_files, 2u) << "the device's own file and the context's";
    EXPECT_STREQ("", h[0].driver);

    // Nothing changed: the table, the devices, the VF's data.
    EXPECT_EQ(2u, table().size());
    EXPECT_EQ(4u, device_count());
    std::vector<uint8_t> back(data.size());
    TERN_ASSERT_OK(tern_tensor_read(t.get(), 0, back.data(), back.size()));
    EXPECT_EQ(data, back);

    // Let go: destroy goes through.
    t.reset();
    ctx.reset();
    vf.reset();
    EXPECT_TRUE(holders().empty());
    TERN_EXPECT_OK(tern_partition_destroy(pf_.get(), 10 * kSecond));
    EXPECT_EQ(2u, device_count());
}

// A context whose handles are all gone holds its VF no longer, at once:
// the runtime's own thread lets go before the last tern_queue_destroy
// returns, even with a callback and a staged read on the queue's work.
TEST_F(DestroyTest, ReleasedContextHoldsNothing) {
    const std::vector<tern_partition> parts = create(equal_request(2));
    Device vf;
    TERN_ASSERT_OK(tern_device_open(parts[0].device_index, vf.out()));
    Context ctx;
    TERN_ASSERT_OK(tern_context_create(vf.get(), ctx.out()));
    Queue q;
    TERN_ASSERT_OK(tern_queue_create(ctx.get(), nullptr, q.out()));
    const tern_tensor_desc d = tensor_desc(TERN_DTYPE_INT32, {1024});
    Tensor t;
    TERN_ASSERT_OK(tern_tensor_create(ctx.get(), &d, t.out()));
    std::vector<uint8_t> out(4096);
    TERN_ASSERT_OK(tern_read_async(q.get(), out.data(), t.get(), 0, out.size()));
    Event ev;
    TERN_ASSERT_OK(tern_event_create(ctx.get(), ev.out()));
    TERN_ASSERT_OK(tern_event_record(ev.get(), q.get()));
    SlowCallback cb;
    TERN_ASSERT_OK(tern_event_set_callback(ev.get(), &SlowCallback::fn, &cb));

    ev.reset();
    t.reset();
    ctx.reset();
    vf.reset();
    q.reset();
    EXPECT_TRUE(holders().empty());
    TERN_EXPECT_OK(tern_partition_destroy(pf_.get(), 10 * kSecond));
}

TEST_F(DestroyTest, WithoutPartitionsDoesNothing) {
    TERN_EXPECT_OK(tern_partition_destroy(pf_.get(), 0));
    EXPECT_EQ(2u, device_count());
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_partition_destroy(nullptr, 0));
    uint32_t count = 0;
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                       tern_partition_get_holders(pf_.get(), nullptr, 0, nullptr, nullptr));
    TERN_EXPECT_OK(tern_partition_get_holders(pf_.get(), nullptr, 0, &count, nullptr));
    EXPECT_EQ(0u, count);
    tern_partition_table_info t{};
    t.struct_size = 4;
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                       tern_partition_get_table(pf_.get(), &t, nullptr, 0));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                       tern_partition_get_table(pf_.get(), nullptr, nullptr, 0));
}

// PF buffers in the way of a window: refused, the buffer untouched; a
// reserve below the windows makes room for them.
TEST_F(CreateTest, PfBuffersInAWindowAreBusy) {
    Context ctx;
    TERN_ASSERT_OK(tern_context_create(pf_.get(), ctx.out()));
    const tern_tensor_desc d = tensor_desc(TERN_DTYPE_INT32, {kMiB / 4});
    Tensor t;
    TERN_ASSERT_OK(tern_tensor_create(ctx.get(), &d, t.out()));
    const std::vector<uint8_t> data = pattern(kMiB, 11);
    TERN_ASSERT_OK(tern_tensor_write(t.get(), 0, data.data(), data.size()));

    const tern_partition_request all = equal_request(1);
    TERN_EXPECT_STATUS(TERN_ERROR_BUSY, tern_partition_create(pf_.get(), &all, nullptr, 0));
    EXPECT_TRUE(contains(last_message(), "PF buffers occupy")) << last_message();
    EXPECT_TRUE(table().empty());
    EXPECT_EQ(2u, device_count());

    const std::vector<tern_partition> parts = create(equal_request(2, 8 * kMiB));
    EXPECT_EQ(8 * kMiB, parts[0].memory_base);
    std::vector<uint8_t> back(data.size());
    TERN_ASSERT_OK(tern_tensor_read(t.get(), 0, back.data(), back.size()));
    EXPECT_EQ(data, back);
    EXPECT_EQ(8 * kMiB - kMiB, device_info(pf_.get()).memory_free);
}

// Without CAP_SYS_ADMIN: planning and reading work, changing is refused.
void unprivileged_child() {
    if (!drop_capability(CAP_SYS_ADMIN)) {
        _exit(3);
    }
    const tern_init_info info = init_info("mock");
    tern_device pf = nullptr;
    if (tern_init(&info) != TERN_OK || tern_device_open(0, &pf) != TERN_OK) {
        _exit(2);
    }
    const tern_partition_request r = equal_request(2);
    auto p = blank<tern_partition>(2);
    const tern_status plan = tern_partition_plan(pf, &r, p.data(), 2);
    const tern_status create = tern_partition_create(pf, &r, p.data(), 2);
    const std::string why = last_message();
    uint32_t n = 0;
    tern_device_count(&n);
    fprintf(stderr, "plan=%s create=%s devices=%u message=%s\n", tern_status_str(plan),
            tern_status_str(create), n, why.c_str());
    _exit(0);
}

TEST(PartitionPrivilegeDeathTest, CreatingNeedsSysAdmin) {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    EXPECT_EXIT(unprivileged_child(), ::testing::ExitedWithCode(0),
                "plan=TERN_OK create=TERN_ERROR_PERMISSION devices=2 message=.*CAP_SYS_ADMIN");
}

TEST(PartitionInitTest, NeedsTheRuntime) {
    uint32_t n = 0;
    TERN_EXPECT_STATUS(TERN_ERROR_NOT_INITIALIZED, tern_device_rescan(&n));
    TERN_EXPECT_STATUS(TERN_ERROR_NOT_INITIALIZED, tern_partition_destroy(nullptr, 0));
}

// ---- Rescans ------------------------------------------------------------------

// Handles name functions, not indices: after partitions come and go, an
// open handle keeps working and reports its new index.
TEST_F(RescanTest, OpenHandlesFollowTheirDevice) {
    Device pf1;
    TERN_ASSERT_OK(tern_device_open(1, pf1.out()));
    create(equal_request(2));
    EXPECT_EQ(1u, device_info(pf1.get()).index) << "PFs come first";

    const tern_partition_request r = equal_request(2);
    auto p1 = blank<tern_partition>(2);
    TERN_ASSERT_OK(tern_partition_create(pf1.get(), &r, p1.data(), 2));
    EXPECT_EQ(4u, p1[0].device_index) << "PF 0's VFs, then PF 1's";
    EXPECT_EQ(6u, device_count());
    Device vf;
    TERN_ASSERT_OK(tern_device_open(4, vf.out()));
    EXPECT_STREQ("mock:1.vf0", device_info(vf.get()).node);

    TERN_ASSERT_OK(tern_partition_destroy(pf_.get(), 10 * kSecond));
    EXPECT_EQ(4u, device_count());
    const tern_device_info moved = device_info(vf.get());
    EXPECT_EQ(2u, moved.index);
    EXPECT_STREQ("mock:1.vf0", moved.node);
    Device same;
    TERN_ASSERT_OK(tern_device_open(2, same.out()));
    EXPECT_EQ(vf.get(), same.get()) << "the index leads to the open handle";
    same.reset();
    uint32_t n = 0;
    TERN_EXPECT_OK(tern_device_rescan(&n));
    EXPECT_EQ(4u, n);
    TERN_EXPECT_OK(tern_device_rescan(nullptr));
    // Still usable.
    Context ctx;
    TERN_EXPECT_OK(tern_context_create(vf.get(), ctx.out()));
    ctx.reset();
    vf.reset();
    TERN_EXPECT_OK(tern_partition_destroy(pf1.get(), 10 * kSecond));
    EXPECT_EQ(2u, device_count());
}

// ---- C++ -----------------------------------------------------------------------

TEST_F(CreateTest, CppApi) {
    tern::Device pf(0);
    const auto profiles = tern::partition_profiles(pf);
    ASSERT_EQ(4u, profiles.size());
    EXPECT_STREQ("8way", profiles[3].name);

    const auto plan = tern::plan_partitions(pf, tern::PartitionRequest::equal(4, 16 * kMiB));
    ASSERT_EQ(4u, plan.size());
    EXPECT_EQ(12 * kMiB, plan[0].memory_bytes);

    tern::PartitionRequest req = tern::PartitionRequest::from_specs(
        {tern::PartitionSpec{.memory_bytes = 16 * kMiB, .num_cores = 3},
         tern::PartitionSpec{.memory_bytes = 8 * kMiB, .core_mask = 0x80, .num_queues = 2}});
    req.timeout(std::chrono::seconds(10));
    const auto parts = tern::create_partitions(pf, req);
    ASSERT_EQ(2u, parts.size());
    EXPECT_EQ(0x07u, parts[0].core_mask);
    EXPECT_EQ(2u, parts[1].num_queues);
    {
        tern::Device vf(parts[1].device_index);
        EXPECT_EQ(1u, vf.info().num_cores);
        const tern::PartitionTable t = tern::partition_table(pf);
        EXPECT_EQ(2u, t.partitions.size());
        EXPECT_EQ(0x78u, t.info.free_core_mask);
        const tern::PartitionHolders h = tern::partition_holders(pf);
        ASSERT_EQ(1u, h.list.size());
        EXPECT_EQ(1u, h.list[0].partition_index);
        try {
            tern::destroy_partitions(pf);
            ADD_FAILURE() << "destroyed while held";
        } catch (const tern::Error& e) {
            EXPECT_EQ(TERN_ERROR_BUSY, e.status());
            EXPECT_TRUE(contains(e.what(), "partition 1 by pid")) << e.what();
        }
    }
    try {
        (void)tern::plan_partitions(pf, tern::PartitionRequest::equal(5));
        ADD_FAILURE() << "5 ways planned";
    } catch (const tern::Error& e) {
        EXPECT_EQ(TERN_ERROR_INVALID_ARGUMENT, e.status());
    }
    tern::destroy_partitions(pf, std::chrono::seconds(10));
    EXPECT_EQ(2u, tern::rescan_devices());
}

}  // namespace
}  // namespace tern_test
