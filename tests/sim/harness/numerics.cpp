// SPDX-License-Identifier: MIT
#include "harness/numerics.hpp"

#include <cmath>
#include <cstring>
#include <sstream>

namespace tern::test {

uint16_t bf16_from_float(float f) {
    uint32_t u;
    std::memcpy(&u, &f, sizeof(u));
    if (std::isnan(f)) {
        return static_cast<uint16_t>((u >> 16) | 0x0040);
    }
    u += 0x7fff + ((u >> 16) & 1);
    return static_cast<uint16_t>(u >> 16);
}

float bf16_to_float(uint16_t h) {
    const uint32_t u = static_cast<uint32_t>(h) << 16;
    float f;
    std::memcpy(&f, &u, sizeof(f));
    return f;
}

std::vector<float> random_floats(std::mt19937& rng, size_t n, float lo, float hi) {
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> v(n);
    for (float& x : v) {
        x = dist(rng);
    }
    return v;
}

std::vector<uint16_t> to_bf16(const std::vector<float>& v) {
    std::vector<uint16_t> out(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
        out[i] = bf16_from_float(v[i]);
    }
    return out;
}

std::vector<float> from_bf16(const std::vector<uint16_t>& v) {
    std::vector<float> out(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
        out[i] = bf16_to_float(v[i]);
    }
    return out;
}

::testing::AssertionResult all_close(const std::vector<float>& got, const std::vector<float>& want,
                                     double abs_tol, double rel_tol) {
    if (got.size() != want.size()) {
        return ::testing::AssertionFailure()
               << "size " << got.size() << " != expected " << want.size();
    }
    size_t bad = 0;
    double worst = 0;
    size_t worst_i = 0;
    std::ostringstream first;
    for (size_t i = 0; i < got.size(); ++i) {
        const double err = std::fabs(static_cast<double>(got[i]) - want[i]);
        const double tol = abs_tol + rel_tol * std::fabs(static_cast<double>(want[i]));
        if (!(err <= tol)) {  // also catches NaN
            if (bad < 5) {
                first << "\n  [" << i << "] got " << got[i] << " want " << want[i];
            }
            ++bad;
            if (!(err <= worst)) {
                worst = err;
                worst_i = i;
            }
        }
    }
    if (bad == 0) {
        return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure()
           << bad << " of " << got.size() << " elements outside tolerance (abs " << abs_tol
           << ", rel " << rel_tol << "); worst at [" << worst_i << "] err " << worst << first.str();
}

}  // namespace tern::test
