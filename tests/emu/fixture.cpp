// SPDX-License-Identifier: MIT
#include "fixture.hpp"

#include <cstdlib>
#include <filesystem>
#include <iostream>

namespace tern::emu_test {

void EmuTest::SetUp() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern =
        std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/tern-emu-test.XXXXXX";
    ASSERT_NE(mkdtemp(pattern.data()), nullptr) << "cannot create a temporary directory";
    dir_ = pattern;
    ram_ = std::make_unique<GuestRam>(ram_path(), kRamSize);
    ASSERT_TRUE(ram_->ok()) << "cannot create the guest RAM file";
}

void EmuTest::TearDown() {
    if (emu_ && HasFailure()) {
        if (const auto end = emu_->wait_exit(Millis(0)); end && end->signal) {
            std::cerr << "tern-emu died of signal " << *end->signal << "\n";
        }
        std::cerr << "---- tern-emu log ----\n" << emu_->log() << "----\n";
    }
    emu_.reset();
    ram_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
}

std::vector<std::string> EmuTest::args() const {
    return {"--socket",   socket_path(),           "--guest-ram", ram_path(),
            "--mem-size", std::to_string(kMemMiB), "--cores",     std::to_string(kCores)};
}

bool EmuTest::start(const std::vector<std::string>& a) {
    emu_ = std::make_unique<EmuProcess>(a, dir_ + "/emu.log");
    if (!emu_->started()) {
        ADD_FAILURE() << "cannot spawn " << TERN_EMU_PATH;
        return false;
    }
    const auto line = emu_->read_line();
    if (!line) {
        ADD_FAILURE() << "no listening line; log:\n" << emu_->log();
        return false;
    }
    EXPECT_EQ(*line, "tern-emu: listening on " + socket_path());
    return true;
}

std::unique_ptr<IvshmemClient> EmuTest::start_and_connect() {
    if (!start()) {
        return nullptr;
    }
    auto client = std::make_unique<IvshmemClient>(socket_path());
    std::string error;
    if (!client->connected() || !client->setup(kVectors, &error)) {
        ADD_FAILURE() << "ivshmem setup failed: " << error;
        return nullptr;
    }
    return client;
}

int EmuTest::exit_code(Millis timeout) {
    const auto info = emu_->wait_exit(timeout);
    if (!info) {
        ADD_FAILURE() << "tern-emu did not exit in time";
        return -1;
    }
    if (info->signal) {
        ADD_FAILURE() << "tern-emu died of signal " << *info->signal;
        return -1;
    }
    return *info->code;
}

}  // namespace tern::emu_test
