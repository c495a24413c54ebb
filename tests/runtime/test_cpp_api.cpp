// SPDX-License-Identifier: MIT
// The C++ API (tern.hpp): RAII, exceptions with detail, move semantics,
// callbacks, and that destruction order is free.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <cmath>
#include <cstring>
#include <future>
#include <span>
#include <type_traits>
#include <vector>

#include "isa_program.hpp"
#include "tern/tern.hpp"
#include "test_util.hpp"

namespace tern_test {
namespace {

using tern::test::ProgramBuilder;

static_assert(!std::is_copy_constructible_v<tern::Tensor>);
static_assert(std::is_nothrow_move_constructible_v<tern::Tensor>);
static_assert(std::is_nothrow_move_assignable_v<tern::Queue>);
static_assert(!std::is_copy_assignable_v<tern::Event>);

class RtCppApiTest : public ::testing::Test {
protected:
    void SetUp() override { default_to_mock(); }
};

uint64_t free_memory(const tern::Device& dev) {
    return dev.info().memory_free;
}

TEST_F(RtCppApiTest, RoundTripAndRaii) {
    tern::Runtime rt;
    EXPECT_EQ(static_cast<uint32_t>(TERN_API_VERSION), tern::Runtime::version());
    EXPECT_GE(tern::Runtime::device_count(), 1u);
    tern::Device dev(0);
    const uint64_t free0 = free_memory(dev);
    {
        tern::Context ctx(dev);
        tern::Queue q(ctx);
        tern::Tensor t(ctx, tern::DType::f32, {1000});
        EXPECT_EQ(4000u, t.size_bytes());
        EXPECT_EQ(tern::DType::f32, t.dtype());
        EXPECT_EQ(std::vector<uint64_t>{1000}, t.shape());
        EXPECT_NE(0u, t.device_address());
        EXPECT_LT(free_memory(dev), free0);

        std::vector<float> in(1000), out(1000, 0);
        for (size_t i = 0; i < in.size(); ++i) {
            in[i] = static_cast<float>(i) * 0.5f;
        }
        q.write(t, std::span<const float>(in));
        q.read(std::span<float>(out), t);
        q.synchronize();
        EXPECT_EQ(in, out);

        std::vector<float> part(10);
        t.read(std::span<float>(part), 40);  // elements 10..19
        EXPECT_EQ(5.0f, part[0]);
        EXPECT_EQ(9.5f, part[9]);

        tern::Tensor pinned(ctx, tern::DType::i32, {256}, tern::Memory::host_pinned);
        auto span = pinned.host_span<int32_t>();
        ASSERT_EQ(256u, span.size());
        for (size_t i = 0; i < span.size(); ++i) {
            span[i] = static_cast<int32_t>(i * 3);
        }
        std::vector<int32_t> back(256);
        pinned.read(std::span<int32_t>(back));
        EXPECT_EQ(765, back[255]);
    }
    // Everything above is gone, memory included.
    EXPECT_EQ(free0, free_memory(dev));
}

TEST_F(RtCppApiTest, ExceptionsCarryStatusAndDetail) {
    tern::Runtime rt;
    tern::Device dev(0);
    tern::Context ctx(dev);
    try {
        tern::Tensor bad(ctx, tern::DType::f32, {1, 1, 1, 1, 1, 1, 1});
        FAIL() << "rank 7 accepted";
    } catch (const tern::Error& e) {
        EXPECT_EQ(TERN_ERROR_INVALID_ARGUMENT, e.status());
        EXPECT_EQ(TERN_ERROR_INVALID_ARGUMENT, e.detail().status);
        EXPECT_NE(nullptr, std::strstr(e.what(), "tern_tensor_create")) << e.what();
    }
    tern::Tensor t(ctx, tern::DType::i32, {4});
    std::vector<int32_t> five(5);
    try {
        t.read(std::span<int32_t>(five));
        FAIL() << "out-of-range read accepted";
    } catch (const tern::Error& e) {
        EXPECT_EQ(TERN_ERROR_OUT_OF_RANGE, e.status());
        EXPECT_NE(nullptr, std::strstr(e.what(), "tern_tensor_read")) << e.what();
    }
    EXPECT_THROW(tern::Device(9999), tern::Error);
    // A default-constructed (empty) object is an invalid handle.
    tern::Queue empty;
    try {
        empty.synchronize();
        FAIL();
    } catch (const tern::Error& e) {
        EXPECT_EQ(TERN_ERROR_INVALID_HANDLE, e.status());
    }
}

TEST_F(RtCppApiTest, DeviceFaultThrowsWithDetail) {
    tern::Runtime rt;
    tern::Device dev(0);
    tern::Context ctx(dev);
    tern::Queue q(ctx);
    ProgramBuilder p;
    const uint16_t table = p.tensor(0, TERN_ISA_DTYPE_FP32, {2, 4});
    const uint16_t idx = p.tensor(1, TERN_ISA_DTYPE_INT32, {2});
    const uint16_t out = p.tensor(2, TERN_ISA_DTYPE_FP32, {2, 4});
    p.op(TERN_ISA_GATHER, out, {table, idx});
    const auto img = p.build();
    tern::Program prog(ctx, std::as_bytes(std::span(img)));
    tern::Tensor tt(ctx, tern::DType::f32, {2, 4}), ti(ctx, tern::DType::i32, {2}),
        to(ctx, tern::DType::f32, {2, 4});
    const std::array<int32_t, 2> bad = {1, -1};
    ti.write(std::span<const int32_t>(bad));
    tern::Event ev(ctx);
    std::promise<tern_status> seen;
    q.launch(prog, {&tt, &ti, &to});
    ev.record(q);
    ev.on_complete([&seen](tern_status s) { seen.set_value(s); });
    try {
        q.synchronize();
        FAIL() << "faulting program completed";
    } catch (const tern::Error& e) {
        EXPECT_EQ(TERN_ERROR_DEVICE_FAULT, e.status());
        EXPECT_EQ(0u, e.detail().op_index);
        EXPECT_EQ(10u, e.detail().device_error);  // TERN_QERR_INDEX
        EXPECT_GT(std::strlen(e.what()), 0u);
    }
    EXPECT_EQ(TERN_ERROR_DEVICE_FAULT, q.error().status);
    EXPECT_THROW(ev.query(), tern::Error);
    auto f = seen.get_future();
    ASSERT_EQ(std::future_status::ready, f.wait_for(std::chrono::seconds(10)));
    EXPECT_EQ(TERN_ERROR_DEVICE_FAULT, f.get());
}

TEST_F(RtCppApiTest, MoveSemantics) {
    tern::Runtime rt;
    tern::Device dev(0);
    tern::Context ctx(dev);
    const uint64_t free0 = free_memory(dev);
    tern::Tensor a(ctx, tern::DType::f32, {1 << 18});  // 1 MiB
    const tern_tensor handle = a.handle();
    tern::Tensor b(std::move(a));
    EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): moved-from is empty
    EXPECT_EQ(nullptr, a.handle());
    EXPECT_EQ(handle, b.handle());
    EXPECT_EQ(uint64_t{1} << 20, b.size_bytes());

    tern::Tensor c(ctx, tern::DType::f32, {1 << 18});
    const uint64_t with_two = free_memory(dev);
    c = std::move(b);  // c's old tensor is destroyed
    EXPECT_EQ(handle, c.handle());
    EXPECT_GT(free_memory(dev), with_two);
    c = std::move(c);  // self-move keeps the tensor
    EXPECT_EQ(handle, c.handle());

    std::vector<tern::Tensor> many;
    for (int i = 0; i < 20; ++i) {
        many.emplace_back(ctx, tern::DType::i32, std::initializer_list<uint64_t>{1024});
    }
    many.erase(many.begin(), many.begin() + 10);  // moves the rest down
    for (auto& t : many) {
        EXPECT_EQ(4096u, t.size_bytes());
    }
    many.clear();
    tern::Queue q1(ctx), q2;
    q2 = std::move(q1);
    q2.synchronize();
    EXPECT_FALSE(q1);  // NOLINT(bugprone-use-after-move)
    c = tern::Tensor();
    EXPECT_EQ(free0, free_memory(dev));
}

TEST_F(RtCppApiTest, DestructionOrderIsFree) {
    tern::Runtime rt;
    tern::Tensor t;
    tern::Queue q;
    {
        tern::Device dev(0);
        tern::Context ctx(dev);
        t = tern::Tensor(ctx, tern::DType::i32, {64});
        q = tern::Queue(ctx);
    }  // context and device handles released first
    std::vector<int32_t> in(64, 7), out(64, 0);
    q.write(t, std::span<const int32_t>(in));
    q.read(std::span<int32_t>(out), t);
    q.synchronize();
    EXPECT_EQ(in, out);
}

TEST_F(RtCppApiTest, EventsAndProgram) {
    tern::Runtime rt;
    tern::Device dev(0);
    tern::Context ctx(dev);
    tern::Queue a(ctx), b(ctx);
    ProgramBuilder p;
    const uint16_t x = p.tensor(0, TERN_ISA_DTYPE_FP32, {8});
    const uint16_t y = p.tensor(1, TERN_ISA_DTYPE_FP32, {8});
    p.op(TERN_ISA_RELU, y, {x});
    const auto img = p.build();
    tern::Program prog(ctx, std::as_bytes(std::span(img)));
    tern::Tensor tx(ctx, tern::DType::f32, {8}), ty(ctx, tern::DType::f32, {8});
    const std::array<float, 8> in = {-1, 2, -3, 4, -5, 6, -7, 8};
    a.write(tx, std::span<const float>(in));
    a.launch(prog, {&tx, &ty});
    tern::Event done(ctx);
    done.record(a);
    std::atomic<int> calls{0};
    done.on_complete([&calls](tern_status s) {
        if (s == TERN_OK) {
            calls.fetch_add(1);
        }
    });
    b.wait(done);
    std::array<float, 8> out{};
    b.read(std::span<float>(out), ty);
    b.synchronize();
    EXPECT_TRUE(done.query());
    EXPECT_TRUE(done.wait(std::chrono::milliseconds(1)));
    const std::array<float, 8> want = {0, 2, 0, 4, 0, 6, 0, 8};
    EXPECT_EQ(want, out);
    for (int i = 0; i < 400 && calls.load() == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    EXPECT_EQ(1, calls.load());
}

}  // namespace
}  // namespace tern_test
