// SPDX-License-Identifier: MIT
#include "test_util.hpp"

#include <cmath>
#include <cstdlib>
#include <sstream>

namespace tern_test::builder {

using tern::builder::HostTensor;

Tolerance exact() {
    return {0.0, 0.0};
}

// One bf16 ulp is 2^-8..2^-7 of the value; one fp16 ulp 2^-11..2^-10. Two
// roundings that straddle a boundary differ by one ulp.
Tolerance transcendental(DType dtype) {
    switch (dtype) {
        case DType::kBf16:
            return {1e-6, 1.0 / 128};
        case DType::kFp16:
            return {1e-6, 1.0 / 1024};
        default:
            return {1e-6, 4e-6};
    }
}

Tolerance accumulating(DType dtype) {
    switch (dtype) {
        case DType::kBf16:
            return {1e-4, 1.0 / 128};
        case DType::kFp16:
            return {1e-4, 1.0 / 1024};
        default:
            return {1e-5, 1e-5};
    }
}

std::vector<float> random_floats(size_t n, uint64_t seed, float lo, float hi) {
    std::vector<float> v(n);
    uint64_t s = seed * 0x9e3779b97f4a7c15ull + 1;
    for (size_t i = 0; i < n; ++i) {
        uint64_t z = (s += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        const double u = double(z >> 11) / double(uint64_t{1} << 53);
        v[i] = static_cast<float>(lo + (hi - lo) * u);
    }
    return v;
}

::testing::AssertionResult all_close(const HostTensor& got, const HostTensor& want, Tolerance tol) {
    if (got.dtype != want.dtype || got.shape != want.shape) {
        return ::testing::AssertionFailure() << "dtype/shape differ";
    }
    const std::vector<float> g = got.to_floats();
    const std::vector<float> w = want.to_floats();
    size_t bad = 0, first_bad = 0;
    double worst = 0;
    for (size_t i = 0; i < g.size(); ++i) {
        bool ok;
        if (std::isnan(w[i]) || std::isinf(w[i])) {
            ok = std::isnan(w[i]) ? std::isnan(g[i]) : g[i] == w[i];
        } else {
            const double err = std::fabs(double(g[i]) - double(w[i]));
            ok = err <= tol.atol + tol.rtol * std::fabs(double(w[i]));
            worst = std::max(worst, std::isnan(err) ? INFINITY : err);
        }
        if (!ok && bad++ == 0) {
            first_bad = i;
        }
    }
    if (bad == 0) {
        return ::testing::AssertionSuccess() << "max abs error " << worst;
    }
    return ::testing::AssertionFailure()
           << bad << " of " << g.size() << " elements outside atol " << tol.atol << " rtol "
           << tol.rtol << "; first at " << first_bad << ": device " << g[first_bad]
           << ", reference " << w[first_bad] << "; max abs error " << worst;
}

Tensor Harness::input(const std::string& name, DType dtype, const Shape& shape, float lo,
                      float hi) {
    uint64_t n = 1;
    for (uint64_t d : shape) {
        n *= d;
    }
    const std::vector<float> v = random_floats(n, seed_++, lo, hi);
    inputs.push_back(HostTensor::from_floats(dtype, shape, v));
    return b.input(name, dtype, shape);
}

Tensor Harness::int_input(const std::string& name, const Shape& shape,
                          std::vector<int32_t> values) {
    inputs.push_back(HostTensor::from_int32(shape, values));
    return b.input(name, DType::kInt32, shape);
}

Tensor Harness::weight(const std::string& name, DType dtype, const Shape& shape, float lo,
                       float hi) {
    uint64_t n = 1;
    for (uint64_t d : shape) {
        n *= d;
    }
    return b.constant(name, dtype, shape, random_floats(n, seed_++, lo, hi));
}

::testing::AssertionResult Harness::check(Device& dev, Tolerance tol, const BuildOptions& options,
                                          BuildStats* stats) {
    const tern::model::ModelImage image = b.build(options, stats);
    const std::vector<HostTensor> got = run_programs(dev, image, inputs);
    const std::vector<HostTensor> want = b.evaluate_reference(inputs);
    std::ostringstream report;
    bool ok = true;
    for (size_t i = 0; i < want.size(); ++i) {
        ::testing::AssertionResult r = all_close(got[i], want[i], tol);
        report << "output " << image.outputs[i].name << ": " << r.message() << "\n";
        ok = ok && bool(r);
    }
    return ok ? ::testing::AssertionSuccess() << report.str()
              : ::testing::AssertionFailure() << report.str();
}

}  // namespace tern_test::builder

namespace {
// The mock backend unless TERN_BACKEND says otherwise, also when the binary
// is run by hand (CTest sets it too).
const bool kMockSelected = [] { return setenv("TERN_BACKEND", "mock", 0) == 0; }();
}  // namespace
