// SPDX-License-Identifier: MIT
// One hardware queue: the engine thread that fetches descriptors from the
// ring in host memory, validates and executes them in order, and reports
// completion or a halting error through the queue's registers.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "compute/compute.hpp"
#include "tern/hw/tern_desc.h"
#include "tern/hw/tern_regs.h"

namespace tern::sim {

class FunctionImpl;

class QueueEngine {
public:
    QueueEngine(FunctionImpl& fn, uint32_t index);
    ~QueueEngine();
    QueueEngine(const QueueEngine&) = delete;
    QueueEngine& operator=(const QueueEngine&) = delete;

    // Trigger handlers. The function's trigger lock is held; each compares
    // its register with the value last acted on. None of them waits for a
    // running descriptor: a queue reset that finds one marks itself pending
    // and the engine completes it (and writes RESET_ACK) when the
    // descriptor is done.
    void evaluate_ctrl();
    void evaluate_tail();
    void evaluate_reset();

    // Function reset / VF removal: aborts the current work (a DMA stops at
    // the next page, a semaphore wait ends; a program runs to its end),
    // waits for the engine to be idle and returns every register of the
    // queue to 0.
    void clear();
    // Stops and joins the engine thread (the next enable starts a new one).
    void shutdown();

    bool enabled() const;
    // Semaphore changed: a waiting queue re-checks its condition.
    void kick_if_waiting();

private:
    struct Work {
        uint32_t epoch;  // enable generation the descriptor was fetched in
        uint32_t index;  // free-running ring index
        uint64_t ring_base;
        uint32_t order;
        uint32_t asid;
        uint64_t wb_addr;
    };
    enum class Kind { kDone, kError, kAborted };
    struct Outcome {
        Kind kind = Kind::kDone;
        uint32_t qerr = TERN_QERR_NONE;
        uint32_t err_op = 0;
        bool fault = false;
        uint32_t engine = TERN_ENGINE_QUEUE;
        Fault f;
        uint64_t seqno = 0;
        uint8_t flags = 0;
        uint64_t busy_ns = 0;
    };

    uint32_t reg(uint32_t r) const { return TERN_QREG(index_, r); }
    void run();
    void ensure_thread();
    void kick();
    // Spins briefly (a submission usually follows a completion closely),
    // then blocks until kick_ moves away from `seen`.
    void wait_kick(uint32_t seen);
    bool can_fetch_locked() const;
    uint32_t check_config_locked() const;
    // Queue reset proper; the engine must be idle (!running_).
    void reset_locked(bool keep_req, uint32_t req);
    void halt_locked(uint32_t qerr, uint32_t index, uint32_t err_op, const Fault* f,
                     uint32_t engine);
    void publish_status_locked();
    // Publishes a finished descriptor; returns true if its vector is due.
    bool finish_locked(const Work& w, const Outcome& o);

    Outcome process(const Work& w);
    Outcome execute(const Work& w, const tern_desc& d, uint64_t* waited_ns);
    Outcome sem_wait(const tern_desc& d, uint64_t* waited_ns);

    FunctionImpl& fn_;
    const uint32_t index_;
    std::thread thread_;

    mutable std::mutex mu_;  // everything below except the atomics
    std::condition_variable idle_cv_;
    bool stop_ = false;
    bool enabled_ = false;
    bool halted_ = false;
    bool running_ = false;  // a descriptor is between fetch and finish
    bool waiting_ = false;
    uint32_t err_ = TERN_QERR_NONE;
    uint32_t head_ = 0;
    uint32_t tail_ = 0;  // last TAIL acted on
    bool last_enable_ = false;
    uint32_t last_reset_ = 0;
    bool reset_pending_ = false;  // queue reset waits for the running descriptor
    uint32_t reset_req_ = 0;
    // Bumped by every enable and reset: a descriptor that was fetched in an
    // earlier generation completes without moving the new HEAD.
    uint32_t epoch_ = 0;
    // Configuration latched on the ENABLE edge.
    uint64_t ring_base_ = 0;
    uint32_t order_ = 0;
    uint32_t asid_ = 0;
    uint64_t wb_addr_ = 0;
    uint64_t desc_count_ = 0;
    uint64_t busy_ns_ = 0;

    std::atomic<bool> abort_{false};  // function reset/shutdown: stop current work
    // A semaphore wait ends when this clears (disable, queue reset).
    std::atomic<bool> wait_enabled_{false};
    std::atomic<bool> waiting_flag_{false};
    std::atomic<uint32_t> kick_{0};
};

}  // namespace tern::sim
