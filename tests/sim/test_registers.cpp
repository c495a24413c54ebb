// SPDX-License-Identifier: MIT
// Identity, capability and plain read/write registers of the PF.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>
#include <vector>

#include "harness/fixture.hpp"
#include "tern/hw/tern_regs.h"

namespace tern::test {
namespace {

constexpr uint32_t kAllPfCaps = TERN_CAP_FP32 | TERN_CAP_BF16 | TERN_CAP_FP16 | TERN_CAP_INT32 |
                                TERN_CAP_SEMAPHORES | TERN_CAP_TIMESTAMP | TERN_CAP_LARGE_PAGES |
                                TERN_CAP_PARTITIONING | TERN_CAP_ERR_INJECT;

using RegistersTest = TernTest;

TEST_F(RegistersTest, IdentityAndCapsAtPowerOn) {
    sim::Function& f = pf();
    EXPECT_FALSE(f.is_vf());
    EXPECT_EQ(f.read32(TERN_REG_ID), TERN_ID_MAGIC);
    EXPECT_NE(f.read32(TERN_REG_HW_VERSION), 0u);
    EXPECT_NE(f.read32(TERN_REG_FW_VERSION), 0u);
    EXPECT_EQ(f.read32(TERN_REG_FUNC_INFO), 0u);
    EXPECT_EQ(f.read32(TERN_REG_CAPS) & kAllPfCaps, kAllPfCaps);
    EXPECT_EQ(f.read32(TERN_REG_NUM_CORES), 8u);
    EXPECT_EQ(f.read32(TERN_REG_NUM_QUEUES), uint32_t{TERN_MAX_QUEUES});
    EXPECT_EQ(f.read32(TERN_REG_NUM_ASIDS), uint32_t{TERN_MAX_ASIDS});
    EXPECT_EQ(f.read64(TERN_REG_MEM_SIZE), 64ull << 20);
    EXPECT_EQ(f.read32(TERN_REG_CORE_MASK), 0xffu);
    EXPECT_EQ(f.read32(TERN_REG_NUM_SEMAPHORES), uint32_t{TERN_NUM_SEMAPHORES});
    EXPECT_EQ(f.read32(TERN_REG_DEV_STATUS), uint32_t{TERN_DEV_STATUS_READY});
    EXPECT_EQ(f.read32(TERN_REG_FATAL_CODE), uint32_t{TERN_FATAL_NONE});
    EXPECT_EQ(static_cast<int32_t>(f.read32(TERN_REG_TEMP_LIMIT)), 95000);
    // Everything else starts at 0.
    EXPECT_EQ(f.read32(TERN_REG_IRQ_MASK), 0u);
    EXPECT_EQ(f.read32(TERN_REG_SCRATCH), 0u);
    EXPECT_EQ(f.read32(TERN_REG_DEV_RESET_ACK), 0u);
    EXPECT_EQ(f.read32(TERN_REG_PART_NUM_VFS), 0u);
    for (unsigned a = 0; a < TERN_MAX_ASIDS; ++a) {
        EXPECT_EQ(f.read64(TERN_REG_MMU_ROOT(a)), 0u) << "asid " << a;
    }
    for (unsigned q = 0; q < TERN_MAX_QUEUES; ++q) {
        EXPECT_EQ(f.read32(TERN_QREG(q, TERN_Q_STATUS)), 0u) << "queue " << q;
        EXPECT_EQ(f.read32(TERN_QREG(q, TERN_Q_HEAD)), 0u) << "queue " << q;
    }
    EXPECT_EQ(card().vf(0), nullptr);
}

class SmallCardTest : public TernTest {
protected:
    sim::CardConfig config() const override {
        sim::CardConfig c = small_config();
        c.mem_size = 32ull << 20;
        c.num_cores = 6;
        c.num_queues = 4;
        c.num_asids = 8;
        return c;
    }
};

TEST_F(SmallCardTest, LimitsComeFromTheConfiguration) {
    EXPECT_EQ(pf().read32(TERN_REG_NUM_CORES), 6u);
    EXPECT_EQ(pf().read32(TERN_REG_CORE_MASK), 0x3fu);
    EXPECT_EQ(pf().read32(TERN_REG_NUM_QUEUES), 4u);
    EXPECT_EQ(pf().read32(TERN_REG_NUM_ASIDS), 8u);
    EXPECT_EQ(pf().read64(TERN_REG_MEM_SIZE), 32ull << 20);
}

TEST_F(RegistersTest, ReadOnlyRegistersIgnoreWrites) {
    sim::Function& f = pf();
    // Registers whose value cannot change by itself in an idle card.
    std::vector<uint32_t> stable32 = {
        TERN_REG_ID,
        TERN_REG_HW_VERSION,
        TERN_REG_FW_VERSION,
        TERN_REG_FUNC_INFO,
        TERN_REG_CAPS,
        TERN_REG_NUM_CORES,
        TERN_REG_NUM_QUEUES,
        TERN_REG_NUM_ASIDS,
        TERN_REG_CORE_MASK,
        TERN_REG_NUM_SEMAPHORES,
        TERN_REG_DEV_STATUS,
        TERN_REG_DEV_RESET_ACK,
        TERN_REG_EVENT_SEQ,
        TERN_REG_FATAL_CODE,
        TERN_REG_MMU_INV_ACK,
        TERN_REG_MMU_FAULTS,
        TERN_REG_TELEM_VALID,
        TERN_REG_COOLANT_IN,
        TERN_REG_COOLANT_FLOW,
        TERN_REG_CLOCK_MHZ,
        TERN_REG_TEMP_LIMIT,
        TERN_REG_PART_APPLY_ACK,
        TERN_REG_PART_STATUS,
        TERN_QREG(0, TERN_Q_HEAD),
        TERN_QREG(0, TERN_Q_STATUS),
        TERN_QREG(0, TERN_Q_FAULT_INFO),
        TERN_QREG(0, TERN_Q_ERR_INDEX),
        TERN_QREG(0, TERN_Q_ERR_OP),
        TERN_QREG(0, TERN_Q_RESET_ACK),
        TERN_QREG(3, TERN_Q_HEAD),
    };
    for (uint32_t off : stable32) {
        const uint32_t before = f.read32(off);
        f.write32(off, ~before);
        f.write32(off, 0x5a5a5a5a);
        EXPECT_EQ(f.read32(off), before) << "RO register 0x" << std::hex << off;
    }
    std::vector<uint32_t> stable64 = {
        TERN_REG_MEM_SIZE,
        TERN_REG_MMU_TLB_HITS,
        TERN_REG_MMU_TLB_MISSES,
        TERN_REG_ECC_CORRECTED,
        TERN_REG_ECC_UNCORRECTED,
        TERN_QREG(0, TERN_Q_COMPLETED_SEQ),
        TERN_QREG(0, TERN_Q_FAULT_VA),
        TERN_QREG(0, TERN_Q_BUSY_NS),
        TERN_QREG(0, TERN_Q_DESC_COUNT),
    };
    for (uint32_t off : stable64) {
        const uint64_t before = f.read64(off);
        f.write64(off, ~before);
        f.write64(off, 0x5a5a5a5a5a5a5a5aull);
        EXPECT_EQ(f.read64(off), before) << "RO register 0x" << std::hex << off;
    }
    // Registers that move on their own: a written value must not stick.
    constexpr uint32_t kJunk = 0xa5a5a5a5;
    for (uint32_t off :
         {TERN_REG_HEARTBEAT, TERN_REG_TELEM_SEQ, TERN_REG_TEMP_DIE, TERN_REG_TEMP_HBM,
          TERN_REG_COOLANT_OUT, TERN_REG_POWER, TERN_REG_CORE_UTIL(0)}) {
        f.write32(off, kJunk);
        EXPECT_NE(f.read32(off), kJunk) << "RO register 0x" << std::hex << off;
    }
    for (uint32_t off : {TERN_REG_TIMESTAMP, TERN_REG_ENERGY}) {
        f.write64(off, 0xa5a5a5a5a5a5a5a5ull);
        EXPECT_NE(f.read64(off), 0xa5a5a5a5a5a5a5a5ull) << "RO register 0x" << std::hex << off;
    }
    // Writing status bits did not make the device fatal or resetting.
    EXPECT_EQ(f.read32(TERN_REG_DEV_STATUS), uint32_t{TERN_DEV_STATUS_READY});
}

TEST_F(RegistersTest, ScratchHoldsWhatIsWritten) {
    for (uint32_t v : {0x00000000u, 0xffffffffu, 0x12345678u, 0x80000001u, 0xdeadbeefu}) {
        pf().write32(TERN_REG_SCRATCH, v);
        EXPECT_EQ(pf().read32(TERN_REG_SCRATCH), v);
    }
    // Its neighbours are unaffected.
    EXPECT_EQ(pf().read32(TERN_REG_FATAL_CODE), 0u);
}

TEST_F(RegistersTest, ReadWriteRegistersHoldValues) {
    sim::Function& f = pf();
    const uint32_t nsem = f.read32(TERN_REG_NUM_SEMAPHORES);
    for (uint32_t i = 0; i < nsem; ++i) {
        f.write64(TERN_REG_SEM(i), 0x0123456789abcdefull ^ i);
    }
    for (uint32_t i = 0; i < nsem; ++i) {
        EXPECT_EQ(f.read64(TERN_REG_SEM(i)), 0x0123456789abcdefull ^ i) << "sem " << i;
    }
    f.write64(TERN_REG_MMU_ROOT(5), 0x0000'0012'3456'7000ull);  // not VALID: no effect
    EXPECT_EQ(f.read64(TERN_REG_MMU_ROOT(5)), 0x0000'0012'3456'7000ull);
    f.write32(TERN_REG_IRQ_MASK, 0x6);
    EXPECT_EQ(f.read32(TERN_REG_IRQ_MASK), 0x6u);
    // Queue configuration registers are plain storage until ENABLE.
    f.write64(TERN_QREG(2, TERN_Q_RING_BASE), 0x0000'0042'0000'0000ull);
    f.write32(TERN_QREG(2, TERN_Q_RING_ORDER), 9);
    f.write32(TERN_QREG(2, TERN_Q_ASID), 17);
    f.write64(TERN_QREG(2, TERN_Q_WB_ADDR), 0x0000'0042'0000'1008ull);
    EXPECT_EQ(f.read64(TERN_QREG(2, TERN_Q_RING_BASE)), 0x0000'0042'0000'0000ull);
    EXPECT_EQ(f.read32(TERN_QREG(2, TERN_Q_RING_ORDER)), 9u);
    EXPECT_EQ(f.read32(TERN_QREG(2, TERN_Q_ASID)), 17u);
    EXPECT_EQ(f.read64(TERN_QREG(2, TERN_Q_WB_ADDR)), 0x0000'0042'0000'1008ull);
    EXPECT_EQ(f.read32(TERN_QREG(2, TERN_Q_STATUS)), 0u);
    // Neighbouring queue untouched.
    EXPECT_EQ(f.read64(TERN_QREG(1, TERN_Q_RING_BASE)), 0u);
    EXPECT_EQ(f.read64(TERN_QREG(3, TERN_Q_RING_BASE)), 0u);
}

TEST_F(RegistersTest, TimestampRegisterIsMonotonicNanoseconds) {
    sim::Function& f = pf();
    uint64_t prev = f.read64(TERN_REG_TIMESTAMP);
    for (int i = 0; i < 2000; ++i) {
        const uint64_t t = f.read64(TERN_REG_TIMESTAMP);
        ASSERT_GE(t, prev);
        prev = t;
    }
    const auto w0 = std::chrono::steady_clock::now();
    const uint64_t t0 = f.read64(TERN_REG_TIMESTAMP);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    const uint64_t t1 = f.read64(TERN_REG_TIMESTAMP);
    const auto w1 = std::chrono::steady_clock::now();
    const uint64_t wall_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(w1 - w0).count();
    EXPECT_GE(t1 - t0, 19'000'000u);  // at least the sleep
    EXPECT_LE(t1 - t0, wall_ns + 1'000'000u);
}

}  // namespace
}  // namespace tern::test
