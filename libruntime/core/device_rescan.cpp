// SPDX-License-Identifier: MIT
// tern_device_rescan: the device list follows partitions as they are
// created and destroyed. Open handles name functions, not indices, so they
// survive a rescan; only their index moves.
#include "api_struct.hpp"
#include "device.hpp"
#include "object.hpp"
#include "runtime.hpp"
#include "status.hpp"

#include <tern/tern_partition.h>

#include <map>

namespace tern::rt {

uint32_t rescan_devices(Runtime* rt) {
    std::vector<NodeInfo> nodes = rt->backend->enumerate();

    // A function removed under its handle (a VF of a reset PF) must not be
    // handed out again for a new function that took its node's name.
    std::vector<Ref<Device>> open;
    {
        std::lock_guard lk(rt->mu);
        for (Device* d : rt->open_devices)
            if (d != nullptr)
                open.emplace_back(d);
    }
    std::map<const Device*, bool> alive;
    for (const Ref<Device>& d : open)
        alive[d.get()] = d->responsive();

    std::lock_guard lk(rt->mu);
    std::vector<Device*> by_index(nodes.size(), nullptr);
    for (Device* d : rt->open_devices) {
        if (d == nullptr)
            continue;
        size_t j = 0;
        while (j < nodes.size() && nodes[j].path != d->node().path)
            ++j;
        auto it = alive.find(d);
        const bool gone =
            j == nodes.size() || (it != alive.end() && !it->second) || by_index[j] != nullptr;
        if (gone) {
            d->set_index(UINT32_MAX);  // its handle stays valid until closed
            continue;
        }
        by_index[j] = d;
        d->set_index(uint32_t(j));
    }
    rt->nodes = std::move(nodes);
    rt->open_devices = std::move(by_index);
    return uint32_t(rt->nodes.size());
}

}  // namespace tern::rt

using namespace tern::rt;

extern "C" {

TERN_API tern_status tern_device_rescan(uint32_t* count) {
    TERN_API_ENTRY();
    TERN_REQUIRE_INIT();
    const uint32_t n = rescan_devices(runtime());
    if (count != nullptr)
        *count = n;
    return TERN_OK;
}

}  // extern "C"
