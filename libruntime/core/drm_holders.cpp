// SPDX-License-Identifier: MIT
#include "drm_holders.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <map>
#include <set>

namespace tern::rt::holders {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
        s.remove_suffix(1);
    return s;
}

bool parse_uint(std::string_view s, uint64_t* out) {
    if (s.empty() || s.size() > 20)
        return false;
    uint64_t v = 0;
    for (char c : s) {
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

bool add_checked(uint64_t* sum, uint64_t v) {
    if (*sum > UINT64_MAX - v)
        return false;
    *sum += v;
    return true;
}

// Small files of /proc (fdinfo, comm): the whole content, or false.
bool read_small(const std::string& path, std::string* out) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    std::string text;
    char buf[1024];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        text.append(buf, size_t(n));
        if (text.size() > 65536)
            break;
    }
    ::close(fd);
    *out = std::move(text);
    return true;
}

bool is_number(const char* s) {
    if (*s == '\0')
        return false;
    for (; *s != '\0'; ++s)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

}  // namespace

bool parse_size(std::string_view text, uint64_t* bytes) {
    text = trim(text);
    uint64_t shift = 0;
    size_t space = text.find(' ');
    std::string_view number = text.substr(0, space);
    if (space != std::string_view::npos) {
        std::string_view unit = trim(text.substr(space + 1));
        if (unit == "KiB")
            shift = 10;
        else if (unit == "MiB")
            shift = 20;
        else if (unit == "GiB")
            shift = 30;
        else if (unit != "B" && !unit.empty())
            return false;
    }
    uint64_t v = 0;
    if (!parse_uint(number, &v) || (shift != 0 && v > (UINT64_MAX >> shift)))
        return false;
    *bytes = v << shift;
    return true;
}

bool parse_fdinfo(std::string_view text, DrmFdinfo* out) {
    DrmFdinfo info;
    bool drm = false;
    while (!text.empty()) {
        size_t nl = text.find('\n');
        std::string_view line = text.substr(0, nl);
        text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
        size_t colon = line.find(':');
        if (colon == std::string_view::npos)
            continue;
        std::string_view key = trim(line.substr(0, colon));
        std::string_view value = trim(line.substr(colon + 1));
        uint64_t v = 0;
        if (key == "drm-driver") {
            info.driver = std::string(value);
            drm = true;
        } else if (key == "drm-pdev") {
            info.pdev = std::string(value);
        } else if (key == "drm-client-id") {
            info.has_client_id = parse_uint(value, &info.client_id);
        } else if (starts_with(key, "drm-engine-") && !starts_with(key, "drm-engine-capacity-")) {
            // "<n> ns"
            std::string_view n = value.substr(0, value.find(' '));
            std::string_view unit = trim(value.substr(n.size()));
            if (unit == "ns" && parse_uint(n, &v) && add_checked(&info.engine_ns, v))
                info.has_engine = true;
        } else if (key == "drm-total-device") {
            info.has_device_memory = parse_size(value, &info.device_memory_bytes);
        } else if (key == "drm-total-host") {
            info.has_host_memory = parse_size(value, &info.host_memory_bytes);
        }
    }
    if (!drm)
        return false;
    *out = std::move(info);
    return true;
}

Scan scan(const std::string& proc_root, const Target& target) {
    Scan result;
    DIR* proc = opendir(proc_root.c_str());
    if (proc == nullptr)
        return result;
    std::map<int, Holder> by_pid;
    while (dirent* pe = readdir(proc)) {
        if (!is_number(pe->d_name))
            continue;
        const std::string pid_dir = proc_root + "/" + pe->d_name;
        DIR* fds = opendir((pid_dir + "/fd").c_str());
        if (fds == nullptr) {
            if (errno == EACCES || errno == EPERM)
                ++result.uninspected;
            continue;  // ENOENT: the process exited meanwhile
        }
        const int pid = int(std::strtol(pe->d_name, nullptr, 10));
        Holder h;
        h.pid = pid;
        std::set<uint64_t> clients;
        while (dirent* fe = readdir(fds)) {
            if (!is_number(fe->d_name))
                continue;
            char link[PATH_MAX];
            const std::string fd_path = pid_dir + "/fd/" + fe->d_name;
            ssize_t n = readlink(fd_path.c_str(), link, sizeof(link) - 1);
            if (n <= 0)
                continue;
            link[n] = '\0';
            std::string_view target_path(link, size_t(n));
            const bool node_match = !target.node_path.empty() && target_path == target.node_path;
            if (!node_match && !starts_with(target_path, "/dev/dri/") &&
                !starts_with(target_path, "/dev/accel/"))
                continue;
            std::string text;
            DrmFdinfo fi;
            if (!read_small(pid_dir + "/fdinfo/" + fe->d_name, &text) || !parse_fdinfo(text, &fi) ||
                fi.driver != target.driver)
                continue;
            const bool match = !fi.pdev.empty() && !target.pci_address.empty()
                                   ? fi.pdev == target.pci_address
                                   : node_match;
            if (!match)
                continue;
            // dup()ed descriptors share one DRM file: count it once.
            if (fi.has_client_id && !clients.insert(fi.client_id).second)
                continue;
            ++h.files;
            if (fi.has_engine) {
                h.has_engine = true;
                add_checked(&h.engine_ns, fi.engine_ns);
            }
            if (fi.has_device_memory) {
                h.has_device_memory = true;
                add_checked(&h.device_memory_bytes, fi.device_memory_bytes);
            }
            if (fi.has_host_memory) {
                h.has_host_memory = true;
                add_checked(&h.host_memory_bytes, fi.host_memory_bytes);
            }
        }
        closedir(fds);
        if (h.files == 0)
            continue;
        std::string comm;
        if (read_small(pid_dir + "/comm", &comm)) {
            while (!comm.empty() && (comm.back() == '\n' || comm.back() == ' '))
                comm.pop_back();
            h.command = comm;
        }
        by_pid.emplace(pid, std::move(h));
    }
    closedir(proc);
    for (auto& [pid, h] : by_pid)
        result.holders.push_back(std::move(h));
    return result;
}

}  // namespace tern::rt::holders
