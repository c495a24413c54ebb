// SPDX-License-Identifier: MIT
#include "driver_sysfs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <thread>

namespace tern::rt::sysfs {

std::string pci_device_dir(const std::string& sysfs_root, const std::string& pci_address) {
    if (pci_address.empty())
        return {};
    return sysfs_root + "/bus/pci/devices/" + pci_address;
}

int read_attr(const std::string& path, std::string* out) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    char buf[256];
    std::string text;
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = -errno;
            ::close(fd);
            return err;
        }
        if (n == 0)
            break;
        text.append(buf, size_t(n));
        if (text.size() > 4096)  // sysfs attributes are at most a page
            break;
    }
    ::close(fd);
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\t'))
        text.pop_back();
    *out = std::move(text);
    return 0;
}

tern_device_state parse_state(const std::string& text) {
    if (text == "ready")
        return TERN_DEVICE_STATE_READY;
    if (text == "resetting")
        return TERN_DEVICE_STATE_RESETTING;
    if (text == "wedged")
        return TERN_DEVICE_STATE_WEDGED;
    return TERN_DEVICE_STATE_UNKNOWN;
}

bool parse_u64(const std::string& text, uint64_t* out) {
    if (text.empty() || text.size() > 20)
        return false;
    uint64_t v = 0;
    for (char c : text) {
        if (c < '0' || c > '9')
            return false;
        uint64_t d = uint64_t(c - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *out = v;
    return true;
}

uint32_t parse_link_speed_mts(const std::string& text) {
    // "<int>[.<frac>] GT/s[ PCIe]"
    size_t i = 0;
    uint32_t whole = 0, frac = 0, frac_digits = 0;
    bool digits = false;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9' && whole < 1000000) {
        whole = whole * 10 + uint32_t(text[i++] - '0');
        digits = true;
    }
    if (i < text.size() && text[i] == '.') {
        ++i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            if (frac_digits < 3) {
                frac = frac * 10 + uint32_t(text[i] - '0');
                ++frac_digits;
            }
            ++i;
        }
    }
    if (!digits || text.compare(i, 5, " GT/s") != 0)
        return 0;
    while (frac_digits++ < 3)
        frac *= 10;
    return whole * 1000 + frac;
}

namespace {

uint32_t read_u32_attr(const std::string& path) {
    std::string text;
    uint64_t v = 0;
    if (read_attr(path, &text) != 0 || !parse_u64(text, &v) || v > UINT32_MAX)
        return 0;
    return uint32_t(v);
}

uint32_t read_speed_attr(const std::string& path) {
    std::string text;
    return read_attr(path, &text) == 0 ? parse_link_speed_mts(text) : 0;
}

}  // namespace

FunctionAttrs read_function_attrs(const std::string& dev_dir) {
    FunctionAttrs a;
    if (dev_dir.empty())
        return a;
    std::string text;
    if (read_attr(dev_dir + "/tern/state", &text) == 0)
        a.state = parse_state(text);
    if (read_attr(dev_dir + "/tern/reset_count", &text) == 0 && parse_u64(text, &a.reset_count))
        a.has_reset_count = true;
    if (read_attr(dev_dir + "/tern/transport", &text) == 0 && text.size() < 16)
        a.transport = text;
    a.link_speed_mts = read_speed_attr(dev_dir + "/current_link_speed");
    a.link_width = read_u32_attr(dev_dir + "/current_link_width");
    a.link_max_speed_mts = read_speed_attr(dev_dir + "/max_link_speed");
    a.link_max_width = read_u32_attr(dev_dir + "/max_link_width");
    return a;
}

namespace {

struct ResetShared {
    std::mutex mu;
    std::condition_variable cv;
    bool done = false;
    int error = 0;
};

int write_one(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int err = 0;
    for (;;) {
        ssize_t n = ::write(fd, "1", 1);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            err = -errno;
        else if (n != 1)
            err = -EIO;
        break;
    }
    if (::close(fd) != 0 && err == 0 && errno != EINTR)
        err = -errno;
    return err;
}

}  // namespace

ResetWrite write_reset(const std::string& reset_path, int64_t timeout_ns) {
    auto shared = std::make_shared<ResetShared>();
    std::thread writer([shared, path = reset_path] {
        int err = write_one(path);
        std::lock_guard lk(shared->mu);
        shared->done = true;
        shared->error = err;
        shared->cv.notify_all();
    });
    std::unique_lock lk(shared->mu);
    if (timeout_ns < 0)
        shared->cv.wait(lk, [&] { return shared->done; });
    else
        shared->cv.wait_for(lk, std::chrono::nanoseconds(timeout_ns), [&] { return shared->done; });
    ResetWrite r;
    r.finished = shared->done;
    r.error = shared->error;
    lk.unlock();
    if (r.finished)
        writer.join();
    else
        writer.detach();  // blocked in the kernel; `shared` outlives us
    return r;
}

}  // namespace tern::rt::sysfs
