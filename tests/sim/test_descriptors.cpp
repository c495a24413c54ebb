// SPDX-License-Identifier: MIT
// Descriptor validation (semantics section 3): every malformed descriptor
// halts its queue with the right code, never crashes, never half-executes.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "harness/desc.hpp"
#include "harness/expect.hpp"
#include "harness/fixture.hpp"
#include "isa_program.hpp"
#include "tern/hw/tern_isa.h"
#include "tern/hw/tern_mmu.h"

namespace tern::test {
namespace {

constexpr uint64_t kProgVa = 0x0000'5000'0000ull;
constexpr uint64_t kTopPageVa = (1ull << 48) - TERN_PAGE_SIZE;

class DescriptorTest : public TernTest {
protected:
    void SetUp() override {
        TernTest::SetUp();
        ws_ = &workspace(pf(), 1, 0);
        // A valid program (FILL of 16 floats) and its binding table.
        ProgramBuilder pb;
        const uint16_t t = pb.tensor(0, TERN_ISA_DTYPE_FP32, {16});
        pb.op(TERN_ISA_FILL, t, {}, {f32_bits(1.5f)});
        image_ = pb.build();
        prog_ = arena().alloc(2 * TERN_PAGE_SIZE);
        std::memcpy(prog_.ptr, image_.data(), image_.size());
        auto* b = prog_.as<tern_isa_binding>(TERN_PAGE_SIZE);
        b->va = ws_->dev_va(0x1000);
        b->size = 64;
        ws_->space().table().map_host(kProgVa, prog_.bus, prog_.size, false);
        // The last page below 2^48, so that only the range check can fail.
        ws_->space().table().map_host(kTopPageVa, ws_->staging().bus, TERN_PAGE_SIZE);
        ASSERT_TRUE(ws_->space().flush());
    }
    Workspace& ws() { return *ws_; }

    tern_desc good_exec() {
        return make_exec(kProgVa, static_cast<uint32_t>(image_.size()), kProgVa + TERN_PAGE_SIZE,
                         1);
    }

    Workspace* ws_ = nullptr;
    std::vector<uint8_t> image_;
    HostBuffer prog_;
};

struct Case {
    std::string name;
    tern_desc desc;
    uint32_t err;
};

// Runs [valid NOP, bad] on a fresh queue and checks the halt.
void expect_rejected(QueueDriver& q, IrqMonitor& irq, const Case& c) {
    SCOPED_TRACE(c.name);
    ASSERT_TRUE(q.reset());
    ASSERT_TRUE(q.start(1));
    const uint64_t irqs = irq.count(q.vector());
    const uint64_t ok_seq = q.submit(make_nop());
    ASSERT_TRUE(completes(q, ok_seq));
    q.push(c.desc);
    q.kick();
    ASSERT_TRUE(halts_with(q, c.err));
    const QueueRegs r = q.regs();
    EXPECT_EQ(r.err_index, 1u);
    EXPECT_EQ(r.head, 1u);
    EXPECT_EQ(r.completed_seq, ok_seq) << "bad descriptor reported complete";
    EXPECT_EQ(r.desc_count, 1u);
    if (c.desc.hdr.opcode != TERN_OP_EXECUTE || c.err != TERN_QERR_PROGRAM) {
        EXPECT_EQ(r.err_op, 0u);
    }
    EXPECT_TRUE(irq.wait_count(q.vector(), irqs + 1)) << "errors always raise the vector";
}

TEST_F(DescriptorTest, ControlDescriptorsAreValid) {
    // Positive controls for the cases below.
    QueueDriver& q = ws().queue();
    EXPECT_TRUE(completes(q, q.submit(good_exec())));
    EXPECT_TRUE(completes(q, q.submit(make_dma(kTopPageVa, ws().dev_va(0), TERN_PAGE_SIZE))));
    EXPECT_TRUE(completes(q, q.submit(make_sem_signal(63, TERN_SEM_ADD, 1))));
    EXPECT_TRUE(completes(q, q.submit(make_sem_wait(63, 1))));
    EXPECT_TRUE(completes(q, q.submit(make_timestamp(Workspace::kStagingVa + 8))));
    const uint32_t ncores = pf().read32(TERN_REG_NUM_CORES);
    tern_desc e = good_exec();
    e.exec.core_mask = (1u << ncores) - 1;
    EXPECT_TRUE(completes(q, q.submit(e)));
}

TEST_F(DescriptorTest, HeaderRules) {
    std::vector<Case> cases;
    for (unsigned op = TERN_OP_NOP; op <= TERN_OP_TIMESTAMP; ++op) {
        tern_desc d{};
        d.hdr.opcode = static_cast<uint8_t>(op);
        d.hdr.rsvd0 = 1;
        cases.push_back({"rsvd0 op " + std::to_string(op), d, TERN_QERR_BAD_DESC});
        d.hdr.rsvd0 = 0;
        d.hdr.rsvd1 = 0x80000000u;
        cases.push_back({"rsvd1 op " + std::to_string(op), d, TERN_QERR_BAD_DESC});
    }
    for (unsigned bit = 2; bit < 8; ++bit) {
        cases.push_back({"flag bit " + std::to_string(bit),
                         make_nop(static_cast<uint8_t>((1u << bit) | TERN_DESC_F_IRQ)),
                         TERN_QERR_BAD_DESC});
    }
    for (unsigned opcode : {0x06u, 0x07u, 0x10u, 0x7fu, 0x80u, 0xffu}) {
        tern_desc d{};
        d.hdr.opcode = static_cast<uint8_t>(opcode);
        cases.push_back({"opcode " + std::to_string(opcode), d, TERN_QERR_BAD_OPCODE});
    }
    for (unsigned w = 2; w < 8; ++w) {
        tern_desc d = make_nop();
        d.raw[w] = 1ull << (w * 7);
        cases.push_back({"nop payload word " + std::to_string(w), d, TERN_QERR_BAD_DESC});
    }
    for (const Case& c : cases) {
        expect_rejected(ws().queue(), pf_irq(), c);
    }
}

TEST_F(DescriptorTest, DmaRules) {
    const uint64_t src = Workspace::kStagingVa;
    const uint64_t dst = ws().dev_va(0);
    std::vector<Case> cases;
    cases.push_back({"size 0", make_dma(src, dst, 0), TERN_QERR_BAD_DESC});
    cases.push_back({"size max+1", make_dma(src, dst, TERN_DMA_MAX_SIZE + 1), TERN_QERR_BAD_DESC});
    cases.push_back({"size ~0", make_dma(src, dst, ~0ull), TERN_QERR_BAD_DESC});
    for (unsigned i = 0; i < 3; ++i) {
        tern_desc d = make_dma(src, dst, 64);
        d.dma.rsvd[i] = 1;
        cases.push_back({"rsvd " + std::to_string(i), d, TERN_QERR_BAD_DESC});
    }
    for (const Case& c : cases) {
        expect_rejected(ws().queue(), pf_irq(), c);
    }
}

TEST_F(DescriptorTest, DmaBeyond48BitsIsANonCanonicalFault) {
    QueueDriver& q = ws().queue();
    struct F {
        const char* name;
        tern_desc d;
        bool write;
        uint64_t fault_va;  // 0: not checked
    };
    const uint64_t dev = ws().dev_va(0);
    const F faults[] = {
        {"src bit 48", make_dma(1ull << 48, dev, 64), false, 1ull << 48},
        {"src bit 63", make_dma(0x8000'0000'1000'0000ull, dev, 64), false,
         0x8000'0000'1000'0000ull},
        {"dst bit 50", make_dma(dev, (1ull << 50) | 0x40, 64), true, (1ull << 50) | 0x40},
        // Mapped start page, range running past 2^48.
        {"src range past 2^48", make_dma(kTopPageVa, dev, 2 * TERN_PAGE_SIZE), false, 0},
        {"dst range past 2^48", make_dma(dev, kTopPageVa + 8, TERN_PAGE_SIZE), true, 0},
        {"src range wraps 2^64", make_dma(~0ull - 0xfff, dev, 0x2000), false, 0},
    };
    for (const F& f : faults) {
        SCOPED_TRACE(f.name);
        ASSERT_TRUE(q.reset());
        ASSERT_TRUE(q.start(1));
        q.submit(f.d);
        ASSERT_TRUE(halts_with(q, TERN_QERR_PAGE_FAULT));
        const QueueRegs r = q.regs();
        EXPECT_EQ(r.fault_reason(), uint32_t{TERN_FAULT_NONCANONICAL}) << describe(r);
        EXPECT_EQ(r.fault_engine(), uint32_t{TERN_ENGINE_DMA});
        EXPECT_EQ(r.fault_write(), f.write);
        if (f.fault_va != 0) {
            EXPECT_EQ(r.fault_va, f.fault_va);
        }
        EXPECT_EQ(r.head, 0u);
    }
}

TEST_F(DescriptorTest, ExecuteRules) {
    const uint32_t ncores = pf().read32(TERN_REG_NUM_CORES);
    std::vector<Case> cases;
    tern_desc d = good_exec();
    d.exec.program_va += 32;
    cases.push_back({"program_va not 64 B aligned", d, TERN_QERR_BAD_DESC});
    d = good_exec();
    d.exec.program_va += 4;
    cases.push_back({"program_va 4 B aligned", d, TERN_QERR_BAD_DESC});
    d = good_exec();
    d.exec.bindings_va += 8;
    cases.push_back({"bindings_va not 16 B aligned", d, TERN_QERR_BAD_DESC});
    d = good_exec();
    d.exec.program_size = 0;
    cases.push_back({"program_size 0", d, TERN_QERR_BAD_DESC});
    d = good_exec();
    d.exec.program_size = TERN_ISA_MAX_PROGRAM_SIZE + 64;
    cases.push_back({"program_size too big", d, TERN_QERR_BAD_DESC});
    d = good_exec();
    d.exec.binding_count = TERN_ISA_MAX_BINDINGS + 1;
    cases.push_back({"binding_count too big", d, TERN_QERR_BAD_DESC});
    d = good_exec();
    d.exec.rsvd0 = 1;
    cases.push_back({"rsvd0", d, TERN_QERR_BAD_DESC});
    d = good_exec();
    d.exec.rsvd[0] = 1ull << 63;
    cases.push_back({"rsvd", d, TERN_QERR_BAD_DESC});
    d = good_exec();
    d.exec.core_mask = 1u << ncores;
    cases.push_back({"core beyond NUM_CORES", d, TERN_QERR_NO_CORES});
    d = good_exec();
    d.exec.core_mask = 0x80000001u;
    cases.push_back({"core bit 31", d, TERN_QERR_NO_CORES});
    d = good_exec();
    d.exec.program_size += 64;  // != header.size
    cases.push_back({"program_size != header.size", d, TERN_QERR_PROGRAM});
    for (const Case& c : cases) {
        expect_rejected(ws().queue(), pf_irq(), c);
    }
    // The size mismatch names the header.
    EXPECT_EQ(ws().queue().regs().err_op, TERN_ISA_ERR_OP_HEADER);
}

TEST_F(DescriptorTest, SemaphoreAndTimestampRules) {
    const uint32_t nsem = pf().read32(TERN_REG_NUM_SEMAPHORES);
    std::vector<Case> cases;
    cases.push_back({"signal index NUM_SEMAPHORES", make_sem_signal(nsem, TERN_SEM_SET, 1),
                     TERN_QERR_BAD_SEMAPHORE});
    cases.push_back({"wait index NUM_SEMAPHORES", make_sem_wait(nsem, 0), TERN_QERR_BAD_SEMAPHORE});
    cases.push_back(
        {"signal index ~0", make_sem_signal(~0u, TERN_SEM_ADD, 1), TERN_QERR_BAD_SEMAPHORE});
    cases.push_back({"signal op 2", make_sem_signal(0, 2, 1), TERN_QERR_BAD_DESC});
    cases.push_back({"signal op ~0", make_sem_signal(0, ~0u, 1), TERN_QERR_BAD_DESC});
    tern_desc w = make_sem_wait(0, 0);
    w.sem.op = 1;
    cases.push_back({"wait op 1", w, TERN_QERR_BAD_DESC});
    for (unsigned i = 0; i < 4; ++i) {
        tern_desc d = make_sem_signal(0, TERN_SEM_ADD, 1);
        d.sem.rsvd[i] = 2;
        cases.push_back({"signal rsvd " + std::to_string(i), d, TERN_QERR_BAD_DESC});
        d = make_sem_wait(0, 0);
        d.sem.rsvd[i] = 2;
        cases.push_back({"wait rsvd " + std::to_string(i), d, TERN_QERR_BAD_DESC});
    }
    for (unsigned a : {1u, 4u, 7u}) {
        cases.push_back({"timestamp dst +" + std::to_string(a),
                         make_timestamp(Workspace::kStagingVa + a), TERN_QERR_BAD_DESC});
    }
    for (unsigned i = 0; i < 5; ++i) {
        tern_desc d = make_timestamp(Workspace::kStagingVa);
        d.ts.rsvd[i] = 1;
        cases.push_back({"timestamp rsvd " + std::to_string(i), d, TERN_QERR_BAD_DESC});
    }
    for (const Case& c : cases) {
        expect_rejected(ws().queue(), pf_irq(), c);
    }
    // Nothing was signalled by the rejected descriptors.
    EXPECT_EQ(pf().read64(TERN_REG_SEM(0)), 0u);
}

}  // namespace
}  // namespace tern::test
