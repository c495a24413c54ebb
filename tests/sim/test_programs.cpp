// SPDX-License-Identifier: MIT
// Malformed program images are rejected with TERN_QERR_PROGRAM before any op
// runs, with ERR_OP naming the op (or TERN_ISA_ERR_OP_HEADER); faults during
// ops name the op too.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "harness/desc.hpp"
#include "harness/device_tensor.hpp"
#include "harness/expect.hpp"
#include "harness/fixture.hpp"
#include "harness/program_slot.hpp"
#include "isa_program.hpp"

namespace tern::test {
namespace {

constexpr uint32_t kHeader = TERN_ISA_ERR_OP_HEADER;

class ProgramTest : public TernTest {
protected:
    void SetUp() override {
        TernTest::SetUp();
        ws_ = &workspace(pf(), 1, 0);
        slot_ = std::make_unique<ProgramSlot>(arena(), ws_->space());
        DeviceAllocator alloc(0x100000, ws_->mem_size());
        a_ = alloc.alloc(16, TERN_ISA_DTYPE_FP32);
        b_ = alloc.alloc(16, TERN_ISA_DTYPE_FP32);
        // Sentinel content: a rejected program must not touch it.
        ASSERT_TRUE(write_tensor(*ws_, a_, std::vector<float>(16, -7.0f)));
        ASSERT_TRUE(write_tensor(*ws_, b_, std::vector<float>(16, -9.0f)));
    }

    // The base program: t0 = fill(2.0) over binding 0; t1 = copy(t0) into
    // binding 1. Tests mutate it.
    ProgramBuilder base() {
        ProgramBuilder pb;
        const uint16_t t0 = pb.tensor(0, TERN_ISA_DTYPE_FP32, {4, 4});
        const uint16_t t1 = pb.tensor(1, TERN_ISA_DTYPE_FP32, {4, 4});
        pb.op(TERN_ISA_FILL, t0, {}, {f32_bits(2.0f)});
        pb.op(TERN_ISA_COPY, t1, {t0});
        return pb;
    }
    std::vector<tern_isa_binding> bindings() {
        return {binding_of(*ws_, a_), binding_of(*ws_, b_)};
    }

    struct Case {
        std::string name;
        std::function<void(ProgramBuilder&)> edit_program;
        std::function<void(std::vector<uint8_t>&)> edit_image;
        std::function<void(std::vector<tern_isa_binding>&)> edit_bindings;
        uint32_t err_op;
    };

    void expect_program_error(const Case& c) {
        SCOPED_TRACE(c.name);
        QueueDriver& q = ws_->queue();
        ASSERT_TRUE(q.reset());
        ASSERT_TRUE(q.start(1));
        ProgramBuilder pb = base();
        if (c.edit_program) {
            c.edit_program(pb);
        }
        std::vector<uint8_t> image = pb.build();
        if (c.edit_image) {
            c.edit_image(image);
        }
        std::vector<tern_isa_binding> b = bindings();
        if (c.edit_bindings) {
            c.edit_bindings(b);
        }
        q.submit(slot_->load(image, b));
        ASSERT_TRUE(halts_with(q, TERN_QERR_PROGRAM));
        EXPECT_EQ(q.regs().err_op, c.err_op);
        EXPECT_EQ(q.regs().err_index, 0u);
        // Validation happens before the first op: nothing was written.
        ASSERT_TRUE(q.reset());
        ASSERT_TRUE(q.start(1));
        EXPECT_EQ(read_tensor(*ws_, a_), std::vector<float>(16, -7.0f));
        EXPECT_EQ(read_tensor(*ws_, b_), std::vector<float>(16, -9.0f));
    }

    Workspace* ws_ = nullptr;
    std::unique_ptr<ProgramSlot> slot_;
    DeviceTensor a_, b_;
};

TEST_F(ProgramTest, BaseProgramRuns) {
    QueueDriver& q = ws_->queue();
    ASSERT_TRUE(completes(q, q.submit(slot_->load(base().build(), bindings()))));
    EXPECT_EQ(read_tensor(*ws_, a_), std::vector<float>(16, 2.0f));
    EXPECT_EQ(read_tensor(*ws_, b_), std::vector<float>(16, 2.0f));
}

TEST_F(ProgramTest, BadHeaders) {
    auto hdr = [](std::function<void(tern_isa_header&)> f) {
        return [f](std::vector<uint8_t>& img) { f(header_of(img)); };
    };
    const std::vector<Case> cases = {
        {"magic", nullptr, hdr([](tern_isa_header& h) { h.magic ^= 1; }), nullptr, kHeader},
        {"version", nullptr, hdr([](tern_isa_header& h) { h.version = 2; }), nullptr, kHeader},
        {"flags", nullptr, hdr([](tern_isa_header& h) { h.flags = 1; }), nullptr, kHeader},
        {"rsvd", nullptr, hdr([](tern_isa_header& h) { h.rsvd = 1; }), nullptr, kHeader},
        {"num_tensors 0", nullptr, hdr([](tern_isa_header& h) { h.num_tensors = 0; }), nullptr,
         kHeader},
        {"num_ops 0", nullptr, hdr([](tern_isa_header& h) { h.num_ops = 0; }), nullptr, kHeader},
        {"num_tensors beyond the image", nullptr,
         hdr([](tern_isa_header& h) { h.num_tensors = 1000; }), nullptr, kHeader},
        {"num_tensors > MAX", nullptr,
         hdr([](tern_isa_header& h) { h.num_tensors = TERN_ISA_MAX_TENSORS + 1; }), nullptr,
         kHeader},
        {"num_ops > MAX", nullptr,
         hdr([](tern_isa_header& h) { h.num_ops = TERN_ISA_MAX_OPS + 1; }), nullptr, kHeader},
        {"num_ops overflow", nullptr, hdr([](tern_isa_header& h) { h.num_ops = 0xffffffffu; }),
         nullptr, kHeader},
        {"tensors_offset unaligned", nullptr,
         hdr([](tern_isa_header& h) { h.tensors_offset += 4; }), nullptr, kHeader},
        {"ops_offset unaligned", nullptr, hdr([](tern_isa_header& h) { h.ops_offset += 2; }),
         nullptr, kHeader},
        {"ops beyond the image", nullptr, hdr([](tern_isa_header& h) { h.ops_offset += 64; }),
         nullptr, kHeader},
        {"tensors_offset huge", nullptr,
         hdr([](tern_isa_header& h) { h.tensors_offset = 0xfffffff8u; }), nullptr, kHeader},
    };
    for (const Case& c : cases) {
        expect_program_error(c);
    }
}

TEST_F(ProgramTest, BadTensors) {
    auto t0 = [](std::function<void(tern_isa_tensor&)> f) {
        return [f](ProgramBuilder& pb) { f(pb.tensor_at(0)); };
    };
    const std::vector<Case> cases = {
        {"dtype 0", t0([](tern_isa_tensor& t) { t.dtype = 0; }), nullptr, nullptr, kHeader},
        {"dtype 9", t0([](tern_isa_tensor& t) { t.dtype = 9; }), nullptr, nullptr, kHeader},
        {"rank 0", t0([](tern_isa_tensor& t) { t.rank = 0; }), nullptr, nullptr, kHeader},
        {"rank 7", t0([](tern_isa_tensor& t) { t.rank = 7; }), nullptr, nullptr, kHeader},
        {"shape 0 below rank", t0([](tern_isa_tensor& t) { t.shape[1] = 0; }), nullptr, nullptr,
         kHeader},
        {"shape != 1 above rank", t0([](tern_isa_tensor& t) { t.shape[3] = 2; }), nullptr, nullptr,
         kHeader},
        {"stride != 0 above rank", t0([](tern_isa_tensor& t) { t.stride[2] = 1; }), nullptr,
         nullptr, kHeader},
        {"binding >= binding_count", t0([](tern_isa_tensor& t) { t.binding = 2; }), nullptr,
         nullptr, kHeader},
        {"offset not dtype aligned", t0([](tern_isa_tensor& t) { t.offset = 2; }), nullptr, nullptr,
         kHeader},
        {"extent beyond binding", t0([](tern_isa_tensor& t) { t.offset = 4; }), nullptr, nullptr,
         kHeader},
        {"stride extent beyond binding", t0([](tern_isa_tensor& t) { t.stride[0] = 5; }), nullptr,
         nullptr, kHeader},
        {"extent overflows", t0([](tern_isa_tensor& t) { t.stride[0] = 1ull << 62; }), nullptr,
         nullptr, kHeader},
        {"rsvd0", t0([](tern_isa_tensor& t) { t.rsvd0 = 1; }), nullptr, nullptr, kHeader},
        {"rsvd", t0([](tern_isa_tensor& t) { t.rsvd = 1; }), nullptr, nullptr, kHeader},
        {"binding smaller than tensor", nullptr, nullptr,
         [](std::vector<tern_isa_binding>& b) { b[1].size = 60; }, kHeader},
        {"binding passes 2^48", nullptr, nullptr,
         [](std::vector<tern_isa_binding>& b) { b[0].va = (1ull << 48) - 32; }, kHeader},
        {"tensor larger than MAX_TENSOR_BYTES", t0([](tern_isa_tensor& t) {
             t.shape[0] = 1u << 16;
             t.shape[1] = (1u << 14) + 1;  // just over 2^32 bytes of fp32
             t.stride[0] = (1u << 14) + 1;
             t.stride[1] = 1;
         }),
         nullptr, [](std::vector<tern_isa_binding>& b) { b[0].size = 1ull << 33; }, kHeader},
    };
    for (const Case& c : cases) {
        expect_program_error(c);
    }
}

TEST_F(ProgramTest, BadOpsNameTheOp) {
    auto op1 = [](std::function<void(tern_isa_op&)> f) {
        return [f](ProgramBuilder& pb) { f(pb.op_at(1)); };
    };
    const std::vector<Case> cases = {
        {"unknown opcode", op1([](tern_isa_op& o) { o.opcode = 0x7ff; }), nullptr, nullptr, 1},
        {"opcode 0", op1([](tern_isa_op& o) { o.opcode = 0; }), nullptr, nullptr, 1},
        {"flags on COPY", op1([](tern_isa_op& o) { o.flags = 1; }), nullptr, nullptr, 1},
        {"dst out of range", op1([](tern_isa_op& o) { o.dst = 2; }), nullptr, nullptr, 1},
        {"src out of range", op1([](tern_isa_op& o) { o.src[0] = 5; }), nullptr, nullptr, 1},
        {"missing src", op1([](tern_isa_op& o) { o.src[0] = TERN_ISA_NONE; }), nullptr, nullptr, 1},
        {"unused src set", op1([](tern_isa_op& o) { o.src[2] = 0; }), nullptr, nullptr, 1},
        {"unused param set", op1([](tern_isa_op& o) { o.param[12] = 1; }), nullptr, nullptr, 1},
        {"unknown matmul flag", op1([](tern_isa_op& o) {
             o.opcode = TERN_ISA_MATMUL;
             o.flags = 1u << 5;
         }),
         nullptr, nullptr, 1},
        {"INT32 in ADD",
         [](ProgramBuilder& pb) {
             const uint16_t i = pb.tensor(1, TERN_ISA_DTYPE_INT32, {4, 4});
             tern_isa_op& o = pb.op_at(1);
             o.opcode = TERN_ISA_ADD;
             o.dst = i;
             o.src[0] = 0;
             o.src[1] = 0;
         },
         nullptr, nullptr, 1},
        {"matmul inner dims differ",
         [](ProgramBuilder& pb) {
             const uint16_t x = pb.tensor(0, TERN_ISA_DTYPE_FP32, {2, 3});
             const uint16_t y = pb.tensor(1, TERN_ISA_DTYPE_FP32, {2, 2});
             tern_isa_op& o = pb.op_at(1);
             o.opcode = TERN_ISA_MATMUL;
             o.dst = y;
             o.src[0] = x;
             o.src[1] = x;  // [2,3] x [2,3]
         },
         nullptr, nullptr, 1},
        {"elementwise shapes do not broadcast",
         [](ProgramBuilder& pb) {
             const uint16_t x = pb.tensor(0, TERN_ISA_DTYPE_FP32, {3, 4});
             tern_isa_op& o = pb.op_at(1);
             o.opcode = TERN_ISA_ADD;
             o.dst = 1;     // [4,4]
             o.src[0] = 0;  // [4,4]
             o.src[1] = x;  // [3,4]
         },
         nullptr, nullptr, 1},
    };
    for (const Case& c : cases) {
        expect_program_error(c);
    }
    // The first bad op wins.
    Case first{"op 0 bad too",
               [](ProgramBuilder& pb) {
                   pb.op_at(0).opcode = 0x7ff;
                   pb.op_at(1).opcode = 0x7fe;
               },
               nullptr, nullptr, 0};
    expect_program_error(first);
}

TEST_F(ProgramTest, FaultDuringAnOpNamesTheOp) {
    QueueDriver& q = ws_->queue();
    // Binding 1 points at an unmapped VA: op 1 (COPY into it) faults, after
    // op 0 ran.
    std::vector<tern_isa_binding> b = bindings();
    b[1].va = 0x0000'6600'0000ull;
    q.submit(slot_->load(base().build(), b));
    ASSERT_TRUE(halts_with(q, TERN_QERR_PAGE_FAULT));
    QueueRegs r = q.regs();
    EXPECT_EQ(r.err_op, 1u);
    EXPECT_TRUE(fault_is(r, 0x0000'6600'0000ull, TERN_FAULT_UNMAPPED, TERN_ENGINE_COMPUTE, true));
    ASSERT_TRUE(q.reset());
    ASSERT_TRUE(q.start(1));
    EXPECT_EQ(read_tensor(*ws_, a_), std::vector<float>(16, 2.0f)) << "op 0 ran";

    // Reading through a read-only page is fine, writing faults.
    ws_->space().table().map_dev(0x0000'6700'0000ull, b_.offset & ~0xfffull, 0x1000, false);
    ASSERT_TRUE(ws_->space().flush());
    b = bindings();
    b[1].va = 0x0000'6700'0000ull + (b_.offset & 0xfff);
    q.submit(slot_->load(base().build(), b));
    ASSERT_TRUE(halts_with(q, TERN_QERR_PAGE_FAULT));
    r = q.regs();
    EXPECT_EQ(r.err_op, 1u);
    EXPECT_TRUE(fault_is(r, b[1].va, TERN_FAULT_WRITE, TERN_ENGINE_COMPUTE, true));

    // The program image itself unreachable: a COMPUTE read fault.
    ASSERT_TRUE(q.reset());
    ASSERT_TRUE(q.start(1));
    q.submit(make_exec(0x0000'6800'0000ull, 256, slot_->bindings_va(), 2));
    ASSERT_TRUE(halts_with(q, TERN_QERR_PAGE_FAULT));
    r = q.regs();
    EXPECT_EQ(r.fault_va, 0x0000'6800'0000ull);
    EXPECT_EQ(r.fault_engine(), uint32_t{TERN_ENGINE_COMPUTE});
    EXPECT_FALSE(r.fault_write());
}

}  // namespace
}  // namespace tern::test
