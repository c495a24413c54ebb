// SPDX-License-Identifier: MIT
#include "session.hpp"

#include "cli_error.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

namespace tern::smi {

namespace {

// Node paths compare after resolving symlinks (/dev/tern/by-pci/...).
std::string canonical_node(const std::string& path) {
    if (path.empty() || path[0] != '/')
        return path;
    char buf[PATH_MAX];
    return realpath(path.c_str(), buf) != nullptr ? std::string(buf) : path;
}

}  // namespace

std::string describe(const OpenDevice& d) {
    std::string s = fmt::format("device {} ({}", d.index, d.info.node);
    if (d.info.pci_address[0] != '\0')
        s += fmt::format(", {}", d.info.pci_address);
    return s + ")";
}

Session::Session(const std::string& backend) {
    try {
        runtime_ = std::make_unique<tern::Runtime>(backend.empty() ? nullptr : backend.c_str());
        backend_ = tern::version_info().backend;
        count_ = tern::Runtime::device_count();
    } catch (const tern::Error& e) {
        throw from_runtime(e, backend, "cannot initialise the Tern runtime");
    }
    devices_.resize(count_);
}

Session::~Session() {
    devices_.clear();  // close devices before the runtime shuts down
    runtime_.reset();
}

CliError Session::error(const tern::Error& e, const OpenDevice* d, const std::string& step) const {
    return from_runtime(e, backend_, d != nullptr ? step + " " + describe(*d) : step);
}

void Session::release_all_but(const std::vector<OpenDevice*>& keep) {
    for (std::unique_ptr<OpenDevice>& d : devices_)
        if (d && std::find(keep.begin(), keep.end(), d.get()) == keep.end())
            d.reset();
}

OpenDevice* Session::open(uint32_t index) {
    if (devices_[index])
        return devices_[index].get();
    auto d = std::make_unique<OpenDevice>();
    d->index = index;
    try {
        d->device = tern::Device(index);
        d->info = d->device.info();
    } catch (const tern::Error& e) {
        throw from_runtime(e, backend_, fmt::format("cannot open device {}", index));
    }
    devices_[index] = std::move(d);
    return devices_[index].get();
}

std::vector<OpenDevice*> Session::select(const std::vector<DeviceSelector>& selectors) {
    if (count_ == 0)
        throw CliError(
            Exit::no_device, fmt::format("no Tern device found on the {} backend", backend_),
            backend_ == "kernel" ? std::vector<std::string>{"is the tern module loaded? see `sudo "
                                                            "dmesg | grep -i tern`",
                                                            "to try tern-smi without a card: "
                                                            "TERN_BACKEND=mock tern-smi"}
                                 : std::vector<std::string>{});
    std::vector<OpenDevice*> out;
    auto add = [&](OpenDevice* d) {
        for (OpenDevice* o : out)
            if (o == d)
                return;
        out.push_back(d);
    };
    if (selectors.empty()) {
        for (uint32_t i = 0; i < count_; ++i)
            add(open(i));
        return out;
    }
    for (const DeviceSelector& s : selectors) {
        if (s.kind == DeviceSelector::Kind::index) {
            if (s.index >= count_)
                throw CliError(Exit::no_device,
                               fmt::format("no device {}: there {} {} device{} on the {} backend "
                                           "(indices 0..{}); `tern-smi list` shows them",
                                           s.index, count_ == 1 ? "is" : "are", count_,
                                           count_ == 1 ? "" : "s", backend_, count_ - 1));
            add(open(s.index));
            continue;
        }
        OpenDevice* found = nullptr;
        std::string present;
        const std::string want =
            s.kind == DeviceSelector::Kind::node ? canonical_node(s.text) : s.text;
        for (uint32_t i = 0; i < count_ && found == nullptr; ++i) {
            OpenDevice* d = open(i);
            const std::string have = s.kind == DeviceSelector::Kind::node
                                         ? canonical_node(d->info.node)
                                         : std::string(d->info.pci_address);
            if (have == want)
                found = d;
            present += (present.empty() ? "" : ", ") +
                       std::string(s.kind == DeviceSelector::Kind::node ? d->info.node
                                                                        : d->info.pci_address);
        }
        if (found == nullptr)
            throw CliError(
                Exit::no_device,
                fmt::format("no device with {} {} (present: {}); `tern-smi list` "
                            "shows them",
                            s.kind == DeviceSelector::Kind::node ? "node" : "PCI address",
                            s.original, present));
        add(found);
    }
    return out;
}

}  // namespace tern::smi
