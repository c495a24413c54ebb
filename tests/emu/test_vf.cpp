// SPDX-License-Identifier: MIT
// VF ports (hw-spec 11.8): tern-emu --vfs N serves each VF of the card on
// its own ivshmem server, PATH.vf<i>. The tests play QEMU for the PF and
// every VF port at once, apply partition tables through the PF's registers
// as the PF driver does, and drive the VFs like VF drivers.
#include <sys/stat.h>

#include <cstring>
#include <vector>

#include "fixture.hpp"
#include "isa_program.hpp"
#include "tern/hw/tern_emu.h"
#include "tern/hw/tern_isa.h"
#include "tern/hw/tern_mmu.h"

namespace tern::emu_test {
namespace {

constexpr unsigned kVfs = 2;
constexpr uint64_t kMiB = 1ull << 20;
constexpr uint64_t kHostVa = 0x10000000;
constexpr uint64_t kDevVa = 0x20000000;
constexpr uint64_t kBeyondVa = 0x30000000;  // device offset just past the window
constexpr uint64_t kLen = 8192;

struct Entry {
    uint64_t base;
    uint64_t size;
    uint32_t cores;
    uint32_t queues;
    uint32_t asids;
};

// Two adjacent 4 MiB windows: VF 0's first offset past its window is VF 1's
// first byte, so a missing window check would show up as a leak.
const std::vector<Entry> kTwoWay = {
    {4 * kMiB, 4 * kMiB, 0x3, 4, 8},
    {8 * kMiB, 4 * kMiB, 0xc, 2, 4},
};

// A one-op program, COPY of `count` fp32 from binding 0 to binding 1, with
// its binding table, written at `at` (guest RAM, 64 B aligned). Returns the
// image size; the table follows the image at `at + kBindingsAt`.
constexpr uint64_t kBindingsAt = 512;

uint32_t write_copy_program(uint8_t* at, uint64_t src_va, uint64_t dst_va, uint32_t count) {
    tern::test::ProgramBuilder pb;
    const uint16_t src = pb.tensor(0, TERN_ISA_DTYPE_FP32, {count});
    const uint16_t dst = pb.tensor(1, TERN_ISA_DTYPE_FP32, {count});
    pb.op(TERN_ISA_COPY, dst, {src});
    const std::vector<uint8_t> image = pb.build();
    std::memcpy(at, image.data(), image.size());
    const tern_isa_binding b[2] = {{src_va, uint64_t{count} * 4}, {dst_va, uint64_t{count} * 4}};
    std::memcpy(at + kBindingsAt, b, sizeof(b));
    return static_cast<uint32_t>(image.size());
}

tern_desc make_exec(uint64_t program_va, uint32_t size) {
    tern_desc d{};
    d.hdr.opcode = TERN_OP_EXECUTE;
    d.exec.program_va = program_va;
    d.exec.bindings_va = program_va + kBindingsAt;
    d.exec.program_size = size;
    d.exec.binding_count = 2;
    return d;
}

class VfTest : public EmuTest {
protected:
    void SetUp() override {
        EmuTest::SetUp();
        ASSERT_FALSE(HasFatalFailure());
        std::vector<std::string> a = args();
        a.insert(a.end(), {"--vfs", std::to_string(kVfs)});
        ASSERT_TRUE(start(a));
        pf_client_ = connect(socket_path());
        ASSERT_TRUE(pf_client_);
        for (unsigned i = 0; i < kVfs; ++i) {
            vf_clients_.push_back(connect(vf_socket(i)));
            ASSERT_TRUE(vf_clients_.back());
            vfs_.push_back(std::make_unique<EmuDevice>(*vf_clients_.back()));
        }
        pf_ = std::make_unique<EmuDevice>(*pf_client_);
        ASSERT_TRUE(pf_->function_reset());
    }

    std::string vf_socket(unsigned i) const { return socket_path() + ".vf" + std::to_string(i); }

    std::unique_ptr<IvshmemClient> connect(const std::string& path) {
        auto c = std::make_unique<IvshmemClient>(path);
        std::string error;
        if (!c->connected() || !c->setup(kVectors, &error)) {
            ADD_FAILURE() << path << ": ivshmem setup failed: " << error;
            return nullptr;
        }
        return c;
    }

    // The PF driver's apply (hw-spec 10.2); returns TERN_REG_PART_STATUS.
    uint32_t apply(const std::vector<Entry>& table) {
        for (size_t i = 0; i < table.size(); ++i) {
            const uint32_t e = TERN_REG_PART_ENTRY(static_cast<uint32_t>(i));
            pf().write64(e + TERN_PART_MEM_BASE, table[i].base);
            pf().write64(e + TERN_PART_MEM_SIZE, table[i].size);
            pf().write32(e + TERN_PART_CORE_MASK, table[i].cores);
            pf().write32(e + TERN_PART_NUM_QUEUES, table[i].queues);
            pf().write32(e + TERN_PART_NUM_ASIDS, table[i].asids);
        }
        pf().write32(TERN_REG_PART_NUM_VFS, static_cast<uint32_t>(table.size()));
        const uint32_t req = pf().read32(TERN_REG_PART_APPLY_ACK) + 1;
        pf().write32(TERN_REG_PART_APPLY_REQ, req);
        pf().doorbell();
        EXPECT_TRUE(poll_until([&] { return pf().read32(TERN_REG_PART_APPLY_ACK) == req; }));
        return pf().read32(TERN_REG_PART_STATUS);
    }

    // A VF port's function exists when its window identifies a function.
    bool live(unsigned i) { return vf(i).read32(TERN_REG_ID) == TERN_ID_MAGIC; }
    bool wait_live(unsigned i, bool want) {
        return poll_until([&] { return live(i) == want; });
    }

    // Everything below the emulation block reads 0 (an absent function).
    bool window_zero(unsigned i) {
        for (uint32_t off = 0; off < TERN_REG_EMU_MAGIC; off += 8) {
            if (vf(i).read64(off) != 0) {
                ADD_FAILURE() << "vf" << i << ": offset 0x" << std::hex << off << " reads 0x"
                              << vf(i).read64(off);
                return false;
            }
        }
        return true;
    }

    // VF driver bring-up: function reset (its vector 0 on its own client),
    // then an address space with a host buffer and device memory.
    std::unique_ptr<PageTable> bring_up(unsigned i, uint64_t host_bus, uint64_t dev_offset) {
        EXPECT_TRUE(vf(i).function_reset());
        EXPECT_GT(vf_clients_[i]->wait_vector(TERN_MSIX_DEVICE), 0u) << "vf" << i;
        auto pt = std::make_unique<PageTable>(ram());
        pt->map_host(kHostVa, host_bus, kLen);
        pt->map_dev(kDevVa, dev_offset, kLen);
        pt->map_dev(kBeyondVa, kTwoWay[i].size, 4096);
        vf(i).write64(TERN_REG_MMU_ROOT(0), pt->root() | TERN_MMU_ROOT_VALID);
        EXPECT_TRUE(vf(i).invalidate_tlb(0));
        return pt;
    }

    // Device memory of the card as the PF's aperture shows it.
    uint8_t* card_memory(uint64_t offset) { return pf().device_memory() + offset; }

    // kTwoWay applied, both VFs brought up with a host buffer each, and
    // 0x5a in VF 1's first page: right after VF 0's window (after VF 1's
    // reset scrubbed it).
    struct TwoVfs {
        uint64_t host[2] = {};
        std::unique_ptr<PageTable> pt[2];
    };
    TwoVfs two_vfs_with_neighbour_data() {
        TwoVfs t;
        EXPECT_EQ(apply(kTwoWay), static_cast<uint32_t>(TERN_PART_OK));
        for (unsigned i = 0; i < 2; ++i) {
            EXPECT_TRUE(wait_live(i, true));
            t.host[i] = ram().alloc(kLen);
            t.pt[i] = bring_up(i, t.host[i], 0);
        }
        std::memset(card_memory(kTwoWay[1].base), 0x5a, 4096);
        return t;
    }

    // The guest's side of a port goes away (QEMU exits or unplugs it).
    void vf_clients_close(unsigned i) {
        vfs_[i].reset();
        vf_clients_[i].reset();
    }
    void pf_client_close() {
        pf_.reset();
        pf_client_.reset();
    }

    EmuDevice& pf() { return *pf_; }
    EmuDevice& vf(unsigned i) { return *vfs_[i]; }
    IvshmemClient& vf_client(unsigned i) { return *vf_clients_[i]; }
    IvshmemClient& pf_client() { return *pf_client_; }

private:
    std::unique_ptr<IvshmemClient> pf_client_;
    std::vector<std::unique_ptr<IvshmemClient>> vf_clients_;
    std::unique_ptr<EmuDevice> pf_;
    std::vector<std::unique_ptr<EmuDevice>> vfs_;
};

TEST_F(VfTest, UnappliedPortsReadAsAbsentVfsOfThisCard) {
    const uint64_t card = pf().read64(TERN_REG_EMU_CARD_ID);
    EXPECT_NE(card, 0u);
    EXPECT_EQ(pf().read32(TERN_REG_EMU_FUNC), 0u);
    for (unsigned i = 0; i < kVfs; ++i) {
        SCOPED_TRACE("vf" + std::to_string(i));
        // BAR2 is the register window only: no aperture (hw-spec 11.8).
        EXPECT_EQ(vf_client(i).shm_size(), uint64_t{TERN_REGS_SIZE});
        EXPECT_EQ(vf(i).read32(TERN_REG_EMU_MAGIC), TERN_EMU_MAGIC);
        EXPECT_EQ(vf(i).read32(TERN_REG_EMU_FUNC), TERN_FUNC_IS_VF | (i << 8));
        EXPECT_EQ(vf(i).read64(TERN_REG_EMU_CARD_ID), card);
        EXPECT_EQ(vf(i).read32(TERN_REG_EMU_PEER_ID), 1u);
        EXPECT_TRUE(window_zero(i));
        // A doorbell on an absent function does nothing (and breaks nothing).
        EXPECT_TRUE(vf(i).doorbell());
    }
    EXPECT_TRUE(pf().function_reset());
    EXPECT_TRUE(emu().wait_exit(Millis(0)) == std::nullopt);
}

TEST_F(VfTest, AnAppliedTableMakesEachVfLiveOnItsPort) {
    ASSERT_EQ(apply(kTwoWay), static_cast<uint32_t>(TERN_PART_OK));
    for (unsigned i = 0; i < kVfs; ++i) {
        SCOPED_TRACE("vf" + std::to_string(i));
        ASSERT_TRUE(wait_live(i, true));
        EXPECT_EQ(vf(i).read32(TERN_REG_FUNC_INFO), TERN_FUNC_IS_VF | (i << 8));
        EXPECT_EQ(vf(i).read32(TERN_REG_CORE_MASK), kTwoWay[i].cores);
        EXPECT_EQ(vf(i).read32(TERN_REG_NUM_CORES), 2u);
        EXPECT_EQ(vf(i).read32(TERN_REG_NUM_QUEUES), kTwoWay[i].queues);
        EXPECT_EQ(vf(i).read32(TERN_REG_NUM_ASIDS), kTwoWay[i].asids);
        EXPECT_EQ(vf(i).read64(TERN_REG_MEM_SIZE), kTwoWay[i].size);
        EXPECT_EQ(vf(i).read32(TERN_REG_CAPS) & TERN_CAP_PARTITIONING, 0u);
        EXPECT_EQ(vf(i).read32(TERN_REG_PART_NUM_VFS), 0u);
        // The emulation block survives the VF's power-on.
        EXPECT_EQ(vf(i).read32(TERN_REG_EMU_FUNC), TERN_FUNC_IS_VF | (i << 8));
        const uint32_t beat = vf(i).read32(TERN_REG_HEARTBEAT);
        EXPECT_TRUE(poll_until([&] { return vf(i).read32(TERN_REG_HEARTBEAT) != beat; }));
    }
    EXPECT_NE(pf().read32(TERN_REG_DEV_STATUS) & TERN_DEV_STATUS_PART_ACTIVE, 0u);
}

TEST_F(VfTest, VfDmaUsesItsWindowAndInterruptsOnlyItsOwnClient) {
    ASSERT_EQ(apply(kTwoWay), static_cast<uint32_t>(TERN_PART_OK));
    ASSERT_TRUE(wait_live(0, true));
    const uint64_t host = ram().alloc(kLen);
    const uint64_t back = ram().alloc(kLen);
    constexpr uint64_t kOffset = 0x3000;  // inside VF 0's window
    auto pt = bring_up(0, host, kOffset);
    ASSERT_FALSE(HasFailure());
    vf_client(1).take_vector(TERN_MSIX_DEVICE);
    pf_client().take_vector(TERN_MSIX_QUEUE(0));

    uint8_t* src = ram().at<uint8_t>(host);
    for (uint64_t i = 0; i < kLen; ++i) {
        src[i] = static_cast<uint8_t>(i * 13 + 5);
    }
    Queue q(vf(0), ram(), 0);
    ASSERT_TRUE(q.enable(0));
    const uint64_t s1 = q.submit(make_dma(kHostVa, kDevVa, kLen, TERN_DESC_F_IRQ));
    ASSERT_GT(vf_client(0).wait_vector(q.vector()), 0u) << "no completion MSI-X on the VF port";
    EXPECT_EQ(q.reg64(TERN_Q_COMPLETED_SEQ), s1);
    // VF offsets are relative to the window (hw-spec 10.3).
    EXPECT_EQ(std::memcmp(card_memory(kTwoWay[0].base + kOffset), src, kLen), 0);

    // And back, into another guest buffer.
    pt->map_host(kHostVa + 0x100000, back, kLen);
    ASSERT_TRUE(vf(0).invalidate_tlb(0));
    const uint64_t s2 = q.submit(make_dma(kDevVa, kHostVa + 0x100000, kLen, TERN_DESC_F_IRQ));
    ASSERT_GT(vf_client(0).wait_vector(q.vector()), 0u);
    EXPECT_EQ(q.reg64(TERN_Q_COMPLETED_SEQ), s2);
    EXPECT_EQ(std::memcmp(ram().at<uint8_t>(back), src, kLen), 0);

    // Neither the PF nor the other VF was interrupted.
    EXPECT_EQ(pf_client().take_vector(TERN_MSIX_QUEUE(0)), 0u);
    EXPECT_EQ(vf_client(1).take_vector(TERN_MSIX_DEVICE), 0u);
}

TEST_F(VfTest, AccessPastTheWindowFaultsAndLeaksNothingOfTheNeighbour) {
    const TwoVfs vfs = two_vfs_with_neighbour_data();
    ASSERT_FALSE(HasFailure());
    const uint64_t host0 = vfs.host[0], host1 = vfs.host[1];

    Queue q0(vf(0), ram(), 0);
    Queue q1(vf(1), ram(), 0);
    ASSERT_TRUE(q0.enable(0));
    ASSERT_TRUE(q1.enable(0));

    // Read past the window: a WINDOW fault, nothing reaches guest RAM.
    q0.submit(make_dma(kBeyondVa, kHostVa, 4096, 0));
    ASSERT_TRUE(q0.wait_halted());
    EXPECT_EQ(q0.err(), static_cast<uint32_t>(TERN_QERR_PAGE_FAULT));
    EXPECT_EQ(q0.reg32(TERN_Q_FAULT_INFO) & TERN_FAULT_REASON,
              static_cast<uint32_t>(TERN_FAULT_WINDOW));
    EXPECT_EQ(q0.reg64(TERN_Q_FAULT_VA), kBeyondVa);
    const uint8_t* got = ram().at<uint8_t>(host0);
    for (unsigned i = 0; i < 4096; ++i) {
        ASSERT_NE(got[i], 0x5a) << "VF 1's byte " << i << " reached VF 0's buffer";
    }

    // Write past the window: faults too, VF 1's memory is untouched.
    ASSERT_TRUE(vf(0).reset_queue(0));
    Queue again(vf(0), ram(), 0);
    ASSERT_TRUE(again.enable(0));
    again.submit(make_dma(kHostVa, kBeyondVa, 4096, 0));
    ASSERT_TRUE(again.wait_halted());
    EXPECT_EQ(again.reg32(TERN_Q_FAULT_INFO) & TERN_FAULT_REASON,
              static_cast<uint32_t>(TERN_FAULT_WINDOW));
    for (unsigned i = 0; i < 4096; ++i) {
        ASSERT_EQ(card_memory(kTwoWay[1].base)[i], 0x5a) << "VF 0 wrote into VF 1 at " << i;
    }

    // VF 1 runs on, and reads its own data at its offset 0.
    const uint64_t s = q1.submit(make_dma(kDevVa, kHostVa, 4096, TERN_DESC_F_IRQ));
    ASSERT_GT(vf_client(1).wait_vector(q1.vector()), 0u);
    EXPECT_EQ(q1.reg64(TERN_Q_COMPLETED_SEQ), s);
    EXPECT_EQ(ram().at<uint8_t>(host1)[100], 0x5a);
}

TEST_F(VfTest, AProgramReachingPastTheWindowFaultsAndTheOtherVfRuns) {
    const TwoVfs vfs = two_vfs_with_neighbour_data();
    ASSERT_FALSE(HasFailure());
    const uint64_t host0 = vfs.host[0], host1 = vfs.host[1];

    // The program and its binding table live in VF 0's host buffer.
    constexpr uint32_t kCount = 256;  // 1 KiB of fp32
    uint8_t* prog = ram().at<uint8_t>(host0);
    Queue q0(vf(0), ram(), 0);
    ASSERT_TRUE(q0.enable(0));

    // Inside the window: device offset 0 -> offset 0x1000.
    float* in = reinterpret_cast<float*>(card_memory(kTwoWay[0].base));
    for (uint32_t i = 0; i < kCount; ++i) {
        in[i] = static_cast<float>(i) * 0.5f;
    }
    uint32_t size = write_copy_program(prog, kDevVa, kDevVa + 0x1000, kCount);
    const uint64_t ok = q0.submit(make_exec(kHostVa, size));
    ASSERT_TRUE(q0.wait_seq(ok)) << "status 0x" << std::hex << q0.status();
    EXPECT_EQ(std::memcmp(card_memory(kTwoWay[0].base + 0x1000), in, kCount * 4), 0);

    // The source one byte past the window, where VF 1's data starts.
    uint8_t* dst = card_memory(kTwoWay[0].base + 0x1000);
    std::memset(dst, 0xee, kCount * 4);
    size = write_copy_program(prog, kBeyondVa, kDevVa + 0x1000, kCount);
    q0.submit(make_exec(kHostVa, size));
    ASSERT_TRUE(q0.wait_halted());
    EXPECT_EQ(q0.err(), static_cast<uint32_t>(TERN_QERR_PAGE_FAULT));
    const uint32_t info = q0.reg32(TERN_Q_FAULT_INFO);
    EXPECT_EQ(info & TERN_FAULT_REASON, static_cast<uint32_t>(TERN_FAULT_WINDOW));
    EXPECT_EQ((info & TERN_FAULT_ENGINE) >> TERN_FAULT_ENGINE_SHIFT,
              static_cast<uint32_t>(TERN_ENGINE_COMPUTE));
    EXPECT_EQ(q0.reg64(TERN_Q_FAULT_VA), kBeyondVa);
    for (uint32_t i = 0; i < kCount * 4; ++i) {
        ASSERT_EQ(dst[i], 0xee) << "the faulting program wrote byte " << i;
    }

    // VF 1 runs on, its data untouched.
    Queue q1(vf(1), ram(), 0);
    ASSERT_TRUE(q1.enable(0));
    const uint64_t s = q1.submit(make_dma(kDevVa, kHostVa, 4096, 0));
    ASSERT_TRUE(q1.wait_seq(s));
    EXPECT_EQ(ram().at<uint8_t>(host1)[4095], 0x5a);
}

TEST_F(VfTest, RemovalEmptiesThePortAndRecreationStartsAtPowerOn) {
    ASSERT_EQ(apply(kTwoWay), static_cast<uint32_t>(TERN_PART_OK));
    ASSERT_TRUE(wait_live(1, true));
    vf(0).write32(TERN_REG_SCRATCH, 0x1234);
    vf(1).write32(TERN_REG_SCRATCH, 0x5678);

    // One VF: VF 1 goes, VF 0 (same entry) keeps its state.
    ASSERT_EQ(apply({kTwoWay[0]}), static_cast<uint32_t>(TERN_PART_OK));
    ASSERT_TRUE(wait_live(1, false));
    EXPECT_TRUE(window_zero(1));
    EXPECT_EQ(vf(1).read32(TERN_REG_EMU_MAGIC), TERN_EMU_MAGIC);
    EXPECT_EQ(vf(1).read32(TERN_REG_EMU_FUNC), TERN_FUNC_IS_VF | (1u << 8));
    EXPECT_EQ(vf(0).read32(TERN_REG_SCRATCH), 0x1234u);
    // A driver still poking the removed VF reaches nothing.
    vf(1).write32(TERN_REG_DEV_RESET_REQ, 7);
    EXPECT_TRUE(vf(1).doorbell());
    EXPECT_FALSE(
        poll_until([&] { return vf(1).read32(TERN_REG_DEV_RESET_ACK) == 7; }, Millis(200)));

    // Back: VF 1 in power-on state; a changed VF 0 is re-created too.
    Entry changed = kTwoWay[0];
    changed.queues = 3;
    ASSERT_EQ(apply({changed, kTwoWay[1]}), static_cast<uint32_t>(TERN_PART_OK));
    ASSERT_TRUE(wait_live(1, true));
    EXPECT_EQ(vf(1).read32(TERN_REG_SCRATCH), 0u);
    EXPECT_EQ(vf(1).read32(TERN_REG_DEV_RESET_ACK), 0u);
    EXPECT_EQ(vf(0).read32(TERN_REG_SCRATCH), 0u);
    EXPECT_EQ(vf(0).read32(TERN_REG_NUM_QUEUES), 3u);
    // And it works: a function reset with its interrupt.
    EXPECT_TRUE(vf(1).function_reset());
    EXPECT_GT(vf_client(1).wait_vector(TERN_MSIX_DEVICE), 0u);
}

TEST_F(VfTest, AnEnabledQueueKeepsItsVfFromBeingRemoved) {
    ASSERT_EQ(apply(kTwoWay), static_cast<uint32_t>(TERN_PART_OK));
    ASSERT_TRUE(wait_live(1, true));
    auto pt = bring_up(1, ram().alloc(kLen), 0);
    Queue q(vf(1), ram(), 0);
    ASSERT_TRUE(q.enable(0));
    EXPECT_EQ(apply({kTwoWay[0]}), static_cast<uint32_t>(TERN_PART_ERR_BUSY));
    EXPECT_TRUE(live(1));
    EXPECT_EQ(q.status() & TERN_Q_STATUS_ENABLED, static_cast<uint32_t>(TERN_Q_STATUS_ENABLED));
    // Once its queue is reset the removal goes through.
    ASSERT_TRUE(vf(1).reset_queue(0));
    EXPECT_EQ(apply({kTwoWay[0]}), static_cast<uint32_t>(TERN_PART_OK));
    EXPECT_TRUE(wait_live(1, false));
}

TEST_F(VfTest, PfResetRemovesEveryVf) {
    ASSERT_EQ(apply(kTwoWay), static_cast<uint32_t>(TERN_PART_OK));
    ASSERT_TRUE(wait_live(0, true));
    ASSERT_TRUE(wait_live(1, true));
    ASSERT_TRUE(pf().function_reset());
    for (unsigned i = 0; i < kVfs; ++i) {
        EXPECT_TRUE(wait_live(i, false)) << "vf" << i;
        EXPECT_TRUE(window_zero(i));
    }
    EXPECT_EQ(pf().read32(TERN_REG_DEV_STATUS) & TERN_DEV_STATUS_PART_ACTIVE, 0u);
}

TEST_F(VfTest, AVfClientLeavingKeepsTheCardServingThePf) {
    ASSERT_EQ(apply(kTwoWay), static_cast<uint32_t>(TERN_PART_OK));
    ASSERT_TRUE(wait_live(0, true));
    // QEMU's VF device goes (hot-unplug): the PF and the other VF stay.
    vf_clients_close(0);
    EXPECT_TRUE(pf().function_reset());
    EXPECT_TRUE(emu().wait_exit(Millis(200)) == std::nullopt) << "emulator exited";
    // The PF's guest leaving ends the process cleanly.
    pf_client_close();
    EXPECT_EQ(exit_code(), 0);
}

}  // namespace
}  // namespace tern::emu_test
