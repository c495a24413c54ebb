// SPDX-License-Identifier: MIT
// Semaphores between queues and the driver, and timestamp descriptors.
#include <gtest/gtest.h>

#include <cstring>
#include <thread>
#include <vector>

#include "harness/desc.hpp"
#include "harness/expect.hpp"
#include "harness/fixture.hpp"

namespace tern::test {
namespace {

class SyncTest : public TernTest {
protected:
    void SetUp() override {
        TernTest::SetUp();
        ws_ = &workspace(pf(), 1, 0);
        signaller_ = &queue(pf(), 1);
        ASSERT_TRUE(signaller_->start(1));
    }
    QueueDriver& waiter() { return ws_->queue(); }
    QueueDriver& signaller() { return *signaller_; }
    Workspace* ws_ = nullptr;
    QueueDriver* signaller_ = nullptr;
};

TEST_F(SyncTest, WaitBlocksUntilAnotherQueueSignals) {
    std::memset(ws_->staging().ptr, 0x77, 64);
    waiter().push(make_sem_wait(5, 3));
    const uint64_t after = waiter().push(make_dma(Workspace::kStagingVa, ws_->dev_va(0), 64));
    waiter().kick();
    ASSERT_TRUE(waiter().wait_waiting());
    std::this_thread::sleep_for(kQuiet);
    QueueRegs r = waiter().regs();
    EXPECT_TRUE(r.waiting());
    EXPECT_FALSE(r.halted());
    EXPECT_EQ(r.head, 0u);
    EXPECT_EQ(r.completed_seq, 0u);

    // 1 < 3: still waiting.
    ASSERT_TRUE(completes(signaller(), signaller().submit(make_sem_signal(5, TERN_SEM_ADD, 1))));
    EXPECT_EQ(pf().read64(TERN_REG_SEM(5)), 1u);
    std::this_thread::sleep_for(Millis(10));
    EXPECT_TRUE(waiter().regs().waiting());
    EXPECT_EQ(waiter().head(), 0u);

    // 3 >= 3: released, and the following descriptor runs.
    ASSERT_TRUE(completes(signaller(), signaller().submit(make_sem_signal(5, TERN_SEM_ADD, 2))));
    ASSERT_TRUE(completes(waiter(), after));
    ASSERT_TRUE(waiter().wait_settled());  // HEAD comes after COMPLETED_SEQ (hw-spec 5.5)
    r = waiter().regs();
    EXPECT_FALSE(r.waiting());
    EXPECT_EQ(r.head, 2u);
    // Waiting does not consume the semaphore.
    EXPECT_EQ(pf().read64(TERN_REG_SEM(5)), 3u);
    EXPECT_EQ(ws_->download(0, 64), std::vector<uint8_t>(64, 0x77));
}

TEST_F(SyncTest, DriverWriteOfSemaphoreReleasesWaiter) {
    const uint64_t seq = waiter().push(make_sem_wait(9, 10, TERN_DESC_F_IRQ));
    waiter().kick();
    ASSERT_TRUE(waiter().wait_waiting());
    pf().write64(TERN_REG_SEM(9), 9);
    std::this_thread::sleep_for(Millis(10));
    EXPECT_EQ(waiter().completed_seq(), 0u);
    pf().write64(TERN_REG_SEM(9), 10);
    EXPECT_TRUE(completes(waiter(), seq));
    EXPECT_TRUE(pf_irq().wait_count(waiter().vector(), 1));
}

TEST_F(SyncTest, WaitComparisonIsUnsigned) {
    const uint64_t seq = waiter().submit(make_sem_wait(2, 0x8000'0000'0000'0000ull));
    ASSERT_TRUE(waiter().wait_waiting());
    pf().write64(TERN_REG_SEM(2), 1);  // signed compare would pass
    std::this_thread::sleep_for(Millis(10));
    EXPECT_TRUE(waiter().regs().waiting());
    pf().write64(TERN_REG_SEM(2), 0xffff'ffff'ffff'ffffull);
    EXPECT_TRUE(completes(waiter(), seq));
}

TEST_F(SyncTest, SignalSetAndWrappingAdd) {
    QueueDriver& q = signaller();
    ASSERT_TRUE(completes(q, q.submit(make_sem_signal(3, TERN_SEM_SET, 0xffff'ffff'ffff'fffeull))));
    EXPECT_EQ(pf().read64(TERN_REG_SEM(3)), 0xffff'ffff'ffff'fffeull);
    ASSERT_TRUE(completes(q, q.submit(make_sem_signal(3, TERN_SEM_ADD, 3))));
    EXPECT_EQ(pf().read64(TERN_REG_SEM(3)), 1u);
    ASSERT_TRUE(completes(q, q.submit(make_sem_signal(3, TERN_SEM_SET, 42))));
    EXPECT_EQ(pf().read64(TERN_REG_SEM(3)), 42u);
    // Last semaphore index is usable; neighbours unaffected.
    const uint32_t last = pf().read32(TERN_REG_NUM_SEMAPHORES) - 1;
    ASSERT_TRUE(completes(q, q.submit(make_sem_signal(last, TERN_SEM_ADD, 5))));
    EXPECT_EQ(pf().read64(TERN_REG_SEM(last)), 5u);
    EXPECT_EQ(pf().read64(TERN_REG_SEM(4)), 0u);
    EXPECT_EQ(pf().read64(TERN_REG_SEM(2)), 0u);
}

TEST_F(SyncTest, QueueResetAbortsAWait) {
    waiter().submit(make_sem_wait(1, 1));
    ASSERT_TRUE(waiter().wait_waiting());
    ASSERT_TRUE(waiter().reset());
    const QueueRegs r = waiter().regs();
    EXPECT_EQ(r.status, 0u);
    EXPECT_EQ(r.head, 0u);
    // A later signal must not resurrect the aborted wait.
    pf().write64(TERN_REG_SEM(1), 1);
    std::this_thread::sleep_for(Millis(10));
    EXPECT_EQ(waiter().completed_seq(), 0u);
    EXPECT_EQ(waiter().reg32(TERN_Q_DESC_COUNT), 0u);
    ASSERT_TRUE(waiter().start(1));
    EXPECT_TRUE(completes(waiter(), waiter().submit(make_nop())));
}

TEST_F(SyncTest, TimestampsAreMonotonicDeviceTime) {
    constexpr int kCount = 16;
    const uint64_t t_before = pf().read64(TERN_REG_TIMESTAMP);
    uint64_t last = 0;
    for (int i = 0; i < kCount; ++i) {
        last = waiter().push(make_timestamp(Workspace::kStagingVa + 8 * i));
        if (i % 4 == 0) {
            waiter().push(make_dma(ws_->dev_va(0), ws_->dev_va(1u << 20), 1u << 20));
        }
    }
    waiter().kick();
    ASSERT_TRUE(completes(waiter(), last));
    const uint64_t t_after = pf().read64(TERN_REG_TIMESTAMP);
    const auto* ts = ws_->staging().as<uint64_t>();
    EXPECT_GE(ts[0], t_before);
    for (int i = 1; i < kCount; ++i) {
        EXPECT_GE(ts[i], ts[i - 1]) << "timestamp " << i;
    }
    EXPECT_LE(ts[kCount - 1], t_after);
    EXPECT_GT(ts[kCount - 1], ts[0]) << "time did not advance across 4 MiB of copies";
}

}  // namespace
}  // namespace tern::test
