// SPDX-License-Identifier: MIT
// The runtime and the devices one tern-smi command works on: initialises
// the runtime, opens devices on demand and resolves -d selectors. Runtime
// failures come out as CliError with hints.
#pragma once

#include "cli_error.hpp"
#include "device_selector.hpp"

#include <tern/tern.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tern::smi {

struct OpenDevice {
    uint32_t index = 0;
    tern::Device device;
    tern_device_info info{};
};

class Session {
public:
    // backend: "" = $TERN_BACKEND (default kernel).
    explicit Session(const std::string& backend);
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;
    ~Session();

    const std::string& backend() const { return backend_; }
    uint32_t device_count() const { return count_; }

    // The devices the selectors name, in order, without duplicates; all
    // devices when there are none. Throws CliError(no_device) for a
    // selector that matches nothing and when there is no device at all.
    std::vector<OpenDevice*> select(const std::vector<DeviceSelector>& selectors);

    // Closes every device this session opened except those in `keep`: a
    // VF that tern-smi holds open would count as a holder of its partition.
    void release_all_but(const std::vector<OpenDevice*>& keep);

    // Translates a runtime failure of device `d` (or of the session when
    // d is null) into a CliError.
    CliError error(const tern::Error& e, const OpenDevice* d, const std::string& step) const;

private:
    OpenDevice* open(uint32_t index);

    std::string backend_;
    std::unique_ptr<tern::Runtime> runtime_;
    uint32_t count_ = 0;
    std::vector<std::unique_ptr<OpenDevice>> devices_;  // by index, opened lazily
};

// "device 0 (mock:0, 0000:01:00.0)", for messages.
std::string describe(const OpenDevice& d);

}  // namespace tern::smi
