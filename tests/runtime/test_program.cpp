// SPDX-License-Identifier: MIT
// Raw programs: loading, launching with binding tables, numerics against a
// CPU reference, device-side failures that break only their own queue, and
// isolation between contexts.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstring>
#include <mutex>
#include <thread>
#include <vector>

#include "busy.hpp"
#include "isa_program.hpp"
#include "test_util.hpp"

namespace tern_test {
namespace {

using namespace std::chrono_literals;
using tern::test::ProgramBuilder;

constexpr uint32_t kQerrProgram = 4;  // TERN_QERR_PROGRAM, docs/hw-spec.md 5.7
constexpr uint32_t kQerrIndex = 10;   // TERN_QERR_INDEX

std::vector<float> random_floats(size_t n, uint32_t seed) {
    std::vector<float> v(n);
    const auto bytes = pattern(n, seed);
    for (size_t i = 0; i < n; ++i) {
        v[i] = (static_cast<int>(bytes[i]) - 128) / 32.0f;
    }
    return v;
}

// OUT[M,N] = A[M,K] x B[K,N], then OUT += C[M,N] (op 1, aliasing OUT).
std::vector<uint8_t> matmul_add_image(uint32_t m, uint32_t k, uint32_t n) {
    ProgramBuilder p;
    const uint16_t a = p.tensor(0, TERN_ISA_DTYPE_FP32, {m, k});
    const uint16_t b = p.tensor(1, TERN_ISA_DTYPE_FP32, {k, n});
    const uint16_t c = p.tensor(2, TERN_ISA_DTYPE_FP32, {m, n});
    const uint16_t out = p.tensor(3, TERN_ISA_DTYPE_FP32, {m, n});
    p.op(TERN_ISA_MATMUL, out, {a, b});
    p.op(TERN_ISA_ADD, out, {out, c});
    return p.build();
}

std::vector<float> matmul_add_reference(const std::vector<float>& a, const std::vector<float>& b,
                                        const std::vector<float>& c, uint32_t m, uint32_t k,
                                        uint32_t n) {
    std::vector<float> out(size_t{m} * n);
    for (uint32_t i = 0; i < m; ++i) {
        for (uint32_t j = 0; j < n; ++j) {
            double acc = 0;
            for (uint32_t x = 0; x < k; ++x) {
                acc += double{a[i * k + x]} * b[x * n + j];
            }
            out[i * n + j] = static_cast<float>(static_cast<float>(acc) + c[i * n + j]);
        }
    }
    return out;
}

class RtProgramTest : public RuntimeTest {
protected:
    tern_program load(tern_context ctx, const std::vector<uint8_t>& img) {
        tern_program p = nullptr;
        const tern_status s = tern_program_create(ctx, img.data(), img.size(), &p);
        EXPECT_EQ(TERN_OK, s) << tern_status_str(s) << " [" << last_error_line() << "]";
        return p;
    }
    tern_launch_desc launch_desc(uint32_t core_mask = 0) {
        tern_launch_desc d{};
        d.struct_size = sizeof(d);
        d.core_mask = core_mask;
        return d;
    }
    tern_tensor floats(tern_context ctx, std::vector<uint64_t> shape, const std::vector<float>& v,
                       tern_memory mem = TERN_MEMORY_DEVICE) {
        tern_tensor t = make(ctx, TERN_DTYPE_FLOAT32, std::move(shape), mem);
        if (t != nullptr && !v.empty()) {
            EXPECT_EQ(TERN_OK, tern_tensor_write(t, 0, v.data(), v.size() * sizeof(float)));
        }
        return t;
    }
    std::vector<float> read_floats(tern_tensor t, size_t n) {
        std::vector<float> v(n);
        EXPECT_EQ(TERN_OK, tern_tensor_read(t, 0, v.data(), n * sizeof(float)));
        return v;
    }
};

void expect_close(const std::vector<float>& want, const std::vector<float>& got) {
    ASSERT_EQ(want.size(), got.size());
    for (size_t i = 0; i < want.size(); ++i) {
        EXPECT_NEAR(want[i], got[i], 1e-4 * (1 + std::fabs(want[i]))) << "element " << i;
    }
}

TEST_F(RtProgramTest, MatmulAddMatchesCpuReference) {
    const uint32_t m = 5, k = 7, n = 3;
    const auto a = random_floats(m * k, 1), b = random_floats(k * n, 2),
               c = random_floats(m * n, 3);
    Tensor ta(floats(ctx_.get(), {m, k}, a)), tb(floats(ctx_.get(), {k, n}, b)),
        tc(floats(ctx_.get(), {m, n}, c)), out(floats(ctx_.get(), {m, n}, {}));
    Program prog(load(ctx_.get(), matmul_add_image(m, k, n)));
    ASSERT_TRUE(prog);
    const tern_tensor bind[] = {ta.get(), tb.get(), tc.get(), out.get()};
    const tern_launch_desc d = launch_desc();
    TERN_ASSERT_OK(tern_program_launch(queue_.get(), prog.get(), bind, 4, &d));
    TERN_ASSERT_OK(tern_queue_synchronize(queue_.get(), -1));
    expect_close(matmul_add_reference(a, b, c, m, k, n), read_floats(out.get(), m * n));

    // The same program on other buffers (pinned host tensors this time),
    // launched twice in a row on one queue, on one core.
    const auto a2 = random_floats(m * k, 4), c2 = random_floats(m * n, 5);
    Tensor pa(floats(ctx_.get(), {m, k}, a2, TERN_MEMORY_HOST_PINNED)),
        pc(floats(ctx_.get(), {m, n}, c2, TERN_MEMORY_HOST_PINNED)),
        pout(floats(ctx_.get(), {m, n}, {}, TERN_MEMORY_HOST_PINNED));
    const tern_tensor bind2[] = {pa.get(), tb.get(), pc.get(), pout.get()};
    const tern_launch_desc one_core = launch_desc(1);
    TERN_ASSERT_OK(tern_program_launch(queue_.get(), prog.get(), bind2, 4, &one_core));
    TERN_ASSERT_OK(tern_program_launch(queue_.get(), prog.get(), bind, 4, &d));
    TERN_ASSERT_OK(tern_queue_synchronize(queue_.get(), -1));
    expect_close(matmul_add_reference(a2, b, c2, m, k, n), read_floats(pout.get(), m * n));
    expect_close(matmul_add_reference(a, b, c, m, k, n), read_floats(out.get(), m * n));
}

TEST_F(RtProgramTest, CreateRejectsBadArguments) {
    const auto img = matmul_add_image(2, 2, 2);
    tern_program p = nullptr;
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE,
                       tern_program_create(nullptr, img.data(), img.size(), &p));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                       tern_program_create(ctx_.get(), nullptr, img.size(), &p));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                       tern_program_create(ctx_.get(), img.data(), 0, &p));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                       tern_program_create(ctx_.get(), img.data(), img.size(), nullptr));
    // Not an image: wrong magic, or a header whose size disagrees.
    std::vector<uint8_t> bad = img;
    bad[0] ^= 0xff;
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_PROGRAM,
                       tern_program_create(ctx_.get(), bad.data(), bad.size(), &p));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_PROGRAM,
                       tern_program_create(ctx_.get(), img.data(), img.size() - 8, &p));
    std::vector<uint8_t> tiny(16, 0);
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_PROGRAM,
                       tern_program_create(ctx_.get(), tiny.data(), tiny.size(), &p));
    EXPECT_EQ(nullptr, p);
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_program_destroy(nullptr));
    tern_program ok = load(ctx_.get(), img);
    TERN_ASSERT_OK(tern_program_destroy(ok));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_program_destroy(ok));
}

TEST_F(RtProgramTest, LaunchRejectsBadArguments) {
    const uint32_t m = 2, k = 2, n = 2;
    Tensor ta(floats(ctx_.get(), {m, k}, {})), tb(floats(ctx_.get(), {k, n}, {})),
        tc(floats(ctx_.get(), {m, n}, {})), out(floats(ctx_.get(), {m, n}, {}));
    Program prog(load(ctx_.get(), matmul_add_image(m, k, n)));
    const tern_tensor bind[] = {ta.get(), tb.get(), tc.get(), out.get()};
    tern_launch_desc d = launch_desc();
    tern_queue q = queue_.get();

    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE,
                       tern_program_launch(nullptr, prog.get(), bind, 4, &d));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE, tern_program_launch(q, nullptr, bind, 4, &d));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                       tern_program_launch(q, prog.get(), nullptr, 4, &d));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                       tern_program_launch(q, prog.get(), bind, 257, &d));
    d.struct_size = 2;
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                       tern_program_launch(q, prog.get(), bind, 4, &d));
    tern_device_info di{};
    di.struct_size = sizeof(di);
    TERN_ASSERT_OK(tern_device_get_info(device_.get(), &di));
    ASSERT_LT(di.num_cores, 32u);
    d = launch_desc(1u << di.num_cores);  // a core the device does not have
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                       tern_program_launch(q, prog.get(), bind, 4, &d));
    d = launch_desc();

    // A destroyed tensor in the binding table.
    tern_tensor dead = make(ctx_.get(), TERN_DTYPE_FLOAT32, {m, n});
    TERN_ASSERT_OK(tern_tensor_destroy(dead));
    const tern_tensor bind_dead[] = {ta.get(), tb.get(), tc.get(), dead};
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE,
                       tern_program_launch(q, prog.get(), bind_dead, 4, &d));

    // A program of another context.
    Context other;
    TERN_ASSERT_OK(tern_context_create(device_.get(), other.out()));
    Program foreign(load(other.get(), matmul_add_image(m, k, n)));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE,
                       tern_program_launch(q, foreign.get(), bind, 4, &d));

    tern_error_detail qe{};
    qe.struct_size = sizeof(qe);
    TERN_ASSERT_OK(tern_queue_get_error(q, &qe));
    EXPECT_EQ(TERN_OK, qe.status);
    TERN_EXPECT_OK(tern_program_launch(q, prog.get(), bind, 4, &d));
    TERN_EXPECT_OK(tern_queue_synchronize(q, -1));
}

// A program the device rejects (op 1 adds tensors whose shapes do not
// broadcast) fails its queue with TERN_ERROR_INVALID_PROGRAM naming op 1.
TEST_F(RtProgramTest, DeviceRejectedProgramNamesTheOp) {
    ProgramBuilder p;
    const uint16_t a = p.tensor(0, TERN_ISA_DTYPE_FP32, {4, 4});
    const uint16_t b = p.tensor(1, TERN_ISA_DTYPE_FP32, {4, 3});
    p.op(TERN_ISA_RELU, a, {a});
    p.op(TERN_ISA_ADD, a, {a, b});
    Program prog(load(ctx_.get(), p.build()));
    Tensor ta(floats(ctx_.get(), {4, 4}, {})), tb(floats(ctx_.get(), {4, 3}, {}));
    const tern_tensor bind[] = {ta.get(), tb.get()};
    const tern_launch_desc d = launch_desc();
    TERN_ASSERT_OK(tern_program_launch(queue_.get(), prog.get(), bind, 2, &d));
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_PROGRAM, tern_queue_synchronize(queue_.get(), -1));
    tern_error_detail e{};
    e.struct_size = sizeof(e);
    TERN_ASSERT_OK(tern_queue_get_error(queue_.get(), &e));
    EXPECT_EQ(TERN_ERROR_INVALID_PROGRAM, e.status);
    EXPECT_EQ(kQerrProgram, e.device_error);
    EXPECT_EQ(1u, e.op_index);
    EXPECT_GT(std::strlen(e.message), 0u);
}

// Gather with an index beyond the table: a data-dependent device error that
// the runtime cannot foresee. Only the faulting queue fails; another queue of
// the same context and a queue of another context keep completing work.
TEST_F(RtProgramTest, FaultingProgramFailsOnlyItsQueue) {
    ProgramBuilder p;
    const uint16_t table = p.tensor(0, TERN_ISA_DTYPE_FP32, {4, 8});
    const uint16_t idx = p.tensor(1, TERN_ISA_DTYPE_INT32, {3});
    const uint16_t out = p.tensor(2, TERN_ISA_DTYPE_FP32, {3, 8});
    p.op(TERN_ISA_FILL, out, {}, {tern::test::f32_bits(1.0f)});
    p.op(TERN_ISA_GATHER, out, {table, idx});
    Program prog(load(ctx_.get(), p.build()));
    Tensor tt(floats(ctx_.get(), {4, 8}, random_floats(32, 7)));
    Tensor ti(make(ctx_.get(), TERN_DTYPE_INT32, {3}));
    const int32_t bad_idx[3] = {0, 9, 1};  // 9 >= 4 rows
    TERN_ASSERT_OK(tern_tensor_write(ti.get(), 0, bad_idx, sizeof(bad_idx)));
    Tensor to(floats(ctx_.get(), {3, 8}, {}));

    // Healthy neighbours: a second queue in this context, and a queue in
    // another context, both streaming copies while the fault happens.
    const tern_queue_desc qd = queue_desc();
    Queue sibling;
    TERN_ASSERT_OK(tern_queue_create(ctx_.get(), &qd, sibling.out()));
    Context other;
    TERN_ASSERT_OK(tern_context_create(device_.get(), other.out()));
    Queue stranger;
    TERN_ASSERT_OK(tern_queue_create(other.get(), &qd, stranger.out()));
    Tensor s_dev(bytes_tensor(1 << 16, TERN_MEMORY_DEVICE));
    Tensor o_dev(bytes_tensor(1 << 16, TERN_MEMORY_DEVICE, other.get()));

    struct Log {
        std::mutex mu;
        int calls = 0;
        tern_status status = TERN_OK;
    } log;
    Event ev;
    TERN_ASSERT_OK(tern_event_create(ctx_.get(), ev.out()));

    const tern_tensor bind[] = {tt.get(), ti.get(), to.get()};
    const tern_launch_desc d = launch_desc();
    TERN_ASSERT_OK(tern_program_launch(queue_.get(), prog.get(), bind, 3, &d));
    TERN_ASSERT_OK(tern_event_record(ev.get(), queue_.get()));
    TERN_ASSERT_OK(tern_event_set_callback(
        ev.get(),
        [](tern_event, tern_status s, void* user) {
            auto* l = static_cast<Log*>(user);
            std::lock_guard<std::mutex> lock(l->mu);
            ++l->calls;
            l->status = s;
        },
        &log));

    for (int round = 0; round < 3; ++round) {
        const auto a = pattern(1 << 16, 40 + round), b = pattern(1 << 16, 50 + round);
        std::vector<uint8_t> ra(1 << 16), rb(1 << 16);
        TERN_ASSERT_OK(tern_write_async(sibling.get(), s_dev.get(), 0, a.data(), a.size()));
        TERN_ASSERT_OK(tern_read_async(sibling.get(), ra.data(), s_dev.get(), 0, ra.size()));
        TERN_ASSERT_OK(tern_write_async(stranger.get(), o_dev.get(), 0, b.data(), b.size()));
        TERN_ASSERT_OK(tern_read_async(stranger.get(), rb.data(), o_dev.get(), 0, rb.size()));
        TERN_ASSERT_OK(tern_queue_synchronize(sibling.get(), -1));
        TERN_ASSERT_OK(tern_queue_synchronize(stranger.get(), -1));
        EXPECT_EQ(a, ra);
        EXPECT_EQ(b, rb);
    }

    TERN_EXPECT_STATUS(TERN_ERROR_DEVICE_FAULT, tern_queue_synchronize(queue_.get(), -1));
    tern_error_detail last{};
    last.struct_size = sizeof(last);
    TERN_ASSERT_OK(tern_last_error(&last));
    EXPECT_EQ(TERN_ERROR_DEVICE_FAULT, last.status);
    EXPECT_EQ(kQerrIndex, last.device_error) << last.message;

    tern_error_detail e{};
    e.struct_size = sizeof(e);
    TERN_ASSERT_OK(tern_queue_get_error(queue_.get(), &e));
    EXPECT_EQ(TERN_ERROR_DEVICE_FAULT, e.status);
    EXPECT_EQ(kQerrIndex, e.device_error);
    EXPECT_EQ(1u, e.op_index) << "the gather is op 1";
    EXPECT_EQ(TERN_ENGINE_COMPUTE, e.engine);
    EXPECT_GT(std::strlen(e.message), 0u);

    TERN_EXPECT_STATUS(TERN_ERROR_DEVICE_FAULT, tern_event_query(ev.get()));
    TERN_EXPECT_STATUS(TERN_ERROR_DEVICE_FAULT, tern_event_wait(ev.get(), -1));
    for (int i = 0; i < 200; ++i) {
        std::lock_guard<std::mutex> lock(log.mu);
        if (log.calls > 0) {
            break;
        }
        std::this_thread::sleep_for(5ms);
    }
    {
        std::lock_guard<std::mutex> lock(log.mu);
        EXPECT_EQ(1, log.calls);
        EXPECT_EQ(TERN_ERROR_DEVICE_FAULT, log.status);
    }
    // The broken queue takes no more work; the others still do.
    const std::vector<uint8_t> small(16, 1);
    TERN_EXPECT_STATUS(TERN_ERROR_QUEUE_BROKEN,
                       tern_write_async(queue_.get(), s_dev.get(), 0, small.data(), small.size()));
    TERN_EXPECT_OK(tern_write_async(sibling.get(), s_dev.get(), 0, small.data(), small.size()));
    TERN_EXPECT_OK(tern_queue_synchronize(sibling.get(), -1));
    TERN_EXPECT_OK(tern_queue_synchronize(stranger.get(), -1));
    tern_error_detail se{};
    se.struct_size = sizeof(se);
    TERN_ASSERT_OK(tern_queue_get_error(stranger.get(), &se));
    EXPECT_EQ(TERN_OK, se.status);
    // A fresh queue in the faulted context works.
    Queue fresh;
    TERN_ASSERT_OK(tern_queue_create(ctx_.get(), &qd, fresh.out()));
    const int32_t good_idx[3] = {3, 0, 2};
    TERN_ASSERT_OK(tern_tensor_write(ti.get(), 0, good_idx, sizeof(good_idx)));
    TERN_ASSERT_OK(tern_program_launch(fresh.get(), prog.get(), bind, 3, &d));
    TERN_ASSERT_OK(tern_queue_synchronize(fresh.get(), -1));
    const auto table_v = read_floats(tt.get(), 32), out_v = read_floats(to.get(), 24);
    for (int r = 0; r < 3; ++r) {
        for (int c = 0; c < 8; ++c) {
            EXPECT_EQ(table_v[good_idx[r] * 8 + c], out_v[r * 8 + c]);
        }
    }
    queue_.reset();  // destroying a faulted queue is fine
}

// tern.h: if the event's job fails, work that waits on it fails too, in
// the same context and in another one; nothing after it runs.
TEST_F(RtProgramTest, FailurePropagatesToWaitingQueues) {
    ProgramBuilder p;
    const uint16_t table = p.tensor(0, TERN_ISA_DTYPE_FP32, {2, 4});
    const uint16_t idx = p.tensor(1, TERN_ISA_DTYPE_INT32, {1});
    const uint16_t out = p.tensor(2, TERN_ISA_DTYPE_FP32, {1, 4});
    p.op(TERN_ISA_GATHER, out, {table, idx});
    Program prog(load(ctx_.get(), p.build()));
    Tensor tt(floats(ctx_.get(), {2, 4}, {})), ti(make(ctx_.get(), TERN_DTYPE_INT32, {1})),
        to(floats(ctx_.get(), {1, 4}, {}));
    const int32_t bad = 7;
    TERN_ASSERT_OK(tern_tensor_write(ti.get(), 0, &bad, sizeof(bad)));

    const tern_queue_desc qd = queue_desc();
    Queue same;
    TERN_ASSERT_OK(tern_queue_create(ctx_.get(), &qd, same.out()));
    Context other;
    TERN_ASSERT_OK(tern_context_create(device_.get(), other.out()));
    Queue foreign;
    TERN_ASSERT_OK(tern_queue_create(other.get(), &qd, foreign.out()));
    Tensor ts(bytes_tensor(64)), tf(bytes_tensor(64, TERN_MEMORY_DEVICE, other.get()));
    const std::vector<uint8_t> zeros(64, 0), ones(64, 1);
    TERN_ASSERT_OK(tern_tensor_write(ts.get(), 0, zeros.data(), 64));
    TERN_ASSERT_OK(tern_tensor_write(tf.get(), 0, zeros.data(), 64));

    Event failed;
    TERN_ASSERT_OK(tern_event_create(ctx_.get(), failed.out()));
    const tern_tensor bind[] = {tt.get(), ti.get(), to.get()};
    const tern_launch_desc d = launch_desc();
    TERN_ASSERT_OK(tern_program_launch(queue_.get(), prog.get(), bind, 3, &d));
    TERN_ASSERT_OK(tern_event_record(failed.get(), queue_.get()));
    for (tern_queue q : {same.get(), foreign.get()}) {
        TERN_ASSERT_OK(tern_queue_wait_event(q, failed.get()));
    }
    TERN_ASSERT_OK(tern_write_async(same.get(), ts.get(), 0, ones.data(), 64));
    TERN_ASSERT_OK(tern_write_async(foreign.get(), tf.get(), 0, ones.data(), 64));

    TERN_EXPECT_STATUS(TERN_ERROR_DEVICE_FAULT, tern_queue_synchronize(queue_.get(), -1));
    TERN_EXPECT_STATUS(TERN_ERROR_DEVICE_FAULT, tern_queue_synchronize(same.get(), -1));
    TERN_EXPECT_STATUS(TERN_ERROR_DEVICE_FAULT, tern_queue_synchronize(foreign.get(), -1));
    std::vector<uint8_t> got(64);
    TERN_ASSERT_OK(tern_tensor_read(ts.get(), 0, got.data(), 64));
    EXPECT_EQ(zeros, got) << "work after a failed dependency ran";
    TERN_ASSERT_OK(tern_tensor_read(tf.get(), 0, got.data(), 64));
    EXPECT_EQ(zeros, got) << "work after a failed dependency ran (other context)";
}

// Isolation through the C ABI: a context can only name its own tensors.
// Context B's program sees B's data at B's VA even when A's tensor has the
// same VA number, and A's tensor handle is refused in B's binding table.
TEST_F(RtProgramTest, ContextsCannotReachEachOthersTensors) {
    Context other;
    TERN_ASSERT_OK(tern_context_create(device_.get(), other.out()));
    const tern_queue_desc qd = queue_desc();
    Queue qb;
    TERN_ASSERT_OK(tern_queue_create(other.get(), &qd, qb.out()));

    const std::vector<float> secret(64, 42.0f), mine(64, -1.0f);
    Tensor ta(floats(ctx_.get(), {64}, secret));
    Tensor tb(floats(other.get(), {64}, mine));
    Tensor outb(floats(other.get(), {64}, std::vector<float>(64, 0.0f)));
    const uint64_t va_a = tensor_info(ta.get()).device_address;
    const uint64_t va_b = tensor_info(tb.get()).device_address;
    RecordProperty("same_va", va_a == va_b ? "yes" : "no");

    ProgramBuilder p;
    const uint16_t src = p.tensor(0, TERN_ISA_DTYPE_FP32, {64});
    const uint16_t dst = p.tensor(1, TERN_ISA_DTYPE_FP32, {64});
    p.op(TERN_ISA_COPY, dst, {src});
    Program prog(load(other.get(), p.build()));
    const tern_launch_desc d = launch_desc();

    const tern_tensor steal[] = {ta.get(), outb.get()};
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE,
                       tern_program_launch(qb.get(), prog.get(), steal, 2, &d));
    TERN_ASSERT_OK(tern_queue_synchronize(qb.get(), -1));
    EXPECT_EQ(std::vector<float>(64, 0.0f), read_floats(outb.get(), 64));

    const tern_tensor own[] = {tb.get(), outb.get()};
    TERN_ASSERT_OK(tern_program_launch(qb.get(), prog.get(), own, 2, &d));
    TERN_ASSERT_OK(tern_queue_synchronize(qb.get(), -1));
    EXPECT_EQ(mine, read_floats(outb.get(), 64))
        << "VA " << std::hex << va_b << " in context B resolved to other memory (A's VA " << va_a
        << ")";
    EXPECT_EQ(secret, read_floats(ta.get(), 64));
}

// A tensor destroyed while queued work still uses it stays alive for that
// work: the queued copy neither faults nor reads freed memory.
TEST_F(RtProgramTest, TensorDestroyedWhileQueuedWorkUsesIt) {
    BusyWork busy(ctx_.get(), queue_.get());
    const uint64_t size = 1 << 20;
    tern_tensor src = bytes_tensor(size);
    Tensor dst(bytes_tensor(size));
    const auto data = pattern(size, 60);
    TERN_ASSERT_OK(tern_tensor_write(src, 0, data.data(), size));
    busy.enqueue(queue_.get(), 150ms);
    TERN_ASSERT_OK(tern_copy_async(queue_.get(), dst.get(), 0, src, 0, size));
    TERN_ASSERT_OK(tern_tensor_destroy(src));
    // New allocations must not reuse the still-referenced memory.
    Tensor scribble(bytes_tensor(size));
    const std::vector<uint8_t> junk(size, 0xab);
    TERN_ASSERT_OK(tern_tensor_write(scribble.get(), 0, junk.data(), size));
    TERN_EXPECT_OK(tern_queue_synchronize(queue_.get(), -1));
    std::vector<uint8_t> got(size);
    TERN_ASSERT_OK(tern_tensor_read(dst.get(), 0, got.data(), size));
    EXPECT_EQ(data, got);
}

}  // namespace
}  // namespace tern_test
