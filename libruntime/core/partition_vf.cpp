// SPDX-License-Identifier: MIT
#include "partition_vf.hpp"

#include "admin_util.hpp"
#include "device.hpp"
#include "driver_sysfs.hpp"
#include "drm_holders.hpp"
#include "partition_sysfs.hpp"
#include "status.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <map>

namespace tern::rt::partition {

namespace {

constexpr const char* kDriverName = "tern";

bool get(File& f, uint32_t id, uint64_t* value) {
    drm_tern_param p{};
    p.param = id;
    if (f.ioctl(DRM_IOCTL_TERN_GET_PARAM, &p) != 0)
        return false;
    *value = p.value;
    return true;
}

// "0000:01" of "0000:01:00.1", "" if there is no bus.
std::string bus_of(const std::string& pci_address) {
    const size_t colon = pci_address.rfind(':');
    return colon == std::string::npos ? std::string() : pci_address.substr(0, colon);
}

std::string own_command() {
    std::ifstream in("/proc/self/comm");
    std::string comm;
    std::getline(in, comm);
    return comm;
}

tern_partition_holder make_holder(uint32_t vf, int pid, uint32_t files, const std::string& command,
                                  const std::string& driver) {
    tern_partition_holder h{};
    h.struct_size = sizeof(h);
    h.partition_index = vf;
    h.pid = pid;
    h.num_files = files;
    std::snprintf(h.command, sizeof(h.command), "%s", command.c_str());
    std::snprintf(h.driver, sizeof(h.driver), "%s", driver.c_str());
    return h;
}

}  // namespace

std::vector<drm_tern_partition> entries_of(const drm_tern_partition_table& t) {
    const uint32_t n = t.num_vfs <= DRM_TERN_MAX_PARTITIONS ? t.num_vfs : DRM_TERN_MAX_PARTITIONS;
    return std::vector<drm_tern_partition>(t.entries, t.entries + n);
}

tern_status read_table(Device* pf, File* file, drm_tern_partition_table* out) {
    drm_tern_partition_table t{};
    drm_tern_get_info g{};
    g.query = DRM_TERN_INFO_PARTITIONS;
    g.size = sizeof(t);
    g.data_ptr = reinterpret_cast<uintptr_t>(&t);
    if (int r = file->ioctl(DRM_IOCTL_TERN_GET_INFO, &g); r != 0)
        return fail(status_from_errno(r), "GET_INFO(PARTITIONS) on {} failed: {}", pf->node().path,
                    errno_name(r));
    *out = t;
    return TERN_OK;
}

std::string pf_sysfs_dir(const Device& pf) {
    if (is_mock_backend())
        return {};
    return sysfs::pci_device_dir("/sys", pf.node().pci_address);
}

std::vector<std::optional<NodeInfo>> find_vf_nodes(Backend& backend, const Device& pf,
                                                   const std::vector<drm_tern_partition>& entries,
                                                   const std::vector<NodeInfo>& nodes) {
    std::vector<std::optional<NodeInfo>> out(entries.size());
    auto by_address = [&](uint32_t i, const std::string& addr) {
        for (const NodeInfo& n : nodes)
            if (!addr.empty() && n.pci_address == addr)
                out[i] = n;
    };
    const std::string dir = pf_sysfs_dir(pf);
    // tern.ko's own list covers SR-IOV VFs and the emulator's VF ports.
    std::map<uint32_t, std::string> bound;
    if (sriov::read_bound_vfs(dir, &bound)) {
        for (const auto& [i, addr] : bound)
            if (i < entries.size())
                by_address(i, addr);
        return out;
    }
    if (!dir.empty() && sriov::has_sriov(dir)) {
        for (uint32_t i = 0; i < entries.size(); ++i)
            by_address(i, sriov::vf_pci_address(dir, i));
        return out;
    }
    const std::string bus = bus_of(pf.node().pci_address);
    for (const NodeInfo& n : nodes) {
        if (n.path == pf.node().path)
            continue;
        int err = 0;
        std::unique_ptr<File> f = backend.open_node(n, &err);
        uint64_t fn = 0, mask = 0;
        if (!f || !get(*f, DRM_TERN_PARAM_FUNCTION, &fn) || (fn & DRM_TERN_FUNCTION_IS_VF) == 0)
            continue;
        const uint32_t i = DRM_TERN_FUNCTION_VF_INDEX(fn);
        if (i >= entries.size() || !get(*f, DRM_TERN_PARAM_CORE_MASK, &mask) ||
            mask != entries[i].core_mask)
            continue;
        const bool same_bus = !bus.empty() && bus_of(n.pci_address) == bus;
        if (!out[i] || (same_bus && bus_of(out[i]->pci_address) != bus))
            out[i] = n;
    }
    return out;
}

Holders find_holders(Backend& backend, const Device& pf,
                     const std::vector<std::optional<NodeInfo>>& vf_nodes, uint32_t enabled_vfs) {
    Holders h;
    for (uint32_t i = 0; i < vf_nodes.size(); ++i) {
        if (!vf_nodes[i])
            continue;
        const NodeInfo& node = *vf_nodes[i];
        // The mock's devices live here: its holders are this process's files.
        const int local = backend.local_open_files(node);
        if (local >= 0) {
            if (local > 0)
                h.list.push_back(make_holder(i, int(getpid()), uint32_t(local), own_command(), ""));
            continue;
        }
        holders::Scan scan = holders::scan("/proc", {kDriverName, node.pci_address, node.path});
        // The same unreadable processes are counted by every scan.
        h.uninspected = std::max(h.uninspected, scan.uninspected);
        for (const holders::Holder& p : scan.holders)
            h.list.push_back(make_holder(i, p.pid, p.files, p.command, ""));
    }
    // An enabled VF bound to another driver (vfio-pci: assigned to a VM)
    // is held too, though no Tern node shows it.
    const std::string dir = pf_sysfs_dir(pf);
    if (!dir.empty() && sriov::has_sriov(dir)) {
        for (uint32_t i = 0; i < enabled_vfs; ++i) {
            const std::string drv = sriov::vf_driver(dir, i);
            if (!drv.empty() && drv != kDriverName)
                h.list.push_back(make_holder(i, 0, 0, "", drv));
        }
    }
    return h;
}

std::string describe_holders(const Holders& h, size_t max_chars) {
    std::string out;
    size_t shown = 0;
    for (const tern_partition_holder& x : h.list) {
        std::string one =
            x.pid != 0
                ? fmt::format("partition {} by pid {} ({}{})", x.partition_index, x.pid,
                              x.command[0] != '\0' ? x.command : "?",
                              x.num_files != 0 ? fmt::format(", {} file{}", x.num_files,
                                                             x.num_files == 1 ? "" : "s")
                                               : std::string())
                : fmt::format("partition {} bound to driver {}", x.partition_index, x.driver);
        const std::string sep = out.empty() ? "" : "; ";
        if (shown > 0 && out.size() + sep.size() + one.size() > max_chars)
            break;
        out += sep + one;
        ++shown;
    }
    if (shown < h.list.size())
        out += fmt::format(" and {} more", h.list.size() - shown);
    if (h.uninspected != 0)
        out += fmt::format(" (+{} uninspected: run as root)", h.uninspected);
    return out;
}

}  // namespace tern::rt::partition
