// SPDX-License-Identifier: MIT
// Number formats and comparisons for checking device results against CPU
// references written in the tests. Independent of the model's code paths.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace tern::test {

// bfloat16 with round-to-nearest-even (NaN stays a quiet NaN).
uint16_t bf16_from_float(float f);
float bf16_to_float(uint16_t h);
// Rounds through bf16 and back.
inline float bf16_round(float f) {
    return bf16_to_float(bf16_from_float(f));
}

std::vector<float> random_floats(std::mt19937& rng, size_t n, float lo, float hi);
std::vector<uint16_t> to_bf16(const std::vector<float>& v);
std::vector<float> from_bf16(const std::vector<uint16_t>& v);

// Passes if |got[i] - want[i]| <= abs_tol + rel_tol * |want[i]| for every i
// (and the sizes match); the message names the worst elements.
::testing::AssertionResult all_close(const std::vector<float>& got, const std::vector<float>& want,
                                     double abs_tol, double rel_tol);

}  // namespace tern::test
