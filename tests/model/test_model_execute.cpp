// SPDX-License-Identifier: MIT
// Executing models on the mock backend: results against a CPU reference,
// events, concurrent runs of one model on two queues with different
// buffers, batched runs, rejected arguments (with detail, nothing queued),
// device-rejected programs, and the C++ API.
#include "device_fixture.hpp"
#include "isa_program.hpp"

#include <thread>

namespace {

using namespace tern_test;
using tern::test::ProgramBuilder;

class ModelExecute : public ModelDeviceTest {
protected:
    static constexpr uint32_t kN = 64;
    tern::Tensor make(std::initializer_list<uint64_t> shape, tern::DType dt = tern::DType::f32,
                      tern::Memory mem = tern::Memory::device) {
        return tern::Tensor(ctx_, dt, shape, mem);
    }
};

std::vector<float> read_floats(const tern::Tensor& t) {
    std::vector<float> v(t.size_bytes() / 4);
    t.read(std::span<float>(v));
    return v;
}

TEST_F(ModelExecute, AffineMatchesTheCpu) {
    tern_model h = load(affine_model(kN));
    tern::Tensor x = make({kN}), y = make({kN});
    const std::vector<float> xs = ramp(kN);
    x.write(std::span<const float>(xs));
    tern_tensor in = x.handle(), out = y.handle();
    tern_event done = nullptr;
    ASSERT_EQ(tern_model_execute(queue_.handle(), h, &in, 1, &out, 1, nullptr, &done), TERN_OK)
        << last_message();
    ASSERT_NE(done, nullptr);
    ASSERT_EQ(tern_event_wait(done, -1), TERN_OK);
    EXPECT_EQ(tern_event_destroy(done), TERN_OK);
    // Elementwise fp32 ops round like the CPU: exact equality.
    EXPECT_EQ(read_floats(y), affine_reference(xs));
    EXPECT_EQ(tern_model_destroy(h), TERN_OK);
}

TEST_F(ModelExecute, MatmulMatchesTheCpu) {
    constexpr uint32_t M = 7, K = 33, N = 19;
    tern_model h = load(matmul_model(M, K, N));
    // Pinned host tensors work as well as device ones.
    tern::Tensor x = make({M, K}, tern::DType::f32, tern::Memory::host_pinned);
    tern::Tensor y = make({M, N}, tern::DType::f32, tern::Memory::host_pinned);
    const std::vector<float> xs = ramp(M * K, 0.03125f, -1.0f);
    x.write(std::span<const float>(xs));
    tern_tensor in = x.handle(), out = y.handle();
    ASSERT_EQ(tern_model_execute(queue_.handle(), h, &in, 1, &out, 1, nullptr, nullptr), TERN_OK);
    queue_.synchronize();
    const std::vector<float> want = matmul_reference(xs, M, K, N), got = read_floats(y);
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i)
        EXPECT_NEAR(got[i], want[i], 1e-4f * (1.0f + std::abs(want[i]))) << i;
    EXPECT_EQ(tern_model_destroy(h), TERN_OK);
}

TEST_F(ModelExecute, ConcurrentRunsOnTwoQueuesWithDifferentBuffers) {
    tern_model h = load(affine_model(kN));
    constexpr int kRuns = 40;
    // Both queues live through both workers, so neither can inherit the
    // other's arena.
    tern::Queue queues[2] = {tern::Queue(ctx_), tern::Queue(ctx_)};
    auto worker = [&](int id, bool* ok) {
        tern::Queue& q = queues[id];
        tern::Tensor x = make({kN}), y = make({kN});
        *ok = true;
        for (int r = 0; r < kRuns && *ok; ++r) {
            const std::vector<float> xs = ramp(kN, 0.5f + float(id), float(r));
            q.write(x, std::span<const float>(xs));
            tern_tensor in = x.handle(), out = y.handle();
            if (tern_model_execute(q.handle(), h, &in, 1, &out, 1, nullptr, nullptr) != TERN_OK) {
                *ok = false;
                break;
            }
            std::vector<float> ys(kN);
            q.read(std::span<float>(ys), y);
            q.synchronize();
            *ok = ys == affine_reference(xs);
        }
    };
    bool ok0 = false, ok1 = false;
    std::thread t0(worker, 0, &ok0), t1(worker, 1, &ok1);
    t0.join();
    t1.join();
    queues[0] = tern::Queue();
    queues[1] = tern::Queue();
    EXPECT_TRUE(ok0);
    EXPECT_TRUE(ok1);
    // Each queue got its own activation arena; the one made at load
    // time went to the first.
    tern_model_info i{};
    i.struct_size = sizeof(i);
    ASSERT_EQ(tern_model_get_info(h, &i), TERN_OK);
    EXPECT_EQ(i.scratch_arenas, 2u);
    // Those queues are gone: a new one reuses an arena.
    tern::Queue q(ctx_);
    tern::Tensor x = make({kN}), y = make({kN});
    tern_tensor in = x.handle(), out = y.handle();
    ASSERT_EQ(tern_model_execute(q.handle(), h, &in, 1, &out, 1, nullptr, nullptr), TERN_OK);
    q.synchronize();
    ASSERT_EQ(tern_model_get_info(h, &i), TERN_OK);
    EXPECT_EQ(i.scratch_arenas, 2u);
    EXPECT_EQ(tern_model_destroy(h), TERN_OK);
}

TEST_F(ModelExecute, ExecuteNRunsEachRunWithItsTensors) {
    tern_model h = load(affine_model(kN));
    constexpr uint32_t kRuns = 8;
    std::vector<tern::Tensor> xs, ys;
    std::vector<tern_tensor> in, out;
    std::vector<std::vector<float>> data;
    for (uint32_t r = 0; r < kRuns; ++r) {
        xs.push_back(make({kN}));
        ys.push_back(make({kN}));
        data.push_back(ramp(kN, 0.125f * float(r + 1), -float(r)));
        xs.back().write(std::span<const float>(data.back()));
        in.push_back(xs.back().handle());
        out.push_back(ys.back().handle());
    }
    tern_event done = nullptr;
    ASSERT_EQ(tern_model_execute_n(queue_.handle(), h, kRuns, in.data(), 1, out.data(), 1, nullptr,
                                   &done),
              TERN_OK)
        << last_message();
    ASSERT_EQ(tern_event_wait(done, -1), TERN_OK);
    tern_event_destroy(done);
    for (uint32_t r = 0; r < kRuns; ++r)
        EXPECT_EQ(read_floats(ys[r]), affine_reference(data[r])) << "run " << r;

    // The same tensors for every run.
    tern_model_execute_desc d{};
    d.struct_size = sizeof(d);
    d.flags = TERN_MODEL_EXECUTE_SAME_TENSORS;
    ASSERT_EQ(
        tern_model_execute_n(queue_.handle(), h, 500, in.data(), 1, out.data(), 1, &d, nullptr),
        TERN_OK);
    queue_.synchronize();
    EXPECT_EQ(read_floats(ys[0]), affine_reference(data[0]));
    EXPECT_EQ(tern_model_destroy(h), TERN_OK);
}

TEST_F(ModelExecute, WrongTensorsAreRejectedWithDetailAndQueueNothing) {
    tern_model h = load(affine_model(kN));
    tern::Tensor x = make({kN}), y = make({kN});
    const std::vector<float> sentinel(kN, 42.0f);
    y.write(std::span<const float>(sentinel));
    tern::Tensor bf = make({kN}, tern::DType::bf16), short_x = make({kN - 1}), two_d = make({8, 8});
    tern_tensor out = y.handle();
    auto expect = [&](tern_tensor in, tern_status status, const std::string& needle) {
        EXPECT_EQ(tern_model_execute(queue_.handle(), h, &in, 1, &out, 1, nullptr, nullptr),
                  status);
        EXPECT_NE(last_message().find(needle), std::string::npos) << last_message();
    };
    expect(bf.handle(), TERN_ERROR_DTYPE_MISMATCH, "input 0 'x' is bf16, the model expects fp32");
    expect(short_x.handle(), TERN_ERROR_SHAPE_MISMATCH,
           "input 0 'x' has shape [63], the model expects [64]");
    expect(two_d.handle(), TERN_ERROR_SHAPE_MISMATCH, "has shape [8, 8]");
    expect(nullptr, TERN_ERROR_INVALID_HANDLE, "input 0 'x' is NULL");
    expect(reinterpret_cast<tern_tensor>(queue_.handle()), TERN_ERROR_INVALID_HANDLE,
           "not a live tensor handle");

    tern_tensor in = x.handle();
    EXPECT_EQ(tern_model_execute(queue_.handle(), h, &in, 2, &out, 1, nullptr, nullptr),
              TERN_ERROR_INVALID_ARGUMENT);
    EXPECT_NE(last_message().find("2 inputs and 1 outputs given, model 'affine' has 1 and 1"),
              std::string::npos);
    tern_model_execute_desc d{};
    d.struct_size = sizeof(d);
    d.flags = 1u << 9;
    EXPECT_EQ(tern_model_execute(queue_.handle(), h, &in, 1, &out, 1, &d, nullptr),
              TERN_ERROR_INVALID_ARGUMENT);
    d.flags = 0;
    d.core_mask = 1u << 31;
    EXPECT_EQ(tern_model_execute(queue_.handle(), h, &in, 1, &out, 1, &d, nullptr),
              TERN_ERROR_INVALID_ARGUMENT);
    EXPECT_EQ(tern_model_execute(queue_.handle(), nullptr, &in, 1, &out, 1, nullptr, nullptr),
              TERN_ERROR_INVALID_HANDLE);

    // execute_n: a bad run anywhere queues no run at all.
    std::vector<tern_tensor> ins = {x.handle(), x.handle(), bf.handle()};
    std::vector<tern_tensor> outs = {y.handle(), y.handle(), y.handle()};
    EXPECT_EQ(tern_model_execute_n(queue_.handle(), h, 3, ins.data(), 1, outs.data(), 1, nullptr,
                                   nullptr),
              TERN_ERROR_DTYPE_MISMATCH);
    EXPECT_NE(last_message().find("run 2: input 0 'x' is bf16"), std::string::npos)
        << last_message();
    EXPECT_EQ(tern_model_execute_n(queue_.handle(), h, 0, ins.data(), 1, outs.data(), 1, nullptr,
                                   nullptr),
              TERN_ERROR_INVALID_ARGUMENT);
    queue_.synchronize();
    EXPECT_EQ(read_floats(y), sentinel);  // nothing ran

    // Tensors and queues of another context.
    tern::Context other(device_);
    tern::Queue other_q(other);
    tern::Tensor other_x(other, tern::DType::f32, {kN});
    tern_tensor ox = other_x.handle();
    EXPECT_EQ(tern_model_execute(queue_.handle(), h, &ox, 1, &out, 1, nullptr, nullptr),
              TERN_ERROR_INVALID_HANDLE);
    EXPECT_NE(last_message().find("another context"), std::string::npos);
    EXPECT_EQ(tern_model_execute(other_q.handle(), h, &ox, 1, &out, 1, nullptr, nullptr),
              TERN_ERROR_INVALID_HANDLE);
    EXPECT_NE(last_message().find("load the model into the queue's context"), std::string::npos);
    EXPECT_EQ(tern_model_destroy(h), TERN_OK);
}

TEST_F(ModelExecute, DestroyingAModelWithRunsInFlightIsSafe) {
    tern_model h = load(affine_model(kN));
    tern::Tensor x = make({kN}), y = make({kN});
    const std::vector<float> xs = ramp(kN);
    x.write(std::span<const float>(xs));
    tern_tensor in = x.handle(), out = y.handle();
    tern_model_execute_desc d{};
    d.struct_size = sizeof(d);
    d.flags = TERN_MODEL_EXECUTE_SAME_TENSORS;
    ASSERT_EQ(tern_model_execute_n(queue_.handle(), h, 300, &in, 1, &out, 1, &d, nullptr), TERN_OK);
    EXPECT_EQ(tern_model_destroy(h), TERN_OK);
    queue_.synchronize();
    EXPECT_EQ(read_floats(y), affine_reference(xs));
}

TEST_F(ModelExecute, AProgramTheDeviceRejectsFailsOnlyItsQueue) {
    // A MUL with a parameter it does not use: valid for the file (ops are
    // the device's to check), rejected by the device before it runs.
    tern::model::ModelImage m = affine_model(kN);
    ProgramBuilder p;
    uint16_t a = p.tensor(0, TERN_ISA_DTYPE_FP32, {kN});
    uint16_t t = p.tensor(2, TERN_ISA_DTYPE_FP32, {kN});
    p.op(TERN_ISA_MUL, t, {a, a}, {7});
    m.programs[0] = p.build();
    tern_model h = load(m);
    tern::Tensor x = make({kN}), y = make({kN});
    tern_tensor in = x.handle(), out = y.handle();
    ASSERT_EQ(tern_model_execute(queue_.handle(), h, &in, 1, &out, 1, nullptr, nullptr), TERN_OK);
    EXPECT_EQ(tern_queue_synchronize(queue_.handle(), -1), TERN_ERROR_INVALID_PROGRAM);
    tern_error_detail e{};
    e.struct_size = sizeof(e);
    tern_last_error(&e);
    EXPECT_EQ(e.op_index, 0u);
    // The model and the context stay usable on another queue.
    tern::Queue fresh(ctx_);
    tern_model good = load(affine_model(kN));
    ASSERT_EQ(tern_model_execute(fresh.handle(), good, &in, 1, &out, 1, nullptr, nullptr), TERN_OK);
    fresh.synchronize();
    EXPECT_EQ(tern_model_destroy(h), TERN_OK);
    EXPECT_EQ(tern_model_destroy(good), TERN_OK);
}

TEST_F(ModelExecute, CppApi) {
    const auto image = affine_model(kN);
    std::vector<uint8_t> bytes = tern::model::serialize(image);
    tern::Model model(ctx_, std::as_bytes(std::span(bytes)));
    tern::Tensor x = make({kN}), y = make({kN});
    const std::vector<float> xs = ramp(kN, 1.5f, -20.0f);
    x.write(std::span<const float>(xs));
    tern::Event done(ctx_);
    model.execute(queue_, {&x}, {&y}, &done);
    done.wait();
    EXPECT_EQ(read_floats(y), affine_reference(xs));

    tern::Tensor x2 = make({kN}), y2 = make({kN});
    const std::vector<float> xs2 = ramp(kN, -0.5f, 7.0f);
    x2.write(std::span<const float>(xs2));
    std::vector<const tern::Tensor*> ins = {&x, &x2}, outs = {&y, &y2};
    model.execute_n(queue_, 2, ins, outs);
    model.repeat(queue_, 10, std::span(ins).first(1), std::span(outs).first(1));
    queue_.synchronize();
    EXPECT_EQ(read_floats(y2), affine_reference(xs2));
    EXPECT_THROW(model.execute_n(queue_, 3, ins, outs), std::invalid_argument);
    tern::Tensor wrong = make({kN}, tern::DType::f16);
    try {
        model.execute(queue_, {&wrong}, {&y});
        ADD_FAILURE() << "accepted an fp16 input";
    } catch (const tern::Error& e) {
        EXPECT_EQ(e.status(), TERN_ERROR_DTYPE_MISMATCH);
        EXPECT_NE(std::string(e.what()).find("fp16"), std::string::npos);
    }
}

}  // namespace
