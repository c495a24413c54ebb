// SPDX-License-Identifier: MIT
// tern-emu as an ivshmem server: the setup QEMU receives, the process
// lifecycle and how it treats clients that break the protocol.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "fixture.hpp"
#include "tern/hw/tern_emu.h"

namespace tern::emu_test {
namespace {

using ProtocolTest = EmuTest;

bool path_exists(const std::string& p) {
    struct stat st {};
    return lstat(p.c_str(), &st) == 0;
}

TEST_F(ProtocolTest, SetupFollowsTheIvshmemServerProtocol) {
    ASSERT_TRUE(start());
    IvshmemClient client(socket_path());
    ASSERT_TRUE(client.connected());

    auto version = client.receive();
    ASSERT_TRUE(version);
    EXPECT_EQ(version->value, 0);
    EXPECT_FALSE(version->fd.valid());
    auto id = client.receive();
    ASSERT_TRUE(id);
    EXPECT_FALSE(id->fd.valid());
    const int64_t own = id->value;
    auto shm = client.receive();
    ASSERT_TRUE(shm);
    EXPECT_EQ(shm->value, -1);
    ASSERT_TRUE(shm->fd.valid());

    // BAR2: a power of two >= 2 MiB of registers + the device memory, with
    // its size sealed so that nobody can shrink it under the mappings.
    struct stat st {};
    ASSERT_EQ(fstat(shm->fd.get(), &st), 0);
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    EXPECT_TRUE(std::has_single_bit(size));
    EXPECT_EQ(size, std::bit_ceil(TERN_EMU_MEM_OFFSET + (uint64_t{kMemMiB} << 20)));
    const int seals = fcntl(shm->fd.get(), F_GET_SEALS);
    EXPECT_EQ(seals & (F_SEAL_SHRINK | F_SEAL_GROW), F_SEAL_SHRINK | F_SEAL_GROW);

    // Then the device peer's vectors, then the client's own, one fd each.
    int64_t device = -1;
    unsigned device_vectors = 0;
    unsigned own_vectors = 0;
    for (unsigned i = 0; i < 2 * kVectors; ++i) {
        auto m = client.receive();
        ASSERT_TRUE(m) << "message " << i;
        ASSERT_TRUE(m->fd.valid()) << "message " << i << " carries no eventfd";
        if (m->value == own) {
            EXPECT_EQ(device_vectors, kVectors) << "own vectors before the device's";
            ++own_vectors;
        } else {
            EXPECT_TRUE(device == -1 || device == m->value) << "a second peer appeared";
            device = m->value;
            ++device_vectors;
        }
    }
    EXPECT_EQ(device_vectors, kVectors);
    EXPECT_EQ(own_vectors, kVectors);
    EXPECT_NE(device, own);
    // Nothing more: the device peer stays for the whole session.
    EXPECT_FALSE(client.receive(Millis(100)));
    EXPECT_TRUE(emu().wait_exit(Millis(0)) == std::nullopt) << "emulator exited";
}

TEST_F(ProtocolTest, EmulationBlockNamesTheDevicePeer) {
    auto client = start_and_connect();
    ASSERT_TRUE(client);
    EmuDevice dev(*client);
    EXPECT_EQ(dev.read32(TERN_REG_ID), TERN_ID_MAGIC);
    EXPECT_EQ(dev.read32(TERN_REG_EMU_MAGIC), TERN_EMU_MAGIC);
    const int64_t peer = dev.read32(TERN_REG_EMU_PEER_ID);
    ASSERT_EQ(client->peers().count(peer), 1u) << "EMU_PEER_ID is not the announced peer";
    EXPECT_LT(dev.read32(TERN_REG_EMU_VECTOR), client->peers().at(peer).size());
    EXPECT_NE(peer, client->id());
}

TEST_F(ProtocolTest, EveryDeviceVectorRingsTheDoorbell) {
    // A 1 s tick, and the trace log naming each doorbell eventfd, show that
    // the doorbell itself (not the tick) reached the device.
    std::vector<std::string> a = args();
    a.insert(a.end(), {"--log-level", "trace", "--tick-us", "1000000"});
    ASSERT_TRUE(start(a));
    IvshmemClient client(socket_path());
    std::string error;
    ASSERT_TRUE(client.setup(kVectors, &error)) << error;
    EmuDevice dev(client);
    const int64_t peer = dev.read32(TERN_REG_EMU_PEER_ID);
    for (const unsigned vector : {0u, 5u, kVectors - 1}) {
        const uint32_t req = dev.read32(TERN_REG_DEV_RESET_ACK) + 1;
        dev.write32(TERN_REG_DEV_RESET_REQ, req);
        ASSERT_TRUE(client.doorbell(peer, vector));
        const std::string line = "doorbell on vector " + std::to_string(vector);
        EXPECT_TRUE(poll_until([&] { return emu().log().find(line) != std::string::npos; }))
            << emu().log();
        EXPECT_TRUE(poll_until([&] { return dev.read32(TERN_REG_DEV_RESET_ACK) == req; }));
    }
}

TEST_F(ProtocolTest, ClientDisconnectEndsTheEmulatorCleanly) {
    auto client = start_and_connect();
    ASSERT_TRUE(client);
    ASSERT_TRUE(path_exists(socket_path()));
    client.reset();  // QEMU exits
    EXPECT_EQ(exit_code(), 0);
    EXPECT_FALSE(path_exists(socket_path())) << "socket left behind";
    EXPECT_NE(emu().log().find("disconnected"), std::string::npos) << emu().log();
}

TEST_F(ProtocolTest, SigtermTellsTheClientTheDeviceLeftAndExitsCleanly) {
    auto client = start_and_connect();
    ASSERT_TRUE(client);
    EmuDevice dev(*client);
    const int64_t device = dev.read32(TERN_REG_EMU_PEER_ID);
    emu().send_signal(SIGTERM);
    auto left = client->receive();
    ASSERT_TRUE(left) << "no peer-left message";
    EXPECT_EQ(left->value, device);
    EXPECT_FALSE(left->fd.valid());
    EXPECT_TRUE(client->wait_eof());
    EXPECT_EQ(exit_code(), 0);
    EXPECT_FALSE(path_exists(socket_path()));
    EXPECT_NE(emu().log().find("SIGTERM"), std::string::npos) << emu().log();
}

TEST_F(ProtocolTest, SigintWithoutClientExitsCleanly) {
    ASSERT_TRUE(start());
    emu().send_signal(SIGINT);
    EXPECT_EQ(exit_code(), 0);
    EXPECT_FALSE(path_exists(socket_path()));
}

TEST_F(ProtocolTest, SecondClientIsRefusedAndTheFirstKeepsTheDevice) {
    auto first = start_and_connect();
    ASSERT_TRUE(first);
    IvshmemClient second(socket_path());
    ASSERT_TRUE(second.connected());
    EXPECT_TRUE(second.wait_eof()) << "second client got messages";

    EmuDevice dev(*first);
    EXPECT_TRUE(dev.function_reset()) << "first client lost the device";
    EXPECT_TRUE(emu().wait_exit(Millis(0)) == std::nullopt) << "emulator exited";
    EXPECT_NE(emu().log().find("refusing"), std::string::npos) << emu().log();
}

TEST_F(ProtocolTest, DataFromTheClientIsAProtocolError) {
    auto client = start_and_connect();
    ASSERT_TRUE(client);
    const char garbage[] = "GET / HTTP/1.0\r\n\r\n";
    ASSERT_EQ(send(client->socket(), garbage, sizeof(garbage), MSG_NOSIGNAL),
              static_cast<ssize_t>(sizeof(garbage)));
    EXPECT_TRUE(client->wait_eof());
    EXPECT_EQ(exit_code(), 2);
    EXPECT_FALSE(path_exists(socket_path()));
    EXPECT_NE(emu().log().find("sent data"), std::string::npos) << emu().log();
}

TEST_F(ProtocolTest, StaleSocketFileIsReplaced) {
    {
        // A socket bound and abandoned, as a killed emulator leaves it.
        const int s = socket(AF_UNIX, SOCK_STREAM, 0);
        ASSERT_GE(s, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, socket_path().c_str(), sizeof(addr.sun_path) - 1);
        ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
        close(s);
    }
    ASSERT_TRUE(path_exists(socket_path()));
    auto client = start_and_connect();
    ASSERT_TRUE(client);
}

TEST_F(ProtocolTest, LiveServerOnThePathIsNotStolen) {
    auto client = start_and_connect();
    ASSERT_TRUE(client);
    EmuProcess other(args(), dir() + "/other.log");
    ASSERT_TRUE(other.started());
    const auto status = other.wait_exit();
    ASSERT_TRUE(status && status->code);
    EXPECT_EQ(*status->code, 1);
    EXPECT_NE(other.log().find("another server"), std::string::npos) << other.log();
    // The first emulator did not see a client come and go.
    EmuDevice dev(*client);
    EXPECT_TRUE(dev.function_reset());
    EXPECT_TRUE(emu().wait_exit(Millis(0)) == std::nullopt);
}

// ---- Command line and start-up errors: exit 1, nothing listening ----------

class StartupErrorTest : public EmuTest {
protected:
    // Runs tern-emu expecting a start-up failure; returns its log.
    std::string expect_failure(const std::vector<std::string>& a) {
        EmuProcess p(a, dir() + "/fail.log");
        EXPECT_TRUE(p.started());
        EXPECT_FALSE(p.read_line()) << "printed a listening line";
        const auto status = p.wait_exit();
        EXPECT_TRUE(status && status->code && *status->code == 1);
        EXPECT_FALSE(path_exists(socket_path()));
        return p.log();
    }
};

TEST_F(StartupErrorTest, MissingSocketOption) {
    expect_failure({"--guest-ram", ram_path()});
}

TEST_F(StartupErrorTest, MissingGuestRam) {
    const std::string log =
        expect_failure({"--socket", socket_path(), "--guest-ram", dir() + "/nope"});
    EXPECT_NE(log.find("nope"), std::string::npos) << log;
}

TEST_F(StartupErrorTest, EmptyGuestRam) {
    const std::string empty = dir() + "/empty";
    std::ofstream(empty).close();
    const std::string log = expect_failure({"--socket", socket_path(), "--guest-ram", empty});
    EXPECT_NE(log.find("empty"), std::string::npos) << log;
}

TEST_F(StartupErrorTest, GuestRamAbove2GiB) {
    const std::string big = dir() + "/big";
    {
        const int fd = open(big.c_str(), O_RDWR | O_CREAT, 0600);
        ASSERT_GE(fd, 0);
        ASSERT_EQ(ftruncate(fd, (off_t{2} << 30) + 4096), 0);  // sparse
        close(fd);
    }
    const std::string log = expect_failure({"--socket", socket_path(), "--guest-ram", big});
    EXPECT_NE(log.find("2 GiB"), std::string::npos) << log;
}

TEST_F(StartupErrorTest, BadNumbers) {
    // The harness's command line with one option's value replaced.
    auto with = [&](const std::string& opt, const std::string& value) {
        std::vector<std::string> a = args();
        auto it = std::find(a.begin(), a.end(), opt);
        if (it == a.end()) {
            a.push_back(opt);
            a.push_back(value);
        } else {
            *(it + 1) = value;
        }
        return a;
    };
    expect_failure(with("--mem-size", "3"));
    expect_failure(with("--mem-size", "0"));
    expect_failure(with("--mem-size", "lots"));
    expect_failure(with("--cores", "33"));
    expect_failure(with("--tick-us", "0"));
    expect_failure(with("--log-level", "loud"));
    expect_failure(with("--vfs", "9"));
    expect_failure(with("--vfs", "-1"));
}

TEST_F(StartupErrorTest, RegularFileAtSocketPathIsKept) {
    std::ofstream(socket_path()) << "precious";
    EmuProcess p(args(), dir() + "/fail.log");
    EXPECT_FALSE(p.read_line());
    const auto status = p.wait_exit();
    ASSERT_TRUE(status && status->code);
    EXPECT_EQ(*status->code, 1);
    std::ifstream in(socket_path());
    std::string content;
    in >> content;
    EXPECT_EQ(content, "precious");
    EXPECT_NE(p.log().find("not a socket"), std::string::npos) << p.log();
}

}  // namespace
}  // namespace tern::emu_test
