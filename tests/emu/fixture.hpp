// SPDX-License-Identifier: MIT
// Per-test world: a temporary directory with the guest RAM file and the
// socket path, and the emulator process started on them.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "emu_process.hpp"
#include "guest.hpp"
#include "ivshmem_client.hpp"

namespace tern::emu_test {

class EmuTest : public ::testing::Test {
protected:
    static constexpr uint64_t kRamSize = 16ull << 20;
    static constexpr unsigned kMemMiB = 16;
    static constexpr unsigned kCores = 4;
    static constexpr unsigned kVectors = TERN_MSIX_COUNT;

    void SetUp() override;
    void TearDown() override;

    const std::string& dir() const { return dir_; }
    std::string socket_path() const { return dir_ + "/ivshmem.sock"; }
    std::string ram_path() const { return dir_ + "/guest-ram"; }
    GuestRam& ram() { return *ram_; }
    // The command line the QEMU harness uses, for this test's files.
    std::vector<std::string> args() const;

    // Starts tern-emu with `args` and waits for its listening line; false
    // (with a test failure) if it does not come.
    bool start(const std::vector<std::string>& args);
    bool start() { return start(args()); }
    EmuProcess& emu() { return *emu_; }
    // Starts the emulator and connects a client that completed the setup.
    std::unique_ptr<IvshmemClient> start_and_connect();
    // Exit status of the emulator, or -1 if it did not end normally in time.
    int exit_code(Millis timeout = kTimeout);

private:
    std::string dir_;
    std::unique_ptr<GuestRam> ram_;
    std::unique_ptr<EmuProcess> emu_;
};

}  // namespace tern::emu_test
