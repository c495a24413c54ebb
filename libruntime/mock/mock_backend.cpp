// SPDX-License-Identifier: MIT
#include "mock/mock_backend.hpp"

#include <cerrno>
#include <cstring>
#include <mutex>
#include <vector>

#include "mock/mock_bo.hpp"
#include "mock/mock_device.hpp"
#include "mock/mock_file.hpp"

namespace tern::rt {

namespace mock {

namespace {

// The devices of one backend family: PFs created on first use, then the
// VFs their partition tables enable.
class Registry {
public:
    explicit Registry(MockConfig config) : config_(std::move(config)) {}

    std::vector<NodeInfo> enumerate() {
        std::vector<NodeInfo> out;
        for (const auto& d : devices()) {
            out.push_back({d->path(), d->pci_string()});
        }
        return out;
    }

    std::unique_ptr<File> open(size_t index, int* err) {
        auto devs = devices();
        if (index >= devs.size()) {
            *err = devs.empty() && !error_.empty() ? -EIO : -ENODEV;
            return nullptr;
        }
        if (devs[index]->removed()) {
            *err = -ENODEV;
            return nullptr;
        }
        *err = 0;
        return std::make_unique<MockFile>(devs[index]);
    }

    // By path: a VF's index changes as partitions come and go.
    std::unique_ptr<File> open_path(const std::string& path, int* err) {
        auto dev = find(path);
        if (!dev || dev->removed()) {
            *err = -ENODEV;
            return nullptr;
        }
        *err = 0;
        return std::make_unique<MockFile>(dev);
    }

    int open_files(const std::string& path) {
        auto dev = find(path);
        return dev ? dev->open_files.load(std::memory_order_acquire) : 0;
    }

    std::shared_ptr<MockDevice> device(size_t index) {
        auto devs = devices();
        return index < devs.size() ? devs[index] : nullptr;
    }

    bool create(std::string* error) {
        std::lock_guard lock(mu_);
        return create_locked(error);
    }

private:
    bool create_locked(std::string* error) {
        if (created_) {
            if (!error_.empty() && error != nullptr) {
                *error = error_;
            }
            return error_.empty();
        }
        created_ = true;
        for (size_t i = 0; i < config_.devices.size(); ++i) {
            std::string why;
            auto d = MockDevice::create_pf(config_.devices[i], static_cast<unsigned>(i), &why);
            if (!d) {
                error_ = why;
                pfs_.clear();
                if (error != nullptr) {
                    *error = why;
                }
                return false;
            }
            if (!apply_configured_partitions(*d, config_.devices[i], i, &why)) {
                error_ = why;
                pfs_.clear();
                if (error != nullptr) {
                    *error = why;
                }
                return false;
            }
            pfs_.push_back(std::move(d));
        }
        return true;
    }

    // The configuration's partitions, as if applied by an administrator at
    // boot: checked by the config parser and by the device's apply.
    static bool apply_configured_partitions(MockDevice& pf, const DeviceConfig& dc, size_t index,
                                            std::string* error) {
        if (dc.partitions.empty()) {
            return true;
        }
        std::vector<drm_tern_partition> entries;
        for (const PartitionConfig& p : dc.partitions) {
            drm_tern_partition e{};
            e.mem_base = p.mem_base;
            e.mem_size = p.mem_size;
            e.core_mask = p.core_mask;
            e.num_queues = p.num_queues;
            e.num_asids = p.num_asids;
            entries.push_back(e);
        }
        const int r = pf.partition_set(entries.data(), static_cast<uint32_t>(entries.size()));
        if (r != 0 || pf.vfs().size() != entries.size()) {
            *error =
                "mock device " + std::to_string(index) +
                ": the configured partitions could not be applied (" +
                (r != 0 ? std::string(std::strerror(-r)) : std::string("a VF did not come up")) +
                ")";
            return false;
        }
        return true;
    }

    std::shared_ptr<MockDevice> find(const std::string& path) {
        for (auto& d : devices()) {
            if (d->path() == path) {
                return d;
            }
        }
        return nullptr;
    }

    // PFs in creation order, then each PF's enabled VFs.
    std::vector<std::shared_ptr<MockDevice>> devices() {
        std::lock_guard lock(mu_);
        create_locked(nullptr);
        std::vector<std::shared_ptr<MockDevice>> out = pfs_;
        for (const auto& pf : pfs_) {
            for (auto& vf : pf->vfs()) {
                out.push_back(std::move(vf));
            }
        }
        return out;
    }

    const MockConfig config_;
    std::mutex mu_;
    bool created_ = false;
    std::string error_;
    std::vector<std::shared_ptr<MockDevice>> pfs_;
};

class MockBackend final : public Backend {
public:
    explicit MockBackend(std::shared_ptr<Registry> reg) : reg_(std::move(reg)) {}
    const char* name() const override { return "mock"; }
    std::vector<NodeInfo> enumerate() override { return reg_->enumerate(); }
    std::unique_ptr<File> open(size_t index, int* err) override {
        int e = 0;
        auto f = reg_->open(index, &e);
        if (err != nullptr) {
            *err = e;
        }
        return f;
    }

    std::unique_ptr<File> open_node(const NodeInfo& node, int* err) override {
        int e = 0;
        auto f = reg_->open_path(node.path, &e);
        if (err != nullptr) {
            *err = e;
        }
        return f;
    }
    int local_open_files(const NodeInfo& node) override { return reg_->open_files(node.path); }

    Registry& registry() { return *reg_; }

private:
    std::shared_ptr<Registry> reg_;
};

std::shared_ptr<Registry> global_registry(std::string* error) {
    static std::mutex mu;
    static std::shared_ptr<Registry> reg;
    std::lock_guard lock(mu);
    if (!reg) {
        MockConfig cfg;
        if (!config_from_env(&cfg, error)) {
            return nullptr;  // checked again next time: the user may fix the environment
        }
        reg = std::make_shared<Registry>(std::move(cfg));
    }
    return reg;
}

}  // namespace

std::unique_ptr<Backend> make_mock_backend(const MockConfig& config, std::string* error_message) {
    if (config.devices.empty() || config.devices.size() > kMaxMockDevices) {
        if (error_message != nullptr) {
            *error_message = "mock backend: 1.." + std::to_string(kMaxMockDevices) +
                             " devices must be configured";
        }
        return nullptr;
    }
    auto reg = std::make_shared<Registry>(config);
    std::string why;
    if (!reg->create(&why)) {
        if (error_message != nullptr) {
            *error_message = "mock backend: " + why;
        }
        return nullptr;
    }
    return std::make_unique<MockBackend>(std::move(reg));
}

uint64_t mock_locked_bytes() {
    return locked_bytes();
}

int inject_fatal_error(Backend& backend, size_t index) {
    auto* mb = dynamic_cast<MockBackend*>(&backend);
    auto dev = mb != nullptr ? mb->registry().device(index) : nullptr;
    if (!dev || dev->info().is_vf) {
        return -EINVAL;
    }
    return dev->inject_fatal_error();
}

}  // namespace mock

std::unique_ptr<Backend> make_mock_backend(std::string* error_message) {
    std::string why;
    auto reg = mock::global_registry(&why);
    if (!reg) {
        if (error_message != nullptr) {
            *error_message = "mock backend: " + why;
        }
        return nullptr;
    }
    return std::make_unique<mock::MockBackend>(std::move(reg));
}

}  // namespace tern::rt
