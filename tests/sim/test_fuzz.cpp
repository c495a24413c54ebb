// SPDX-License-Identifier: MIT
// Randomized descriptors (fixed seed, bounded): the model must never crash
// and every queue must always settle into a consistent state.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "harness/desc.hpp"
#include "harness/expect.hpp"
#include "harness/fixture.hpp"
#include "tern/hw/tern_mmu.h"

namespace tern::test {
namespace {

constexpr uint64_t kHostVa = 0x0000'1000'0000ull;
constexpr uint64_t kHostSize = 1u << 20;
constexpr uint64_t kDevVa = 0x0000'4000'0000ull;
constexpr uint64_t kDevSize = 8u << 20;
constexpr unsigned kQueues = 4;
constexpr unsigned kOrder = 5;
constexpr unsigned kTotal = 3000;

class FuzzTest : public TernTest {};

struct Tracked {
    QueueDriver* q;
    uint32_t start;                       // HEAD right after the last (re)start
    std::map<uint32_t, uint64_t> seq_at;  // ring index -> seqno pushed there
};

class Generator {
public:
    explicit Generator(uint32_t seed) : rng_(seed) {}

    uint64_t u64() { return (static_cast<uint64_t>(rng_()) << 32) | rng_(); }
    uint32_t below(uint32_t n) { return rng_() % n; }
    bool chance(unsigned percent) { return below(100) < percent; }

    uint64_t host_va() { return kHostVa + below(kHostSize); }
    uint64_t dev_va() { return kDevVa + below(kDevSize); }
    uint64_t some_va() {
        switch (below(6)) {
            case 0:
                return host_va();
            case 1:
                return dev_va();
            case 2:
                return u64() & ((1ull << 48) - 1);  // almost surely unmapped
            case 3:
                return u64();  // often non-canonical
            case 4:
                return kHostVa + kHostSize - below(64);  // edge of a mapping
            default:
                return dev_va() & ~63ull;
        }
    }
    uint8_t flags() {
        uint8_t f = static_cast<uint8_t>(below(4));
        if (chance(1)) {
            f |= static_cast<uint8_t>(1u << (2 + below(6)));
        }
        return f;
    }

    enum Kind {
        kNop,
        kDma,
        kTimestamp,
        kSignal,
        kWildDma,
        kWait,
        kExec,
        kRandom,
        kMutated,
        kBadOpcode
    };

    tern_desc descriptor() {
        // About three quarters of the descriptors are valid, so that queues
        // get some distance before halting.
        static const std::array<unsigned, 10> kWeights = {4, 10, 4, 4, 2, 2, 2, 2, 2, 1};
        std::discrete_distribution<unsigned> pick(kWeights.begin(), kWeights.end());
        tern_desc d{};
        switch (static_cast<Kind>(pick(rng_))) {
            case kNop:
                d = make_nop(flags());
                break;
            case kDma: {
                // In-bounds copies between host and device memory.
                const uint64_t size = 1 + below(chance(80) ? 4096 : 65536);
                const uint64_t src = chance(50) ? kHostVa + below(kHostSize - size)
                                                : kDevVa + below(kDevSize - size);
                const uint64_t dst = kDevVa + below(kDevSize - size);
                d = make_dma(src, dst, size, flags());
                break;
            }
            case kTimestamp:
                d = make_timestamp(chance(80) ? (host_va() & ~7ull) : some_va(), flags());
                break;
            case kSignal:
                d = make_sem_signal(below(70), chance(90) ? below(2) : below(5),
                                    chance(50) ? 1 : u64(), flags());
                break;
            case kWildDma: {
                const uint64_t size =
                    chance(90) ? 1 + below(8192) : u64() & (TERN_DMA_MAX_SIZE * 2 - 1);
                d = make_dma(some_va(), some_va(), size, flags());
                break;
            }
            case kWait:
                // Usually satisfiable.
                d = make_sem_wait(below(66), chance(70) ? below(2) : u64(), flags());
                break;
            case kExec:
                d = make_exec(chance(50) ? (host_va() & ~63ull) : some_va(), 1 + below(4096),
                              some_va() & ~15ull, below(300), chance(80) ? 0 : rng_(), flags());
                break;
            case kRandom:
                for (auto& w : d.raw) {
                    w = u64();
                }
                if (chance(70)) {
                    d.hdr.opcode = static_cast<uint8_t>(below(7));
                }
                break;
            case kBadOpcode:
                d.hdr.opcode =
                    static_cast<uint8_t>(TERN_OP_TIMESTAMP + 1 + below(0xff - TERN_OP_TIMESTAMP));
                d.hdr.flags = static_cast<uint8_t>(below(4));
                break;
            case kMutated:
                d = descriptor();
                // Flip a few random bits of an otherwise generated descriptor.
                for (unsigned n = 1 + below(3); n > 0; --n) {
                    const unsigned bit = below(512);
                    d.raw[bit / 64] ^= 1ull << (bit % 64);
                }
                break;
        }
        return d;
    }

private:
    std::mt19937 rng_;
};

::testing::AssertionResult consistent(Tracked& t) {
    const QueueRegs r = t.q->regs();
    const uint32_t pushed = t.q->tail() - t.start;
    const uint32_t done = r.head - t.start;
    auto fail = [&]() {
        return ::testing::AssertionFailure() << "queue " << t.q->index() << " start 0x" << std::hex
                                             << t.start << ": " << describe(r);
    };
    if (r.tail != t.q->tail() || done > pushed) {
        return fail() << " (index out of range)";
    }
    if (r.halted() != (r.err() != TERN_QERR_NONE)) {
        return fail() << " (HALTED and ERR disagree)";
    }
    if (r.desc_count != done) {
        return fail() << " (DESC_COUNT != descriptors completed)";
    }
    const uint64_t expected_seq = done == 0 ? 0 : t.seq_at.at(r.head - 1);
    if (r.halted()) {
        if (r.err() > TERN_QERR_INDEX || r.err_index != r.head || done >= pushed) {
            return fail() << " (bad halt state)";
        }
        if (r.err() == TERN_QERR_PAGE_FAULT &&
            (r.fault_reason() < TERN_FAULT_UNMAPPED || r.fault_reason() > TERN_FAULT_PTE_RSVD ||
             r.fault_engine() > TERN_ENGINE_SYNC)) {
            return fail() << " (bad fault info)";
        }
        // Write-back fails after COMPLETED_SEQ was updated.
        if (r.completed_seq != expected_seq &&
            !(r.err() == TERN_QERR_WB && r.completed_seq == t.seq_at.at(r.head))) {
            return fail() << " (COMPLETED_SEQ != last completed seqno 0x" << expected_seq << ")";
        }
        return ::testing::AssertionSuccess();
    }
    if (r.waiting()) {
        return done < pushed ? ::testing::AssertionSuccess() : fail() << " (waiting on nothing)";
    }
    if (done != pushed || r.completed_seq != expected_seq) {
        return fail() << " (settled but not done)";
    }
    return ::testing::AssertionSuccess();
}

TEST_F(FuzzTest, RandomDescriptorsNeverBreakTheDevice) {
    HostBuffer host = arena().alloc(kHostSize);
    std::vector<AddressSpace*> spaces;
    for (unsigned a = 1; a <= 2; ++a) {
        AddressSpace& s = space(pf(), a);
        s.table().map_host(kHostVa, host.bus, kHostSize);
        s.table().map_dev_large(kDevVa, 0, kDevSize);
        ASSERT_TRUE(s.install());
    }
    std::vector<Tracked> qs;
    for (unsigned i = 0; i < kQueues; ++i) {
        QueueDriver& q = queue(pf(), i, kOrder);
        ASSERT_TRUE(q.start(1 + i % 2));
        qs.push_back({&q, q.head(), {}});
    }
    Generator gen(0x7e12);
    unsigned sent = 0;
    unsigned halts = 0;
    unsigned resets = 0;
    std::map<uint32_t, unsigned> errors;  // halts per error code
    uint64_t completed = 0;               // descriptors that completed
    while (sent < kTotal) {
        // A round: random batches on every queue.
        for (Tracked& t : qs) {
            const unsigned n = 1 + gen.below(12);
            for (unsigned i = 0; i < n && sent < kTotal; ++i, ++sent) {
                const uint32_t index = t.q->tail();
                t.seq_at[index] = t.q->push(gen.descriptor());
            }
            t.q->kick();
        }
        // Sometimes reset a queue while it may be running.
        if (gen.chance(5)) {
            Tracked& t = qs[gen.below(kQueues)];
            ASSERT_TRUE(t.q->reset()) << "queue reset not acknowledged";
            ++resets;
            ASSERT_TRUE(t.q->start(1 + t.q->index() % 2));
            t.start = t.q->head();
            t.seq_at.clear();
        }
        // A waiting queue may be released by another queue's signal, so
        // settle until one full pass sees every queue settled and unchanged.
        bool stable = false;
        for (int pass = 0; pass < 100 && !stable; ++pass) {
            std::array<uint32_t, kQueues> heads{};
            for (unsigned i = 0; i < kQueues; ++i) {
                ASSERT_TRUE(qs[i].q->wait_settled())
                    << "queue " << i
                    << " neither finished nor halted: " << describe(qs[i].q->regs());
                heads[i] = qs[i].q->head();
            }
            stable = true;
            for (unsigned i = 0; i < kQueues; ++i) {
                stable = stable && qs[i].q->head() == heads[i];
            }
        }
        ASSERT_TRUE(stable);
        for (Tracked& t : qs) {
            ASSERT_TRUE(consistent(t));
            const QueueRegs r = t.q->regs();
            if (r.halted()) {
                ++errors[r.err()];
            }
            if (r.halted() || r.waiting() || gen.chance(10)) {
                halts += r.halted() ? 1 : 0;
                completed += r.desc_count;
                ASSERT_TRUE(t.q->reset()) << "queue reset not acknowledged";
                ++resets;
                const QueueRegs z = t.q->regs();
                ASSERT_EQ(z.status, 0u);
                ASSERT_EQ(z.head, 0u);
                ASSERT_EQ(z.ctrl, 0u);
                ASSERT_TRUE(t.q->start(1 + t.q->index() % 2));
                t.start = t.q->head();
                t.seq_at.clear();
            }
        }
        ASSERT_EQ(pf().read32(TERN_REG_DEV_STATUS) & TERN_DEV_STATUS_FATAL, 0u);
    }
    // The fuzz exercised many paths.
    ::testing::Message hist;
    for (const auto& [err, n] : errors) {
        hist << qerr_name(err) << "=" << n << " ";
    }
    for (Tracked& t : qs) {
        completed += t.q->regs().desc_count;
    }
    RecordProperty("halts_by_error", hist.GetString());
    RecordProperty("completed", std::to_string(completed));
    EXPECT_GT(completed, kTotal / 5) << "too few descriptors were valid enough to run";
    EXPECT_GT(halts, 100u) << hist;
    EXPECT_GT(resets, halts);
    for (uint32_t err : {TERN_QERR_PAGE_FAULT, TERN_QERR_BAD_OPCODE, TERN_QERR_BAD_DESC,
                         TERN_QERR_PROGRAM, TERN_QERR_BAD_SEMAPHORE}) {
        EXPECT_GT(errors[err], 0u) << "fuzz never produced " << qerr_name(err) << ": " << hist;
    }
    // Every queue still works.
    for (Tracked& t : qs) {
        const uint64_t seq = t.q->submit(make_dma(kHostVa, kDevVa, 4096, TERN_DESC_F_WB));
        EXPECT_TRUE(completes(*t.q, seq));
        EXPECT_TRUE(writes_back(*t.q, seq));
    }
    EXPECT_EQ(pf().read32(TERN_REG_ID), TERN_ID_MAGIC);
}

}  // namespace
}  // namespace tern::test
