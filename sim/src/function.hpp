// SPDX-License-Identifier: MIT
// One PCI function (the PF or a VF): its register window, the trigger
// registers behind it, interrupts, function reset and its queue engines.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "mmu.hpp"
#include "queue_engine.hpp"
#include "register_file.hpp"
#include "tern/sim/card.hpp"

namespace tern::sim {

// What a function owns of the card. The PF owns everything; a VF what its
// partition-table entry says.
struct FunctionResources {
    uint64_t mem_base = 0;   // card device-memory offset of the window
    uint64_t mem_size = 0;   // window bytes
    uint32_t core_mask = 0;  // physical cores
    uint32_t num_queues = 0;
    uint32_t num_asids = 0;
    bool operator==(const FunctionResources&) const = default;
};

class FunctionImpl final : public Function {
public:
    FunctionImpl(CardImpl& card, bool is_vf, unsigned vf_index);
    ~FunctionImpl() override;
    FunctionImpl(const FunctionImpl&) = delete;
    FunctionImpl& operator=(const FunctionImpl&) = delete;

    // ---- Function API ----
    uint32_t read32(uint32_t offset) override;
    uint64_t read64(uint32_t offset) override;
    void write32(uint32_t offset, uint32_t value) override;
    void write64(uint32_t offset, uint64_t value) override;
    void doorbell() override;
    void set_irq_handler(IrqHandler handler) override;
    uint8_t* registers() override { return regs_.data(); }
    bool is_vf() const override { return is_vf_; }

    // ---- Lifecycle, driven by the card. The caller holds trigger_mutex(). ----
    // Brings the function to its power-on state with these resources (VF:
    // registers in `storage`, or internal ones for nullptr) and makes it
    // present. Device memory is left as it is.
    void power_on(const FunctionResources& res, uint8_t* storage);
    // VF disable: stops every queue (aborting work), joins the engines.
    void remove();
    // Joins all engine threads for good (card destruction).
    void shutdown();
    bool present() const { return present_.load(std::memory_order_acquire); }
    bool any_queue_enabled() const;
    std::mutex& trigger_mutex() { return trigger_mu_; }
    const FunctionResources& resources() const { return res_; }

    // ---- Services for the engines and the card ----
    RegisterFile& regs() { return regs_; }
    Mmu& mmu() { return mmu_; }
    CardImpl& card() { return card_; }
    // Physical cores for an EXECUTE core mask relative to this function's
    // cores (0 = all of them).
    uint32_t physical_cores(uint32_t relative_mask) const;
    // Delivers a vector now (unless masked: then it is held pending). For
    // device threads only (engines, housekeeping).
    void raise_irq(unsigned vector);
    // Queues a vector for delivery by the card's housekeeping thread. Used
    // where the driver's own thread is inside write32/doorbell, so that the
    // handler never runs synchronously under the driver's locks.
    void post_irq(unsigned vector);
    // Housekeeping thread: delivers what post_irq() queued.
    void deliver_posted_irqs();
    // A vector-0 event: TERN_REG_EVENT_SEQ += 1, then the (posted) interrupt.
    void device_event();
    bool fatal() const { return fatal_.load(std::memory_order_acquire); }
    // Semaphores changed (or a periodic re-check): wake waiting queues.
    void kick_waiters();
    // Card-wide state pushed into this window by the card.
    void publish_telemetry();
    void set_throttled(bool throttled);
    void set_part_active(bool active);

private:
    enum class Trigger : uint8_t {
        kNone,
        kDevReset,
        kIrqMask,
        kQueueCtrl,
        kQueueTail,
        kQueueReset,
        kMmuInv,
        kPartApply,
        kErrInject,
        kSemaphore,
    };
    struct RegClass {
        bool writable = false;
        Trigger trigger = Trigger::kNone;
        uint32_t index = 0;  // queue number for queue triggers
    };
    // Whether a driver may write the 32-bit register at `off` (RO and
    // nonexistent registers drop writes) and which trigger it feeds.
    RegClass classify(uint32_t off) const;
    // Acts on one trigger register if its value changed; trigger_mu_ held.
    void evaluate(Trigger t, uint32_t index);
    // Every trigger register (doorbell); trigger_mu_ held.
    void evaluate_all();

    void function_reset(uint32_t req);
    void set_irq_mask(uint32_t mask);
    void error_inject(uint32_t value);
    // Identity/caps registers and DEV_STATUS for the current resources.
    void write_identity();
    void update_status(uint32_t set, uint32_t clear);
    // Power-on register contents, shared by power_on() and function reset.
    void clear_state();

    CardImpl& card_;
    const bool is_vf_;
    const unsigned vf_index_;
    FunctionResources res_;
    RegisterFile regs_;
    Mmu mmu_;
    std::array<std::unique_ptr<QueueEngine>, TERN_MAX_QUEUES> queues_;

    // Serialises trigger evaluation (driver writes, doorbells, the card's
    // lifecycle calls). Engines never take it.
    std::mutex trigger_mu_;
    // Trigger values last acted on (queue triggers live in QueueEngine).
    uint32_t last_dev_reset_ = 0;
    uint32_t last_mmu_inv_ = 0;
    uint32_t last_part_apply_ = 0;
    uint32_t last_inject_seq_ = 0;

    // res_ counts for classify(), which runs on driver threads unlocked.
    std::atomic<uint32_t> num_queues_{0};
    std::atomic<uint32_t> num_asids_{0};
    std::atomic<bool> present_{false};
    std::atomic<bool> fatal_{false};

    // DEV_STATUS, EVENT_SEQ and telemetry publication: shared by trigger
    // paths, engines and the housekeeping thread.
    std::mutex state_mu_;
    uint32_t status_ = 0;
    uint32_t event_seq_ = 0;

    std::mutex irq_mu_;
    uint32_t irq_mask_ = 0;
    uint32_t irq_pending_ = 0;
    std::shared_ptr<const IrqHandler> irq_handler_;
    std::array<std::atomic<uint32_t>, TERN_MSIX_COUNT> posted_{};  // per vector
};

}  // namespace tern::sim
