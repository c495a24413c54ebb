// SPDX-License-Identifier: MIT
// Information and administration ioctls: GET_PARAM, GET_INFO (telemetry and
// partition table read from the function's registers) and PARTITION_SET.
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "mock/mock_device.hpp"
#include "mock/mock_file.hpp"
#include "mock/mock_util.hpp"
#include "mock/mock_vm.hpp"
#include "tern/hw/tern_mmu.h"

namespace tern::rt::mock {

namespace {

constexpr uint64_t kDriverVersion = (0ull << 32) | (1ull << 16) | 0;  // 0.1.0
constexpr uint64_t kTimestampHz = 1000000000ull;

uint64_t capabilities(const DeviceInfo& info) {
    uint64_t caps = info.caps;  // bits 0..31: the CAPS register
    caps |= DRM_TERN_CAP_TIMELINE_SYNCOBJ | DRM_TERN_CAP_DEVICE_MMAP | DRM_TERN_CAP_TELEMETRY |
            DRM_TERN_CAP_EMULATED;
    if (!info.is_vf && (info.caps & TERN_CAP_PARTITIONING) != 0) {
        caps |= DRM_TERN_CAP_PARTITION_SET;
    }
    return caps;
}

void read_telemetry(sim::Function& f, const DeviceInfo& info, drm_tern_telemetry* t) {
    // hw-spec 8.3: re-read if a tick landed in the middle.
    for (int attempt = 0; attempt < 4; ++attempt) {
        std::memset(t, 0, sizeof(*t));
        const uint32_t seq = f.read32(TERN_REG_TELEM_SEQ);
        t->valid = f.read32(TERN_REG_TELEM_VALID) & 0x3ff;
        t->seq = seq;
        t->timestamp_ns = f.read64(TERN_REG_TIMESTAMP);
        t->temp_die_mc = static_cast<int32_t>(f.read32(TERN_REG_TEMP_DIE));
        t->temp_hbm_mc = static_cast<int32_t>(f.read32(TERN_REG_TEMP_HBM));
        t->coolant_in_mc = static_cast<int32_t>(f.read32(TERN_REG_COOLANT_IN));
        t->coolant_out_mc = static_cast<int32_t>(f.read32(TERN_REG_COOLANT_OUT));
        t->temp_limit_mc = static_cast<int32_t>(f.read32(TERN_REG_TEMP_LIMIT));
        t->coolant_flow_ml_min = f.read32(TERN_REG_COOLANT_FLOW);
        t->power_mw = f.read32(TERN_REG_POWER);
        t->clock_mhz = f.read32(TERN_REG_CLOCK_MHZ);
        t->energy_uj = f.read64(TERN_REG_ENERGY);
        t->ecc_corrected = f.read64(TERN_REG_ECC_CORRECTED);
        t->ecc_uncorrected = f.read64(TERN_REG_ECC_UNCORRECTED);
        t->throttled = (f.read32(TERN_REG_DEV_STATUS) & TERN_DEV_STATUS_THROTTLED) != 0 ? 1 : 0;
        t->heartbeat = f.read32(TERN_REG_HEARTBEAT);
        t->num_cores = std::min<uint32_t>(info.num_cores, DRM_TERN_MAX_CORES);
        for (uint32_t c = 0; c < t->num_cores; ++c) {
            t->core_util[c] = f.read32(TERN_REG_CORE_UTIL(c));
        }
        if (f.read32(TERN_REG_TELEM_SEQ) == seq) {
            break;
        }
    }
}

}  // namespace

int MockFile::get_param(void* arg) {
    auto* p = static_cast<drm_tern_param*>(arg);
    if (removed()) {
        return -ENODEV;
    }
    const DeviceInfo& info = dev_->info();
    uint64_t v = 0;
    switch (p->param) {
        case DRM_TERN_PARAM_DEVICE_ID:
            v = info.is_vf ? TERN_PCI_DEVICE_VF : TERN_PCI_DEVICE_PF;
            break;
        case DRM_TERN_PARAM_REVISION:
            v = TERN_PCI_REVISION;
            break;
        case DRM_TERN_PARAM_UAPI_VERSION:
            v = TERN_UAPI_VERSION;
            break;
        case DRM_TERN_PARAM_CAPABILITIES:
            v = capabilities(info);
            break;
        case DRM_TERN_PARAM_NUM_CORES:
            v = info.num_cores;
            break;
        case DRM_TERN_PARAM_CORE_MASK:
            v = info.core_mask;
            break;
        case DRM_TERN_PARAM_MEM_SIZE:
            v = info.mem_size;
            break;
        case DRM_TERN_PARAM_MEM_FREE:
            v = dev_->devmem_free_bytes();
            break;
        case DRM_TERN_PARAM_NUM_QUEUES:
        case DRM_TERN_PARAM_MAX_CONTEXTS:  // one hardware queue per context
            v = info.num_queues;
            break;
        case DRM_TERN_PARAM_VA_BITS:
            v = TERN_VA_BITS;
            break;
        case DRM_TERN_PARAM_VA_START:
            v = kVaStart;
            break;
        case DRM_TERN_PARAM_VA_END:
            v = kVaEnd;
            break;
        case DRM_TERN_PARAM_PAGE_SIZE:
            v = TERN_PAGE_SIZE;
            break;
        case DRM_TERN_PARAM_NUMA_NODE:
            v = static_cast<uint64_t>(static_cast<int64_t>(info.numa_node));
            break;
        case DRM_TERN_PARAM_PCI_ADDRESS:
            v = info.pci_address;
            break;
        case DRM_TERN_PARAM_FUNCTION:
            v = info.func_info & (TERN_FUNC_IS_VF | TERN_FUNC_VF_INDEX);
            break;
        case DRM_TERN_PARAM_HW_VERSION:
            v = info.hw_version;
            break;
        case DRM_TERN_PARAM_FW_VERSION:
            v = info.fw_version;
            break;
        case DRM_TERN_PARAM_DRIVER_VERSION:
            v = kDriverVersion;
            break;
        case DRM_TERN_PARAM_TIMESTAMP_FREQ:
            v = kTimestampHz;
            break;
        case DRM_TERN_PARAM_TIMESTAMP:
            v = dev_->fn().read64(TERN_REG_TIMESTAMP);
            break;
        case DRM_TERN_PARAM_VENDOR_ID:
            v = TERN_PCI_VENDOR_ID;
            break;
        case DRM_TERN_PARAM_MAX_ADDRESS_SPACES:
            v = info.num_asids;
            break;
        case DRM_TERN_PARAM_MAX_PARTITIONS:
            v = !info.is_vf && (info.caps & TERN_CAP_PARTITIONING) != 0 ? TERN_MAX_VFS : 0;
            break;
        default:
            return -EINVAL;
    }
    if (p->index != 0) {
        return -EINVAL;
    }
    p->value = v;
    return 0;
}

int MockFile::get_info(void* arg) {
    auto* g = static_cast<drm_tern_get_info*>(arg);
    if (removed()) {
        return -ENODEV;
    }
    const DeviceInfo& info = dev_->info();
    const uint64_t caps = capabilities(info);
    if ((g->query == DRM_TERN_INFO_PARTITIONS && (caps & DRM_TERN_CAP_PARTITION_SET) == 0) ||
        (g->query == DRM_TERN_INFO_TELEMETRY && (caps & DRM_TERN_CAP_TELEMETRY) == 0)) {
        return -EOPNOTSUPP;
    }
    if ((g->query != DRM_TERN_INFO_TELEMETRY && g->query != DRM_TERN_INFO_PARTITIONS) ||
        g->flags != 0 || g->pad != 0) {
        return -EINVAL;
    }
    auto* dst = reinterpret_cast<uint8_t*>(static_cast<uintptr_t>(g->data_ptr));
    if (g->size != 0 && dst == nullptr) {
        return -EFAULT;
    }
    union {
        drm_tern_telemetry telem;
        drm_tern_partition_table parts;
    } block;
    uint32_t block_size = 0;
    if (g->query == DRM_TERN_INFO_TELEMETRY) {
        read_telemetry(dev_->fn(), info, &block.telem);
        block_size = sizeof(block.telem);
    } else {
        dev_->partition_table(&block.parts);
        block_size = sizeof(block.parts);
    }
    if (g->size != 0) {
        const uint32_t n = std::min(g->size, block_size);
        std::memcpy(dst, &block, n);
        std::memset(dst + n, 0, g->size - n);
    }
    g->size = block_size;
    return 0;
}

int MockFile::partition_set(void* arg) {
    auto* a = static_cast<drm_tern_partition_set*>(arg);
    if (removed()) {
        return -ENODEV;
    }
    if ((capabilities(dev_->info()) & DRM_TERN_CAP_PARTITION_SET) == 0) {
        return -EOPNOTSUPP;
    }
    if (!thread_capable(kCapSysAdmin)) {
        return -EPERM;
    }
    if (a->num_vfs > DRM_TERN_MAX_PARTITIONS) {
        return -E2BIG;
    }
    if (a->flags != 0 || a->entry_size < sizeof(drm_tern_partition) || a->pad != 0) {
        return -EINVAL;
    }
    const auto* src = reinterpret_cast<const uint8_t*>(static_cast<uintptr_t>(a->entries_ptr));
    drm_tern_partition entries[DRM_TERN_MAX_PARTITIONS] = {};
    if (src != nullptr) {
        const uint64_t card_mem = dev_->card_mem_size();
        const uint32_t cores = dev_->card_num_cores();
        const uint32_t card_mask = cores >= 32 ? ~0u : (1u << cores) - 1;
        uint32_t used_cores = 0;
        for (uint32_t i = 0; i < a->num_vfs; ++i) {
            const uint8_t* e = src + static_cast<size_t>(i) * a->entry_size;
            std::memcpy(&entries[i], e, sizeof(drm_tern_partition));
            for (uint32_t b = sizeof(drm_tern_partition); b < a->entry_size; ++b) {
                if (e[b] != 0) {
                    return -EINVAL;  // a field this driver does not know
                }
            }
            const drm_tern_partition& p = entries[i];
            if (p.flags != 0 || p.mem_base % TERN_PART_ALIGN != 0 || p.mem_size == 0 ||
                p.mem_size % TERN_PART_ALIGN != 0 || p.mem_base > card_mem ||
                p.mem_size > card_mem - p.mem_base) {
                return -EINVAL;
            }
            for (uint32_t j = 0; j < i; ++j) {
                const drm_tern_partition& o = entries[j];
                if (p.mem_base < o.mem_base + o.mem_size && o.mem_base < p.mem_base + p.mem_size) {
                    return -EINVAL;
                }
            }
            if (p.core_mask == 0 || (p.core_mask & ~card_mask) != 0 ||
                (p.core_mask & used_cores) != 0) {
                return -EINVAL;
            }
            used_cores |= p.core_mask;
            if (p.num_queues < 1 || p.num_queues > TERN_MAX_QUEUES || p.num_asids < 1 ||
                p.num_asids > TERN_MAX_ASIDS) {
                return -EINVAL;
            }
        }
    }
    if (a->num_vfs != 0 && src == nullptr) {
        return -EFAULT;
    }
    return dev_->partition_set(entries, a->num_vfs);
}

}  // namespace tern::rt::mock
