// SPDX-License-Identifier: MIT
// The partition calls of include/tern/tern_partition.h: profiles, planning,
// the table, create and destroy with their post-condition checks, holders.
// Through the UAPI (PARTITION_SET, GET_INFO(PARTITIONS), GET_PARAM) on both
// backends, plus sysfs sriov_numvfs on a kernel PF with an SR-IOV
// capability; the rest is partition_plan (what to ask for) and
// partition_vf (which VF serves what, who holds it).
#include "admin_util.hpp"
#include "api_struct.hpp"
#include "device.hpp"
#include "log.hpp"
#include "partition_check.hpp"
#include "partition_plan.hpp"
#include "partition_sysfs.hpp"
#include "partition_vf.hpp"
#include "runtime.hpp"
#include "status.hpp"

#include <drm/tern_accel.h>
#include <tern/tern_partition.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <thread>

namespace tern::rt {

static_assert(TERN_MAX_PARTITIONS == DRM_TERN_MAX_PARTITIONS);
static_assert(TERN_PARTITION_ALIGN == partition::kAlign);
static_assert(TERN_PARTITION_BASE_AUTO == partition::kBaseAuto);

namespace {

using partition::PfResources;
using VfNodes = std::vector<std::optional<NodeInfo>>;
using Clock = std::chrono::steady_clock;

constexpr auto kPollPeriod = std::chrono::milliseconds(20);

// A PF that can be partitioned, with a control file of our own.
struct Pf {
    Device* dev = nullptr;
    std::unique_ptr<File> file;
    drm_tern_partition_table table{};
};

tern_status open_pf(tern_device handle, Pf* out) {
    Device* d = lookup<Device>(handle);
    if (d == nullptr)
        return fail(TERN_ERROR_INVALID_HANDLE, "not an open device handle");
    if ((d->caps() & DRM_TERN_CAP_PARTITION_SET) == 0) {
        uint64_t fn = 0;
        if (tern_status s = d->param(DRM_TERN_PARAM_FUNCTION, &fn); s != TERN_OK)
            return s;
        if ((fn & DRM_TERN_FUNCTION_IS_VF) != 0)
            return fail(TERN_ERROR_NOT_SUPPORTED,
                        "{} is partition {} (a VF); partitions belong to its PF: list, "
                        "create and destroy them there",
                        d->node().path, DRM_TERN_FUNCTION_VF_INDEX(fn));
        return fail(TERN_ERROR_NOT_SUPPORTED,
                    "{} cannot be partitioned: its driver does not offer PARTITION_SET "
                    "(DRM_TERN_CAP_PARTITION_SET clear)",
                    d->node().path);
    }
    out->dev = d;
    if (tern_status s = d->open_file(&out->file); s != TERN_OK)
        return s;
    return partition::read_table(d, out->file.get(), &out->table);
}

tern_status pf_resources(const Pf& pf, PfResources* out) {
    uint64_t queues = 0, asids = 0;
    if (tern_status s = pf.dev->param(DRM_TERN_PARAM_NUM_QUEUES, &queues); s != TERN_OK)
        return s;
    if (tern_status s = pf.dev->param(DRM_TERN_PARAM_MAX_ADDRESS_SPACES, &asids); s != TERN_OK)
        return s;
    out->card_mem_size = pf.table.card_mem_size;
    out->card_core_mask = pf.table.card_core_mask;
    out->max_partitions = std::min<uint32_t>(pf.table.max_vfs, DRM_TERN_MAX_PARTITIONS);
    out->pf_queues = uint32_t(queues);
    out->pf_asids = uint32_t(asids);
    return TERN_OK;
}

// The caller's array of `capacity` structs: every element states the same
// struct_size (the caller's sizeof), at least ours.
template <class T>
tern_status check_array(T* array, uint32_t capacity, const char* what, uint32_t* stride) {
    *stride = 0;
    if (capacity == 0)
        return TERN_OK;
    if (array == nullptr)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "{} is NULL with capacity {}", what, capacity);
    const uint32_t size = array[0].struct_size;
    if (size < sizeof(T))
        return fail(TERN_ERROR_INVALID_ARGUMENT,
                    "{}[0].struct_size is {}, expected sizeof = {} (set it in every entry)", what,
                    size, sizeof(T));
    for (uint32_t i = 1; i < capacity; ++i) {
        const T* e =
            reinterpret_cast<const T*>(reinterpret_cast<const char*>(array) + size_t(i) * size);
        if (e->struct_size != size)
            return fail(TERN_ERROR_INVALID_ARGUMENT,
                        "{}[{}].struct_size is {}, {}[0]'s is {}: set every entry's to sizeof",
                        what, i, e->struct_size, what, size);
    }
    *stride = size;
    return TERN_OK;
}

// The arguments of a listing call (a count and the caller's array), then
// the PF opened.
template <class T>
tern_status open_for_listing(tern_device device, T* array, uint32_t capacity, const char* what,
                             const uint32_t* count, uint32_t* stride, Pf* pf) {
    if (count == nullptr)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "count is NULL");
    if (tern_status s = check_array(array, capacity, what, stride); s != TERN_OK)
        return s;
    return open_pf(device, pf);
}

template <class T>
T* element(T* array, uint32_t stride, uint32_t i) {
    return reinterpret_cast<T*>(reinterpret_cast<char*>(array) + size_t(i) * stride);
}

// The request in the runtime's terms; the specs are read element by
// element with the caller's stride, like any input array.
tern_status read_request(const tern_partition_request* in, partition::Request* out) {
    tern_partition_request r{};
    if (tern_status s = read_struct(in, &r, "request"); s != TERN_OK)
        return s;
    if (r.flags != 0)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "request->flags is {:#x}, must be 0", r.flags);
    if (r.num_partitions == 0 || r.num_partitions > TERN_MAX_PARTITIONS)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "request->num_partitions is {}, must be 1..{}",
                    r.num_partitions, TERN_MAX_PARTITIONS);
    out->num_partitions = r.num_partitions;
    out->pf_reserve = r.pf_reserve_bytes;
    const uint32_t layout = raw_enum(r.layout);
    if (layout == TERN_PARTITION_LAYOUT_EQUAL) {
        if (r.specs != nullptr)
            return fail(TERN_ERROR_INVALID_ARGUMENT,
                        "request->specs must be NULL with TERN_PARTITION_LAYOUT_EQUAL");
        out->equal = true;
        return TERN_OK;
    }
    if (layout != TERN_PARTITION_LAYOUT_EXPLICIT)
        return fail(TERN_ERROR_INVALID_ARGUMENT,
                    "request->layout {} is not a tern_partition_layout", layout);
    if (r.specs == nullptr)
        return fail(TERN_ERROR_INVALID_ARGUMENT,
                    "request->specs is NULL with TERN_PARTITION_LAYOUT_EXPLICIT");
    out->equal = false;
    const uint32_t stride = r.specs[0].struct_size;
    if (stride < sizeof(tern_partition_spec))
        return fail(TERN_ERROR_INVALID_ARGUMENT,
                    "request->specs[0].struct_size is {}, expected sizeof = {} (set it in every "
                    "spec)",
                    stride, sizeof(tern_partition_spec));
    for (uint32_t i = 0; i < r.num_partitions; ++i) {
        const auto* p = reinterpret_cast<const tern_partition_spec*>(
            reinterpret_cast<const char*>(r.specs) + size_t(i) * stride);
        if (p->struct_size != stride)
            return fail(TERN_ERROR_INVALID_ARGUMENT,
                        "request->specs[{}].struct_size is {}, specs[0]'s is {}: set every "
                        "spec's to sizeof",
                        i, p->struct_size, stride);
        tern_partition_spec s{};
        char what[32];
        std::snprintf(what, sizeof(what), "request->specs[%u]", i);
        if (tern_status st = read_struct(p, &s, what); st != TERN_OK)
            return st;
        if (s.reserved != 0)
            return fail(TERN_ERROR_INVALID_ARGUMENT, "{}.reserved is {}, must be 0", what,
                        s.reserved);
        partition::Spec spec;
        spec.num_cores = s.num_cores;
        spec.core_mask = s.core_mask;
        spec.num_queues = s.num_queues;
        spec.num_asids = s.num_address_spaces;
        spec.mem_size = s.memory_bytes;
        spec.mem_base = s.memory_base;
        out->specs.push_back(spec);
    }
    return TERN_OK;
}

tern_status make_plan(const Pf& pf, const partition::Request& req,
                      std::vector<drm_tern_partition>* out) {
    PfResources res;
    if (tern_status s = pf_resources(pf, &res); s != TERN_OK)
        return s;
    std::string why;
    if (!partition::plan(res, req, out, &why))
        return fail(TERN_ERROR_INVALID_ARGUMENT, "{}: {}", pf.dev->node().path, why);
    return TERN_OK;
}

// The runtime's index of the device at `path`, or TERN_PARTITION_NO_DEVICE.
uint32_t device_index_of(const std::string& path) {
    Runtime* rt = runtime();
    std::lock_guard lk(rt->mu);
    for (size_t i = 0; i < rt->nodes.size(); ++i)
        if (rt->nodes[i].path == path)
            return uint32_t(i);
    return TERN_PARTITION_NO_DEVICE;
}

tern_partition to_c(uint32_t i, const drm_tern_partition& e, const std::optional<NodeInfo>& vf) {
    tern_partition p{};
    p.struct_size = sizeof(p);
    p.index = i;
    p.memory_base = e.mem_base;
    p.memory_bytes = e.mem_size;
    p.core_mask = e.core_mask;
    p.num_cores = uint32_t(std::popcount(e.core_mask));
    p.num_queues = e.num_queues;
    p.num_address_spaces = e.num_asids;
    p.device_index = TERN_PARTITION_NO_DEVICE;
    if (vf) {
        p.device_index = device_index_of(vf->path);
        std::snprintf(p.node, sizeof(p.node), "%s", vf->path.c_str());
        std::snprintf(p.pci_address, sizeof(p.pci_address), "%s", vf->pci_address.c_str());
    }
    return p;
}

void write_partitions(tern_partition* array, uint32_t stride, uint32_t capacity,
                      const std::vector<drm_tern_partition>& entries, const VfNodes& vfs) {
    for (uint32_t i = 0; i < capacity && i < entries.size(); ++i)
        write_struct(element(array, stride, i),
                     to_c(i, entries[i], i < vfs.size() ? vfs[i] : std::nullopt));
}

int partition_set(File& f, const std::vector<drm_tern_partition>& entries) {
    drm_tern_partition_set s{};
    s.num_vfs = uint32_t(entries.size());
    s.entry_size = sizeof(drm_tern_partition);
    s.entries_ptr = entries.empty() ? 0 : reinterpret_cast<uintptr_t>(entries.data());
    return f.ioctl(DRM_IOCTL_TERN_PARTITION_SET, &s);
}

// Undoes a half-made create: VFs off, table cleared. Best effort; a failure
// is logged (the caller reports its own error).
void roll_back(Pf& pf, bool sriov_enabled) {
    const std::string dir = partition::pf_sysfs_dir(*pf.dev);
    if (sriov_enabled) {
        if (int r = sriov::write_numvfs(dir, 0); r != 0)
            TERN_LOG(err, "{}: undoing partitions: sriov_numvfs = 0 failed: {}",
                     pf.dev->node().path, errno_name(r));
    }
    if (int r = partition_set(*pf.file, {}); r != 0)
        TERN_LOG(err, "{}: undoing partitions: clearing the table failed: {}", pf.dev->node().path,
                 errno_name(r));
}

tern_status busy_with_holders(const Pf& pf, const char* why) {
    Backend& backend = *runtime()->backend;
    const auto entries = partition::entries_of(pf.table);
    const VfNodes vfs = partition::find_vf_nodes(backend, *pf.dev, entries, backend.enumerate());
    const partition::Holders h =
        partition::find_holders(backend, *pf.dev, vfs, pf.table.enabled_vfs);
    if (h.list.empty())
        return fail(TERN_ERROR_BUSY, "{}: {}", pf.dev->node().path, why);
    return fail(TERN_ERROR_BUSY, "{}: {}; held: {}", pf.dev->node().path, why,
                partition::describe_holders(h, 110));
}

tern_status set_error_for(int r, const Pf& pf, const char* step) {
    const std::string& path = pf.dev->node().path;
    switch (-r) {
        case EPERM:
        case EACCES:
            return fail(TERN_ERROR_PERMISSION, "{}: {} needs CAP_SYS_ADMIN (run as root): {}", path,
                        step, errno_name(r));
        case EBUSY:
        case ENOSPC:
            return fail(TERN_ERROR_BUSY,
                        "{}: {} refused ({}): VFs are enabled, or PF buffers occupy the requested "
                        "windows (free them or keep them below pf_reserve_bytes)",
                        path, step, errno_name(r));
        default:
            return fail(status_from_errno(r), "{}: {} failed: {} ({})", path, step,
                        std::strerror(-r), errno_name(r));
    }
}

bool expired(Clock::time_point deadline, int64_t timeout_ns) {
    return timeout_ns >= 0 && Clock::now() >= deadline;
}

Clock::time_point deadline_of(int64_t timeout_ns) {
    return timeout_ns < 0 ? Clock::time_point::max()
                          : Clock::now() + std::chrono::nanoseconds(timeout_ns);
}

// Create step 5: VF devices up and as asked, within the timeout; with
// `wait` false only the VFs already there are checked (the others are
// left without a device). TERN_ERROR_TIMEOUT leaves `*vfs` partial; other
// failures are fatal.
tern_status await_vfs(Pf& pf, const std::vector<drm_tern_partition>& entries, int64_t timeout_ns,
                      bool wait, VfNodes* vfs) {
    Backend& backend = *runtime()->backend;
    const auto deadline = deadline_of(timeout_ns);
    for (;;) {
        *vfs = partition::find_vf_nodes(backend, *pf.dev, entries, backend.enumerate());
        const auto missing = size_t(std::count(vfs->begin(), vfs->end(), std::nullopt));
        if (missing == 0 || !wait)
            break;
        if (expired(deadline, timeout_ns)) {
            std::string which;
            for (uint32_t i = 0; i < vfs->size(); ++i)
                if (!(*vfs)[i])
                    which += (which.empty() ? "" : ", ") + std::to_string(i);
            return fail(TERN_ERROR_TIMEOUT,
                        "{}: the table is applied but VF {} did not appear as a device within "
                        "{} ms; see dmesg, or destroy the partitions",
                        pf.dev->node().path, which, timeout_ns / 1000000);
        }
        std::this_thread::sleep_for(kPollPeriod);
    }
    for (uint32_t i = 0; i < vfs->size(); ++i) {
        if (!(*vfs)[i])
            continue;
        int err = 0;
        std::unique_ptr<File> f = backend.open_node(*(*vfs)[i], &err);
        if (!f)
            return fail(TERN_ERROR_IO, "{}: VF {} ({}) cannot be opened to check it: {}",
                        pf.dev->node().path, i, (*vfs)[i]->path, errno_name(err));
        if (std::string diff = partition::verify_vf(*f, i, entries[i]); !diff.empty())
            return fail(TERN_ERROR_IO, "{}: not what was asked: {}", pf.dev->node().path, diff);
    }
    return TERN_OK;
}

}  // namespace

}  // namespace tern::rt

using namespace tern::rt;

extern "C" {

TERN_API tern_status tern_partition_get_profiles(tern_device device, uint64_t pf_reserve_bytes,
                                                 tern_partition_profile* profiles,
                                                 uint32_t capacity, uint32_t* count) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    uint32_t stride = 0;
    Pf pf;
    if (tern_status s =
            open_for_listing(device, profiles, capacity, "profiles", count, &stride, &pf);
        s != TERN_OK)
        return s;
    PfResources res;
    if (tern_status s = pf_resources(pf, &res); s != TERN_OK)
        return s;
    std::vector<partition::Profile> list;
    std::string why;
    if (!partition::profiles(res, pf_reserve_bytes, &list, &why))
        return fail(TERN_ERROR_INVALID_ARGUMENT, "{}: {}", pf.dev->node().path, why);
    for (uint32_t i = 0; i < capacity && i < list.size(); ++i) {
        const partition::Profile& p = list[i];
        tern_partition_profile o{};
        o.struct_size = sizeof(o);
        o.num_partitions = p.num_partitions;
        std::snprintf(o.name, sizeof(o.name), "%uway", p.num_partitions);
        o.cores_per_partition = p.cores_each;
        o.queues_per_partition = p.queues_each;
        o.address_spaces_per_partition = p.asids_each;
        o.memory_per_partition = p.mem_each;
        o.pf_reserve_bytes = p.pf_reserve;
        write_struct(element(profiles, stride, i), o);
    }
    *count = uint32_t(list.size());
    return TERN_OK;
}

TERN_API tern_status tern_partition_plan(tern_device device, const tern_partition_request* request,
                                         tern_partition* partitions, uint32_t capacity) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    partition::Request req;
    if (tern_status s = read_request(request, &req); s != TERN_OK)
        return s;
    uint32_t stride = 0;
    if (tern_status s = check_array(partitions, capacity, "partitions", &stride); s != TERN_OK)
        return s;
    if (capacity < req.num_partitions)
        return fail(TERN_ERROR_INVALID_ARGUMENT, "capacity is {}, the request has {} partitions",
                    capacity, req.num_partitions);
    Pf pf;
    if (tern_status s = open_pf(device, &pf); s != TERN_OK)
        return s;
    std::vector<drm_tern_partition> entries;
    if (tern_status s = make_plan(pf, req, &entries); s != TERN_OK)
        return s;
    write_partitions(partitions, stride, capacity, entries, {});
    return TERN_OK;
}

TERN_API tern_status tern_partition_get_table(tern_device device, tern_partition_table_info* info,
                                              tern_partition* partitions, uint32_t capacity) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    if (tern_status s = check_out_struct(info, "info"); s != TERN_OK)
        return s;
    uint32_t stride = 0;
    if (tern_status s = check_array(partitions, capacity, "partitions", &stride); s != TERN_OK)
        return s;
    Pf pf;
    if (tern_status s = open_pf(device, &pf); s != TERN_OK)
        return s;
    const auto entries = partition::entries_of(pf.table);
    tern_partition_table_info t{};
    t.struct_size = sizeof(t);
    t.num_partitions = uint32_t(entries.size());
    t.max_partitions = pf.table.max_vfs;
    t.enabled_vfs = pf.table.enabled_vfs;
    t.card_core_mask = pf.table.card_core_mask;
    t.free_core_mask = pf.table.card_core_mask;
    t.card_memory_bytes = pf.table.card_mem_size;
    t.free_memory_bytes = pf.table.card_mem_size;
    for (const drm_tern_partition& e : entries) {
        t.free_core_mask &= ~e.core_mask;
        t.free_memory_bytes -= std::min<uint64_t>(t.free_memory_bytes, e.mem_size);
    }
    VfNodes vfs;
    if (capacity != 0 && !entries.empty()) {
        // The VFs among the runtime's devices (tern_device_rescan adds those
        // another process created).
        std::vector<NodeInfo> nodes;
        {
            std::lock_guard lk(runtime()->mu);
            nodes = runtime()->nodes;
        }
        vfs = partition::find_vf_nodes(*runtime()->backend, *pf.dev, entries, nodes);
    }
    write_partitions(partitions, stride, capacity, entries, vfs);
    write_struct(info, t);
    return TERN_OK;
}

TERN_API tern_status tern_partition_create(tern_device device,
                                           const tern_partition_request* request,
                                           tern_partition* partitions, uint32_t capacity) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    partition::Request req;
    if (tern_status s = read_request(request, &req); s != TERN_OK)
        return s;
    const int64_t timeout_ns = request->timeout_ns;
    uint32_t stride = 0;
    if (tern_status s = check_array(partitions, capacity, "partitions", &stride); s != TERN_OK)
        return s;
    if (capacity != 0 && capacity < req.num_partitions)
        return fail(TERN_ERROR_INVALID_ARGUMENT,
                    "capacity is {}, the request has {} partitions (0 for no output)", capacity,
                    req.num_partitions);
    Runtime* rt = runtime();
    std::lock_guard serial(rt->partition_mu);
    Pf pf;
    if (tern_status s = open_pf(device, &pf); s != TERN_OK)
        return s;
    const std::string& path = pf.dev->node().path;
    if (pf.table.num_vfs != 0 || pf.table.enabled_vfs != 0) {
        char why[96];
        std::snprintf(why, sizeof(why),
                      "already has %u partition(s) (%u VFs enabled); destroy them first",
                      pf.table.num_vfs, pf.table.enabled_vfs);
        return busy_with_holders(pf, why);
    }
    std::vector<drm_tern_partition> entries;
    if (tern_status s = make_plan(pf, req, &entries); s != TERN_OK)
        return s;

    // 2-3: program the table and read it back.
    if (int r = partition_set(*pf.file, entries); r != 0)
        return set_error_for(r, pf, "PARTITION_SET");
    drm_tern_partition_table back{};
    if (tern_status s = partition::read_table(pf.dev, pf.file.get(), &back); s != TERN_OK) {
        roll_back(pf, false);
        return s;
    }
    if (std::string diff = partition::compare_table(back, entries); !diff.empty()) {
        roll_back(pf, false);
        return fail(TERN_ERROR_IO, "{}: the table was not applied as written: {}", path, diff);
    }

    // 4: on an SR-IOV PF the VFs are enabled through sysfs.
    const std::string dir = partition::pf_sysfs_dir(*pf.dev);
    const bool sriov = !dir.empty() && sriov::has_sriov(dir);
    if (sriov) {
        if (int r = sriov::write_numvfs(dir, uint32_t(entries.size())); r != 0) {
            roll_back(pf, false);
            return set_error_for(r, pf, "writing sriov_numvfs");
        }
        uint32_t numvfs = 0;
        if (!sriov::read_numvfs(dir, &numvfs) || numvfs != entries.size()) {
            roll_back(pf, true);
            return fail(TERN_ERROR_IO, "{}: sriov_numvfs reads {} after writing {}", path, numvfs,
                        entries.size());
        }
    }
    TERN_LOG(info, "{}: partition table applied: {} VF(s)", path, entries.size());

    // 5-6: the VF devices, checked against their entries; then rescan.
    // SR-IOV VFs (and the mock's) come up by themselves. The emulator's VF
    // ports have no SR-IOV capability behind them: the administrator binds
    // them after the table is applied (docs/partitioning.md), so those
    // bound already are checked and the others left without a device.
    const bool wait = sriov || is_mock_backend();
    VfNodes vfs;
    const tern_status s = await_vfs(pf, entries, timeout_ns, wait, &vfs);
    if (s != TERN_OK && s != TERN_ERROR_TIMEOUT) {
        tern_error_detail d{};
        d.struct_size = sizeof(d);
        tern_last_error(&d);
        roll_back(pf, sriov);
        return set_error_detail(d);
    }
    rescan_devices(rt);
    write_partitions(partitions, stride, capacity, entries, vfs);
    return s;
}

TERN_API tern_status tern_partition_destroy(tern_device device, int64_t timeout_ns) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    Runtime* rt = runtime();
    std::lock_guard serial(rt->partition_mu);
    Pf pf;
    if (tern_status s = open_pf(device, &pf); s != TERN_OK)
        return s;
    const std::string& path = pf.dev->node().path;
    const auto entries = partition::entries_of(pf.table);
    if (entries.empty() && pf.table.enabled_vfs == 0)
        return TERN_OK;
    Backend& backend = *rt->backend;
    const VfNodes vfs = partition::find_vf_nodes(backend, *pf.dev, entries, backend.enumerate());
    const partition::Holders h =
        partition::find_holders(backend, *pf.dev, vfs, pf.table.enabled_vfs);
    if (!h.list.empty())
        return fail(TERN_ERROR_BUSY, "{}: partitions in use, nothing changed; held: {}", path,
                    partition::describe_holders(h, 110));

    const std::string dir = partition::pf_sysfs_dir(*pf.dev);
    if (!dir.empty() && sriov::has_sriov(dir) && pf.table.enabled_vfs != 0) {
        // A holder that came after our check, or a VF assigned to a guest.
        if (int r = sriov::write_numvfs(dir, 0); r == -EBUSY)
            return busy_with_holders(pf, "the driver refused sriov_numvfs = 0 (EBUSY)");
        else if (r != 0)
            return set_error_for(r, pf, "writing sriov_numvfs = 0");
    }
    if (int r = partition_set(*pf.file, {}); r != 0) {
        // A holder that came between our check and the driver's.
        if (r == -EBUSY)
            return busy_with_holders(pf, "the driver refused to clear the table (EBUSY)");
        return set_error_for(r, pf, "PARTITION_SET(0)");
    }
    drm_tern_partition_table back{};
    if (tern_status s = partition::read_table(pf.dev, pf.file.get(), &back); s != TERN_OK)
        return s;
    if (back.num_vfs != 0 || back.enabled_vfs != 0)
        return fail(TERN_ERROR_IO,
                    "{}: the table still has {} entries ({} VFs enabled) after "
                    "clearing it",
                    path, back.num_vfs, back.enabled_vfs);
    TERN_LOG(info, "{}: partitions destroyed", path);

    // The VF devices go away with their partitions.
    const auto deadline = deadline_of(timeout_ns);
    for (;;) {
        std::vector<NodeInfo> nodes = backend.enumerate();
        std::string left;
        for (const auto& vf : vfs) {
            if (!vf)
                continue;
            int err = 0;
            const bool listed = std::any_of(nodes.begin(), nodes.end(),
                                            [&](const NodeInfo& n) { return n.path == vf->path; });
            std::unique_ptr<File> f = listed ? backend.open_node(*vf, &err) : nullptr;
            drm_tern_param p{};
            p.param = DRM_TERN_PARAM_FUNCTION;
            if (f && f->ioctl(DRM_IOCTL_TERN_GET_PARAM, &p) == 0)
                left += (left.empty() ? "" : ", ") + vf->path;
        }
        if (left.empty())
            break;
        if (expired(deadline, timeout_ns)) {
            rescan_devices(rt);
            return fail(TERN_ERROR_TIMEOUT,
                        "{}: the table is cleared, but VF device(s) {} still answer after {} ms",
                        path, left, timeout_ns / 1000000);
        }
        std::this_thread::sleep_for(kPollPeriod);
    }
    rescan_devices(rt);
    return TERN_OK;
}

TERN_API tern_status tern_partition_get_holders(tern_device device, tern_partition_holder* holders,
                                                uint32_t capacity, uint32_t* count,
                                                uint32_t* uninspected) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    uint32_t stride = 0;
    Pf pf;
    if (tern_status s = open_for_listing(device, holders, capacity, "holders", count, &stride, &pf);
        s != TERN_OK)
        return s;
    Backend& backend = *runtime()->backend;
    const auto entries = partition::entries_of(pf.table);
    const VfNodes vfs = partition::find_vf_nodes(backend, *pf.dev, entries, backend.enumerate());
    const partition::Holders h =
        partition::find_holders(backend, *pf.dev, vfs, pf.table.enabled_vfs);
    for (uint32_t i = 0; i < capacity && i < h.list.size(); ++i)
        write_struct(element(holders, stride, i), h.list[i]);
    *count = uint32_t(h.list.size());
    if (uninspected != nullptr)
        *uninspected = h.uninspected;
    return TERN_OK;
}

}  // extern "C"
