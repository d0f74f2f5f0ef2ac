// fp16.h against the hardware: every half, and floats chosen to hit every rounding case (ties,
// subnormal halves, overflow, inf, NaN), converted by F16C's VCVTPS2PH / VCVTPH2PS. BF16 has no
// hardware here, so it is checked against a rounding computed from first principles in double.
#include "model/kernels/fp16.h"

#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>

#include <gtest/gtest.h>

namespace openbook::kernels {
namespace {

uint32_t bits_of(float f) {
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

float float_of(uint32_t u) {
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

bool has_f16c() {
    __builtin_cpu_init();
    return __builtin_cpu_supports("f16c") && __builtin_cpu_supports("avx");
}

// Only called after has_f16c(); the target attribute keeps -mf16c out of the rest of the file.
__attribute__((target("f16c"))) float hw_half_to_float(uint16_t h) { return _cvtsh_ss(h); }
__attribute__((target("f16c"))) uint16_t hw_float_to_half(float f) {
    return _cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT);
}

// Compares f32_to_f16 with the hardware on the float with bit pattern u; counts mismatches and
// reports the first few.
struct HalfChecker {
    int mismatches = 0;
    void check(uint32_t u) {
        const float f = float_of(u);
        const uint16_t got = f32_to_f16(f);
        const uint16_t want = hw_float_to_half(f);
        if (got != want && ++mismatches <= 10) {
            ADD_FAILURE() << std::hex << "float 0x" << u << ": f32_to_f16 0x" << got << ", F16C 0x"
                          << want;
        }
    }
};

#define REQUIRE_F16C()                                          \
    do {                                                        \
        if (!has_f16c()) GTEST_SKIP() << "no F16C on this CPU"; \
    } while (0)

TEST(Fp16Test, EveryHalfToFloatMatchesF16c) {
    REQUIRE_F16C();
    int mismatches = 0;
    for (uint32_t h = 0; h <= 0xFFFF; ++h) {
        const uint32_t got = bits_of(f16_to_f32(static_cast<uint16_t>(h)));
        const uint32_t want = bits_of(hw_half_to_float(static_cast<uint16_t>(h)));
        if (got != want && ++mismatches <= 10) {
            ADD_FAILURE() << std::hex << "half 0x" << h << ": 0x" << got << " vs F16C 0x" << want;
        }
    }
    EXPECT_EQ(mismatches, 0);
}

TEST(Fp16Test, EveryHalfSurvivesARoundTrip) {
    for (uint32_t h = 0; h <= 0xFFFF; ++h) {
        const auto half = static_cast<uint16_t>(h);
        const bool nan = (h & 0x7C00u) == 0x7C00u && (h & 0x3FFu) != 0;
        if (nan) {
            // Quiet NaNs keep their payload; signaling ones come back quiet.
            EXPECT_EQ(f32_to_f16(f16_to_f32(half)), half | 0x200u) << std::hex << h;
        } else {
            EXPECT_EQ(f32_to_f16(f16_to_f32(half)), half) << std::hex << h;
        }
    }
}

// The 13 bits a normal half drops decide its rounding: every value of the top 19 bits (sign,
// exponent, kept mantissa) with dropped bits just below, at and above the halfway point.
TEST(Fp16Test, FloatToHalfMatchesF16cAtEveryRoundingBoundary) {
    REQUIRE_F16C();
    const uint32_t lows[] = {0x0000, 0x0001, 0x0800, 0x0FFF, 0x1000, 0x1001, 0x17FF, 0x1FFF};
    HalfChecker checker;
    for (uint32_t top = 0; top < (1u << 19); ++top) {
        for (uint32_t low : lows) checker.check(top << 13 | low);
    }
    EXPECT_EQ(checker.mismatches, 0);
}

// Half subnormals drop up to 24 bits, and values near 65504 decide overflow: every float there.
TEST(Fp16Test, FloatToHalfMatchesF16cOnEveryFloatNearSubnormalsAndOverflow) {
    REQUIRE_F16C();
    HalfChecker checker;
    // [2^-28, 2^-14 + a little]: below the smallest subnormal half up to the smallest normal one.
    for (uint32_t u = 0x31800000u; u <= 0x38801000u; ++u) checker.check(u);
    for (uint32_t u = 0x31800000u; u <= 0x38801000u; u += 7) checker.check(u | 0x80000000u);
    // 65280 .. 65536 + a little: the largest halves, the rounding to inf.
    for (uint32_t u = 0x477F0000u; u <= 0x47801000u; ++u) checker.check(u);
    for (uint32_t u = 0x477F0000u; u <= 0x47801000u; ++u) checker.check(u | 0x80000000u);
    EXPECT_EQ(checker.mismatches, 0);
}

TEST(Fp16Test, FloatToHalfMatchesF16cOnSpecialsAndRandomFloats) {
    REQUIRE_F16C();
    HalfChecker checker;
    const uint32_t specials[] = {0x00000000u, 0x80000000u, 0x00000001u, 0x007FFFFFu, 0x00800000u,
                                 0x7F7FFFFFu, 0x7F800000u, 0xFF800000u, 0x7F800001u, 0x7FC00000u,
                                 0xFFC00000u, 0x7FFFFFFFu, 0xFFFFFFFFu, 0x7FA00000u, 0x7F802000u};
    for (uint32_t u : specials) checker.check(u);
    std::mt19937 rng(1234);
    for (int i = 0; i < 5'000'000; ++i) checker.check(rng());
    EXPECT_EQ(checker.mismatches, 0);
}

// All 2^32 floats: ~20 s in Release. Run with --gtest_also_run_disabled_tests.
TEST(Fp16Test, DISABLED_FloatToHalfMatchesF16cOnEveryFloat) {
    REQUIRE_F16C();
    HalfChecker checker;
    uint32_t u = 0;
    do {
        checker.check(u);
    } while (++u != 0);
    EXPECT_EQ(checker.mismatches, 0);
}

// ---- BF16 ----

// Round to nearest even on the top 16 bits, computed from the two neighbouring bf16 values and
// their distances in double.
uint16_t bf16_from_first_principles(float f) {
    const uint32_t u = bits_of(f);
    if (std::isnan(f)) return static_cast<uint16_t>((u >> 16) | 0x40u);
    const uint32_t sign = u & 0x80000000u;
    const uint32_t mag = u & 0x7FFFFFFFu;
    const uint32_t below = mag & 0xFFFF0000u;  // toward zero
    if (below == mag) return static_cast<uint16_t>(u >> 16);
    const uint32_t above = below + 0x10000u;  // may be inf, which rounding treats as 2^128
    const double v = std::fabs(static_cast<double>(f));
    const double lo = static_cast<double>(float_of(below));
    const double hi = above >= 0x7F800000u ? std::ldexp(1.0, 128) : float_of(above);
    uint32_t pick;
    if (v - lo < hi - v) {
        pick = below;
    } else if (hi - v < v - lo) {
        pick = above;
    } else {
        pick = ((below >> 16) & 1u) == 0 ? below : above;
    }
    return static_cast<uint16_t>((sign | pick) >> 16);
}

TEST(Bf16Test, EveryBf16ToFloatIsTheTopHalf) {
    for (uint32_t h = 0; h <= 0xFFFF; ++h) {
        EXPECT_EQ(bits_of(bf16_to_f32(static_cast<uint16_t>(h))), h << 16);
    }
}

TEST(Bf16Test, RoundsToNearestEvenAtEveryBoundary) {
    const uint32_t lows[] = {0x0000, 0x0001, 0x4000, 0x7FFF, 0x8000, 0x8001, 0xC000, 0xFFFF};
    int mismatches = 0;
    for (uint32_t top = 0; top <= 0xFFFF; ++top) {
        for (uint32_t low : lows) {
            const float f = float_of(top << 16 | low);
            const uint16_t got = f32_to_bf16(f);
            const uint16_t want = bf16_from_first_principles(f);
            if (got != want && ++mismatches <= 10) {
                ADD_FAILURE() << std::hex << "float 0x" << (top << 16 | low) << ": 0x" << got
                              << " want 0x" << want;
            }
        }
    }
    std::mt19937 rng(99);
    for (int i = 0; i < 2'000'000; ++i) {
        const float f = float_of(rng());
        if (f32_to_bf16(f) != bf16_from_first_principles(f) && ++mismatches <= 10) {
            ADD_FAILURE() << std::hex << "float 0x" << bits_of(f);
        }
    }
    EXPECT_EQ(mismatches, 0);
}

TEST(Bf16Test, SpecialValues) {
    EXPECT_EQ(f32_to_bf16(0.0f), 0x0000);
    EXPECT_EQ(f32_to_bf16(-0.0f), 0x8000);
    EXPECT_EQ(f32_to_bf16(1.0f), 0x3F80);
    EXPECT_EQ(f32_to_bf16(INFINITY), 0x7F80);
    EXPECT_EQ(f32_to_bf16(-INFINITY), 0xFF80);
    EXPECT_EQ(f32_to_bf16(float_of(0x7F7FFFFFu)), 0x7F80);  // FLT_MAX rounds up to inf
    EXPECT_EQ(f32_to_bf16(float_of(0x7F800001u)), 0x7FC0);  // signaling NaN made quiet
    EXPECT_EQ(f32_to_bf16(float_of(0xFFC12345u)), 0xFFC1);
    EXPECT_EQ(f32_to_bf16(float_of(0x00000001u)), 0x0000);  // float subnormals are not flushed,
    EXPECT_EQ(f32_to_bf16(float_of(0x00018000u)), 0x0002);  // just rounded
}

}  // namespace
}  // namespace openbook::kernels
