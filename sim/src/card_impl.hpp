// SPDX-License-Identifier: MIT
// The card behind tern::sim::Card: device memory, telemetry, the PF and the
// VF slots, and the housekeeping thread.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "function.hpp"
#include "telemetry.hpp"
#include "tern/sim/card.hpp"

namespace tern::sim {

class CardImpl {
public:
    CardImpl(const CardConfig& config, HostMemory& host);
    ~CardImpl();
    CardImpl(const CardImpl&) = delete;
    CardImpl& operator=(const CardImpl&) = delete;

    const CardConfig& config() const { return config_; }
    HostMemory& host() { return host_; }
    uint8_t* memory() { return mem_; }
    Telemetry& telemetry() { return telemetry_; }
    // Device clock: nanoseconds since the card was created.
    uint64_t now_ns() const;

    FunctionImpl& pf() { return *pf_; }
    // VF objects exist for the card's lifetime (so that pointers handed out
    // stay valid); a slot is a live VF only while present().
    FunctionImpl& vf_slot(unsigned index) { return *vfs_[index]; }
    Function* vf(unsigned index);
    void set_vf_register_storage(unsigned index, uint8_t* storage);
    uint8_t* vf_register_storage(unsigned index) const;

    // Zeroes [offset, offset + len) of device memory (function reset).
    void zero_memory(uint64_t offset, uint64_t len);
    // PF reset: every VF disappears. The caller holds the PF trigger lock.
    void disable_vfs();
    // Card-wide telemetry changed outside a tick (ECC injection).
    void publish_telemetry_all();
    // A function posted an interrupt: the housekeeping thread delivers it.
    void wake_housekeeping();

private:
    void housekeeping();
    void tick();

    const CardConfig config_;
    HostMemory& host_;
    uint8_t* mem_ = nullptr;
    bool mem_owned_ = false;
    const std::chrono::steady_clock::time_point start_;
    Telemetry telemetry_;
    std::unique_ptr<FunctionImpl> pf_;
    std::array<std::unique_ptr<FunctionImpl>, TERN_MAX_VFS> vfs_;
    std::array<std::atomic<uint8_t*>, TERN_MAX_VFS> vf_storage_{};

    std::mutex hk_mu_;
    std::condition_variable hk_cv_;
    bool hk_stop_ = false;
    bool hk_irqs_ = false;  // posted interrupts to deliver
    std::thread hk_thread_;
};

}  // namespace tern::sim
