// SPDX-License-Identifier: MIT
// The device behind tern-emu, driven the way a guest driver drives it over
// ivshmem: registers in BAR2, a doorbell after each trigger write, queues
// and page tables in guest RAM, interrupts on the guest's eventfds.
#include <cstring>
#include <vector>

#include "fixture.hpp"
#include "tern/hw/tern_emu.h"
#include "tern/hw/tern_mmu.h"

namespace tern::emu_test {
namespace {

constexpr uint64_t kHostVa = 0x10000000;   // guest buffer, source side
constexpr uint64_t kHostVa2 = 0x10100000;  // guest buffer, destination side
constexpr uint64_t kDevVa = 0x20000000;    // device memory
constexpr uint64_t kBadVa = 0x30000000;    // host leaf beyond the guest RAM
constexpr uint64_t kDevOffset = 0x3000;    // device-memory offset behind kDevVa
constexpr uint64_t kBufferSize = 2 * 4096;

class DeviceTest : public EmuTest {
protected:
    void SetUp() override {
        EmuTest::SetUp();
        ASSERT_FALSE(HasFatalFailure());
        client_ = start_and_connect();
        ASSERT_TRUE(client_);
        dev_ = std::make_unique<EmuDevice>(*client_);
        // Bring-up as in hw-spec 5.11: reset, then the address space.
        ASSERT_TRUE(dev_->function_reset());
        ASSERT_GT(client_->wait_vector(TERN_MSIX_DEVICE), 0u) << "no reset-done interrupt";

        src_ = ram().alloc(kBufferSize);
        dst_ = ram().alloc(kBufferSize);
        pt_ = std::make_unique<PageTable>(ram());
        pt_->map_host(kHostVa, src_, kBufferSize);
        pt_->map_host(kHostVa2, dst_, kBufferSize);
        pt_->map_dev(kDevVa, kDevOffset, kBufferSize);
        // The first page past the end of the guest RAM file.
        pt_->map_host(kBadVa, kRamSize, 4096);
        dev_->write64(TERN_REG_MMU_ROOT(0), pt_->root() | TERN_MMU_ROOT_VALID);
        ASSERT_TRUE(dev_->invalidate_tlb(0));
    }

    IvshmemClient& client() { return *client_; }
    EmuDevice& dev() { return *dev_; }

    std::unique_ptr<IvshmemClient> client_;
    std::unique_ptr<EmuDevice> dev_;
    std::unique_ptr<PageTable> pt_;
    uint64_t src_ = 0;
    uint64_t dst_ = 0;
};

TEST_F(DeviceTest, IdentityAndLiveness) {
    EXPECT_EQ(dev().read32(TERN_REG_ID), TERN_ID_MAGIC);
    EXPECT_EQ(dev().read32(TERN_REG_HW_VERSION) >> 16, 1u);
    EXPECT_EQ(dev().read32(TERN_REG_NUM_CORES), kCores);
    EXPECT_EQ(dev().read64(TERN_REG_MEM_SIZE), uint64_t{kMemMiB} << 20);
    EXPECT_EQ(dev().read32(TERN_REG_EMU_MAGIC), TERN_EMU_MAGIC);
    // The model keeps publishing into the shared window.
    const uint32_t beat = dev().read32(TERN_REG_HEARTBEAT);
    EXPECT_TRUE(poll_until([&] { return dev().read32(TERN_REG_HEARTBEAT) != beat; }));
}

TEST_F(DeviceTest, FunctionResetRaisesTheDeviceVector) {
    const uint32_t seq = dev().read32(TERN_REG_EVENT_SEQ);
    ASSERT_TRUE(dev().function_reset());
    EXPECT_GT(client().wait_vector(TERN_MSIX_DEVICE), 0u);
    EXPECT_NE(dev().read32(TERN_REG_EVENT_SEQ), seq);
}

TEST_F(DeviceTest, DmaCopyMovesDataBetweenGuestRamAndDeviceMemory) {
    Queue q(dev(), ram(), 0);
    ASSERT_TRUE(q.enable(0));
    ASSERT_EQ(q.status() & TERN_Q_STATUS_HALTED, 0u);

    // Guest RAM -> device memory, crossing a page on both sides.
    constexpr uint64_t kLen = 6000;
    uint8_t* src = ram().at<uint8_t>(src_);
    for (uint64_t i = 0; i < kLen; ++i) {
        src[i] = static_cast<uint8_t>(i * 7 + 3);
    }
    const uint64_t s1 = q.submit(make_dma(kHostVa, kDevVa, kLen, TERN_DESC_F_IRQ | TERN_DESC_F_WB));
    ASSERT_GT(client().wait_vector(q.vector()), 0u) << "no completion MSI-X";
    EXPECT_EQ(q.reg64(TERN_Q_COMPLETED_SEQ), s1);
    EXPECT_EQ(q.wb_value(), s1);
    EXPECT_EQ(std::memcmp(dev().device_memory() + kDevOffset, src, kLen), 0)
        << "device memory (BAR2 + TERN_EMU_MEM_OFFSET) does not hold the copy";

    // Device memory written through the BAR2 aperture -> guest RAM.
    uint8_t* aperture = dev().device_memory() + kDevOffset;
    for (uint64_t i = 0; i < kLen; ++i) {
        aperture[i] = static_cast<uint8_t>(0xa5 ^ i);
    }
    const uint64_t s2 = q.submit(make_dma(kDevVa, kHostVa2, kLen, TERN_DESC_F_IRQ));
    ASSERT_GT(client().wait_vector(q.vector()), 0u);
    EXPECT_EQ(q.reg64(TERN_Q_COMPLETED_SEQ), s2);
    EXPECT_EQ(std::memcmp(ram().at<uint8_t>(dst_), aperture, kLen), 0);
    EXPECT_EQ(q.status() & TERN_Q_STATUS_HALTED, 0u);
}

TEST_F(DeviceTest, GuestAddressBeyondRamIsABusFault) {
    Queue q(dev(), ram(), 0);
    ASSERT_TRUE(q.enable(0));
    q.submit(make_dma(kBadVa, kDevVa, 64, 0));
    // A halt raises the queue's vector even without F_IRQ.
    ASSERT_GT(client().wait_vector(q.vector()), 0u);
    ASSERT_TRUE(q.wait_halted());
    EXPECT_EQ(q.err(), static_cast<uint32_t>(TERN_QERR_PAGE_FAULT));
    EXPECT_EQ(q.reg32(TERN_Q_FAULT_INFO) & TERN_FAULT_REASON,
              static_cast<uint32_t>(TERN_FAULT_BUS));
    EXPECT_EQ(q.reg64(TERN_Q_FAULT_VA), kBadVa);
}

TEST_F(DeviceTest, RingOutsideGuestRamHaltsTheQueue) {
    // Just past the end, and near the top of the bus (no overflow to wrap
    // back into the file).
    for (const uint64_t base : std::vector<uint64_t>{kRamSize, 0xffffffffffff0000ull}) {
        Queue q(dev(), ram(), 1);
        ASSERT_TRUE(dev().reset_queue(1));
        ASSERT_TRUE(q.enable(0, base));
        q.submit(make_nop(TERN_DESC_F_IRQ));
        ASSERT_TRUE(q.wait_halted()) << std::hex << base;
        EXPECT_EQ(q.err(), static_cast<uint32_t>(TERN_QERR_RING)) << std::hex << base;
        EXPECT_GT(client().wait_vector(q.vector()), 0u);
    }
    // The emulator survived and other queues still run.
    Queue ok(dev(), ram(), 2);
    ASSERT_TRUE(ok.enable(0));
    EXPECT_TRUE(ok.wait_seq(ok.submit(make_nop(0))));
}

TEST_F(DeviceTest, LostDoorbellCostsOnlyATick) {
    Queue q(dev(), ram(), 0);
    ASSERT_TRUE(q.enable(0));
    const uint64_t seq = q.submit(make_nop(TERN_DESC_F_WB), /*ring=*/false);
    EXPECT_TRUE(q.wait_seq(seq)) << "TAIL without a doorbell was never picked up";
    // The write-back follows COMPLETED_SEQ (hw-spec 5.5, steps 4 and 5).
    EXPECT_TRUE(poll_until([&] { return q.wb_value() == seq; })) << "write-back " << q.wb_value();
}

TEST_F(DeviceTest, MaskedVectorIsHeldUntilUnmasked) {
    Queue q(dev(), ram(), 0);
    ASSERT_TRUE(q.enable(0));
    dev().write32(TERN_REG_IRQ_MASK, 1u << q.vector());
    dev().doorbell();
    // IRQ_MASK is evaluated before the queues, so this completion is masked
    // even if both doorbells are handled as one.
    const uint64_t seq = q.submit(make_nop(TERN_DESC_F_IRQ));
    ASSERT_TRUE(q.wait_seq(seq));
    EXPECT_EQ(client().wait_vector(q.vector(), Millis(200)), 0u) << "masked vector was delivered";

    dev().write32(TERN_REG_IRQ_MASK, 0);
    dev().doorbell();
    EXPECT_GT(client().wait_vector(q.vector()), 0u) << "pending vector not delivered on unmask";
}

}  // namespace
}  // namespace tern::emu_test
