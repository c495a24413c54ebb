// SPDX-License-Identifier: MIT
// One ivshmem-doorbell PCI function served by the emulator: its server
// socket, the shared memory QEMU maps as BAR2, the device's doorbell
// eventfds and the single guest client (QEMU) with its interrupt eventfds.
//
// The PF is one port, attached to the card's PF for good. Each VF port
// (hw-spec 11.8) exists from the start, because QEMU attaches ivshmem
// devices only when it starts, but carries its VF only while the VF
// exists: attach() when a partition apply creates it, detach() when an
// apply or a PF reset removes it. Detached, the port's register window
// reads 0 below the emulation block (TERN_REG_ID = 0) and doorbells do
// nothing.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "event_loop.hpp"
#include "shared_memory.hpp"
#include "tern/hw/tern_regs.h"
#include "tern/sim/card.hpp"
#include "unique_fd.hpp"
#include "unix_listener.hpp"

namespace tern::emu {

// Process exit statuses, also used to say how a session ended.
enum ExitStatus : int {
    kExitOk = 0,        // the guest client left, or SIGTERM/SIGINT
    kExitError = 1,     // bad options, setup or I/O failure
    kExitProtocol = 2,  // the client broke the ivshmem protocol
};

struct SessionEnd {
    ExitStatus status;
    std::string reason;
};

// What the emulation block of a port says about it (hw-spec 3.9).
struct PortIdentity {
    uint32_t function = 0;  // TERN_REG_EMU_FUNC: 0 (PF) or TERN_FUNC_IS_VF | i << 8
    uint64_t card_id = 0;   // TERN_REG_EMU_CARD_ID, the same in every port of a card
};

class FunctionPort {
public:
    // Interrupt and doorbell vectors per function: QEMU must run the
    // ivshmem-doorbell device with vectors=17 (hw-spec 11.1).
    static constexpr unsigned kVectors = TERN_MSIX_COUNT;
    // ivshmem peer ids: the guest (QEMU) and the device (this emulator).
    static constexpr int64_t kGuestPeerId = 0;
    static constexpr int64_t kDevicePeerId = 1;
    // The doorbell vector drivers are told to ring (TERN_REG_EMU_VECTOR).
    // Every device vector rings the doorbell; this one is the contract.
    static constexpr uint32_t kDoorbellVector = 0;

    using EndHandler = std::function<void(const SessionEnd&)>;
    // Runs on the loop thread after each evaluation of the function's
    // trigger registers (doorbell or tick).
    using EvaluatedHandler = std::function<void()>;

    // Fills the emulation block of `shm` with `id`, creates the eventfds and
    // starts listening on `socket_path`, all before any client can map the
    // memory. `on_end` runs (on the loop thread) once the session ends.
    // Throws std::system_error / std::invalid_argument.
    FunctionPort(std::string name, const std::string& socket_path, SharedMemory& shm,
                 const PortIdentity& id, EventLoop& loop, EndHandler on_end,
                 EvaluatedHandler on_evaluated = {});
    // Detaches the function and leaves the event loop. The device model may
    // still hold the interrupt handler; it keeps the eventfds it needs.
    ~FunctionPort();
    FunctionPort(const FunctionPort&) = delete;
    FunctionPort& operator=(const FunctionPort&) = delete;

    // Serves `fn` from now on: doorbells evaluate its triggers and its
    // interrupts go to the guest. Its register window must be offset 0 of
    // the port's shared memory. Throws std::invalid_argument.
    void attach(sim::Function& fn);
    // The function is gone (the model removed the VF): its interrupt handler
    // is removed and its register window zeroed below the emulation block.
    void detach();
    bool attached() const { return fn_ != nullptr; }

    const std::string& name() const { return name_; }
    const std::string& socket_path() const { return listener_.path(); }
    // Periodic trigger evaluation, so that a lost doorbell costs one tick.
    void tick();
    // The emulator stops while a client may be connected: tell the client
    // that the device peer left, then disconnect. No end handler call.
    void close_session();

private:
    // The guest's interrupt eventfds, shared with the IRQ handler that the
    // device model may call on its own threads until the card is gone.
    struct GuestVectors {
        std::array<UniqueFd, kVectors> fds;
        std::atomic<bool> armed{false};  // a client holds the fds
    };
    enum class State { kListening, kConnected, kEnded };

    void write_emulation_block(const PortIdentity& id);
    void evaluate();
    void on_listener_ready();
    void on_client_event(uint32_t events);
    void on_doorbell(unsigned vector);
    // Sends version, ids, shared memory and every eventfd; 0 or an errno.
    int send_setup(int sock);
    void end_session(ExitStatus status, std::string reason);

    const std::string name_;
    SharedMemory& shm_;
    sim::Function* fn_ = nullptr;
    EventLoop& loop_;
    EndHandler on_end_;
    EvaluatedHandler on_evaluated_;
    UnixListener listener_;
    std::array<UniqueFd, kVectors> doorbells_;  // the device peer's eventfds
    std::shared_ptr<GuestVectors> guest_;
    UniqueFd client_;
    State state_ = State::kListening;
};

}  // namespace tern::emu
