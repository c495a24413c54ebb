// SPDX-License-Identifier: MIT
// Partitions isolate, through the runtime API: a VF's work runs only on its
// cores and memory; a program or copy aimed beyond what a VF owns is
// refused or faults and breaks only the queue that issued it, while other
// VFs and the PF keep working; no address or offset a VF can express reads
// another VF's data, nor data left by a partition's previous tenant; a hung
// job in one VF, stopped by the job timeout and its queue reset, does not
// disturb the jobs of another. The model-level checks (PTEs beyond a
// window, VF function reset) are tests/sim/test_partition.cpp; the UAPI-
// level ones (raw VAs on a VF file) are test_partition_uapi.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <vector>

#include "isa_program.hpp"
#include "partition_test_util.hpp"

namespace tern_test {
namespace {

using tern::test::ProgramBuilder;
using IsolationTest = PartitionTest;

constexpr uint32_t kQerrProgram = 4;   // TERN_QERR_PROGRAM, hw-spec 5.7
constexpr uint32_t kQerrIndex = 10;    // TERN_QERR_INDEX
constexpr uint32_t kErrTimeout = 256;  // DRM_TERN_ERR_TIMEOUT

// A VF (or the PF) with a context and a queue.
struct Fn {
    Device dev;
    Context ctx;
    Queue queue;

    explicit Fn(tern_device shared) {
        // The fixture's PF handle: open the index again (same handle, one
        // more reference) so that every Fn closes what it opened.
        const uint32_t index = device_info(shared).index;
        EXPECT_EQ(TERN_OK, tern_device_open(index, dev.out()));
        init();
    }
    explicit Fn(uint32_t index) {
        EXPECT_EQ(TERN_OK, tern_device_open(index, dev.out())) << last_message();
        init();
    }
    void init() {
        EXPECT_EQ(TERN_OK, tern_context_create(dev.get(), ctx.out())) << last_message();
        new_queue();
    }
    void new_queue() {
        const tern_queue_desc qd = queue_desc();
        EXPECT_EQ(TERN_OK, tern_queue_create(ctx.get(), &qd, queue.out())) << last_message();
    }
    tern_tensor tensor(uint64_t bytes, tern_dtype dtype = TERN_DTYPE_INT32) {
        const tern_tensor_desc d = tensor_desc(dtype, {bytes / 4});
        tern_tensor t = nullptr;
        EXPECT_EQ(TERN_OK, tern_tensor_create(ctx.get(), &d, &t)) << last_message();
        return t;
    }
    tern_program program(const std::vector<uint8_t>& image) {
        tern_program p = nullptr;
        EXPECT_EQ(TERN_OK, tern_program_create(ctx.get(), image.data(), image.size(), &p))
            << last_message();
        return p;
    }
};

std::vector<uint8_t> read_all(tern_tensor t, uint64_t bytes) {
    std::vector<uint8_t> out(bytes);
    EXPECT_EQ(TERN_OK, tern_tensor_read(t, 0, out.data(), bytes)) << last_message();
    return out;
}

bool all_zero(const std::vector<uint8_t>& v) {
    return std::all_of(v.begin(), v.end(), [](uint8_t b) { return b == 0; });
}

// Copies n int32 from binding 0 to binding 1, reading binding 0 at
// `src_offset` bytes.
std::vector<uint8_t> copy_image(uint32_t n, uint64_t src_offset = 0) {
    ProgramBuilder p;
    const uint16_t src = p.tensor(0, TERN_ISA_DTYPE_INT32, {n}, src_offset);
    const uint16_t dst = p.tensor(1, TERN_ISA_DTYPE_INT32, {n});
    p.op(TERN_ISA_COPY, dst, {src});
    return p.build();
}

tern_launch_desc launch_desc(uint32_t core_mask) {
    tern_launch_desc d{};
    d.struct_size = sizeof(d);
    d.core_mask = core_mask;
    return d;
}

tern_error_detail queue_error(tern_queue q) {
    tern_error_detail e{};
    e.struct_size = sizeof(e);
    EXPECT_EQ(TERN_OK, tern_queue_get_error(q, &e));
    return e;
}

// One round of work on `f` that must come out exactly right.
void round_trip(Fn& f, tern_tensor a, tern_tensor b, uint64_t bytes, uint32_t seed) {
    const std::vector<uint8_t> data = pattern(bytes, seed);
    std::vector<uint8_t> back(bytes);
    ASSERT_EQ(TERN_OK, tern_write_async(f.queue.get(), a, 0, data.data(), bytes)) << last_message();
    ASSERT_EQ(TERN_OK, tern_copy_async(f.queue.get(), b, 0, a, 0, bytes)) << last_message();
    ASSERT_EQ(TERN_OK, tern_read_async(f.queue.get(), back.data(), b, 0, bytes)) << last_message();
    ASSERT_EQ(TERN_OK, tern_queue_synchronize(f.queue.get(), 30 * kSecond)) << last_message();
    EXPECT_EQ(data, back);
}

// A VF runs work on its own cores and within its own memory, and nowhere
// else; the launch of a core it does not have is refused.
TEST_F(IsolationTest, VfWorkStaysOnItsCoresAndMemory) {
    const std::vector<tern_partition> parts = create(equal_request(2));
    Fn vf(parts[1].device_index);
    // The whole window, and not a page more.
    Tensor all(vf.tensor(32 * kMiB));
    tern_tensor_desc d = tensor_desc(TERN_DTYPE_INT32, {1024});
    Tensor more;
    TERN_EXPECT_STATUS(TERN_ERROR_OUT_OF_DEVICE_MEMORY,
                       tern_tensor_create(vf.ctx.get(), &d, more.out()));
    all.reset();

    constexpr uint32_t n = 4096;
    Tensor src(vf.tensor(n * 4)), dst(vf.tensor(n * 4));
    const std::vector<uint8_t> data = pattern(n * 4, 5);
    TERN_ASSERT_OK(tern_tensor_write(src.get(), 0, data.data(), data.size()));
    Program copy(vf.program(copy_image(n)));
    const tern_tensor bind[2] = {src.get(), dst.get()};
    for (uint32_t mask : {0u, 0x1u, 0x8u, 0xfu}) {  // relative to the VF's 4 cores
        SCOPED_TRACE(mask);
        TERN_ASSERT_OK(tern_tensor_write(dst.get(), 0, std::vector<uint8_t>(n * 4).data(), n * 4));
        const tern_launch_desc ld = launch_desc(mask);
        TERN_ASSERT_OK(tern_program_launch(vf.queue.get(), copy.get(), bind, 2, &ld));
        TERN_ASSERT_OK(tern_queue_synchronize(vf.queue.get(), 30 * kSecond));
        EXPECT_EQ(data, read_all(dst.get(), n * 4));
    }
    const tern_launch_desc beyond = launch_desc(0x10);
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_ARGUMENT,
                       tern_program_launch(vf.queue.get(), copy.get(), bind, 2, &beyond));
    EXPECT_NE(std::string::npos, last_message().find("beyond the device's 4")) << last_message();

    // Telemetry of a VF covers its own cores only.
    tern_telemetry t{};
    t.struct_size = sizeof(t);
    TERN_ASSERT_OK(tern_device_get_telemetry(vf.dev.get(), &t));
    EXPECT_EQ(4u, t.num_cores);
}

// Every address a VF can express through the API names its own memory:
// VAs are per address space, so the number that is VF B's tensor in B is,
// in A, A's own tensor (or nothing); offsets beyond a tensor are refused
// by the runtime (copies) or the device (programs). A reads its whole
// window and finds only zeros, never B's bytes; B's data stays intact.
TEST_F(IsolationTest, NoAddressAVfCanFormReachesAnother) {
    const std::vector<tern_partition> parts = create(equal_request(2));
    Fn a(parts[0].device_index), b(parts[1].device_index);
    constexpr uint64_t kWindow = 32 * kMiB;
    Tensor secret(b.tensor(kWindow));
    const std::vector<uint8_t> b_data = pattern(kWindow, 77);
    TERN_ASSERT_OK(tern_tensor_write(secret.get(), 0, b_data.data(), kWindow));

    Tensor mine(a.tensor(kWindow));
    EXPECT_TRUE(all_zero(read_all(mine.get(), kWindow))) << "A's fresh window is not blank";
    // The same VA number names different memory in A and in B.
    const uint64_t b_va = tensor_info(secret.get()).device_address;
    EXPECT_EQ(b_va, tensor_info(mine.get()).device_address)
        << "both address spaces hand out the same first VA; the check needs it";
    const std::vector<uint8_t> a_data = pattern(kWindow, 78);
    TERN_ASSERT_OK(tern_tensor_write(mine.get(), 0, a_data.data(), kWindow));
    EXPECT_EQ(a_data, read_all(mine.get(), kWindow));
    mine.reset();

    // Programs of A reading at offsets from its own binding: B's VA, past
    // the binding, up to the 64-bit wrap. Inside the binding they read A's
    // memory; anywhere else the device refuses the program before it reads
    // anything (a tensor outside its binding).
    Tensor probe(a.tensor(kMiB)), out(a.tensor(kMiB));
    const std::vector<uint8_t> probe_data = pattern(kMiB, 79);
    TERN_ASSERT_OK(tern_tensor_write(probe.get(), 0, probe_data.data(), kMiB));
    const uint64_t probe_va = tensor_info(probe.get()).device_address;
    const tern_tensor bind[2] = {probe.get(), out.get()};
    for (uint64_t off : {b_va - probe_va, uint64_t{kMiB}, uint64_t{kMiB} - 4, b_va,
                         uint64_t{1} << 47, ~uint64_t{3}}) {
        SCOPED_TRACE(off);
        const std::vector<uint8_t> zeros(4096);
        TERN_ASSERT_OK(tern_tensor_write(out.get(), 0, zeros.data(), zeros.size()));
        Program p(a.program(copy_image(1024, off)));
        TERN_ASSERT_OK(tern_program_launch(a.queue.get(), p.get(), bind, 2, nullptr));
        const tern_status s = tern_queue_synchronize(a.queue.get(), 30 * kSecond);
        const std::vector<uint8_t> got = read_all(out.get(), 4096);
        if (off <= kMiB - 4096) {
            TERN_EXPECT_OK(s);
            EXPECT_EQ(0, std::memcmp(got.data(), probe_data.data() + off, 4096));
            EXPECT_NE(0, std::memcmp(got.data(), b_data.data(), 4096)) << "read B's secret";
            continue;
        }
        EXPECT_EQ(TERN_ERROR_INVALID_PROGRAM, s) << tern_status_str(s);
        const tern_error_detail e = queue_error(a.queue.get());
        EXPECT_EQ(kQerrProgram, e.device_error);
        EXPECT_EQ(TERN_OP_INDEX_HEADER, e.op_index) << "rejected in the tensor table";
        EXPECT_TRUE(all_zero(got)) << "something was copied";
        a.new_queue();
    }
    // Copies and reads past a tensor, 64-bit wrap included: refused, nothing moved.
    std::vector<uint8_t> buf(4096);
    TERN_EXPECT_STATUS(TERN_ERROR_OUT_OF_RANGE,
                       tern_copy_async(a.queue.get(), out.get(), 0, probe.get(), kMiB - 8, 16));
    TERN_EXPECT_STATUS(TERN_ERROR_OUT_OF_RANGE,
                       tern_tensor_read(probe.get(), ~uint64_t{0} - 8, buf.data(), 16));
    TERN_EXPECT_STATUS(TERN_ERROR_OUT_OF_RANGE,
                       tern_read_async(a.queue.get(), buf.data(), probe.get(), b_va, 4096));
    // A tensor of B on A's queue is a foreign handle.
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_HANDLE,
                       tern_copy_async(a.queue.get(), out.get(), 0, secret.get(), 0, 4096));
    TERN_EXPECT_OK(tern_queue_synchronize(a.queue.get(), 30 * kSecond));

    EXPECT_EQ(b_data, read_all(secret.get(), kWindow)) << "B's data changed";
}

// What a partition's previous tenant left is gone before the next one
// gets the memory: after 2 VFs filled their windows and the card was
// re-split, the new VF spanning both windows reads zeros only.
TEST_F(IsolationTest, NextTenantFindsNothingOfThePrevious) {
    {
        const std::vector<tern_partition> parts = create(equal_request(2));
        for (const tern_partition& p : parts) {
            Fn f(p.device_index);
            Tensor t(f.tensor(p.memory_bytes));
            const std::vector<uint8_t> d = pattern(p.memory_bytes, 90 + p.index);
            TERN_ASSERT_OK(tern_tensor_write(t.get(), 0, d.data(), d.size()));
        }
    }
    TERN_ASSERT_OK(tern_partition_destroy(pf_.get(), 10 * kSecond));
    const std::vector<tern_partition> one = create(equal_request(1));
    ASSERT_EQ(kCardMemory, one[0].memory_bytes);
    Fn f(one[0].device_index);
    Tensor t(f.tensor(kCardMemory));
    EXPECT_TRUE(all_zero(read_all(t.get(), kCardMemory)));
}

// A VF program that faults (a gather index beyond its table, and one the
// device rejects) fails only its own queue. The other VF and the PF keep
// completing work with exact results while it happens and after, and the
// faulting VF gets a working queue back.
TEST_F(IsolationTest, FaultInOneVfIsContained) {
    const std::vector<tern_partition> parts = create(equal_request(2, 8 * kMiB));
    Fn a(parts[0].device_index), b(parts[1].device_index), pf(pf_.get());
    constexpr uint64_t kBytes = kMiB;
    Tensor ba(b.tensor(kBytes)), bb(b.tensor(kBytes));
    Tensor pa(pf.tensor(kBytes)), pb(pf.tensor(kBytes));

    ProgramBuilder gp;
    const uint16_t table = gp.tensor(0, TERN_ISA_DTYPE_FP32, {4, 8});
    const uint16_t idx = gp.tensor(1, TERN_ISA_DTYPE_INT32, {3});
    const uint16_t out = gp.tensor(2, TERN_ISA_DTYPE_FP32, {3, 8});
    gp.op(TERN_ISA_GATHER, out, {table, idx});
    Program gather(a.program(gp.build()));
    Tensor tt(a.tensor(4 * 8 * 4, TERN_DTYPE_FLOAT32)), ti(a.tensor(3 * 4)),
        to(a.tensor(3 * 8 * 4, TERN_DTYPE_FLOAT32));
    const int32_t bad[3] = {0, 9, 1};  // 9 >= 4 rows
    TERN_ASSERT_OK(tern_tensor_write(ti.get(), 0, bad, sizeof(bad)));
    const tern_tensor gb[3] = {tt.get(), ti.get(), to.get()};

    for (int round = 0; round < 3; ++round) {
        SCOPED_TRACE(round);
        TERN_ASSERT_OK(tern_program_launch(a.queue.get(), gather.get(), gb, 3, nullptr));
        round_trip(b, ba.get(), bb.get(), kBytes, 10 + round);
        round_trip(pf, pa.get(), pb.get(), kBytes, 20 + round);
        TERN_EXPECT_STATUS(TERN_ERROR_DEVICE_FAULT,
                           tern_queue_synchronize(a.queue.get(), 30 * kSecond));
        const tern_error_detail e = queue_error(a.queue.get());
        EXPECT_EQ(kQerrIndex, e.device_error) << e.message;
        EXPECT_EQ(TERN_ENGINE_COMPUTE, e.engine);
        EXPECT_EQ(0u, e.op_index);
        EXPECT_EQ(TERN_OK, queue_error(b.queue.get()).status);
        EXPECT_EQ(TERN_OK, queue_error(pf.queue.get()).status);
        a.new_queue();
    }
    // A program the device rejects (a tensor beyond its binding).
    Program reject(a.program(copy_image(1024, 4096)));
    const tern_tensor rb[2] = {ti.get(), to.get()};
    TERN_ASSERT_OK(tern_program_launch(a.queue.get(), reject.get(), rb, 2, nullptr));
    round_trip(b, ba.get(), bb.get(), kBytes, 30);
    TERN_EXPECT_STATUS(TERN_ERROR_INVALID_PROGRAM,
                       tern_queue_synchronize(a.queue.get(), 30 * kSecond));
    // A works again on a new queue.
    a.new_queue();
    Tensor aa(a.tensor(kBytes)), ab(a.tensor(kBytes));
    round_trip(a, aa.get(), ab.get(), kBytes, 40);
    round_trip(b, ba.get(), bb.get(), kBytes, 41);
}

// A job that hangs in VF A is stopped by the job timeout (1 s here) and
// its queue reset; VF B's jobs complete while it hangs and after, and A
// gets a working queue back. The hang is honest: a long program of
// matmuls, calibrated on this machine to run for seconds.
TEST_F(IsolationTest, HungJobInOneVfDoesNotDisturbAnother) {
    const std::vector<tern_partition> parts = create(equal_request(2));
    Fn a(parts[0].device_index), b(parts[1].device_index);
    constexpr uint32_t n = 256;
    constexpr uint64_t mat = uint64_t{n} * n * 4;
    auto matmuls = [&](uint32_t ops) {
        ProgramBuilder p;
        const uint16_t x = p.tensor(0, TERN_ISA_DTYPE_FP32, {n, n});
        const uint16_t y = p.tensor(1, TERN_ISA_DTYPE_FP32, {n, n});
        const uint16_t z = p.tensor(2, TERN_ISA_DTYPE_FP32, {n, n});
        for (uint32_t i = 0; i < ops; ++i) {
            p.op(TERN_ISA_MATMUL, z, {x, y});
        }
        return p.build();
    };
    Tensor x(a.tensor(mat, TERN_DTYPE_FLOAT32)), y(a.tensor(mat, TERN_DTYPE_FLOAT32)),
        z(a.tensor(mat, TERN_DTYPE_FLOAT32));
    const tern_tensor bind[3] = {x.get(), y.get(), z.get()};

    // Calibrate on B (same card, same speed): the fastest of two runs of
    // 4 matmuls. Each run is far below the timeout.
    Tensor bx(b.tensor(mat, TERN_DTYPE_FLOAT32)), by(b.tensor(mat, TERN_DTYPE_FLOAT32)),
        bz(b.tensor(mat, TERN_DTYPE_FLOAT32));
    Program probe(b.program(matmuls(4)));
    const tern_tensor bbind[3] = {bx.get(), by.get(), bz.get()};
    auto per_op = std::chrono::nanoseconds::max();
    for (int i = 0; i < 2; ++i) {
        const auto t0 = std::chrono::steady_clock::now();
        TERN_ASSERT_OK(tern_program_launch(b.queue.get(), probe.get(), bbind, 3, nullptr));
        TERN_ASSERT_OK(tern_queue_synchronize(b.queue.get(), 30 * kSecond));
        per_op = std::min(per_op, (std::chrono::steady_clock::now() - t0) / 4);
    }
    per_op = std::max(per_op, std::chrono::nanoseconds(1));
    // At least 5 job timeouts long, whatever the machine.
    const auto ops = static_cast<uint32_t>(std::clamp<int64_t>(
        std::chrono::nanoseconds(std::chrono::milliseconds(5000)) / per_op, 20, 60000));
    Program hang(a.program(matmuls(ops)));

    Event hung;
    TERN_ASSERT_OK(tern_event_create(a.ctx.get(), hung.out()));
    TERN_ASSERT_OK(tern_program_launch(a.queue.get(), hang.get(), bind, 3, nullptr));
    TERN_ASSERT_OK(tern_event_record(hung.get(), a.queue.get()));

    // B keeps completing work while A's job is stuck.
    constexpr uint64_t kBytes = 256 * 1024;
    Tensor b1(b.tensor(kBytes)), b2(b.tensor(kBytes));
    int done_while_hung = 0;
    for (int i = 0; i < 100000 && tern_event_query(hung.get()) == TERN_ERROR_NOT_READY; ++i) {
        round_trip(b, b1.get(), b2.get(), kBytes, uint32_t(i));
        if (tern_event_query(hung.get()) == TERN_ERROR_NOT_READY) {
            ++done_while_hung;
        }
    }
    EXPECT_GE(done_while_hung, 1) << "B finished nothing while A hung (per op " << per_op.count()
                                  << " ns, " << ops << " ops)";
    TERN_EXPECT_STATUS(TERN_ERROR_DEVICE_FAULT, tern_event_wait(hung.get(), 60 * kSecond));
    const tern_error_detail e = queue_error(a.queue.get());
    EXPECT_EQ(kErrTimeout, e.device_error) << e.message;
    EXPECT_EQ(TERN_OK, queue_error(b.queue.get()).status);

    // After the reset, both work.
    a.new_queue();
    Tensor a1(a.tensor(kBytes)), a2(a.tensor(kBytes));
    round_trip(a, a1.get(), a2.get(), kBytes, 1000);
    round_trip(b, b1.get(), b2.get(), kBytes, 1001);
}

}  // namespace
}  // namespace tern_test
