// SPDX-License-Identifier: MIT
// DMA copies through the MMU, write-back, completion sequence numbers,
// per-descriptor interrupts and ring wrap-around.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "harness/desc.hpp"
#include "harness/expect.hpp"
#include "harness/fixture.hpp"
#include "tern/hw/tern_mmu.h"

namespace tern::test {
namespace {

constexpr uint64_t kSrcVa = 0x0000'2000'0000ull;
constexpr uint64_t kDstVa = 0x0000'3000'0000ull;
constexpr uint64_t kPage = TERN_PAGE_SIZE;

class DmaTest : public TernTest {
protected:
    void SetUp() override {
        TernTest::SetUp();
        ws_ = &workspace(pf(), 1, 0);
    }
    Workspace& ws() { return *ws_; }
    Workspace* ws_ = nullptr;
};

std::vector<uint8_t> random_bytes(std::mt19937& rng, size_t n) {
    std::vector<uint8_t> v(n);
    for (auto& b : v) {
        b = static_cast<uint8_t>(rng());
    }
    return v;
}

// Host buffer -> device memory -> host buffer, at several sizes and
// alignments; checks the copies are byte-exact and touch nothing else.
TEST_F(DmaTest, HostDeviceHostRoundTripIsByteExact) {
    constexpr size_t kBuf = (1u << 20) + 4 * kPage;
    HostBuffer src = arena().alloc(kBuf);
    HostBuffer dst = arena().alloc(kBuf);
    ws().space().table().map_host(kSrcVa, src.bus, src.size, /*writable=*/false);
    ws().space().table().map_host(kDstVa, dst.bus, dst.size);
    ASSERT_TRUE(ws().space().flush());
    QueueDriver& q = ws().queue();
    std::mt19937 rng(1234);

    struct Case {
        size_t size, src_off, dev_off, dst_off;
    };
    const Case cases[] = {
        {1, 0, 0, 0},
        {1, 4095, 0x123457, 4095},
        {3, 1, 7, 2},
        {64, 0, 0x1000, 0},
        {63, 4090, 0x200ffd, 4093},  // every side crosses a page
        {4095, 1, 3, 5},
        {4096, 0, 0x3000, 0},
        {4097, 4095, 0x1fffff, 1},  // device side crosses a 2 MiB page
        {65536 + 17, 333, 0x7fff1, 4001},
        {(1u << 20) + 5, 4091, 0x30000b, 7},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(::testing::Message()
                     << "size " << c.size << " src_off " << c.src_off << " dev_off 0x" << std::hex
                     << c.dev_off << " dst_off " << std::dec << c.dst_off);
        const std::vector<uint8_t> data = random_bytes(rng, c.size);
        std::memcpy(src.ptr + c.src_off, data.data(), c.size);
        dst.fill(0xee);
        // Guard bytes around the device range.
        const std::vector<uint8_t> guard(64, 0x5a);
        const uint64_t lo = c.dev_off >= 64 ? c.dev_off - 64 : 0;
        ASSERT_TRUE(ws().upload(lo, guard.data(), c.dev_off - lo));
        ASSERT_TRUE(ws().upload(c.dev_off + c.size, guard.data(), guard.size()));

        q.push(make_dma(kSrcVa + c.src_off, ws().dev_va(c.dev_off), c.size));
        const uint64_t seq = q.push(make_dma(ws().dev_va(c.dev_off), kDstVa + c.dst_off, c.size));
        q.kick();
        ASSERT_TRUE(completes(q, seq));

        // The host buffer: 0xee everywhere except the copy.
        std::vector<uint8_t> want(dst.size, 0xee);
        std::memcpy(want.data() + c.dst_off, data.data(), c.size);
        const auto bad = std::mismatch(want.begin(), want.end(), dst.ptr);
        ASSERT_EQ(bad.first, want.end()) << "host byte " << (bad.first - want.begin());
        // Device memory: guards intact around the copy.
        const std::vector<uint8_t> around = ws().download(lo, (c.dev_off - lo) + c.size + 64);
        std::vector<uint8_t> want_dev(around.size(), 0x5a);
        std::memcpy(want_dev.data() + (c.dev_off - lo), data.data(), c.size);
        ASSERT_TRUE(around == want_dev) << "device bytes around the copy differ";
    }
}

// Virtually contiguous, physically scattered: VA page i maps bus page N-1-i.
TEST_F(DmaTest, PageCrossingFollowsEachPageTranslation) {
    constexpr unsigned kPages = 8;
    HostBuffer src = arena().alloc(kPages * kPage);
    HostBuffer dst = arena().alloc(kPages * kPage);
    for (unsigned i = 0; i < kPages; ++i) {
        ws().space().table().map_host(kSrcVa + i * kPage, src.bus + (kPages - 1 - i) * kPage,
                                      kPage);
        ws().space().table().map_host(kDstVa + i * kPage, dst.bus + i * kPage, kPage);
    }
    ASSERT_TRUE(ws().space().flush());
    for (unsigned i = 0; i < kPages; ++i) {
        std::memset(src.ptr + (kPages - 1 - i) * kPage, 0x10 + i, kPage);  // VA page i = 0x10+i
    }
    const uint64_t off = 100;
    const uint64_t len = kPages * kPage - 200;
    ASSERT_TRUE(completes(
        ws().queue(), ws().queue().submit(make_dma(kSrcVa + off, ws().dev_va(0x10000 + 3), len))));
    ASSERT_TRUE(completes(
        ws().queue(), ws().queue().submit(make_dma(ws().dev_va(0x10000 + 3), kDstVa + off, len))));
    for (uint64_t i = off; i < off + len; ++i) {
        ASSERT_EQ(dst.ptr[i], 0x10 + i / kPage) << "byte " << i;
    }
    EXPECT_EQ(dst.ptr[off - 1], 0);
    EXPECT_EQ(dst.ptr[off + len], 0);
}

TEST_F(DmaTest, LargePagesOnHostAndDevice) {
    constexpr uint64_t kLarge = TERN_LARGE_PAGE_SIZE;
    constexpr uint64_t kLargeVa = 0x0000'8000'0000ull;  // 2 MiB aligned
    HostBuffer big = arena().alloc(2 * kLarge, kLarge);
    ASSERT_EQ(big.bus % kLarge, 0u);
    ws().space().table().map_host_large(kLargeVa, big.bus, 2 * kLarge);
    ASSERT_TRUE(ws().space().flush());
    std::mt19937 rng(99);
    const std::vector<uint8_t> data = random_bytes(rng, 3000);
    // Straddle the boundary between the two host large pages.
    const uint64_t at = kLarge - 1000;
    std::memcpy(big.ptr + at, data.data(), data.size());
    // Device side: straddle device large pages 5/6 (offset 12 MiB - 7).
    const uint64_t dev = 6 * kLarge - 7;
    QueueDriver& q = ws().queue();
    q.push(make_dma(kLargeVa + at, ws().dev_va(dev), data.size()));
    // Device -> device across large pages, then back to host at another spot.
    q.push(make_dma(ws().dev_va(dev), ws().dev_va(9 * kLarge - 1500), data.size()));
    const uint64_t seq =
        q.push(make_dma(ws().dev_va(9 * kLarge - 1500), kLargeVa + 2 * kLarge - 3000, data.size()));
    q.kick();
    ASSERT_TRUE(completes(q, seq));
    EXPECT_EQ(0, std::memcmp(big.ptr + 2 * kLarge - 3000, data.data(), data.size()));
    EXPECT_EQ(ws().download(dev, data.size()), data);
}

TEST_F(DmaTest, WriteBackAndCompletedSeq) {
    QueueDriver& q = ws().queue();
    const QueueRegs before = q.regs();
    // NOP with write-back.
    const uint64_t s1 = q.submit(make_nop(TERN_DESC_F_WB));
    ASSERT_TRUE(completes(q, s1));
    EXPECT_EQ(q.completed_seq(), s1);
    EXPECT_TRUE(writes_back(q, s1));
    // Without F_WB the write-back slot keeps the old value.
    const uint64_t s2 = q.submit(make_nop());
    ASSERT_TRUE(completes(q, s2));
    EXPECT_EQ(q.completed_seq(), s2);
    EXPECT_EQ(q.wb_value(), s1);
    // Seqnos are the driver's: any 64-bit value is reported verbatim.
    tern_desc d = make_nop(TERN_DESC_F_WB);
    d.hdr.seqno = 0xfedcba9876543210ull;
    q.push_raw(d);
    q.kick();
    ASSERT_TRUE(q.wait_seq(0xfedcba9876543210ull));
    EXPECT_TRUE(writes_back(q, 0xfedcba9876543210ull));
    ASSERT_TRUE(q.wait_settled());  // HEAD and the counters come last (hw-spec 5.5)
    const QueueRegs after = q.regs();
    EXPECT_EQ(after.desc_count - before.desc_count, 3u);
    EXPECT_EQ(after.head - before.head, 3u);
    EXPECT_EQ(after.head, after.tail);
    EXPECT_GE(after.busy_ns, before.busy_ns);
    EXPECT_FALSE(after.halted());
}

// When the write-back value is visible, the descriptor's data must be too.
TEST_F(DmaTest, WriteBackIsOrderedAfterTheCopy) {
    constexpr size_t kLen = 256 * 1024;
    HostBuffer dst = arena().alloc(kLen);
    ws().space().table().map_host(kDstVa, dst.bus, kLen);
    ASSERT_TRUE(ws().space().flush());
    QueueDriver& q = ws().queue();
    for (uint8_t round = 1; round <= 20; ++round) {
        std::memset(ws().staging().ptr, round, kLen);
        const uint64_t seq =
            q.submit(make_dma(Workspace::kStagingVa, kDstVa, kLen, TERN_DESC_F_WB));
        ASSERT_TRUE(writes_back(q, seq));
        // Check first and last byte, then everything.
        ASSERT_EQ(dst.ptr[0], round);
        ASSERT_EQ(dst.ptr[kLen - 1], round);
        ASSERT_EQ(std::count(dst.ptr, dst.ptr + kLen, round), static_cast<long>(kLen));
        ASSERT_TRUE(completes(q, seq));
    }
}

TEST_F(DmaTest, InterruptPerDescriptorWithIrqFlag) {
    QueueDriver& q = ws().queue();
    const unsigned v = q.vector();
    const uint64_t base = pf_irq().count(v);
    uint64_t last = 0;
    for (int i = 0; i < 5; ++i) {
        last = q.push(make_nop(TERN_DESC_F_IRQ));
    }
    q.kick();
    ASSERT_TRUE(completes(q, last));
    ASSERT_TRUE(pf_irq().wait_count(v, base + 5));
    // Descriptors without F_IRQ raise nothing; the last one with it does.
    for (int i = 0; i < 3; ++i) {
        q.push(make_nop());
    }
    last = q.push(make_nop(TERN_DESC_F_IRQ));
    q.kick();
    ASSERT_TRUE(completes(q, last));
    ASSERT_TRUE(pf_irq().wait_count(v, base + 6));
    std::this_thread::sleep_for(kQuiet);
    EXPECT_EQ(pf_irq().count(v), base + 6);
    // No other vector fired.
    for (unsigned other = 0; other < TERN_MSIX_COUNT; ++other) {
        if (other != v) {
            EXPECT_EQ(pf_irq().count(other), 0u) << "vector " << other;
        }
    }
    EXPECT_EQ(pf_irq().out_of_range(), 0u);
}

TEST_F(DmaTest, MaskedVectorIsHeldPendingUntilUnmasked) {
    QueueDriver& q = ws().queue();
    QueueDriver& q2 = queue(pf(), 1);
    ASSERT_TRUE(q2.start(1));
    const unsigned v = q.vector();
    pf().write32(TERN_REG_IRQ_MASK, 1u << v);
    uint64_t last = 0;
    for (int i = 0; i < 3; ++i) {
        last = q.push(make_nop(TERN_DESC_F_IRQ));
    }
    q.kick();
    ASSERT_TRUE(poll_until([&] { return q.completed_seq() == last; }));
    // An unmasked queue still interrupts meanwhile.
    ASSERT_TRUE(completes(q2, q2.submit(make_nop(TERN_DESC_F_IRQ))));
    ASSERT_TRUE(pf_irq().wait_count(q2.vector(), 1));
    std::this_thread::sleep_for(kQuiet);
    EXPECT_EQ(pf_irq().count(v), 0u) << "masked vector was delivered";
    // Masking other bits changes nothing for v.
    pf().write32(TERN_REG_IRQ_MASK, (1u << v) | 1u);
    std::this_thread::sleep_for(Millis(5));
    EXPECT_EQ(pf_irq().count(v), 0u);
    pf().write32(TERN_REG_IRQ_MASK, 0);
    ASSERT_TRUE(pf_irq().wait_count(v, 1)) << "pending vector not delivered on unmask";
    std::this_thread::sleep_for(kQuiet);
    // MSI-X: one pending bit, one message.
    EXPECT_EQ(pf_irq().count(v), 1u);
    // Unmasked again: delivery is immediate.
    ASSERT_TRUE(completes(q, q.submit(make_nop(TERN_DESC_F_IRQ))));
    EXPECT_TRUE(pf_irq().wait_count(v, 2));
}

// More descriptors than ring entries over time; each copies its own chunk.
TEST_F(DmaTest, RingWrapsAround) {
    QueueDriver& q = queue(pf(), 2, /*order=*/4);
    ASSERT_TRUE(q.start(1));
    ASSERT_EQ(q.entries(), 16u);
    constexpr unsigned kCount = 200;
    constexpr size_t kChunk = 64;
    HostBuffer dst = arena().alloc(kCount * kChunk);
    ws().space().table().map_host(kDstVa, dst.bus, dst.size);
    ASSERT_TRUE(ws().space().flush());
    for (unsigned i = 0; i < kCount * kChunk; ++i) {
        ws().staging().ptr[i] = static_cast<uint8_t>(i * 7 + i / kChunk);
    }
    std::mt19937 rng(7);
    unsigned done = 0;
    uint64_t last = 0;
    while (done < kCount) {
        const unsigned batch = std::min<unsigned>(1 + rng() % 16, kCount - done);
        for (unsigned i = 0; i < batch; ++i, ++done) {
            // push() waits for a free slot when the ring is full.
            last = q.push(make_dma(Workspace::kStagingVa + done * kChunk, kDstVa + done * kChunk,
                                   kChunk, done % 5 == 0 ? TERN_DESC_F_IRQ : 0));
            if (i % 4 == 3) {
                q.kick();
            }
        }
        q.kick();
    }
    ASSERT_TRUE(completes(q, last));
    EXPECT_EQ(0, std::memcmp(dst.ptr, ws().staging().ptr, kCount * kChunk));
    ASSERT_TRUE(q.wait_settled());  // HEAD and the counters come last (hw-spec 5.5)
    const QueueRegs r = q.regs();
    EXPECT_EQ(r.head, kCount);
    EXPECT_EQ(r.tail, kCount);
    EXPECT_EQ(r.desc_count, kCount);
    EXPECT_EQ(r.completed_seq, last);
}

// The producer index is free-running 32-bit: it may wrap past 2^32.
TEST_F(DmaTest, FreeRunningIndexWrapsAt32Bits) {
    QueueDriver& q = queue(pf(), 3, /*order=*/4);
    q.write_reg32(TERN_Q_TAIL, 0xfffffff8u);  // queue disabled: just stored
    ASSERT_TRUE(q.start(1));
    EXPECT_EQ(q.head(), 0xfffffff8u);
    uint64_t last = 0;
    for (int i = 0; i < 40; ++i) {
        last = q.push(make_nop());
        q.kick();
    }
    ASSERT_TRUE(completes(q, last));
    ASSERT_TRUE(q.wait_settled());  // HEAD and the counters come last (hw-spec 5.5)
    EXPECT_EQ(q.head(), 0xfffffff8u + 40u);
    EXPECT_EQ(q.regs().desc_count, 40u);
}

// Clearing ENABLE stops fetching; re-enabling restarts with an empty ring
// (HEAD := TAIL), so descriptors queued meanwhile are not executed.
TEST_F(DmaTest, DisableStopsFetchingAndEnableEmptiesTheRing) {
    QueueDriver& q = ws().queue();
    ASSERT_TRUE(completes(q, q.submit(make_nop())));
    EXPECT_NE(q.status() & TERN_Q_STATUS_ENABLED, 0u);
    q.disable();
    ASSERT_TRUE(poll_until([&] { return (q.status() & TERN_Q_STATUS_ENABLED) == 0; }));
    const uint32_t head = q.head();
    const uint64_t done = q.completed_seq();
    q.submit(make_nop());
    q.submit(make_nop());
    std::this_thread::sleep_for(kQuiet);
    EXPECT_EQ(q.head(), head);
    EXPECT_EQ(q.completed_seq(), done);
    q.enable();
    EXPECT_EQ(q.head(), q.tail());
    std::this_thread::sleep_for(kQuiet);
    EXPECT_EQ(q.completed_seq(), done);
    const uint64_t seq = q.submit(make_nop());
    ASSERT_TRUE(completes(q, seq));
}

}  // namespace
}  // namespace tern::test
