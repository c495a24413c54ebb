// SPDX-License-Identifier: MIT
// Partitioning into VFs (section 7): apply errors, VF identity, memory window
// enforcement and isolation, and per-VF resets.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "harness/desc.hpp"
#include "harness/device_control.hpp"
#include "harness/expect.hpp"
#include "harness/fixture.hpp"
#include "harness/program_slot.hpp"
#include "isa_program.hpp"
#include "tern/hw/tern_mmu.h"

namespace tern::test {
namespace {

constexpr uint64_t MiB = 1ull << 20;

// VF 0: card [8, 16) MiB, cores 0-1; VF 1: card [32, 48) MiB, cores 2-5.
const PartitionEntry kVfA{8 * MiB, 8 * MiB, 0x03, 4, 8};
const PartitionEntry kVfB{32 * MiB, 16 * MiB, 0x3c, 16, 64};

class PartitionTest : public TernTest {
protected:
    // Applies the standard 2-VF table and returns true if it worked.
    bool make_two_vfs() {
        const auto st = partition(pf(), {kVfA, kVfB});
        return st.has_value() && *st == TERN_PART_OK && card().vf(0) != nullptr &&
               card().vf(1) != nullptr;
    }
    std::vector<uint8_t> pattern(uint32_t seed, size_t n) {
        std::mt19937 rng(seed);
        std::vector<uint8_t> v(n);
        for (auto& b : v) {
            b = static_cast<uint8_t>(rng());
        }
        return v;
    }
};

TEST_F(PartitionTest, TwoVfsGetTheirIdentity) {
    const uint32_t events = pf().read32(TERN_REG_EVENT_SEQ);
    const uint64_t vec0 = pf_irq().count(TERN_MSIX_DEVICE);
    ASSERT_TRUE(make_two_vfs());
    EXPECT_EQ(pf().read32(TERN_REG_PART_STATUS), uint32_t{TERN_PART_OK});
    EXPECT_NE(pf().read32(TERN_REG_DEV_STATUS) & TERN_DEV_STATUS_PART_ACTIVE, 0u);
    EXPECT_EQ(pf().read32(TERN_REG_EVENT_SEQ), events + 1);
    EXPECT_TRUE(pf_irq().wait_count(TERN_MSIX_DEVICE, vec0 + 1));
    EXPECT_EQ(card().vf(2), nullptr);
    // The PF keeps the full view.
    EXPECT_EQ(pf().read32(TERN_REG_NUM_CORES), 8u);
    EXPECT_EQ(pf().read64(TERN_REG_MEM_SIZE), 64 * MiB);

    const uint32_t pf_caps = pf().read32(TERN_REG_CAPS);
    const PartitionEntry entries[] = {kVfA, kVfB};
    for (unsigned i = 0; i < 2; ++i) {
        SCOPED_TRACE(::testing::Message() << "VF " << i);
        sim::Function* v = vf(i);
        ASSERT_NE(v, nullptr);
        const PartitionEntry& e = entries[i];
        EXPECT_TRUE(v->is_vf());
        EXPECT_EQ(v->read32(TERN_REG_ID), TERN_ID_MAGIC);
        EXPECT_EQ(v->read32(TERN_REG_HW_VERSION), pf().read32(TERN_REG_HW_VERSION));
        EXPECT_EQ(v->read32(TERN_REG_FW_VERSION), pf().read32(TERN_REG_FW_VERSION));
        EXPECT_EQ(v->read32(TERN_REG_FUNC_INFO), TERN_FUNC_IS_VF | (i << TERN_FUNC_VF_INDEX_SHIFT));
        EXPECT_EQ(v->read32(TERN_REG_CAPS),
                  pf_caps & ~(TERN_CAP_PARTITIONING | TERN_CAP_ERR_INJECT));
        EXPECT_EQ(v->read32(TERN_REG_NUM_CORES), static_cast<uint32_t>(std::popcount(e.core_mask)));
        EXPECT_EQ(v->read32(TERN_REG_CORE_MASK), e.core_mask);
        EXPECT_EQ(v->read32(TERN_REG_NUM_QUEUES), e.num_queues);
        EXPECT_EQ(v->read32(TERN_REG_NUM_ASIDS), e.num_asids);
        EXPECT_EQ(v->read64(TERN_REG_MEM_SIZE), e.mem_size);
        EXPECT_EQ(v->read32(TERN_REG_NUM_SEMAPHORES), uint32_t{TERN_NUM_SEMAPHORES});
        EXPECT_EQ(v->read32(TERN_REG_DEV_STATUS), uint32_t{TERN_DEV_STATUS_READY});
        // The partition block reads 0 and ignores writes in a VF.
        v->write32(TERN_REG_PART_NUM_VFS, 3);
        v->write64(TERN_REG_PART_ENTRY(0) + TERN_PART_MEM_BASE, 2 * MiB);
        v->write32(TERN_REG_PART_APPLY_REQ, 5);
        for (uint32_t off = 0x4000; off < 0x5000; off += 4) {
            ASSERT_EQ(v->read32(off), 0u) << "VF partition register 0x" << std::hex << off;
        }
        // Error injection is PF only.
        v->write32(TERN_REG_ERR_INJECT,
                   (1u << TERN_INJECT_SEQ_SHIFT) | TERN_INJECT_ECC_UNCORRECTED);
        std::this_thread::sleep_for(Millis(5));
        EXPECT_EQ(v->read32(TERN_REG_DEV_STATUS) & TERN_DEV_STATUS_FATAL, 0u);
        EXPECT_EQ(pf().read64(TERN_REG_ECC_UNCORRECTED), 0u);
    }
    // The VF writes did not change the PF's table.
    EXPECT_EQ(pf().read32(TERN_REG_PART_NUM_VFS), 2u);
    EXPECT_EQ(pf().read64(TERN_REG_PART_ENTRY(0) + TERN_PART_MEM_BASE), kVfA.mem_base);
    EXPECT_NE(card().vf(1), nullptr);
}

TEST_F(PartitionTest, ApplyErrorsChangeNothing) {
    // Start from one VF, so "unchanged" is observable.
    ASSERT_EQ(partition(pf(), {kVfA}), std::optional<uint32_t>(TERN_PART_OK));
    sim::Function* v0 = card().vf(0);
    ASSERT_NE(v0, nullptr);
    struct Bad {
        const char* name;
        uint32_t num_vfs;
        std::vector<PartitionEntry> entries;
        uint32_t code;
    };
    const uint64_t mem = pf().read64(TERN_REG_MEM_SIZE);
    const std::vector<Bad> cases = {
        {"9 VFs", 9, {kVfA}, TERN_PART_ERR_COUNT},
        {"base not 2 MiB aligned", 2, {kVfA, {33 * MiB, 4 * MiB, 0x30, 1, 1}}, TERN_PART_ERR_ALIGN},
        {"size not 2 MiB multiple",
         2,
         {kVfA, {32 * MiB, 3 * MiB, 0x30, 1, 1}},
         TERN_PART_ERR_ALIGN},
        {"size 0", 2, {kVfA, {32 * MiB, 0, 0x30, 1, 1}}, TERN_PART_ERR_ALIGN},
        {"align wins over cores", 2, {kVfA, {MiB, 2 * MiB, 0, 0, 0}}, TERN_PART_ERR_ALIGN},
        {"beyond memory", 2, {kVfA, {mem - 2 * MiB, 4 * MiB, 0x30, 1, 1}}, TERN_PART_ERR_RANGE},
        {"base at end", 2, {kVfA, {mem, 2 * MiB, 0x30, 1, 1}}, TERN_PART_ERR_RANGE},
        {"base+size wraps",
         2,
         {kVfA, {0xffff'ffff'ffe0'0000ull, 4 * MiB, 0x30, 1, 1}},
         TERN_PART_ERR_RANGE},
        {"range wins over overlap", 2, {kVfA, {8 * MiB, mem, 0x30, 1, 1}}, TERN_PART_ERR_RANGE},
        {"windows overlap", 2, {kVfA, {14 * MiB, 4 * MiB, 0x30, 1, 1}}, TERN_PART_ERR_OVERLAP},
        {"same window", 2, {kVfA, kVfA}, TERN_PART_ERR_OVERLAP},
        {"overlap wins over cores",
         2,
         {kVfA, {10 * MiB, 2 * MiB, 0x01, 0, 0}},
         TERN_PART_ERR_OVERLAP},
        {"core mask 0", 2, {kVfA, {32 * MiB, 2 * MiB, 0, 1, 1}}, TERN_PART_ERR_CORES},
        {"core beyond the card", 2, {kVfA, {32 * MiB, 2 * MiB, 0x100, 1, 1}}, TERN_PART_ERR_CORES},
        {"cores shared", 2, {kVfA, {32 * MiB, 2 * MiB, 0x06, 1, 1}}, TERN_PART_ERR_CORES},
        {"cores win over queues", 2, {kVfA, {32 * MiB, 2 * MiB, 0x01, 0, 0}}, TERN_PART_ERR_CORES},
        {"0 queues", 2, {kVfA, {32 * MiB, 2 * MiB, 0x30, 0, 1}}, TERN_PART_ERR_QUEUES},
        {"17 queues", 2, {kVfA, {32 * MiB, 2 * MiB, 0x30, 17, 1}}, TERN_PART_ERR_QUEUES},
        {"0 asids", 2, {kVfA, {32 * MiB, 2 * MiB, 0x30, 1, 0}}, TERN_PART_ERR_QUEUES},
        {"65 asids", 2, {kVfA, {32 * MiB, 2 * MiB, 0x30, 1, 65}}, TERN_PART_ERR_QUEUES},
    };
    const uint32_t vf_info = v0->read32(TERN_REG_FUNC_INFO);
    for (const Bad& c : cases) {
        SCOPED_TRACE(c.name);
        write_partition_table(pf(), c.num_vfs, c.entries);
        const auto st = apply_partition(pf());
        ASSERT_TRUE(st.has_value()) << "apply not acknowledged";
        EXPECT_EQ(*st, c.code);
        EXPECT_EQ(card().vf(0), v0) << "VF 0 was replaced";
        EXPECT_EQ(card().vf(1), nullptr) << "VF 1 was created";
        EXPECT_NE(pf().read32(TERN_REG_DEV_STATUS) & TERN_DEV_STATUS_PART_ACTIVE, 0u);
        EXPECT_EQ(v0->read32(TERN_REG_FUNC_INFO), vf_info);
        EXPECT_EQ(v0->read64(TERN_REG_MEM_SIZE), kVfA.mem_size);
        EXPECT_EQ(v0->read32(TERN_REG_CORE_MASK), kVfA.core_mask);
        EXPECT_EQ(v0->read32(TERN_REG_NUM_QUEUES), kVfA.num_queues);
    }
    // A valid table still applies afterwards.
    EXPECT_TRUE(make_two_vfs());
}

TEST_F(PartitionTest, BusyVfCannotBeChangedButCanBeKept) {
    ASSERT_EQ(partition(pf(), {kVfA}), std::optional<uint32_t>(TERN_PART_OK));
    sim::Function* v0 = vf(0);
    ASSERT_NE(v0, nullptr);
    Workspace& ws = workspace(*v0, 0, 0);
    ASSERT_TRUE(ws.ok());
    ASSERT_TRUE(completes(ws.queue(), ws.queue().submit(make_nop())));
    // Removing VF 0 or changing it: BUSY, nothing changes.
    EXPECT_EQ(partition(pf(), {}), std::optional<uint32_t>(TERN_PART_ERR_BUSY));
    PartitionEntry changed = kVfA;
    changed.mem_size = 4 * MiB;
    EXPECT_EQ(partition(pf(), {changed}), std::optional<uint32_t>(TERN_PART_ERR_BUSY));
    changed = kVfA;
    changed.num_queues = 5;
    EXPECT_EQ(partition(pf(), {changed, kVfB}), std::optional<uint32_t>(TERN_PART_ERR_BUSY));
    EXPECT_EQ(card().vf(0), v0);
    EXPECT_EQ(card().vf(1), nullptr);
    // Keeping VF 0 unchanged and adding VF 1 is fine; VF 0 keeps its state.
    const uint64_t done = ws.queue().completed_seq();
    EXPECT_EQ(partition(pf(), {kVfA, kVfB}), std::optional<uint32_t>(TERN_PART_OK));
    EXPECT_EQ(card().vf(0), v0);
    EXPECT_NE(card().vf(1), nullptr);
    EXPECT_EQ(ws.queue().completed_seq(), done);
    EXPECT_NE(ws.queue().status() & TERN_Q_STATUS_ENABLED, 0u);
    EXPECT_TRUE(completes(ws.queue(), ws.queue().submit(make_nop())));
    // Once its queue is reset (disabled), VF 0 may go.
    ASSERT_TRUE(ws.queue().reset());
    EXPECT_EQ(partition(pf(), {}), std::optional<uint32_t>(TERN_PART_OK));
    EXPECT_EQ(card().vf(0), nullptr);
    EXPECT_EQ(pf().read32(TERN_REG_DEV_STATUS) & TERN_DEV_STATUS_PART_ACTIVE, 0u);
}

TEST_F(PartitionTest, VfCannotMapBeyondItsWindow) {
    ASSERT_TRUE(make_two_vfs());
    sim::Function* v0 = vf(0);
    Workspace& ws = workspace(*v0, 0, 0);
    ASSERT_TRUE(ws.ok());
    const uint64_t window = v0->read64(TERN_REG_MEM_SIZE);
    constexpr uint64_t kVa = 0x0000'2000'0000ull;
    PageTable& pt = ws.space().table();
    pt.map_dev(kVa, window - 4096, 2 * 4096);                     // last page, then beyond
    pt.map_dev_large(kVa + 0x400000, window - 2 * MiB, 2 * MiB);  // last large page
    pt.map_dev_large(kVa + 0x600000, window, 2 * MiB);            // beyond
    pt.map_dev(kVa + 0x800000, 0x000f'ffff'ffff'f000ull, 4096);
    ASSERT_TRUE(ws.space().flush());
    QueueDriver& q = ws.queue();
    ASSERT_TRUE(completes(q, q.submit(make_dma(kVa, Workspace::kStagingVa, 4096))));
    ASSERT_TRUE(completes(q, q.submit(make_dma(kVa + 0x400000, Workspace::kStagingVa, 4096))));
    struct F {
        uint64_t va;
        bool write;
        int level;
    };
    for (const F& f :
         {F{kVa + 4096, false, 0}, F{kVa + 0x600000 + 8, true, 1}, F{kVa + 0x800000, false, 0}}) {
        ASSERT_TRUE(q.reset());
        ASSERT_TRUE(q.start(0));
        q.submit(f.write ? make_dma(Workspace::kStagingVa, f.va, 8)
                         : make_dma(f.va, Workspace::kStagingVa, 8));
        ASSERT_TRUE(halts_with(q, TERN_QERR_PAGE_FAULT));
        EXPECT_TRUE(fault_is(q.regs(), f.va, TERN_FAULT_WINDOW, TERN_ENGINE_DMA, f.write, f.level));
        EXPECT_GE(v0->read32(TERN_REG_MMU_FAULTS), 1u);
    }
}

TEST_F(PartitionTest, VfMemoryIsIsolated) {
    ASSERT_TRUE(make_two_vfs());
    sim::Function* va = vf(0);
    sim::Function* vb = vf(1);
    Workspace& wa = workspace(*va, 0, 0);
    Workspace& wb = workspace(*vb, 3, 2);
    Workspace& wp = workspace(pf(), 1, 0);
    ASSERT_TRUE(wa.ok() && wb.ok() && wp.ok());
    const std::vector<uint8_t> secret = pattern(1, 4096);
    const std::vector<uint8_t> mine = pattern(2, 4096);
    ASSERT_TRUE(wa.upload(0, secret.data(), secret.size()));
    ASSERT_TRUE(wa.upload(kVfA.mem_size - 4096, secret.data(), secret.size()));
    ASSERT_TRUE(wb.upload(0, mine.data(), mine.size()));

    // VF B's offsets are relative to its own window: offset 0 is its data...
    EXPECT_EQ(wb.download(0, 4096), mine);
    // ...and nowhere in its window is VF A's data (whole window scanned).
    const std::vector<uint8_t> all_b = wb.download(0, kVfB.mem_size);
    ASSERT_EQ(all_b.size(), kVfB.mem_size);
    EXPECT_EQ(std::search(all_b.begin(), all_b.end(), secret.begin(), secret.begin() + 64),
              all_b.end())
        << "VF A's data is visible to VF B";
    // Offsets at VF A's card position or beyond B's window fault.
    PageTable& pt = wb.space().table();
    constexpr uint64_t kProbe = 0x0000'2000'0000ull;
    pt.map_dev(kProbe, kVfB.mem_size, 4096);
    pt.map_dev(kProbe + 0x10000, kVfB.mem_size + kVfA.mem_base, 4096);
    pt.map_dev(kProbe + 0x20000, kVfA.mem_base + kVfB.mem_base, 4096);
    ASSERT_TRUE(wb.space().flush());
    for (uint64_t probe : {kProbe, kProbe + 0x10000, kProbe + 0x20000}) {
        QueueDriver& q = wb.queue();
        ASSERT_TRUE(q.reset());
        ASSERT_TRUE(q.start(3));
        q.submit(make_dma(probe, Workspace::kStagingVa, 64));
        ASSERT_TRUE(halts_with(q, TERN_QERR_PAGE_FAULT));
        EXPECT_TRUE(fault_is(q.regs(), probe, TERN_FAULT_WINDOW, TERN_ENGINE_DMA, false, 0));
    }
    // The PF sees both windows at their card offsets.
    EXPECT_EQ(wp.download(kVfA.mem_base, 4096), secret);
    EXPECT_EQ(wp.download(kVfA.mem_base + kVfA.mem_size - 4096, 4096), secret);
    EXPECT_EQ(wp.download(kVfB.mem_base, 4096), mine);
}

TEST_F(PartitionTest, HungJobAndQueueResetInOneVfDoNotDisturbTheOther) {
    ASSERT_TRUE(make_two_vfs());
    sim::Function* va = vf(0);
    sim::Function* vb = vf(1);
    Workspace& wa = workspace(*va, 0, 0);
    Workspace& wb = workspace(*vb, 0, 0);
    ASSERT_TRUE(wa.ok() && wb.ok());
    // VF A: a job that waits forever.
    wa.queue().submit(make_sem_wait(0, 1));
    ASSERT_TRUE(wa.queue().wait_waiting());
    // Semaphores are per function: B's semaphore 0 and the PF's do not
    // release A.
    ASSERT_TRUE(completes(wb.queue(), wb.queue().submit(make_sem_signal(0, TERN_SEM_SET, 5))));
    pf().write64(TERN_REG_SEM(0), 5);
    std::this_thread::sleep_for(Millis(10));
    EXPECT_TRUE(wa.queue().regs().waiting());
    EXPECT_EQ(va->read64(TERN_REG_SEM(0)), 0u);

    // VF B keeps working meanwhile, with correct data.
    for (int i = 0; i < 10; ++i) {
        const std::vector<uint8_t> data = pattern(100 + i, 8192);
        ASSERT_TRUE(wb.upload(i * 8192, data.data(), data.size()));
        ASSERT_EQ(wb.download(i * 8192, 8192), data);
    }
    // Reset A's queue while B has work in flight.
    for (int i = 0; i < 8; ++i) {
        wb.queue().push(make_dma(wb.dev_va(0), wb.dev_va(8 * MiB), 2 * MiB));
    }
    const uint64_t b_last = wb.queue().push(make_nop(TERN_DESC_F_WB));
    wb.queue().kick();
    const uint64_t b_irqs_before = vf_irq(1).count(wb.queue().vector());
    ASSERT_TRUE(wa.queue().reset());
    EXPECT_EQ(wa.queue().regs().status, 0u);
    EXPECT_TRUE(completes(wb.queue(), b_last));
    EXPECT_TRUE(writes_back(wb.queue(), b_last));
    EXPECT_FALSE(wb.queue().halted());
    EXPECT_EQ(wb.download(8 * MiB, 8192), wb.download(0, 8192));
    EXPECT_GE(vf_irq(1).count(wb.queue().vector()), b_irqs_before);
    // A works again after reprogramming.
    ASSERT_TRUE(wa.queue().start(0));
    EXPECT_TRUE(completes(wa.queue(), wa.queue().submit(make_nop())));
}

TEST_F(PartitionTest, VfResetZeroesOnlyItsWindow) {
    ASSERT_TRUE(make_two_vfs());
    sim::Function* va = vf(0);
    sim::Function* vb = vf(1);
    Workspace& wa = workspace(*va, 0, 0);
    Workspace& wb = workspace(*vb, 0, 0);
    Workspace& wp = workspace(pf(), 1, 0);
    ASSERT_TRUE(wa.ok() && wb.ok() && wp.ok());
    const std::vector<uint8_t> pa = pattern(7, 4096), pb = pattern(8, 4096), pp = pattern(9, 4096);
    ASSERT_TRUE(wa.upload(0, pa.data(), pa.size()));
    ASSERT_TRUE(wa.upload(kVfA.mem_size - 4096, pa.data(), pa.size()));
    ASSERT_TRUE(wb.upload(0, pb.data(), pb.size()));
    ASSERT_TRUE(wb.upload(kVfB.mem_size - 4096, pb.data(), pb.size()));
    // PF data just outside VF A's window on both sides.
    ASSERT_TRUE(wp.upload(kVfA.mem_base - 4096, pp.data(), pp.size()));
    ASSERT_TRUE(wp.upload(kVfA.mem_base + kVfA.mem_size, pp.data(), pp.size()));
    va->write32(TERN_REG_SCRATCH, 77);
    vb->write32(TERN_REG_SCRATCH, 88);

    const uint64_t a_events = vf_irq(0).count(TERN_MSIX_DEVICE);
    ASSERT_TRUE(function_reset(*va));
    EXPECT_TRUE(vf_irq(0).wait_count(TERN_MSIX_DEVICE, a_events + 1));
    EXPECT_EQ(card().vf(0), va) << "a VF reset does not remove the VF";
    EXPECT_EQ(va->read32(TERN_REG_SCRATCH), 0u);
    EXPECT_EQ(va->read64(TERN_REG_MMU_ROOT(0)), 0u);
    EXPECT_EQ(va->read32(TERN_QREG(0, TERN_Q_CTRL)), 0u);
    EXPECT_EQ(va->read64(TERN_REG_MEM_SIZE), kVfA.mem_size) << "identity survives";
    // VF B and the PF are untouched.
    EXPECT_EQ(vb->read32(TERN_REG_SCRATCH), 88u);
    EXPECT_NE(wb.queue().status() & TERN_Q_STATUS_ENABLED, 0u);
    EXPECT_EQ(wb.download(0, 4096), pb);
    EXPECT_EQ(wb.download(kVfB.mem_size - 4096, 4096), pb);
    EXPECT_EQ(wp.download(kVfA.mem_base - 4096, 4096), pp);
    EXPECT_EQ(wp.download(kVfA.mem_base + kVfA.mem_size, 4096), pp);
    EXPECT_NE(pf().read32(TERN_REG_DEV_STATUS) & TERN_DEV_STATUS_PART_ACTIVE, 0u);
    // VF A's window is zero, seen from the PF and from VF A itself.
    EXPECT_EQ(wp.download(kVfA.mem_base, 4096), std::vector<uint8_t>(4096, 0));
    const std::vector<uint8_t> whole = wp.download(kVfA.mem_base, kVfA.mem_size);
    EXPECT_EQ(std::count(whole.begin(), whole.end(), 0), static_cast<long>(kVfA.mem_size));
    Workspace& again = workspace(*va, 0, 0);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again.download(kVfA.mem_size - 4096, 4096), std::vector<uint8_t>(4096, 0));
}

TEST_F(PartitionTest, PfResetRemovesAllVfs) {
    ASSERT_TRUE(make_two_vfs());
    ASSERT_TRUE(function_reset(pf()));
    EXPECT_EQ(card().vf(0), nullptr);
    EXPECT_EQ(card().vf(1), nullptr);
    EXPECT_EQ(pf().read32(TERN_REG_PART_NUM_VFS), 0u);
    EXPECT_EQ(pf().read64(TERN_REG_PART_ENTRY(0) + TERN_PART_MEM_SIZE), 0u);
    EXPECT_EQ(pf().read32(TERN_REG_DEV_STATUS), uint32_t{TERN_DEV_STATUS_READY});
    // And they can be created again.
    EXPECT_TRUE(make_two_vfs());
}

TEST_F(PartitionTest, VfTelemetryIsTheCardsWithItsOwnCores) {
    ASSERT_TRUE(make_two_vfs());
    sim::Function* vb = vf(1);  // physical cores 2..5
    ASSERT_TRUE(poll_until([&] { return vb->read32(TERN_REG_TELEM_SEQ) >= 2; }));
    EXPECT_EQ(vb->read32(TERN_REG_TELEM_VALID), pf().read32(TERN_REG_TELEM_VALID));
    EXPECT_EQ(static_cast<int32_t>(vb->read32(TERN_REG_COOLANT_IN)), 30000);
    EXPECT_NEAR(static_cast<double>(vb->read32(TERN_REG_POWER)),
                static_cast<double>(pf().read32(TERN_REG_POWER)), 2000.0);
    // Keep VF B's relative core 0 (physical core 2) busy: a FILL over 8 MiB
    // of its memory, repeatedly, with core_mask = relative core 0.
    Workspace& wb = workspace(*vb, 0, 0);
    ASSERT_TRUE(wb.ok());
    ProgramSlot slot(arena(), wb.space());
    ProgramBuilder pb;
    const uint16_t t = pb.tensor(0, TERN_ISA_DTYPE_FP32, {2u << 20});
    pb.op(TERN_ISA_FILL, t, {}, {f32_bits(3.0f)});
    const tern_desc exec = slot.load(pb.build(), {{wb.dev_va(0), 8 * MiB}}, /*core_mask=*/0b1);
    uint32_t vf_core0 = 0, pf_core2 = 0, vf_others = 0, pf_others = 0;
    const auto start = std::chrono::steady_clock::now();
    QueueDriver& q = wb.queue();
    while (std::chrono::steady_clock::now() - start < std::chrono::seconds(5) &&
           (std::chrono::steady_clock::now() - start < Millis(100) || vf_core0 == 0 ||
            pf_core2 == 0)) {
        while (q.tail() - q.head() < 4) {
            q.push(exec);
        }
        q.kick();
        ASSERT_FALSE(q.halted()) << describe(q.regs());
        vf_core0 = std::max(vf_core0, vb->read32(TERN_REG_CORE_UTIL(0)));
        pf_core2 = std::max(pf_core2, pf().read32(TERN_REG_CORE_UTIL(2)));
        for (unsigned c = 1; c < 8; ++c) {
            vf_others = std::max(vf_others, vb->read32(TERN_REG_CORE_UTIL(c)));
        }
        for (unsigned c : {0u, 1u, 3u, 4u, 5u, 6u, 7u}) {
            pf_others = std::max(pf_others, pf().read32(TERN_REG_CORE_UTIL(c)));
        }
        std::this_thread::sleep_for(Millis(1));
    }
    ASSERT_TRUE(q.wait_seq(q.last_seq(), Millis(10000)));
    EXPECT_GT(vf_core0, 0u) << "VF relative core 0 never busy";
    EXPECT_GT(pf_core2, 0u) << "physical core 2 never busy in the PF view";
    EXPECT_EQ(vf_others, 0u) << "VF reported other cores busy";
    EXPECT_EQ(pf_others, 0u) << "PF reported unused physical cores busy";
}

// A VF's limits are its entry's: ASIDs, cores (relative), semaphores.
TEST_F(PartitionTest, VfLimitsComeFromItsEntry) {
    ASSERT_TRUE(make_two_vfs());
    sim::Function* va = vf(0);             // 4 queues, 8 ASIDs, 2 cores
    Workspace& ws = workspace(*va, 7, 3);  // the last ASID and queue
    ASSERT_TRUE(ws.ok());
    QueueDriver& q = ws.queue();
    ASSERT_TRUE(completes(q, q.submit(make_nop())));
    // ASID 8 does not exist in this VF.
    QueueDriver& q2 = queue(*va, 1);
    q2.program(kVfA.num_asids);
    q2.enable();
    ASSERT_TRUE(q2.wait_halted());
    EXPECT_TRUE(q2.err() == TERN_QERR_ASID || q2.err() == TERN_QERR_RING) << qerr_name(q2.err());
    // Relative core 2 does not exist (2 cores); cores 0-1 do.
    ProgramSlot slot(arena(), ws.space());
    ProgramBuilder pb;
    const uint16_t t = pb.tensor(0, TERN_ISA_DTYPE_FP32, {16});
    pb.op(TERN_ISA_FILL, t, {}, {f32_bits(1.0f)});
    const std::vector<uint8_t> image = pb.build();
    EXPECT_TRUE(completes(q, q.submit(slot.load(image, {{ws.dev_va(0), 64}}, 0b11))));
    q.submit(slot.load(image, {{ws.dev_va(0), 64}}, 0b100));
    EXPECT_TRUE(halts_with(q, TERN_QERR_NO_CORES));
}

}  // namespace
}  // namespace tern::test
