// SPDX-License-Identifier: MIT
#include "partition_sysfs.hpp"

#include "driver_sysfs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

namespace tern::rt::sriov {

namespace {

// Last component of a symlink's target, "" if it is not a link.
std::string link_basename(const std::string& path) {
    char buf[PATH_MAX];
    const ssize_t n = ::readlink(path.c_str(), buf, sizeof(buf) - 1);
    if (n <= 0)
        return {};
    buf[n] = '\0';
    const char* slash = std::strrchr(buf, '/');
    return slash != nullptr ? std::string(slash + 1) : std::string(buf);
}

bool read_u32(const std::string& path, uint32_t* out) {
    std::string text;
    uint64_t v = 0;
    if (sysfs::read_attr(path, &text) != 0 || !sysfs::parse_u64(text, &v) || v > UINT32_MAX)
        return false;
    *out = uint32_t(v);
    return true;
}

}  // namespace

bool has_sriov(const std::string& pf_dir) {
    uint32_t total = 0;
    return !pf_dir.empty() && read_u32(pf_dir + "/sriov_totalvfs", &total) && total > 0;
}

bool read_numvfs(const std::string& pf_dir, uint32_t* out) {
    return read_u32(pf_dir + "/sriov_numvfs", out);
}

int write_numvfs(const std::string& pf_dir, uint32_t n) {
    const std::string path = pf_dir + "/sriov_numvfs";
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    const std::string text = std::to_string(n) + "\n";
    ssize_t w;
    do {
        w = ::write(fd, text.data(), text.size());
    } while (w < 0 && errno == EINTR);
    // The PCI core reports sriov_configure's error through write().
    const int err = w < 0 ? -errno : (size_t(w) != text.size() ? -EIO : 0);
    ::close(fd);
    return err;
}

std::string vf_pci_address(const std::string& pf_dir, uint32_t i) {
    return link_basename(pf_dir + "/virtfn" + std::to_string(i));
}

std::string vf_driver(const std::string& pf_dir, uint32_t i) {
    return link_basename(pf_dir + "/virtfn" + std::to_string(i) + "/driver");
}

bool read_bound_vfs(const std::string& pf_dir, std::map<uint32_t, std::string>* out) {
    out->clear();
    std::string text;
    if (pf_dir.empty() || sysfs::read_attr(pf_dir + "/tern/vfs", &text) != 0)
        return false;
    size_t start = 0;
    while (start < text.size()) {
        size_t nl = text.find('\n', start);
        if (nl == std::string::npos)
            nl = text.size();
        const std::string line = text.substr(start, nl - start);
        start = nl + 1;
        const size_t space = line.find(' ');
        uint64_t index = 0;
        if (line.rfind("vf", 0) != 0 || space == std::string::npos || space + 1 >= line.size() ||
            !sysfs::parse_u64(line.substr(2, space - 2), &index) || index >= 32)
            continue;
        (*out)[uint32_t(index)] = line.substr(space + 1);
    }
    return true;
}

}  // namespace tern::rt::sriov
