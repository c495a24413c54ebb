// SPDX-License-Identifier: MIT
// tern_device_get_properties and tern_device_get_telemetry: device
// parameters and telemetry samples through the UAPI, plus the PCI link and
// transport from sysfs on the kernel backend.
#include "admin_util.hpp"
#include "api_struct.hpp"
#include "device.hpp"
#include "driver_sysfs.hpp"
#include "runtime.hpp"
#include "status.hpp"

#include <drm/tern_accel.h>

#include <cstdio>
#include <cstring>

namespace tern::rt {

// The C ABI mirrors the UAPI's bits so that values pass through unchanged.
static_assert(TERN_CAP_FP32 == DRM_TERN_CAP_FP32 && TERN_CAP_BF16 == DRM_TERN_CAP_BF16 &&
              TERN_CAP_FP16 == DRM_TERN_CAP_FP16 && TERN_CAP_INT32 == DRM_TERN_CAP_INT32 &&
              TERN_CAP_SEMAPHORES == DRM_TERN_CAP_SEMAPHORES &&
              TERN_CAP_TIMESTAMP == DRM_TERN_CAP_TIMESTAMP &&
              TERN_CAP_LARGE_PAGES == DRM_TERN_CAP_LARGE_PAGES &&
              TERN_CAP_PARTITIONING == DRM_TERN_CAP_PARTITIONING &&
              TERN_CAP_ERR_INJECT == DRM_TERN_CAP_ERR_INJECT &&
              TERN_CAP_TIMELINE_SYNCOBJ == DRM_TERN_CAP_TIMELINE_SYNCOBJ &&
              TERN_CAP_DEVICE_MMAP == DRM_TERN_CAP_DEVICE_MMAP &&
              TERN_CAP_PARTITION_SET == DRM_TERN_CAP_PARTITION_SET &&
              TERN_CAP_TELEMETRY == DRM_TERN_CAP_TELEMETRY &&
              TERN_CAP_EMULATED == DRM_TERN_CAP_EMULATED);
static_assert(TERN_TELEMETRY_TEMP_DIE == DRM_TERN_TELEM_TEMP_DIE &&
              TERN_TELEMETRY_TEMP_HBM == DRM_TERN_TELEM_TEMP_HBM &&
              TERN_TELEMETRY_COOLANT_IN == DRM_TERN_TELEM_COOLANT_IN &&
              TERN_TELEMETRY_COOLANT_OUT == DRM_TERN_TELEM_COOLANT_OUT &&
              TERN_TELEMETRY_COOLANT_FLOW == DRM_TERN_TELEM_COOLANT_FLOW &&
              TERN_TELEMETRY_POWER == DRM_TERN_TELEM_POWER &&
              TERN_TELEMETRY_ENERGY == DRM_TERN_TELEM_ENERGY &&
              TERN_TELEMETRY_CORE_UTIL == DRM_TERN_TELEM_CORE_UTIL &&
              TERN_TELEMETRY_ECC == DRM_TERN_TELEM_ECC &&
              TERN_TELEMETRY_CLOCK == DRM_TERN_TELEM_CLOCK);
static_assert(TERN_TELEMETRY_MAX_CORES == DRM_TERN_MAX_CORES);

tern_status read_telemetry(Device* d, File* file, tern_telemetry* out) {
    if ((d->caps() & DRM_TERN_CAP_TELEMETRY) == 0)
        return fail(TERN_ERROR_NOT_SUPPORTED, "{} has no telemetry (DRM_TERN_CAP_TELEMETRY clear)",
                    d->node().path);
    drm_tern_telemetry t{};
    drm_tern_get_info g{};
    g.query = DRM_TERN_INFO_TELEMETRY;
    g.size = sizeof(t);
    g.data_ptr = reinterpret_cast<uintptr_t>(&t);
    if (int r = file->ioctl(DRM_IOCTL_TERN_GET_INFO, &g); r != 0)
        return fail(status_from_errno(r), "GET_INFO(TELEMETRY) on {} failed: {}", d->node().path,
                    errno_name(r));
    // A shorter block from an older driver is zero-filled and its bits clear.
    tern_telemetry o{};
    o.struct_size = sizeof(o);
    o.valid = t.valid & 0x3ffu;
    o.seq = t.seq;
    o.timestamp_ns = t.timestamp_ns;
    o.temp_die_mc = t.temp_die_mc;
    o.temp_hbm_mc = t.temp_hbm_mc;
    o.coolant_in_mc = t.coolant_in_mc;
    o.coolant_out_mc = t.coolant_out_mc;
    o.temp_limit_mc = t.temp_limit_mc;
    o.coolant_flow_ml_min = t.coolant_flow_ml_min;
    o.power_mw = t.power_mw;
    o.clock_mhz = t.clock_mhz;
    o.energy_uj = t.energy_uj;
    o.ecc_corrected = t.ecc_corrected;
    o.ecc_uncorrected = t.ecc_uncorrected;
    o.throttled = t.throttled != 0 ? 1 : 0;
    o.heartbeat = t.heartbeat;
    o.num_cores = t.num_cores <= TERN_TELEMETRY_MAX_CORES ? t.num_cores : TERN_TELEMETRY_MAX_CORES;
    for (uint32_t c = 0; c < o.num_cores; ++c)
        o.core_util[c] = t.core_util[c] <= 10000 ? t.core_util[c] : 10000;
    *out = o;
    return TERN_OK;
}

}  // namespace tern::rt

using namespace tern::rt;

extern "C" {

TERN_API tern_status tern_device_get_properties(tern_device device,
                                                tern_device_properties* properties) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Device* d = lookup<Device>(device);
    if (d == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not an open device handle");
    if (tern_status s = check_out_struct(properties, "properties"); s != TERN_OK)
        return s;
    tern_device_properties p{};
    p.struct_size = sizeof(p);
    uint64_t vendor = 0, dev_id = 0, rev = 0, mask = 0, queues = 0, ctxs = 0, spaces = 0,
             va_bits = 0, parts = 0, page = 0, freq = 0;
    for (auto [id, dst] : {std::pair{DRM_TERN_PARAM_VENDOR_ID, &vendor},
                           {DRM_TERN_PARAM_DEVICE_ID, &dev_id},
                           {DRM_TERN_PARAM_REVISION, &rev},
                           {DRM_TERN_PARAM_CORE_MASK, &mask},
                           {DRM_TERN_PARAM_NUM_QUEUES, &queues},
                           {DRM_TERN_PARAM_MAX_CONTEXTS, &ctxs},
                           {DRM_TERN_PARAM_MAX_ADDRESS_SPACES, &spaces},
                           {DRM_TERN_PARAM_VA_BITS, &va_bits},
                           {DRM_TERN_PARAM_MAX_PARTITIONS, &parts},
                           {DRM_TERN_PARAM_PAGE_SIZE, &page},
                           {DRM_TERN_PARAM_TIMESTAMP_FREQ, &freq}}) {
        if (tern_status s = d->param(id, dst); s != TERN_OK)
            return s;
    }
    p.vendor_id = uint32_t(vendor);
    p.device_id = uint32_t(dev_id);
    p.revision = uint32_t(rev);
    p.capabilities = d->caps();
    p.core_mask = uint32_t(mask);
    p.num_queues = uint32_t(queues);
    p.max_contexts = uint32_t(ctxs);
    p.max_address_spaces = uint32_t(spaces);
    p.va_bits = uint32_t(va_bits);
    p.max_partitions = uint32_t(parts);
    p.page_size = page;
    p.timestamp_freq_hz = freq;
    if (is_mock_backend()) {
        std::snprintf(p.transport, sizeof(p.transport), "mock");
    } else {
        sysfs::FunctionAttrs a =
            sysfs::read_function_attrs(sysfs::pci_device_dir("/sys", d->node().pci_address));
        std::snprintf(p.transport, sizeof(p.transport), "%s", a.transport.c_str());
        p.link_speed_mts = a.link_speed_mts;
        p.link_width = a.link_width;
        p.link_max_speed_mts = a.link_max_speed_mts;
        p.link_max_width = a.link_max_width;
    }
    write_struct(properties, p);
    return TERN_OK;
}

TERN_API tern_status tern_device_get_telemetry(tern_device device, tern_telemetry* telemetry) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Device* d = lookup<Device>(device);
    if (d == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not an open device handle");
    if (tern_status s = check_out_struct(telemetry, "telemetry"); s != TERN_OK)
        return s;
    std::unique_ptr<File> file;
    if (tern_status s = d->open_file(&file); s != TERN_OK)
        return s;
    tern_telemetry t{};
    if (tern_status s = read_telemetry(d, file.get(), &t); s != TERN_OK)
        return s;
    write_struct(telemetry, t);
    return TERN_OK;
}

}  // extern "C"
