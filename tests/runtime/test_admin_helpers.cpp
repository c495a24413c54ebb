// SPDX-License-Identifier: MIT
// What the kernel backend's administration calls read and write outside
// the UAPI, on fake trees: the driver's sysfs attributes and the bounded
// reset write (libruntime/core/driver_sysfs.cpp), and the holders of a
// device from /proc/<pid>/fd and fdinfo (libruntime/core/drm_holders.cpp).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "driver_sysfs.hpp"
#include "drm_holders.hpp"

namespace tern_test {
namespace {

namespace fs = std::filesystem;
namespace sysfs = tern::rt::sysfs;
namespace holders = tern::rt::holders;

// A scratch directory removed at the end of the test.
class TempTree : public ::testing::Test {
protected:
    void SetUp() override {
        char tmpl[] = "/tmp/tern-admin-XXXXXX";
        ASSERT_NE(nullptr, mkdtemp(tmpl));
        root_ = tmpl;
    }
    void TearDown() override { fs::remove_all(root_); }

    void write(const std::string& rel, const std::string& text) {
        fs::create_directories(fs::path(root_ + "/" + rel).parent_path());
        std::ofstream(root_ + "/" + rel) << text;
    }
    std::string read(const std::string& rel) {
        std::ifstream in(root_ + "/" + rel);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

    std::string root_;
};

// ---- sysfs ---------------------------------------------------------------------

TEST(RtAdminSysfs, Parsers) {
    EXPECT_EQ(TERN_DEVICE_STATE_READY, sysfs::parse_state("ready"));
    EXPECT_EQ(TERN_DEVICE_STATE_RESETTING, sysfs::parse_state("resetting"));
    EXPECT_EQ(TERN_DEVICE_STATE_WEDGED, sysfs::parse_state("wedged"));
    EXPECT_EQ(TERN_DEVICE_STATE_UNKNOWN, sysfs::parse_state("Ready"));
    EXPECT_EQ(TERN_DEVICE_STATE_UNKNOWN, sysfs::parse_state(""));

    uint64_t v = 0;
    EXPECT_TRUE(sysfs::parse_u64("18446744073709551615", &v));
    EXPECT_EQ(UINT64_MAX, v);
    EXPECT_FALSE(sysfs::parse_u64("18446744073709551616", &v)) << "overflow";
    EXPECT_FALSE(sysfs::parse_u64("", &v));
    EXPECT_FALSE(sysfs::parse_u64("12 ", &v));
    EXPECT_FALSE(sysfs::parse_u64("-1", &v));

    EXPECT_EQ(16000u, sysfs::parse_link_speed_mts("16.0 GT/s PCIe"));
    EXPECT_EQ(2500u, sysfs::parse_link_speed_mts("2.5 GT/s PCIe"));
    EXPECT_EQ(8000u, sysfs::parse_link_speed_mts("8 GT/s"));
    EXPECT_EQ(32000u, sysfs::parse_link_speed_mts("32.0 GT/s PCIe"));
    EXPECT_EQ(0u, sysfs::parse_link_speed_mts("Unknown"));
    EXPECT_EQ(0u, sysfs::parse_link_speed_mts(""));
    EXPECT_EQ(0u, sysfs::parse_link_speed_mts("16.0 MB/s"));

    EXPECT_EQ("/sys/bus/pci/devices/0000:03:00.0", sysfs::pci_device_dir("/sys", "0000:03:00.0"));
    EXPECT_EQ("", sysfs::pci_device_dir("/sys", ""));
}

using RtAdminSysfsTree = TempTree;

TEST_F(RtAdminSysfsTree, ReadsTheDriverAndLinkAttributes) {
    write("dev/tern/state", "resetting\n");
    write("dev/tern/reset_count", "7\n");
    write("dev/tern/transport", "emulated\n");
    write("dev/current_link_speed", "16.0 GT/s PCIe\n");
    write("dev/current_link_width", "8\n");
    write("dev/max_link_speed", "32.0 GT/s PCIe\n");
    write("dev/max_link_width", "16\n");
    sysfs::FunctionAttrs a = sysfs::read_function_attrs(root_ + "/dev");
    EXPECT_EQ(TERN_DEVICE_STATE_RESETTING, a.state);
    EXPECT_TRUE(a.has_reset_count);
    EXPECT_EQ(7u, a.reset_count);
    EXPECT_EQ("emulated", a.transport);
    EXPECT_EQ(16000u, a.link_speed_mts);
    EXPECT_EQ(8u, a.link_width);
    EXPECT_EQ(32000u, a.link_max_speed_mts);
    EXPECT_EQ(16u, a.link_max_width);
}

TEST_F(RtAdminSysfsTree, MissingOrGarbledAttributesStayUnknown) {
    write("dev/tern/reset_count", "seven\n");
    write("dev/current_link_width", "x16\n");
    sysfs::FunctionAttrs a = sysfs::read_function_attrs(root_ + "/dev");
    EXPECT_EQ(TERN_DEVICE_STATE_UNKNOWN, a.state);
    EXPECT_FALSE(a.has_reset_count);
    EXPECT_EQ("", a.transport);
    EXPECT_EQ(0u, a.link_width);
    EXPECT_EQ(0u, a.link_speed_mts);
    a = sysfs::read_function_attrs("");
    EXPECT_EQ(TERN_DEVICE_STATE_UNKNOWN, a.state);
    std::string text;
    EXPECT_EQ(-ENOENT, sysfs::read_attr(root_ + "/nothing", &text));
}

TEST_F(RtAdminSysfsTree, ResetWriteReturnsTheWritesErrno) {
    write("dev/tern/reset", "");
    sysfs::ResetWrite w = sysfs::write_reset(root_ + "/dev/tern/reset", 5'000'000'000);
    EXPECT_TRUE(w.finished);
    EXPECT_EQ(0, w.error);
    EXPECT_EQ("1", read("dev/tern/reset"));

    w = sysfs::write_reset(root_ + "/missing/reset", -1);  // no limit
    EXPECT_TRUE(w.finished);
    EXPECT_EQ(-ENOENT, w.error);

    fs::create_directories(root_ + "/dir");
    w = sysfs::write_reset(root_ + "/dir", 5'000'000'000);
    EXPECT_TRUE(w.finished);
    EXPECT_EQ(-EISDIR, w.error);
}

// A write that blocks (here: a FIFO nobody reads yet) ends the wait at the
// timeout; the write itself completes later, on its own.
TEST_F(RtAdminSysfsTree, ResetWaitIsBounded) {
    const std::string fifo = root_ + "/reset";
    ASSERT_EQ(0, mkfifo(fifo.c_str(), 0600));
    sysfs::ResetWrite w = sysfs::write_reset(fifo, 20'000'000);  // 20 ms
    EXPECT_FALSE(w.finished);
    EXPECT_EQ(0, w.error);
    // Let the abandoned writer finish: its "1" arrives once we read.
    int fd = open(fifo.c_str(), O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    char c = 0;
    EXPECT_EQ(1, ::read(fd, &c, 1));
    EXPECT_EQ('1', c);
    close(fd);
}

// ---- fdinfo --------------------------------------------------------------------

// What tern.ko prints on 6.1 (tern_fdinfo.c, the fops variant), after the
// VFS lines.
const char* const kTernFdinfo =
    "pos:\t0\nflags:\t02100002\nmnt_id:\t26\nino:\t512\n"
    "drm-driver:\ttern\ndrm-client-id:\t11\ndrm-pdev:\t0000:03:00.0\n"
    "drm-engine-compute:\t1500 ns\ndrm-total-host:\t8 KiB\ndrm-resident-host:\t8 KiB\n"
    "drm-total-device:\t1024 KiB\ndrm-resident-device:\t1024 KiB\n";

TEST(RtAdminFdinfo, ParsesTheDriversKeys) {
    holders::DrmFdinfo f;
    ASSERT_TRUE(holders::parse_fdinfo(kTernFdinfo, &f));
    EXPECT_EQ("tern", f.driver);
    EXPECT_EQ("0000:03:00.0", f.pdev);
    EXPECT_TRUE(f.has_client_id);
    EXPECT_EQ(11u, f.client_id);
    EXPECT_TRUE(f.has_engine);
    EXPECT_EQ(1500u, f.engine_ns);
    EXPECT_TRUE(f.has_host_memory);
    EXPECT_EQ(8u << 10, f.host_memory_bytes);
    EXPECT_TRUE(f.has_device_memory);
    EXPECT_EQ(1u << 20, f.device_memory_bytes);
}

TEST(RtAdminFdinfo, NotDrmOrMalformedValues) {
    holders::DrmFdinfo f;
    EXPECT_FALSE(holders::parse_fdinfo("pos:\t0\nflags:\t02\n", &f)) << "a plain file";
    ASSERT_TRUE(holders::parse_fdinfo(
        "drm-driver:\ttern\ndrm-engine-compute:\t12 cycles\ndrm-total-device:\tlots\n", &f));
    EXPECT_FALSE(f.has_engine) << "not in ns: not guessed";
    EXPECT_FALSE(f.has_device_memory);
    EXPECT_FALSE(f.has_client_id);
}

TEST(RtAdminFdinfo, Sizes) {
    uint64_t b = 0;
    EXPECT_TRUE(holders::parse_size("512", &b));
    EXPECT_EQ(512u, b);
    EXPECT_TRUE(holders::parse_size("7 B", &b));
    EXPECT_EQ(7u, b);
    EXPECT_TRUE(holders::parse_size("3 KiB", &b));
    EXPECT_EQ(3u << 10, b);
    EXPECT_TRUE(holders::parse_size("4 MiB", &b));
    EXPECT_EQ(4u << 20, b);
    EXPECT_TRUE(holders::parse_size("2 GiB", &b));
    EXPECT_EQ(2ull << 30, b);
    EXPECT_FALSE(holders::parse_size("2 TiB", &b)) << "DRM prints at most GiB";
    EXPECT_FALSE(holders::parse_size("x KiB", &b));
    EXPECT_FALSE(holders::parse_size("", &b));
    EXPECT_FALSE(holders::parse_size("18014398509481984 GiB", &b)) << "overflow";
}

using RtAdminHolders = TempTree;

TEST_F(RtAdminHolders, ScansProcessesForFilesOfTheDevice) {
    auto fd = [&](int pid, int n, const std::string& target, const std::string& fdinfo) {
        const std::string dir = root_ + "/" + std::to_string(pid);
        fs::create_directories(dir + "/fd");
        fs::create_symlink(target, dir + "/fd/" + std::to_string(n));
        write(std::to_string(pid) + "/fdinfo/" + std::to_string(n), fdinfo);
    };
    // 100 holds two files on the device, one of them through two fds.
    write("100/comm", "trainer\n");
    fd(100, 3, "/dev/accel/accel0", kTernFdinfo);
    fd(100, 4, "/dev/accel/accel0", kTernFdinfo);  // dup() of fd 3: same client
    fd(100, 5, "/dev/accel/accel0",
       "drm-driver:\ttern\ndrm-client-id:\t12\ndrm-pdev:\t0000:03:00.0\n"
       "drm-engine-compute:\t500 ns\ndrm-total-host:\t0 KiB\ndrm-total-device:\t2 MiB\n");
    fd(100, 7, "/home/user/log.txt", "pos:\t0\n");
    // 200 holds another driver's node and another Tern device.
    write("200/comm", "other\n");
    fd(200, 3, "/dev/dri/renderD128", "drm-driver:\tamdgpu\ndrm-pdev:\t0000:03:00.0\n");
    fd(200, 4, "/dev/accel/accel1",
       "drm-driver:\ttern\ndrm-client-id:\t13\ndrm-pdev:\t0000:04:00.0\n");
    // 300: an older driver without drm-pdev, matched by its node.
    write("300/comm", "legacy\n");
    fd(300, 9, "/dev/accel/accel0", "drm-driver:\ttern\ndrm-client-id:\t14\n");
    // Not processes.
    fs::create_directories(root_ + "/self/fd");
    fs::create_directories(root_ + "/sys");

    holders::Scan s = holders::scan(root_, {"tern", "0000:03:00.0", "/dev/accel/accel0"});
    EXPECT_EQ(0u, s.uninspected);
    ASSERT_EQ(2u, s.holders.size());
    const holders::Holder& a = s.holders[0];
    EXPECT_EQ(100, a.pid);
    EXPECT_EQ("trainer", a.command);
    EXPECT_EQ(2u, a.files);
    EXPECT_TRUE(a.has_engine);
    EXPECT_EQ(2000u, a.engine_ns);
    EXPECT_TRUE(a.has_device_memory);
    EXPECT_EQ((1u << 20) + (2u << 20), a.device_memory_bytes);
    EXPECT_TRUE(a.has_host_memory);
    EXPECT_EQ(8u << 10, a.host_memory_bytes);
    const holders::Holder& b = s.holders[1];
    EXPECT_EQ(300, b.pid);
    EXPECT_EQ("legacy", b.command);
    EXPECT_EQ(1u, b.files);
    EXPECT_FALSE(b.has_engine) << "no key, no number";
    EXPECT_FALSE(b.has_device_memory);

    // Another device of the same driver: only process 200 holds it.
    s = holders::scan(root_, {"tern", "0000:04:00.0", "/dev/accel/accel1"});
    ASSERT_EQ(1u, s.holders.size());
    EXPECT_EQ(200, s.holders[0].pid);
    // No /proc at all: nothing, quietly.
    EXPECT_TRUE(holders::scan(root_ + "/none", {"tern", "", "/dev/accel/accel0"}).holders.empty());
}

}  // namespace
}  // namespace tern_test
