// SPDX-License-Identifier: MIT
// A mock device, a context and a queue per test (TERN_BACKEND=mock), and
// helpers to load the test models through the C ABI.
#pragma once

#include "model_fixtures.hpp"

#include <gtest/gtest.h>
#include <tern/tern.hpp>
#include <tern/tern_model.hpp>

#include <string>
#include <vector>

namespace tern_test {

class ModelDeviceTest : public ::testing::Test {
protected:
    tern::Runtime runtime_;
    tern::Device device_{0};
    tern::Context ctx_{device_};
    tern::Queue queue_{ctx_};

    // Loads a serialized model from memory; asserts success.
    tern_model load(const tern::model::ModelImage& m) {
        std::vector<uint8_t> f = tern::model::serialize(m);
        tern_model h = nullptr;
        EXPECT_EQ(tern_model_load_memory(ctx_.handle(), f.data(), f.size(), nullptr, &h), TERN_OK)
            << last_message();
        return h;
    }

    static std::string last_message() {
        tern_error_detail d{};
        d.struct_size = sizeof(d);
        tern_last_error(&d);
        return d.message;
    }

    uint64_t free_device_memory() const { return device_.info().memory_free; }
};

inline std::vector<float> ramp(size_t n, float scale = 0.25f, float shift = -3.0f) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i)
        v[i] = float(i) * scale + shift;
    return v;
}

}  // namespace tern_test
