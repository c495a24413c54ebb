// SPDX-License-Identifier: MIT
// Runs a built model on the device (the mock backend in the tests): every
// binding becomes a tensor, every program is created and launched in order
// with the binding table the model describes, then the outputs are read.
// This is the raw-program path under the model API; run_model_file() takes
// the public path instead (serialize, tern_model_load_memory, execute).
#pragma once

#include <gtest/gtest.h>
#include <tern/model_builder.hpp>

#include <memory>
#include <span>
#include <vector>

namespace tern_test::builder {

using tern::builder::HostTensor;

// One runtime, device, context and queue (device.hpp). Opaque here so that
// tests may include the ISA header, whose dtype names clash with tern.h's.
struct Device;
struct DeviceDeleter {
    void operator()(Device* d) const;
};
std::unique_ptr<Device, DeviceDeleter> open_device();

// Binds tensors per the image's binding table and launches its programs.
// Device failures throw tern::Error.
std::vector<HostTensor> run_programs(Device& dev, const tern::model::ModelImage& image,
                                     std::span<const HostTensor> inputs);

// Serializes the image to a model file in memory, loads it with
// tern_model_load_memory and runs it with tern_model_execute.
std::vector<HostTensor> run_model_file(Device& dev, const tern::model::ModelImage& image,
                                       std::span<const HostTensor> inputs);

// A suite fixture owning one Device (created once per suite: opening the
// mock device costs more than most tests).
class DeviceTest : public ::testing::Test {
protected:
    static void SetUpTestSuite() { device_ = open_device(); }
    static void TearDownTestSuite() { device_.reset(); }
    static Device& device() { return *device_; }

private:
    static inline std::unique_ptr<Device, DeviceDeleter> device_;
};

}  // namespace tern_test::builder
