// SPDX-License-Identifier: MIT
// Device MMU: page faults (precise VA and info), isolation between ASIDs,
// read-only pages, malformed tables, and TLB invalidation.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <thread>
#include <vector>

#include "harness/desc.hpp"
#include "harness/expect.hpp"
#include "harness/fixture.hpp"
#include "tern/hw/tern_mmu.h"

namespace tern::test {
namespace {

constexpr uint64_t kPage = TERN_PAGE_SIZE;
constexpr uint64_t kLarge = TERN_LARGE_PAGE_SIZE;
constexpr uint64_t kMapVa = 0x0000'2000'0000ull;       // one page mapped here in tests
constexpr uint64_t kFarVa = 0x0000'7f00'0000'0123ull;  // no level-3 entry

class MmuTest : public TernTest {
protected:
    void SetUp() override {
        TernTest::SetUp();
        ws_ = &workspace(pf(), 1, 0);
    }
    Workspace& ws() { return *ws_; }
    QueueDriver& q() { return ws_->queue(); }
    PageTable& pt() { return ws_->space().table(); }
    // Runs one descriptor expected to fault; returns the queue registers.
    QueueRegs fault_of(const tern_desc& d) {
        EXPECT_TRUE(q().reset());
        EXPECT_TRUE(q().start(1));
        q().submit(d);
        EXPECT_TRUE(halts_with(q(), TERN_QERR_PAGE_FAULT));
        return q().regs();
    }
    Workspace* ws_ = nullptr;
};

TEST_F(MmuTest, UnmappedVaFaultsOnlyItsQueue) {
    Workspace& other = workspace(pf(), 2, 1);  // another ASID, another queue
    ASSERT_TRUE(other.ok());
    const uint32_t faults0 = pf().read32(TERN_REG_MMU_FAULTS);
    const uint64_t irqs = pf_irq().count(q().vector());

    // Keep the other queue busy while this one faults.
    for (int i = 0; i < 8; ++i) {
        other.queue().push(
            make_dma(Workspace::kStagingVa, other.dev_va(0x100000 + i * 0x10000), 0x10000));
    }
    other.queue().kick();
    q().push(make_dma(kFarVa, ws().dev_va(0), 256));
    q().kick();
    ASSERT_TRUE(halts_with(q(), TERN_QERR_PAGE_FAULT));
    QueueRegs r = q().regs();
    EXPECT_TRUE(fault_is(r, kFarVa, TERN_FAULT_UNMAPPED, TERN_ENGINE_DMA, false, 3));
    EXPECT_EQ(r.err_index, 0u);
    EXPECT_EQ(r.head, 0u);
    EXPECT_EQ(r.err_op, 0u);
    EXPECT_TRUE(pf_irq().wait_count(q().vector(), irqs + 1));
    EXPECT_EQ(pf().read32(TERN_REG_MMU_FAULTS), faults0 + 1);

    // The other ASID keeps completing work, with correct data.
    for (int round = 0; round < 10; ++round) {
        std::memset(other.staging().ptr, 0x30 + round, 4096);
        ASSERT_TRUE(completes(other.queue(), other.queue().submit(make_dma(
                                                 Workspace::kStagingVa, other.dev_va(0), 4096))));
        const std::vector<uint8_t> back = other.download(0, 4096);
        ASSERT_EQ(back, std::vector<uint8_t>(4096, 0x30 + round));
    }
    EXPECT_FALSE(other.queue().halted());
    // The faulted queue is still halted with the same information.
    r = q().regs();
    EXPECT_TRUE(fault_is(r, kFarVa, TERN_FAULT_UNMAPPED, TERN_ENGINE_DMA, false, 3));
}

TEST_F(MmuTest, FaultVaIsTheFirstFaultingByteAndLevelWhereTheWalkStopped) {
    HostBuffer page = arena().alloc(kPage);
    pt().map_host(kMapVa, page.bus, kPage);
    ASSERT_TRUE(ws().space().flush());
    // Read crossing from a mapped page into an unmapped one (same level-0 table).
    QueueRegs r = fault_of(make_dma(kMapVa + 0xf00, ws().dev_va(0), 0x200));
    EXPECT_TRUE(fault_is(r, kMapVa + kPage, TERN_FAULT_UNMAPPED, TERN_ENGINE_DMA, false, 0));
    // Write starting inside an unmapped page: the exact start VA.
    r = fault_of(make_dma(ws().dev_va(0), kMapVa + kPage + 0x18, 8));
    EXPECT_TRUE(fault_is(r, kMapVa + kPage + 0x18, TERN_FAULT_UNMAPPED, TERN_ENGINE_DMA, true, 0));
    // No level-1 entry (level-2 table exists for the workspace's 1 GiB).
    r = fault_of(make_dma(0x0000'3000'0040ull, ws().dev_va(0), 8));
    EXPECT_TRUE(fault_is(r, 0x0000'3000'0040ull, TERN_FAULT_UNMAPPED, TERN_ENGINE_DMA, false, 1));
    // Level-3 entry exists, no level-2 entry (VA 256 GiB).
    r = fault_of(make_dma(0x0040'0000'0000ull, ws().dev_va(0), 8));
    EXPECT_TRUE(fault_is(r, 0x0040'0000'0000ull, TERN_FAULT_UNMAPPED, TERN_ENGINE_DMA, false, 2));
    // Timestamp writes fault as the SYNC engine.
    r = fault_of(make_timestamp(kMapVa + kPage + 8));
    EXPECT_TRUE(fault_is(r, kMapVa + kPage + 8, TERN_FAULT_UNMAPPED, TERN_ENGINE_SYNC, true, 0));
}

TEST_F(MmuTest, WriteToReadOnlyPageFaults) {
    HostBuffer page = arena().alloc(kPage);
    std::memset(page.ptr, 0x11, kPage);
    pt().map_host(kMapVa, page.bus, kPage, /*writable=*/false);
    // A read-only 2 MiB device page too.
    pt().map_dev_large(0x0000'6000'0000ull, 4 * kLarge, kLarge, /*writable=*/false);
    ASSERT_TRUE(ws().space().flush());
    // Reading is fine.
    ASSERT_TRUE(completes(q(), q().submit(make_dma(kMapVa, ws().dev_va(0), kPage))));
    ASSERT_TRUE(completes(q(), q().submit(make_dma(0x0000'6000'0000ull, ws().dev_va(0), 64))));
    // Writing faults, with the write bit.
    QueueRegs r = fault_of(make_dma(Workspace::kStagingVa, kMapVa + 0x10, 0x20));
    EXPECT_TRUE(fault_is(r, kMapVa + 0x10, TERN_FAULT_WRITE, TERN_ENGINE_DMA, true, 0));
    r = fault_of(make_dma(Workspace::kStagingVa, 0x0000'6000'0000ull + 0x12345, 8));
    EXPECT_TRUE(
        fault_is(r, 0x0000'6000'0000ull + 0x12345, TERN_FAULT_WRITE, TERN_ENGINE_DMA, true, 1));
    r = fault_of(make_timestamp(kMapVa + 0x40));
    EXPECT_TRUE(fault_is(r, kMapVa + 0x40, TERN_FAULT_WRITE, TERN_ENGINE_SYNC, true, 0));
    for (size_t i = 0; i < kPage; ++i) {
        ASSERT_EQ(page.ptr[i], 0x11) << "read-only page modified at " << i;
    }
}

TEST_F(MmuTest, DeviceOffsetBeyondMemoryIsAWindowFault) {
    const uint64_t mem = pf().read64(TERN_REG_MEM_SIZE);
    pt().map_dev(kMapVa, mem - kPage, 2 * kPage);  // last page valid, next one beyond
    pt().map_dev(kMapVa + 0x100000, 0x000f'ffff'ffff'f000ull, kPage);
    ASSERT_TRUE(ws().space().flush());
    ASSERT_TRUE(completes(q(), q().submit(make_dma(kMapVa, Workspace::kStagingVa, kPage))));
    QueueRegs r = fault_of(make_dma(kMapVa + 0xff8, Workspace::kStagingVa, 16));
    EXPECT_TRUE(fault_is(r, kMapVa + kPage, TERN_FAULT_WINDOW, TERN_ENGINE_DMA, false, 0));
    r = fault_of(make_dma(Workspace::kStagingVa, kMapVa + 0x100000, 8));
    EXPECT_TRUE(fault_is(r, kMapVa + 0x100000, TERN_FAULT_WINDOW, TERN_ENGINE_DMA, true, 0));
}

TEST_F(MmuTest, HostPageOutsideTheBusIsABusFault) {
    pt().map_host(kMapVa, HostArena::unmapped_bus(), kPage);
    ASSERT_TRUE(ws().space().flush());
    const QueueRegs r = fault_of(make_dma(kMapVa + 0x80, ws().dev_va(0), 8));
    EXPECT_TRUE(fault_is(r, kMapVa + 0x80, TERN_FAULT_BUS, TERN_ENGINE_DMA, false, 0));
}

// The DMA engine moves contiguous runs of pages in one access; a bus error
// inside such a run must still name the first page that is not reachable,
// with every byte before it copied.
TEST_F(MmuTest, BusErrorInsideALongRunNamesTheExactPage) {
    constexpr uint64_t kBus = 0x0000'0020'0000'0000ull;
    HostBuffer good = arena().alloc_at(kBus, 5 * kPage);  // bus pages 5..7 unregistered
    for (size_t i = 0; i < good.size; ++i) {
        good.ptr[i] = static_cast<uint8_t>(i * 7 + 1);
    }
    pt().map_host(kMapVa, kBus, 8 * kPage, /*writable=*/false);
    ASSERT_TRUE(ws().space().flush());
    const QueueRegs r = fault_of(make_dma(kMapVa + 100, ws().dev_va(0), 8 * kPage - 200));
    EXPECT_TRUE(fault_is(r, kMapVa + 5 * kPage, TERN_FAULT_BUS, TERN_ENGINE_DMA, false, 0));
    ASSERT_TRUE(q().reset());  // the download below runs on the same queue
    ASSERT_TRUE(q().start(1));
    const std::vector<uint8_t> copied = ws().download(0, 5 * kPage - 100);
    EXPECT_TRUE(std::equal(copied.begin(), copied.end(), good.ptr + 100));
}

// Bus-contiguous pages that belong to two separately registered host ranges
// form one run for the MMU but not for the host bus: the copy still succeeds.
TEST_F(MmuTest, RunAcrossTwoHostRangesIsCopied) {
    constexpr uint64_t kBus = 0x0000'0021'0000'0000ull;
    HostBuffer lo = arena().alloc_at(kBus, 2 * kPage);
    HostBuffer hi = arena().alloc_at(kBus + 2 * kPage, 2 * kPage);
    lo.fill(0x11);
    hi.fill(0x22);
    pt().map_host(kMapVa, kBus, 4 * kPage);
    ASSERT_TRUE(ws().space().flush());
    ASSERT_TRUE(completes(q(), q().submit(make_dma(kMapVa + 1, ws().dev_va(0), 4 * kPage - 2))));
    const std::vector<uint8_t> dev = ws().download(0, 4 * kPage - 2);
    for (size_t i = 0; i < dev.size(); ++i) {
        ASSERT_EQ(dev[i], i + 1 < 2 * kPage ? 0x11 : 0x22) << "byte " << i;
    }
}

// A walk reads a whole 64-byte line of leaf entries; its valid neighbours are
// cached too (hw-spec 6.6), so the next page of a sequential access hits.
TEST_F(MmuTest, WalkCachesTheNeighbouringLeavesOfItsLine) {
    HostBuffer buf = arena().alloc(8 * kPage);
    pt().map_host(kMapVa, buf.bus, 8 * kPage);
    ASSERT_TRUE(ws().space().flush());
    MmuControl& mmu = ws().space().mmu();
    ASSERT_TRUE(completes(q(), q().submit(make_dma(kMapVa, ws().dev_va(0), 8))));
    const uint64_t misses = mmu.tlb_misses();
    ASSERT_TRUE(completes(q(), q().submit(make_dma(kMapVa + 7 * kPage, ws().dev_va(0), 8))));
    EXPECT_EQ(mmu.tlb_misses(), misses) << "page 7 shares page 0's line of entries";
}

TEST_F(MmuTest, UnreachablePageTablesArePtBusFaults) {
    // Intermediate table pointer to nowhere (a level-2 entry of a fresh
    // 512 GiB region).
    constexpr uint64_t kVa = 0x0100'0000'0000ull;
    pt().set_entry(kVa, 2, HostArena::unmapped_bus() | TERN_PTE_VALID);
    ASSERT_TRUE(ws().space().flush());
    QueueRegs r = fault_of(make_dma(kVa, ws().dev_va(0), 8));
    EXPECT_EQ(r.fault_reason(), uint32_t{TERN_FAULT_PT_BUS}) << describe(r);
    EXPECT_EQ(r.fault_va, kVa);
    EXPECT_EQ(r.fault_engine(), uint32_t{TERN_ENGINE_DMA});
    // Root pointing nowhere: the queue's ASID has a VALID root, the walk fails.
    AddressSpace& bad = space(pf(), 3);
    pf().write64(TERN_REG_MMU_ROOT(3), HostArena::unmapped_bus() | TERN_MMU_ROOT_VALID);
    ASSERT_TRUE(bad.mmu().invalidate_asid(3));
    QueueDriver& q3 = queue(pf(), 3);
    ASSERT_TRUE(q3.start(3));
    q3.submit(make_timestamp(0x1000));
    ASSERT_TRUE(halts_with(q3, TERN_QERR_PAGE_FAULT));
    r = q3.regs();
    EXPECT_TRUE(fault_is(r, 0x1000, TERN_FAULT_PT_BUS, TERN_ENGINE_SYNC, true, 3));
}

TEST_F(MmuTest, ReservedPteBitsFault) {
    HostBuffer page = arena().alloc(kPage);
    struct Bad {
        const char* name;
        unsigned level;
        uint64_t pte;
    };
    const uint64_t table_like = page.bus | TERN_PTE_VALID;
    const Bad cases[] = {
        {"non-leaf with WRITE", 2, table_like | TERN_PTE_WRITE},
        {"non-leaf with DEVMEM", 1, table_like | TERN_PTE_DEVMEM},
        {"LEAF at level 3", 3, table_like | TERN_PTE_LEAF},
        {"LEAF at level 2", 2, table_like | TERN_PTE_LEAF},
        {"LEAF at level 0", 0, table_like | TERN_PTE_LEAF},
        {"non-leaf bit 60", 1, table_like | (1ull << 60)},
        {"2 MiB leaf not 2 MiB aligned", 1,
         (3 * kLarge + kPage) | TERN_PTE_VALID | TERN_PTE_LEAF | TERN_PTE_DEVMEM},
        // Reasonable reading: reserved bits (TERN_PTE_RSVD) are illegal in
        // leaves as well.
        {"leaf bit 55", 0, page.bus | TERN_PTE_VALID | (1ull << 55)},
        {"leaf bit 5", 0, page.bus | TERN_PTE_VALID | (1ull << 5)},
    };
    // Each case in a fresh VA region (level-3 slot i + 1) of ASID 1.
    uint64_t va = 0x0080'0000'0000ull;
    for (const Bad& c : cases) {
        SCOPED_TRACE(c.name);
        va += 0x0080'0000'0000ull;
        pt().set_entry(va, c.level, c.pte);
        ASSERT_TRUE(ws().space().flush());
        const QueueRegs r = fault_of(make_dma(va + 0x40, ws().dev_va(0), 8));
        EXPECT_TRUE(fault_is(r, va + 0x40, TERN_FAULT_PTE_RSVD, TERN_ENGINE_DMA, false,
                             static_cast<int>(c.level)));
    }
}

TEST_F(MmuTest, NonCanonicalVaFaults) {
    const QueueRegs r = fault_of(make_timestamp(0xffff'8000'0000'0000ull));
    EXPECT_TRUE(
        fault_is(r, 0xffff'8000'0000'0000ull, TERN_FAULT_NONCANONICAL, TERN_ENGINE_SYNC, true));
}

// Page-table edits take effect only after an invalidation; TLB counters move.
// The test page's VPN is odd and the staging page's even, so they cannot
// evict each other in any direct-mapped or set-associative TLB.
constexpr uint64_t kTlbVa = kMapVa + 0x155 * kPage;
TEST_F(MmuTest, TlbCachesUntilInvalidated) {
    HostBuffer a = arena().alloc(kPage);
    HostBuffer b = arena().alloc(kPage);
    HostBuffer c = arena().alloc(kPage);
    std::memset(a.ptr, 'A', kPage);
    std::memset(b.ptr, 'B', kPage);
    std::memset(c.ptr, 'C', kPage);
    MmuControl& mmu = ws().space().mmu();
    uint8_t* out = ws().staging().ptr;
    auto read_first_byte = [&]() -> int {
        out[0] = 0;
        if (!q().run(make_dma(kTlbVa + 0x100, Workspace::kStagingVa, 16))) {
            ADD_FAILURE() << describe(q().regs());
            return -1;
        }
        return out[0];
    };
    pt().map_host(kTlbVa, a.bus, kPage);
    ASSERT_TRUE(ws().space().flush());

    const uint64_t miss0 = mmu.tlb_misses();
    const uint64_t hit0 = mmu.tlb_hits();
    ASSERT_EQ(read_first_byte(), 'A');
    const uint64_t miss1 = mmu.tlb_misses();
    EXPECT_GT(miss1, miss0) << "first use of a page must miss";
    ASSERT_EQ(read_first_byte(), 'A');
    ASSERT_EQ(read_first_byte(), 'A');
    EXPECT_GE(mmu.tlb_hits(), hit0 + 4) << "repeated use of the same pages must hit";
    EXPECT_EQ(mmu.tlb_misses(), miss1) << "no new pages were touched";

    // Remap without invalidation: the cached translation is still used.
    pt().map_host(kTlbVa, b.bus, kPage);
    EXPECT_EQ(read_first_byte(), 'A');
    // Range invalidation of that page: the new mapping is visible.
    ASSERT_TRUE(mmu.invalidate_range(1, kTlbVa, kPage));
    EXPECT_EQ(read_first_byte(), 'B');
    EXPECT_GT(mmu.tlb_misses(), miss1);

    // Invalidating an unrelated range does not have to drop it; invalidating
    // all ASIDs does.
    pt().map_host(kTlbVa, c.bus, kPage);
    ASSERT_TRUE(mmu.invalidate(63, TERN_MMU_INV_ALL_ASIDS, 0, 0));
    EXPECT_EQ(read_first_byte(), 'C');

    // Unmap: stale until invalidated, then a fault.
    pt().unmap(kTlbVa, kPage);
    EXPECT_EQ(read_first_byte(), 'C');
    ASSERT_TRUE(mmu.invalidate_asid(1));
    q().submit(make_dma(kTlbVa + 0x100, Workspace::kStagingVa, 16));
    ASSERT_TRUE(halts_with(q(), TERN_QERR_PAGE_FAULT));
    EXPECT_TRUE(
        fault_is(q().regs(), kTlbVa + 0x100, TERN_FAULT_UNMAPPED, TERN_ENGINE_DMA, false, 0));
}

TEST_F(MmuTest, NewRootTakesEffectAfterInvalidation) {
    HostBuffer a = arena().alloc(kPage);
    HostBuffer d = arena().alloc(kPage);
    std::memset(a.ptr, 'a', kPage);
    std::memset(d.ptr, 'd', kPage);
    pt().map_host(kMapVa, a.bus, kPage);
    ASSERT_TRUE(ws().space().flush());
    ASSERT_TRUE(q().run(make_dma(kMapVa, Workspace::kStagingVa, 8)));
    EXPECT_EQ(ws().staging().ptr[0], 'a');
    // A second table for the same ASID, mapping the staging buffer too.
    PageTable other(arena());
    other.map_host(Workspace::kStagingVa, ws().staging().bus, Workspace::kStagingSize);
    other.map_host(kMapVa, d.bus, kPage);
    ws().space().mmu().set_root(1, other.root_bus());
    ASSERT_TRUE(ws().space().mmu().invalidate_asid(1));
    ASSERT_TRUE(q().run(make_dma(kMapVa, Workspace::kStagingVa, 8)));
    EXPECT_EQ(ws().staging().ptr[0], 'd');
    EXPECT_EQ(pf().read64(TERN_REG_MMU_ROOT(1)), other.root_bus() | TERN_MMU_ROOT_VALID);
}

TEST_F(MmuTest, InvalidationHandshake) {
    MmuControl& mmu = ws().space().mmu();
    for (int i = 0; i < 20; ++i) {
        const uint32_t before = pf().read32(TERN_REG_MMU_INV_ACK);
        ASSERT_TRUE(mmu.invalidate(i % 4, i % 2 ? TERN_MMU_INV_RANGE : 0, 0x1000, 0x1000));
        EXPECT_EQ(pf().read32(TERN_REG_MMU_INV_ACK), before + 1);
        EXPECT_EQ(pf().read32(TERN_REG_MMU_INV_REQ), before + 1);
    }
    // Writing the same REQ value again is not a new request.
    const uint32_t ack = pf().read32(TERN_REG_MMU_INV_ACK);
    pf().write32(TERN_REG_MMU_INV_REQ, ack);
    std::this_thread::sleep_for(Millis(5));
    EXPECT_EQ(pf().read32(TERN_REG_MMU_INV_ACK), ack);
}

}  // namespace
}  // namespace tern::test
