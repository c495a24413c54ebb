// SPDX-License-Identifier: MIT
// The Tern T1 device model: one card with a physical function and up to
// TERN_MAX_VFS virtual functions, driven only through their registers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

#include "tern/hw/tern_regs.h"
#include "tern/sim/host_memory.hpp"

namespace tern::sim {

class Function;
class CardImpl;

// Called when a function raises an MSI-X vector that is not masked in
// TERN_REG_IRQ_MASK. It always runs on a device thread (a queue engine or the
// card's housekeeping thread), never inside the caller's read/write/doorbell,
// and with no model lock held. Must be cheap and must not block on register
// accesses of the same card (they may wait for that very thread).
using IrqHandler = std::function<void(unsigned vector)>;

struct CardConfig {
    uint64_t mem_size = 256ull << 20;  // device memory bytes (multiple of 2 MiB)
    uint32_t num_cores = 8;            // compute cores, <= TERN_MAX_CORES
    uint32_t num_queues = TERN_MAX_QUEUES;
    uint32_t num_asids = TERN_MAX_ASIDS;
    // Optional external storage, so that the emulator can place registers and
    // device memory in memory shared with QEMU. nullptr: the model allocates.
    uint8_t* device_memory = nullptr;  // mem_size bytes
    uint8_t* pf_registers = nullptr;   // TERN_REGS_SIZE bytes
    // Period of heartbeat and telemetry updates.
    uint32_t housekeeping_period_us = 10000;
};

class Card {
public:
    Card(const CardConfig& config, HostMemory& host);
    ~Card();
    Card(const Card&) = delete;
    Card& operator=(const Card&) = delete;

    const CardConfig& config() const;
    Function& pf();
    // VF i (0-based) exists once the PF applied a partition table enabling
    // it; nullptr otherwise.
    Function* vf(unsigned index);
    // For the emulator: external register storage for a VF, used when the VF
    // is enabled. Must be set before the PF enables it.
    void set_vf_register_storage(unsigned index, uint8_t* storage);
    // Raw device memory, for tests and the emulator's shared mapping.
    uint8_t* device_memory();

private:
    std::unique_ptr<CardImpl> impl_;
};

// One PCI function's register window and the engines behind it.
class Function {
public:
    virtual ~Function() = default;

    // Register access as a driver performs it over MMIO. Writes to trigger
    // registers take effect before the call returns (the device acts on
    // the new value; long work runs on engine threads).
    virtual uint32_t read32(uint32_t offset) = 0;
    virtual uint64_t read64(uint32_t offset) = 0;
    virtual void write32(uint32_t offset, uint32_t value) = 0;
    virtual void write64(uint32_t offset, uint64_t value) = 0;

    // Emulation transport: the driver wrote the register window directly
    // (shared memory) and rang the doorbell. Re-evaluates every trigger
    // register exactly as write32/write64 would have.
    virtual void doorbell() = 0;

    virtual void set_irq_handler(IrqHandler handler) = 0;
    // The register window (TERN_REGS_SIZE bytes).
    virtual uint8_t* registers() = 0;
    virtual bool is_vf() const = 0;
};

}  // namespace tern::sim
