// SPDX-License-Identifier: MIT
// tern_device_get_processes: who holds a device. The kernel backend reads
// the driver's fdinfo keys of every process; the mock backend can only
// speak for the calling process, whose devices they are.
#include "admin_util.hpp"
#include "api_struct.hpp"
#include "device.hpp"
#include "drm_holders.hpp"
#include "runtime.hpp"
#include "status.hpp"

#include <drm/tern_accel.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <vector>

namespace tern::rt {

namespace {

std::string own_command() {
    std::ifstream in("/proc/self/comm");
    std::string comm;
    std::getline(in, comm);
    return comm;
}

// Device memory held by this process on a mock function: everything
// allocated on it, less the windows a PF has handed to enabled VFs (which
// are not PF allocations).
tern_status mock_device_memory(Device* d, uint64_t* bytes) {
    uint64_t size = 0, free_bytes = 0;
    if (tern_status s = d->param(DRM_TERN_PARAM_MEM_SIZE, &size); s != TERN_OK)
        return s;
    if (tern_status s = d->param(DRM_TERN_PARAM_MEM_FREE, &free_bytes); s != TERN_OK)
        return s;
    uint64_t used = size > free_bytes ? size - free_bytes : 0;
    if ((d->caps() & DRM_TERN_CAP_PARTITION_SET) != 0) {
        std::unique_ptr<File> file;
        if (tern_status s = d->open_file(&file); s != TERN_OK)
            return s;
        drm_tern_partition_table t{};
        drm_tern_get_info g{};
        g.query = DRM_TERN_INFO_PARTITIONS;
        g.size = sizeof(t);
        g.data_ptr = reinterpret_cast<uintptr_t>(&t);
        if (int r = file->ioctl(DRM_IOCTL_TERN_GET_INFO, &g); r != 0)
            return fail(status_from_errno(r), "GET_INFO(PARTITIONS) on {} failed: {}",
                        d->node().path, errno_name(r));
        if (t.enabled_vfs != 0) {
            for (uint32_t i = 0; i < t.num_vfs && i < DRM_TERN_MAX_PARTITIONS; ++i) {
                uint64_t w = t.entries[i].mem_size;
                used = used > w ? used - w : 0;
            }
        }
    }
    *bytes = used;
    return TERN_OK;
}

tern_process_info to_c(const holders::Holder& h) {
    tern_process_info p{};
    p.struct_size = sizeof(p);
    p.pid = h.pid;
    std::snprintf(p.command, sizeof(p.command), "%s", h.command.c_str());
    p.valid = TERN_PROCESS_FILES;
    p.num_files = h.files;
    if (h.has_device_memory) {
        p.valid |= TERN_PROCESS_DEVICE_MEMORY;
        p.device_memory_bytes = h.device_memory_bytes;
    }
    if (h.has_host_memory) {
        p.valid |= TERN_PROCESS_HOST_MEMORY;
        p.host_memory_bytes = h.host_memory_bytes;
    }
    if (h.has_engine) {
        p.valid |= TERN_PROCESS_ENGINE_TIME;
        p.engine_time_ns = h.engine_ns;
    }
    return p;
}

}  // namespace

}  // namespace tern::rt

using namespace tern::rt;

extern "C" {

TERN_API tern_status tern_device_get_processes(tern_device device, tern_process_info* processes,
                                               uint32_t capacity, uint32_t* count,
                                               uint32_t* uninspected) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Device* d = lookup<Device>(device);
    if (d == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not an open device handle");
    if (count == nullptr)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "count is NULL");
    if (capacity != 0 && processes == nullptr)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "processes is NULL with capacity {}", capacity);
    // The caller's array stride is its sizeof, which every element states.
    const uint32_t stride = capacity != 0 ? processes[0].struct_size : 0;
    if (capacity != 0 && stride < sizeof(tern_process_info))
        return fail(TERN_ERROR_INVALID_ARGUMENT,
                    "processes[0].struct_size is {}, expected sizeof = {} (set it in every entry)",
                    stride, sizeof(tern_process_info));
    auto entry = [&](uint32_t i) {
        return reinterpret_cast<tern_process_info*>(reinterpret_cast<char*>(processes) +
                                                    size_t(i) * stride);
    };
    for (uint32_t i = 1; i < capacity; ++i) {
        if (entry(i)->struct_size != stride)
            return fail(TERN_ERROR_INVALID_ARGUMENT,
                        "processes[{}].struct_size is {}, processes[0]'s is {}: set every "
                        "entry's to sizeof(tern_process_info)",
                        i, entry(i)->struct_size, stride);
    }

    std::vector<tern_process_info> found;
    uint32_t hidden = 0;
    if (is_mock_backend()) {
        tern_process_info p{};
        p.struct_size = sizeof(p);
        p.pid = int32_t(getpid());
        std::snprintf(p.command, sizeof(p.command), "%s", own_command().c_str());
        p.valid = TERN_PROCESS_DEVICE_MEMORY;
        if (tern_status s = mock_device_memory(d, &p.device_memory_bytes); s != TERN_OK)
            return s;
        found.push_back(p);
    } else {
        holders::Target target{"tern", d->node().pci_address, d->node().path};
        holders::Scan scan = holders::scan("/proc", target);
        hidden = scan.uninspected;
        for (const holders::Holder& h : scan.holders)
            found.push_back(to_c(h));
    }
    for (uint32_t i = 0; i < capacity && i < found.size(); ++i)
        write_struct(entry(i), found[i]);
    *count = uint32_t(found.size());
    if (uninspected != nullptr)
        *uninspected = hidden;
    return TERN_OK;
}

}  // extern "C"
