// SPDX-License-Identifier: MIT
// The builder's dtype encodings (constants, reference rounding) against
// values worked out by hand from docs/isa.md section 4.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

#include "numerics.hpp"

namespace tern_test::builder {
namespace {

using namespace tern::builder::detail;

float bits(uint32_t b) {
    return std::bit_cast<float>(b);
}

TEST(Numerics, Bf16RoundsToNearestEven) {
    EXPECT_EQ(0x3f80u, float_to_bf16(1.0f));
    EXPECT_EQ(0x3f80u, float_to_bf16(bits(0x3f808000)));  // tie, even stays
    EXPECT_EQ(0x3f82u, float_to_bf16(bits(0x3f818000)));  // tie, odd rounds up
    EXPECT_EQ(0x3f81u, float_to_bf16(bits(0x3f808001)));  // above the tie
    EXPECT_EQ(0xbf80u, float_to_bf16(-1.0f));
    EXPECT_EQ(0x7f80u, float_to_bf16(std::numeric_limits<float>::max()));  // overflows to inf
    EXPECT_EQ(0x7f80u, float_to_bf16(std::numeric_limits<float>::infinity()));
    EXPECT_EQ(0x0001u, float_to_bf16(bits(0x00008000 + 1)));  // subnormal kept
    EXPECT_EQ(0x8000u, float_to_bf16(-0.0f));
    const uint16_t nan = float_to_bf16(std::numeric_limits<float>::quiet_NaN());
    EXPECT_TRUE(std::isnan(bf16_to_float(nan)));
    EXPECT_TRUE(std::isnan(bf16_to_float(float_to_bf16(bits(0x7f800001)))));  // sNaN stays NaN
    EXPECT_EQ(1.0078125f, bf16_to_float(0x3f81));
}

TEST(Numerics, Fp16RoundsToNearestEven) {
    EXPECT_EQ(0x3c00u, float_to_fp16(1.0f));
    EXPECT_EQ(0x3c00u, float_to_fp16(1.0f + 0x1p-11f));      // tie, even stays
    EXPECT_EQ(0x3c02u, float_to_fp16(1.0f + 3 * 0x1p-11f));  // tie, odd rounds up
    EXPECT_EQ(0x7bffu, float_to_fp16(65504.0f));             // largest finite
    EXPECT_EQ(0x7bffu, float_to_fp16(65519.0f));
    EXPECT_EQ(0x7c00u, float_to_fp16(65520.0f));  // ties to inf
    EXPECT_EQ(0xfc00u, float_to_fp16(-1e9f));
    EXPECT_EQ(0x0001u, float_to_fp16(0x1p-24f));             // smallest subnormal
    EXPECT_EQ(0x0000u, float_to_fp16(0x1p-25f));             // tie to even zero
    EXPECT_EQ(0x0002u, float_to_fp16(3 * 0x1p-25f));         // tie 1.5 -> 2
    EXPECT_EQ(0x0400u, float_to_fp16(0x1p-14f - 0x1p-26f));  // rounds up to normal
    EXPECT_EQ(0x03ffu, float_to_fp16(0x1p-14f - 0x1p-24f));
    EXPECT_EQ(0x8000u, float_to_fp16(-0.0f));
    EXPECT_TRUE(std::isnan(fp16_to_float(float_to_fp16(std::nanf("")))));
    EXPECT_EQ(0x1p-24f, fp16_to_float(0x0001));
    EXPECT_EQ(-2.0f, fp16_to_float(0xc000));
    EXPECT_EQ(65504.0f, fp16_to_float(0x7bff));
    EXPECT_TRUE(std::isinf(fp16_to_float(0x7c00)));
    // Every fp16 value survives a round trip through fp32.
    for (uint32_t h = 0; h < 0x10000; ++h) {
        const float f = fp16_to_float(static_cast<uint16_t>(h));
        if (!std::isnan(f)) {
            ASSERT_EQ(h, float_to_fp16(f)) << std::hex << h;
        }
    }
}

TEST(Numerics, Int32TruncatesAndSaturates) {
    EXPECT_EQ(2, float_to_int32(2.9f));
    EXPECT_EQ(-2, float_to_int32(-2.9f));
    EXPECT_EQ(INT32_MAX, float_to_int32(3e9f));
    EXPECT_EQ(INT32_MIN, float_to_int32(-3e9f));
    EXPECT_EQ(0, float_to_int32(std::nanf("")));
    EXPECT_EQ(INT32_MAX, float_to_int32(std::numeric_limits<float>::infinity()));
}

TEST(Numerics, RoundToGoesThroughFp32) {
    // 1 + 2^-8 + 2^-30 lies above the bf16 tie between 1 and 1 + 2^-7, but
    // its fp32 rounding is the tie itself, which goes to even: 1. The
    // reference rounds like the device, fp32 first.
    const float tie = static_cast<float>(1.0 + 0x1p-8 + 0x1p-30);
    EXPECT_EQ(1.0f + 0x1p-8f, tie);
    EXPECT_EQ(1.0, round_to(tern::builder::DType::kBf16, tie));
    EXPECT_EQ(1.0 + 0x1p-7, round_to(tern::builder::DType::kBf16, 1.0f + 0x1p-8f + 0x1p-20f));
    EXPECT_EQ(16777216.0, round_to(tern::builder::DType::kFp32, 16777217.0f));
}

}  // namespace
}  // namespace tern_test::builder
