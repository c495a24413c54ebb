// SPDX-License-Identifier: MIT
// Function reset of the PF: everything returns to power-on state, device
// memory is zeroed, and the device works again.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "harness/desc.hpp"
#include "harness/device_control.hpp"
#include "harness/expect.hpp"
#include "harness/fixture.hpp"

namespace tern::test {
namespace {

using ResetTest = TernTest;

TEST_F(ResetTest, FunctionResetClearsStateAndZeroesMemory) {
    sim::Function& f = pf();
    Workspace& ws = workspace(f, 1, 0);
    const uint64_t mem = ws.mem_size();
    const std::vector<uint64_t> spots = {0, 0x123456, mem / 2, mem - 4096};
    const std::vector<uint8_t> pattern(4096, 0xc3);
    for (uint64_t at : spots) {
        ASSERT_TRUE(ws.upload(at, pattern.data(), pattern.size()));
    }
    // Build up state: a halted queue, a waiting queue, semaphores, mask,
    // scratch.
    QueueDriver& bad = queue(f, 2);
    ASSERT_TRUE(bad.start(1));
    bad.submit(make_dma(0x0000'7000'0000ull, ws.dev_va(0), 8));
    ASSERT_TRUE(bad.wait_halted());
    QueueDriver& waiting = queue(f, 3);
    ASSERT_TRUE(waiting.start(1));
    waiting.submit(make_sem_wait(4, 100));
    ASSERT_TRUE(waiting.wait_waiting());
    f.write64(TERN_REG_SEM(4), 7);
    f.write64(TERN_REG_SEM(63), 9);
    f.write32(TERN_REG_SCRATCH, 0x1234);
    f.write32(TERN_REG_IRQ_MASK, 0x8);
    ASSERT_NE(f.read64(TERN_REG_MMU_ROOT(1)), 0u);

    const uint32_t events = f.read32(TERN_REG_EVENT_SEQ);
    const uint64_t vec0 = pf_irq().count(TERN_MSIX_DEVICE);
    const uint32_t req = f.read32(TERN_REG_DEV_RESET_REQ);
    ASSERT_TRUE(function_reset(f));
    EXPECT_EQ(f.read32(TERN_REG_DEV_RESET_ACK), req + 1);
    EXPECT_EQ(f.read32(TERN_REG_DEV_STATUS), uint32_t{TERN_DEV_STATUS_READY});
    EXPECT_EQ(f.read32(TERN_REG_EVENT_SEQ), events + 1);
    EXPECT_TRUE(pf_irq().wait_count(TERN_MSIX_DEVICE, vec0 + 1)) << "no reset-done event";

    const uint32_t nq = f.read32(TERN_REG_NUM_QUEUES);
    const uint32_t na = f.read32(TERN_REG_NUM_ASIDS);
    const uint32_t ns = f.read32(TERN_REG_NUM_SEMAPHORES);
    for (uint32_t a = 0; a < na; ++a) {
        EXPECT_EQ(f.read64(TERN_REG_MMU_ROOT(a)), 0u) << "asid " << a;
    }
    for (uint32_t q = 0; q < nq; ++q) {
        for (uint32_t r = 0; r < TERN_REG_QUEUE_STRIDE; r += 4) {
            if (r == TERN_Q_RESET_REQ || r == TERN_Q_RESET_ACK) {
                continue;
            }
            EXPECT_EQ(f.read32(TERN_QREG(q, r)), 0u)
                << "queue " << q << " register 0x" << std::hex << r;
        }
    }
    for (uint32_t i = 0; i < ns; ++i) {
        EXPECT_EQ(f.read64(TERN_REG_SEM(i)), 0u) << "sem " << i;
    }
    EXPECT_EQ(f.read32(TERN_REG_IRQ_MASK), 0u);
    EXPECT_EQ(f.read32(TERN_REG_SCRATCH), 0u);
    EXPECT_EQ(f.read32(TERN_REG_FATAL_CODE), 0u);
    // Identity survives.
    EXPECT_EQ(f.read32(TERN_REG_ID), TERN_ID_MAGIC);
    EXPECT_EQ(f.read64(TERN_REG_MEM_SIZE), mem);

    // The aborted wait does not come back when its semaphore is satisfied.
    f.write64(TERN_REG_SEM(4), 1000);
    std::this_thread::sleep_for(Millis(10));
    EXPECT_EQ(waiting.reg32(TERN_Q_HEAD), 0u);
    EXPECT_EQ(waiting.reg32(TERN_Q_STATUS), 0u);

    // The device works again from scratch, and memory reads back zero.
    Workspace& again = workspace(f, 1, 0);
    ASSERT_TRUE(again.ok());
    for (uint64_t at : spots) {
        EXPECT_EQ(again.download(at, 4096), std::vector<uint8_t>(4096, 0)) << "offset " << at;
    }
    ASSERT_TRUE(again.upload(0x2000, pattern.data(), pattern.size()));
    EXPECT_EQ(again.download(0x2000, 4096), pattern);
}

TEST_F(ResetTest, ResetDuringLargeCopiesFinishesAndRecovers) {
    Workspace& ws = workspace(pf(), 1, 0);
    QueueDriver& q2 = queue(pf(), 1);
    ASSERT_TRUE(q2.start(1));
    for (int i = 0; i < 6; ++i) {
        ws.queue().push(make_dma(ws.dev_va(0), ws.dev_va(32u << 20), 16u << 20));
        q2.push(make_dma(ws.dev_va(16u << 20), ws.dev_va(48u << 20), 16u << 20));
    }
    ws.queue().kick();
    q2.kick();
    ASSERT_TRUE(function_reset(pf()));
    EXPECT_EQ(pf().read32(TERN_REG_DEV_STATUS), uint32_t{TERN_DEV_STATUS_READY});
    std::this_thread::sleep_for(Millis(10));
    EXPECT_EQ(ws.queue().reg32(TERN_Q_HEAD), 0u);
    EXPECT_EQ(q2.reg32(TERN_Q_HEAD), 0u);
    Workspace& again = workspace(pf(), 2, 4);
    ASSERT_TRUE(again.ok());
    const std::vector<uint8_t> data(100, 0x42);
    ASSERT_TRUE(again.upload(77, data.data(), data.size()));
    EXPECT_EQ(again.download(77, 100), data);
}

TEST_F(ResetTest, RepeatedResetsAreAcknowledged) {
    for (int i = 0; i < 10; ++i) {
        const uint64_t vec0 = pf_irq().count(TERN_MSIX_DEVICE);
        ASSERT_TRUE(function_reset(pf())) << "reset " << i;
        EXPECT_TRUE(pf_irq().wait_count(TERN_MSIX_DEVICE, vec0 + 1));
    }
    // Rewriting the acknowledged value is not a new request.
    const uint32_t events = pf().read32(TERN_REG_EVENT_SEQ);
    pf().write32(TERN_REG_DEV_RESET_REQ, pf().read32(TERN_REG_DEV_RESET_REQ));
    pf().doorbell();
    std::this_thread::sleep_for(Millis(10));
    EXPECT_EQ(pf().read32(TERN_REG_EVENT_SEQ), events);
}

}  // namespace
}  // namespace tern::test
