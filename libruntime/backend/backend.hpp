// SPDX-License-Identifier: MIT
// The runtime's only way down: the Tern UAPI (include/uapi/drm/tern_accel.h)
// plus the few DRM core ioctls it uses. The kernel backend forwards these to
// a device node; the mock backend implements them in userspace over the
// device model. Everything above this interface runs identically on both.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace tern::rt {

// One device as discovered, before it is opened.
struct NodeInfo {
    std::string path;         // e.g. /dev/accel/accel0, or "mock:0"
    std::string pci_address;  // domain:bus:device.function, "" if unknown
};

// One open file on a device: what open(2) returns for a DRM node. Each file
// has its own device address space (docs/uapi.md).
class File {
public:
    virtual ~File() = default;

    // Issues one ioctl. Returns 0 or a negative errno, exactly as the kernel
    // would (EINTR/EAGAIN are retried by the implementation, like drmIoctl).
    // Supported requests: every DRM_IOCTL_TERN_* and DRM_IOCTL_GEM_CLOSE,
    // DRM_IOCTL_SYNCOBJ_{CREATE,DESTROY,TIMELINE_WAIT,QUERY,TIMELINE_SIGNAL}.
    virtual int ioctl(unsigned long request, void* arg) = 0;

    // Maps a buffer object at the fake offset that DRM_IOCTL_TERN_BO_INFO
    // returned. Returns nullptr and sets *err (negative errno) on failure.
    virtual void* mmap(uint64_t offset, size_t length, int* err) = 0;
    virtual int munmap(void* addr, size_t length) = 0;
};

// A way of reaching devices: the kernel's device nodes or the mock.
class Backend {
public:
    virtual ~Backend() = default;
    virtual const char* name() const = 0;  // "kernel" or "mock"
    // Devices this backend can open, in a stable order.
    virtual std::vector<NodeInfo> enumerate() = 0;
    // Opens a new file on device `index`. Returns nullptr and sets *err
    // (negative errno) on failure.
    virtual std::unique_ptr<File> open(size_t index, int* err) = 0;
    // Opens a new file on the device `node` names (an entry of an earlier
    // enumerate()), by its path, so that it stays right when the list has
    // changed since (partitions created or removed). -ENODEV in *err when
    // the device is gone.
    virtual std::unique_ptr<File> open_node(const NodeInfo& node, int* err) = 0;
    // Files open on `node` in this process, for a backend whose devices
    // live inside the process (the mock); -1 when the backend cannot tell
    // (the kernel's holders are found in /proc).
    virtual int local_open_files(const NodeInfo& node) {
        (void)node;
        return -1;
    }
};

// Backend selection (TERN_BACKEND=kernel|mock, default kernel). Never falls
// back silently: an unknown name or an unavailable backend is an error that
// says what to do. Returns nullptr and fills *error_message on failure.
std::unique_ptr<Backend> make_backend(const char* name, std::string* error_message);

}  // namespace tern::rt
