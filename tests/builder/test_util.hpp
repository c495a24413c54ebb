// SPDX-License-Identifier: MIT
// Helpers of the builder tests: deterministic data, a harness that builds a
// graph, runs it on the device and on the host reference, and a tolerance
// comparison that reports the worst element.
#pragma once

#include <gtest/gtest.h>
#include <tern/model_builder.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "device_runner.hpp"

namespace tern_test::builder {

using tern::builder::BuildOptions;
using tern::builder::BuildStats;
using tern::builder::DType;
using tern::builder::ModelBuilder;
using tern::builder::Shape;
using tern::builder::Tensor;

// |got - want| <= atol + rtol * |want| for every element; NaN matches NaN
// and infinities match exactly.
struct Tolerance {
    double atol = 0;
    double rtol = 0;
};

// Tolerances of docs/model-builder.md ("Numerics"), per dtype.
Tolerance exact();
// Transcendental unary ops: the device uses the C library's fp32
// functions, the reference double precision (a few fp32 ulp apart).
Tolerance transcendental(DType dtype);
// Sums (matmul, conv2d, softmax, layernorm, reductions, average pooling):
// the device accumulates in fp32, the reference in double.
Tolerance accumulating(DType dtype);

// Uniform floats in [lo, hi) from a fixed seed (splitmix64, portable).
std::vector<float> random_floats(size_t n, uint64_t seed, float lo = -1.0f, float hi = 1.0f);

::testing::AssertionResult all_close(const tern::builder::HostTensor& got,
                                     const tern::builder::HostTensor& want, Tolerance tol);

// Builds a graph, feeds it random inputs, and compares the device with the
// reference on every output.
class Harness {
public:
    explicit Harness(const std::string& name, uint64_t seed = 1) : b(name), seed_(seed) {}

    ModelBuilder b;

    // A random input (values in [lo, hi), rounded to dtype).
    Tensor input(const std::string& name, DType dtype, const Shape& shape, float lo = -1.0f,
                 float hi = 1.0f);
    Tensor int_input(const std::string& name, const Shape& shape, std::vector<int32_t> values);
    Tensor weight(const std::string& name, DType dtype, const Shape& shape, float lo = -1.0f,
                  float hi = 1.0f);

    // Runs on `dev` and compares every output with the reference.
    ::testing::AssertionResult check(Device& dev, Tolerance tol, const BuildOptions& options = {},
                                     BuildStats* stats = nullptr);

    std::vector<tern::builder::HostTensor> inputs;

private:
    uint64_t seed_;
};

}  // namespace tern_test::builder
