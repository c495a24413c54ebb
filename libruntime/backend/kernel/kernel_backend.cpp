// SPDX-License-Identifier: MIT
// Kernel backend. Devices are found without opening other drivers' nodes
// where sysfs can tell: /dev/accel/accelN whose device is bound to "tern"
// (DRIVER_COMPUTE_ACCEL, kernel >= 6.2), else render nodes listed by
// drmGetDevices2 whose driver is "tern" (sysfs link, or DRM_IOCTL_VERSION
// when sysfs is not conclusive), as on 6.1 (docs/uapi.md, Device nodes).
#include "kernel_backend.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <xf86drm.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <string>

namespace tern::rt {

namespace {

constexpr const char* kDriverName = "tern";

// Last component of a symlink's target, "" if it is not a link.
std::string link_basename(const std::string& path) {
    char buf[PATH_MAX];
    ssize_t n = readlink(path.c_str(), buf, sizeof(buf) - 1);
    if (n <= 0)
        return {};
    buf[n] = '\0';
    const char* slash = std::strrchr(buf, '/');
    return slash != nullptr ? std::string(slash + 1) : std::string(buf);
}

// "0000:03:00.0" for a PCI device directory, else "".
std::string pci_address_of(const std::string& sysfs_device) {
    std::string subsystem = link_basename(sysfs_device + "/subsystem");
    return subsystem == "pci" ? link_basename(sysfs_device) : std::string();
}

bool path_exists(const char* path) {
    struct stat st;
    return stat(path, &st) == 0;
}

class KernelFile final : public File {
public:
    explicit KernelFile(int fd) : fd_(fd) {}
    ~KernelFile() override { ::close(fd_); }

    int ioctl(unsigned long request, void* arg) override {
        // drmIoctl restarts on EINTR and EAGAIN.
        return drmIoctl(fd_, request, arg) == 0 ? 0 : -errno;
    }

    void* mmap(uint64_t offset, size_t length, int* err) override {
        if (offset > uint64_t(std::numeric_limits<off_t>::max())) {
            *err = -EINVAL;
            return nullptr;
        }
        void* p = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, off_t(offset));
        if (p == MAP_FAILED) {
            *err = -errno;
            return nullptr;
        }
        *err = 0;
        return p;
    }

    int munmap(void* addr, size_t length) override {
        return ::munmap(addr, length) == 0 ? 0 : -errno;
    }

private:
    int fd_;
};

// Device nodes come and go (partitions are VFs with nodes of their own),
// so every enumerate() scans again.
std::vector<NodeInfo> scan_nodes();

std::unique_ptr<File> open_path(const std::string& path, int* err) {
    int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        *err = -errno;
        return nullptr;
    }
    *err = 0;
    return std::make_unique<KernelFile>(fd);
}

class KernelBackend final : public Backend {
public:
    explicit KernelBackend(std::vector<NodeInfo> nodes) : nodes_(std::move(nodes)) {}
    const char* name() const override { return "kernel"; }
    std::vector<NodeInfo> enumerate() override {
        std::vector<NodeInfo> nodes = scan_nodes();
        std::lock_guard lk(mu_);
        nodes_ = nodes;
        return nodes;
    }

    std::unique_ptr<File> open(size_t index, int* err) override {
        std::string path;
        {
            std::lock_guard lk(mu_);
            if (index >= nodes_.size()) {
                *err = -ENODEV;
                return nullptr;
            }
            path = nodes_[index].path;
        }
        return open_path(path, err);
    }

    std::unique_ptr<File> open_node(const NodeInfo& node, int* err) override {
        // A node that went away is ENOENT to open(2); to the runtime the
        // device is gone.
        auto f = open_path(node.path, err);
        if (!f && *err == -ENOENT)
            *err = -ENODEV;
        return f;
    }

private:
    std::mutex mu_;
    std::vector<NodeInfo> nodes_;  // the last enumeration
};

// Trailing number of "accel12" / "renderD128", for a stable order.
unsigned node_number(const std::string& name) {
    size_t i = name.find_first_of("0123456789");
    return i == std::string::npos ? 0 : unsigned(std::strtoul(name.c_str() + i, nullptr, 10));
}

void find_accel_nodes(std::vector<NodeInfo>* out) {
    DIR* dir = opendir("/sys/class/accel");
    if (dir == nullptr)
        return;  // kernel < 6.2 or no accel driver loaded
    std::vector<std::string> names;
    while (dirent* e = readdir(dir)) {
        if (std::strncmp(e->d_name, "accel", 5) == 0)
            names.emplace_back(e->d_name);
    }
    closedir(dir);
    std::sort(names.begin(), names.end(), [](const std::string& a, const std::string& b) {
        return node_number(a) < node_number(b);
    });
    for (const std::string& n : names) {
        std::string dev = "/sys/class/accel/" + n + "/device";
        if (link_basename(dev + "/driver") != kDriverName)
            continue;
        out->push_back({"/dev/accel/" + n, pci_address_of(dev)});
    }
}

bool is_tern_render_node(const char* node) {
    // sysfs first: needs no permission on the node.
    struct stat st;
    if (stat(node, &st) == 0 && S_ISCHR(st.st_mode)) {
        std::string dev = "/sys/dev/char/" + std::to_string(major(st.st_rdev)) + ":" +
                          std::to_string(minor(st.st_rdev)) + "/device/driver";
        std::string drv = link_basename(dev);
        if (!drv.empty())
            return drv == kDriverName;
    }
    int fd = ::open(node, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool tern = false;
    if (drmVersionPtr v = drmGetVersion(fd)) {
        tern = v->name != nullptr && std::strcmp(v->name, kDriverName) == 0;
        drmFreeVersion(v);
    }
    ::close(fd);
    return tern;
}

void find_render_nodes(std::vector<NodeInfo>* out) {
    int n = drmGetDevices2(0, nullptr, 0);
    if (n <= 0)
        return;
    std::vector<drmDevicePtr> devs(size_t(n), nullptr);
    n = drmGetDevices2(0, devs.data(), n);
    if (n <= 0)
        return;
    std::vector<NodeInfo> found;
    for (int i = 0; i < n; ++i) {
        drmDevicePtr d = devs[size_t(i)];
        if (!(d->available_nodes & (1 << DRM_NODE_RENDER)))
            continue;
        const char* node = d->nodes[DRM_NODE_RENDER];
        if (!is_tern_render_node(node))
            continue;
        std::string pci;
        if (d->bustype == DRM_BUS_PCI && d->businfo.pci != nullptr) {
            char buf[32];
            std::snprintf(buf, sizeof(buf), "%04x:%02x:%02x.%u", d->businfo.pci->domain,
                          d->businfo.pci->bus, d->businfo.pci->dev, d->businfo.pci->func);
            pci = buf;
        }
        found.push_back({node, pci});
    }
    drmFreeDevices(devs.data(), n);
    std::sort(found.begin(), found.end(), [](const NodeInfo& a, const NodeInfo& b) {
        return node_number(a.path) < node_number(b.path);
    });
    for (NodeInfo& f : found) {
        // A function with an accel node is not listed twice.
        bool dup = !f.pci_address.empty() &&
                   std::any_of(out->begin(), out->end(),
                               [&](const NodeInfo& o) { return o.pci_address == f.pci_address; });
        if (!dup)
            out->push_back(std::move(f));
    }
}

std::vector<NodeInfo> scan_nodes() {
    std::vector<NodeInfo> nodes;
    find_accel_nodes(&nodes);
    find_render_nodes(&nodes);
    return nodes;
}

}  // namespace

std::unique_ptr<Backend> make_kernel_backend(std::string* error_message) {
    std::vector<NodeInfo> nodes = scan_nodes();
    if (nodes.empty()) {
        // Short enough for tern_error_detail.message (256 bytes).
        std::string why = path_exists("/sys/module/tern")
                              ? "the tern module is loaded (/sys/module/tern) but bound to "
                                "no device; see `sudo dmesg | grep -i tern`"
                              : "the tern module is not loaded (no /sys/module/tern; "
                                "`sudo modprobe tern`, then see dmesg)";
        *error_message =
            "no Tern device found: " + why + ". Without a device, set TERN_BACKEND=mock.";
        return nullptr;
    }
    return std::make_unique<KernelBackend>(std::move(nodes));
}

}  // namespace tern::rt
