// SPDX-License-Identifier: MIT
// One emulated Tern T1 card: the device model, the guest's RAM as its host
// bus, and the ivshmem function(s) through which QEMU reaches it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "event_loop.hpp"
#include "function_port.hpp"
#include "guest_ram.hpp"
#include "shared_memory.hpp"
#include "tern/sim/card.hpp"
#include "unique_fd.hpp"

namespace tern::emu {

struct EmulatorConfig {
    std::string socket_path;     // ivshmem server socket of the PF
    std::string guest_ram_path;  // QEMU's memory-backend-file
    uint64_t mem_size = 256ull << 20;
    uint32_t cores = 8;
    uint32_t tick_us = 1000;  // trigger re-evaluation period
    uint32_t vfs = 0;         // VF ports, 0..TERN_MAX_VFS (hw-spec 11.8)
};

// The server socket of VF port `index`: the PF's path + ".vf<index>".
std::string vf_socket_path(const std::string& pf_socket_path, unsigned index);

class Emulator {
public:
    // Blocks SIGTERM/SIGINT for the whole process (call it before any other
    // thread exists), maps guest RAM, creates the shared memory and the card
    // and listens. Throws std::system_error / std::invalid_argument.
    explicit Emulator(const EmulatorConfig& config);
    // Stops the card (joins its threads) before closing what it uses.
    ~Emulator();
    Emulator(const Emulator&) = delete;
    Emulator& operator=(const Emulator&) = delete;

    // Serves until the guest client leaves or a signal arrives; returns the
    // process exit status and logs why it stopped.
    ExitStatus run();

private:
    void on_signal();
    void on_tick();
    // After each evaluation of the PF's triggers: a partition apply or a PF
    // reset may have created or removed VFs; their ports follow.
    void sync_vfs();
    void on_vf_session_end(unsigned index, const SessionEnd& end);
    void finish(ExitStatus status, const std::string& reason);

    const EmulatorConfig config_;
    EventLoop loop_;
    UniqueFd signal_fd_;
    UniqueFd timer_fd_;
    std::unique_ptr<GuestRam> ram_;
    std::unique_ptr<SharedMemory> pf_shm_;
    std::vector<std::unique_ptr<SharedMemory>> vf_shms_;  // register windows
    std::unique_ptr<sim::Card> card_;
    // One per ivshmem function: the PF's first, then VF 0, 1, ...
    std::vector<std::unique_ptr<FunctionPort>> ports_;
    uint32_t last_apply_ack_ = 0;  // TERN_REG_PART_APPLY_ACK last logged
    ExitStatus status_ = kExitOk;
};

}  // namespace tern::emu
