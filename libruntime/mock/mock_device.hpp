// SPDX-License-Identifier: MIT
// One mock PCI function (PF or VF): the probe/bring-up half of the driver.
// It owns the device model (a PF owns the card), reads the identity
// registers, hands out ASIDs, hardware queues and device memory, dispatches
// MSI-X vectors to contexts, and runs the per-device worker (the kernel's
// scheduler and reset work items). Everything reaches the model through
// Function registers and the IRQ callback, as tern.ko does.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <thread>
#include <vector>

#include "drm/tern_accel.h"
#include "mock/mock_config.hpp"
#include "mock/mock_dma.hpp"
#include "mock/mock_range.hpp"
#include "tern/hw/tern_desc.h"
#include "tern/hw/tern_regs.h"
#include "tern/sim/card.hpp"
#include "tern/sim/host_memory.hpp"

namespace tern::rt::mock {

class MockCtx;

// Ring size of every context queue: a job has up to 1024 commands (one
// descriptor each), so several maximal jobs fit.
inline constexpr uint32_t kRingOrder = 12;
inline constexpr uint32_t kRingEntries = 1u << kRingOrder;

// What the driver read from the identity registers at probe.
struct DeviceInfo {
    bool is_vf = false;
    uint32_t vf_index = 0;
    uint32_t func_info = 0;
    uint32_t hw_version = 0;
    uint32_t fw_version = 0;
    uint32_t caps = 0;
    uint32_t num_cores = 0;
    uint32_t core_mask = 0;
    uint32_t num_queues = 0;
    uint32_t num_asids = 0;
    uint64_t mem_size = 0;
    uint64_t pci_address = 0;  // DRM_TERN_PCI_ADDRESS() encoding
    int numa_node = -1;
};

// The card and the host memory the device reaches, shared by the PF and its
// VFs (a VF device keeps the card alive while it has open files).
struct CardHolder {
    sim::MappedHostMemory host;
    DmaSpace dma{host};
    std::unique_ptr<sim::Card> card;  // declared last: destroyed first
};

// Ring and write-back slot of one hardware queue, allocated at first use
// and reused by the contexts that get the queue.
struct HwQueue {
    DmaBuffer mem;  // kRingEntries descriptors, then one page for the WB slot
    tern_desc* ring() const { return static_cast<tern_desc*>(mem.cpu()); }
    uint64_t ring_bus() const { return mem.bus(); }
    std::atomic<uint64_t>* wb() const {
        return reinterpret_cast<std::atomic<uint64_t>*>(static_cast<uint8_t*>(mem.cpu()) +
                                                        kRingEntries * TERN_DESC_SIZE);
    }
    uint64_t wb_bus() const { return mem.bus() + kRingEntries * TERN_DESC_SIZE; }
};

class MockDevice : public std::enable_shared_from_this<MockDevice> {
public:
    // Creates the card for `config` and probes its PF. nullptr and *error on
    // failure.
    static std::shared_ptr<MockDevice> create_pf(const DeviceConfig& config, unsigned index,
                                                 std::string* error);
    ~MockDevice();
    MockDevice(const MockDevice&) = delete;
    MockDevice& operator=(const MockDevice&) = delete;

    const DeviceInfo& info() const { return info_; }
    const DeviceConfig& config() const { return config_; }
    const std::string& path() const { return path_; }
    std::string pci_string() const;
    sim::Function& fn() { return *fn_; }
    // The function is gone (a VF removed by a PF reset): ioctls fail ENODEV.
    bool removed() const { return removed_.load(std::memory_order_acquire); }

    // ---- Resources ----
    bool alloc_asid(uint32_t* asid);
    void free_asid(uint32_t asid);
    // A free hardware queue with its ring; false when all are taken (or no
    // memory for a ring: *nomem).
    bool alloc_queue(uint32_t* q, bool* nomem);
    void free_queue(uint32_t q);
    HwQueue& hw_queue(uint32_t q) { return queues_[q]; }

    // Device memory of this function, offsets in its own view.
    bool devmem_alloc(uint64_t size, uint64_t* offset);
    void devmem_free(uint64_t offset, uint64_t size);
    uint64_t devmem_free_bytes();
    // CPU view of this function's device memory (BAR2).
    uint8_t* aperture() const { return aperture_; }
    // Clears freed device memory through BAR2, so that the next owner never
    // sees the previous one's data.
    void devmem_scrub(uint64_t offset, uint64_t size);

    DmaSpace& dma() { return card_->dma; }
    PtPool& pt_pool() { return *pt_pool_; }
    int numa_node() const { return info_.numa_node; }

    // ---- MMU (registers) ----
    // Root 0 clears the ASID's table pointer.
    void mmu_set_root(uint32_t asid, uint64_t root_bus);
    // Invalidates [va, va + size) of `asid` (size 0: the whole ASID) and
    // waits for the ACK, bounded. False on timeout.
    bool mmu_invalidate(uint32_t asid, uint64_t va, uint64_t size);

    // ---- Queues (registers) ----
    // Queue reset REQ/ACK, bounded. False on timeout.
    bool queue_reset(uint32_t q);
    // Routes vector 1 + q to ctx and lets the worker service it.
    void bind_queue(uint32_t q, const std::shared_ptr<MockCtx>& ctx);
    // Undoes bind_queue(); returns once no handler still runs on the ctx.
    void unbind_queue(uint32_t q);

    // Wakes the worker (pending jobs, faults, drains, events).
    void kick();

    // Test hook: an uncorrectable ECC error through TERN_REG_ERR_INJECT.
    int inject_fatal_error();

    // Held shared while a queue is brought up, exclusively by a function
    // reset, so that no queue is enabled under a reset that would clear it.
    std::shared_mutex& reset_lock() { return reset_mu_; }

    // ---- Files ----
    std::atomic<int> open_files{0};

    // ---- Partitions (PF) ----
    // Applies num_vfs entries (already validated by the ioctl) through the
    // partition registers and enables the VFs. Returns 0 or a negative errno.
    int partition_set(const drm_tern_partition* entries, uint32_t num_vfs);
    void partition_table(drm_tern_partition_table* out);
    // VF devices currently enabled, in VF order.
    std::vector<std::shared_ptr<MockDevice>> vfs();

    // Card-wide totals (for partition validation).
    uint64_t card_mem_size() const { return card_->card->config().mem_size; }
    uint32_t card_num_cores() const { return card_->card->config().num_cores; }

private:
    MockDevice(const DeviceConfig& config, std::shared_ptr<CardHolder> card, sim::Function* fn,
               std::string path);
    bool probe(uint64_t pci_address, int numa_node, uint64_t mem_base, std::string* error);
    bool function_reset();
    bool mmu_invalidate_locked(uint32_t flags, uint32_t asid, uint64_t va, uint64_t size);
    void on_irq(unsigned vector);
    void worker();
    void handle_device_event();
    std::vector<std::shared_ptr<MockCtx>> bound_contexts();

    struct IrqGate;  // lets the model's callback outlive us safely
    struct QueueSlot {
        std::atomic<MockCtx*> ctx{nullptr};
        std::atomic<uint32_t> active{0};
    };

    const DeviceConfig config_;
    std::shared_ptr<CardHolder> card_;
    sim::Function* fn_;
    const std::string path_;
    DeviceInfo info_;
    uint8_t* aperture_ = nullptr;
    std::unique_ptr<PtPool> pt_pool_;
    std::shared_ptr<IrqGate> gate_;
    std::atomic<bool> removed_{false};

    std::mutex res_mu_;  // ASIDs, queues
    uint64_t asid_used_ = 0;
    uint32_t queue_used_ = 0;
    std::array<HwQueue, TERN_MAX_QUEUES> queues_;

    std::mutex mem_mu_;
    RangeAllocator devmem_;

    std::mutex mmu_mu_;  // the MMU_INV_* registers are one per function
    std::array<uint64_t, TERN_MAX_ASIDS> roots_{};

    std::array<QueueSlot, TERN_MAX_QUEUES> slots_;
    std::mutex ctx_mu_;
    std::array<std::weak_ptr<MockCtx>, TERN_MAX_QUEUES> ctxs_;

    std::shared_mutex reset_mu_;
    std::atomic<uint32_t> work_word_{0};
    std::atomic<bool> event_pending_{false};
    std::atomic<bool> stop_{false};
    uint32_t last_event_seq_ = 0;
    std::thread worker_;

    // PF only: the partition table and the VF devices.
    std::mutex part_mu_;
    std::vector<std::shared_ptr<MockDevice>> vf_devs_;
    std::vector<drm_tern_partition> part_;  // the applied table
    unsigned index_ = 0;
};

}  // namespace tern::rt::mock
