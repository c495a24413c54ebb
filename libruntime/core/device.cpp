// SPDX-License-Identifier: MIT
#include "device.hpp"

#include "api_struct.hpp"
#include "log.hpp"
#include "runtime.hpp"
#include "status.hpp"

#include <drm/tern_accel.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace tern::rt {

Device::Device(uint32_t index, NodeInfo node, Backend* backend)
    : Object(kKind), index_(index), node_(std::move(node)), backend_(backend) {}

Device::~Device() = default;

tern_status open_error(int err, const std::string& path) {
    tern_status s = status_from_errno(err, ErrnoOp::open);
    if (s == TERN_ERROR_PERMISSION)
        return fail(s,
                    "cannot open {}: {} ({}); the node's group (see `ls -l {}`) must include "
                    "this user, which the Tern udev rules set up",
                    path, std::strerror(-err), errno_name(err), path);
    return fail(s, "cannot open {}: {} ({})", path, std::strerror(-err), errno_name(err));
}

tern_status Device::open_file(std::unique_ptr<File>* out) {
    int err = 0;
    *out = backend_->open_node(node_, &err);
    if (!*out)
        return open_error(err != 0 ? err : -EIO, node_.path);
    return TERN_OK;
}

tern_status Device::param(uint32_t id, uint64_t* value) {
    drm_tern_param p{};
    p.param = id;
    int r = control_->ioctl(DRM_IOCTL_TERN_GET_PARAM, &p);
    if (r != 0)
        return fail(status_from_errno(r), "GET_PARAM {} on {} failed: {}", id, node_.path,
                    errno_name(r));
    *value = p.value;
    return TERN_OK;
}

bool Device::responsive() {
    drm_tern_param p{};
    p.param = DRM_TERN_PARAM_UAPI_VERSION;
    return control_ && control_->ioctl(DRM_IOCTL_TERN_GET_PARAM, &p) == 0;
}

bool Device::device_mmap() const {
    return device_mmap_;
}

tern_status Device::init() {
    if (tern_status s = open_file(&control_); s != TERN_OK)
        return s;
    uint64_t v = 0;
    if (tern_status s = param(DRM_TERN_PARAM_UAPI_VERSION, &v); s != TERN_OK)
        return s;
    uapi_version_ = uint32_t(v);
    unsigned major = TERN_UAPI_VERSION_GET_MAJOR(uapi_version_);
    unsigned minor = TERN_UAPI_VERSION_GET_MINOR(uapi_version_);
    if (major != TERN_UAPI_VERSION_MAJOR || int(minor) < int(TERN_UAPI_VERSION_MINOR))
        return fail(TERN_ERROR_VERSION_MISMATCH,
                    "the driver of {} implements Tern UAPI {}.{}, this runtime needs UAPI {}.x "
                    "with x >= {}; install matching tern driver and runtime packages",
                    node_.path, major, minor, TERN_UAPI_VERSION_MAJOR, TERN_UAPI_VERSION_MINOR);
    uint64_t cores = 0, page = 0, numa = 0;
    if (tern_status s = param(DRM_TERN_PARAM_CAPABILITIES, &caps_); s != TERN_OK)
        return s;
    if (tern_status s = param(DRM_TERN_PARAM_NUM_CORES, &cores); s != TERN_OK)
        return s;
    if (tern_status s = param(DRM_TERN_PARAM_PAGE_SIZE, &page); s != TERN_OK)
        return s;
    if (tern_status s = param(DRM_TERN_PARAM_NUMA_NODE, &numa); s != TERN_OK)
        return s;
    // TERN_NO_DEVICE_MMAP=1 takes the DMA paths a driver without
    // DRM_TERN_CAP_DEVICE_MMAP needs, so that they are tested on the mock.
    const char* no_mmap = std::getenv("TERN_NO_DEVICE_MMAP");
    device_mmap_ = (caps_ & DRM_TERN_CAP_DEVICE_MMAP) != 0 &&
                   !(no_mmap != nullptr && std::strcmp(no_mmap, "1") == 0);
    num_cores_ = uint32_t(cores);
    page_size_ = page != 0 ? page : 4096;
    numa_node_ = int(int64_t(numa));
    TERN_LOG(info, "opened {} ({} backend): UAPI {}.{}, {} cores, caps {:#x}", node_.path,
             backend_->name(), major, minor, num_cores_, caps_);
    return TERN_OK;
}

tern_status Device::get_info(tern_device_info* out) {
    tern_device_info i{};
    i.struct_size = sizeof(i);
    i.index = index();
    uint64_t fn = 0, mem = 0, mem_free = 0, hw = 0, fw = 0, drv = 0, pci = 0;
    for (auto [id, dst] : {std::pair{DRM_TERN_PARAM_FUNCTION, &fn},
                           {DRM_TERN_PARAM_MEM_SIZE, &mem},
                           {DRM_TERN_PARAM_MEM_FREE, &mem_free},
                           {DRM_TERN_PARAM_HW_VERSION, &hw},
                           {DRM_TERN_PARAM_FW_VERSION, &fw},
                           {DRM_TERN_PARAM_DRIVER_VERSION, &drv},
                           {DRM_TERN_PARAM_PCI_ADDRESS, &pci}}) {
        if (tern_status s = param(id, dst); s != TERN_OK)
            return s;
    }
    i.is_partition = (fn & DRM_TERN_FUNCTION_IS_VF) != 0;
    i.partition_index = i.is_partition ? DRM_TERN_FUNCTION_VF_INDEX(fn) : 0;
    if (i.is_partition)
        std::snprintf(i.name, sizeof(i.name), "Tern T1 partition %u", i.partition_index);
    else
        std::snprintf(i.name, sizeof(i.name), "Tern T1");
    std::snprintf(i.node, sizeof(i.node), "%s", node_.path.c_str());
    if (!node_.pci_address.empty())
        std::snprintf(i.pci_address, sizeof(i.pci_address), "%s", node_.pci_address.c_str());
    else
        std::snprintf(i.pci_address, sizeof(i.pci_address), "%04x:%02x:%02x.%u",
                      DRM_TERN_PCI_ADDRESS_DOMAIN(pci), DRM_TERN_PCI_ADDRESS_BUS(pci),
                      DRM_TERN_PCI_ADDRESS_DEV(pci), DRM_TERN_PCI_ADDRESS_FN(pci));
    std::snprintf(i.backend, sizeof(i.backend), "%s", backend_->name());
    i.num_cores = num_cores_;
    i.numa_node = numa_node_;
    i.memory_total = mem;
    i.memory_free = mem_free;
    i.uapi_version = uapi_version_;
    i.hw_version = uint32_t(hw);
    i.fw_version = uint32_t(fw);
    // The UAPI's major << 32 | minor << 16 | patch, packed like fw_version.
    i.driver_version =
        uint32_t(((drv >> 32) & 0xff) << 24 | ((drv >> 16) & 0xff) << 16 | (drv & 0xffff));
    write_struct(out, i);
    return TERN_OK;
}

}  // namespace tern::rt

using namespace tern::rt;

extern "C" {

TERN_API tern_status tern_device_count(uint32_t* count) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    if (count == nullptr)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "count is NULL");
    Runtime* rt = runtime();
    std::lock_guard lk(rt->mu);  // a rescan may replace the list
    *count = uint32_t(rt->nodes.size());
    return TERN_OK;
}

TERN_API tern_status tern_device_open(uint32_t index, tern_device* device) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Runtime* rt = runtime();
    if (device == nullptr)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "device is NULL");
    std::lock_guard lk(rt->mu);
    if (index >= rt->nodes.size())
        return fail(TERN_ERROR_NO_DEVICE,
                    "device index {} does not exist ({} device(s) on the {} backend)", index,
                    rt->nodes.size(), rt->backend_name);
    if (Device* d = rt->open_devices[index]) {
        ++d->open_count;
        *device = to_handle<tern_device>(d);
        return TERN_OK;
    }
    auto* d = new Device(index, rt->nodes[index], rt->backend.get());
    if (tern_status s = d->init(); s != TERN_OK) {
        d->release();
        return s;
    }
    if (!Registry::instance().add(d)) {
        d->release();
        return fail(TERN_ERROR_OUT_OF_HOST_MEMORY, "too many handles");
    }
    d->open_count = 1;
    rt->open_devices[index] = d;
    *device = to_handle<tern_device>(d);
    return TERN_OK;
}

TERN_API tern_status tern_device_close(tern_device device) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Runtime* rt = runtime();
    std::unique_lock lk(rt->mu);
    Device* d = lookup<Device>(device);
    if (d == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not an open device handle");
    if (--d->open_count > 0)
        return TERN_OK;
    // By identity: a rescan may have moved the device or dropped it.
    for (Device*& slot : rt->open_devices)
        if (slot == d)
            slot = nullptr;
    Registry::instance().remove(d->handle(), Kind::device);
    lk.unlock();
    d->release();  // contexts keep it alive as long as they need it
    return TERN_OK;
}

TERN_API tern_status tern_device_get_info(tern_device device, tern_device_info* info) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Device* d = lookup<Device>(device);
    if (d == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not an open device handle");
    if (tern_status s = check_out_struct(info, "info"); s != TERN_OK)
        return s;
    return d->get_info(info);
}

}  // extern "C"
