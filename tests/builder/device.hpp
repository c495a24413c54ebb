// SPDX-License-Identifier: MIT
// The device objects behind device_runner.hpp's opaque Device.
#pragma once

#include <tern/tern.hpp>

namespace tern_test::builder {

struct Device {
    tern::Runtime runtime{nullptr};
    tern::Device device{0};
    tern::Context context{device};
    tern::Queue queue{context};
};

}  // namespace tern_test::builder
