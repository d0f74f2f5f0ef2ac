// K-quant kernels on synthetic data: Q8_K's exact rounding, round trips, dot products against
// float arithmetic, edge blocks, and every AVX2 kernel against its scalar reference.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "model/kernels/blocks_k.h"
#include "model/kernels/fp16.h"
#include "model/kernels/kernels.h"
#include "model/kernels/ref/k_quants_ref.h"

namespace openbook::kernels {
namespace {

constexpr GgmlType kWeightTypes[] = {GgmlType::kQ2_K, GgmlType::kQ3_K, GgmlType::kQ4_K,
                                     GgmlType::kQ5_K, GgmlType::kQ6_K};

std::string name(GgmlType type) { return gguf::ggml_type_name(static_cast<uint32_t>(type)); }

std::vector<float> gaussian(int64_t n, uint32_t seed, float sigma = 1.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, sigma);
    std::vector<float> out(static_cast<size_t>(n));
    for (float& v : out) v = dist(rng);
    return out;
}

std::vector<unsigned char> quantize(GgmlType type, const std::vector<float>& x, Isa isa) {
    const TypeOps* op = ops(type, isa);
    const auto n = static_cast<int64_t>(x.size());
    std::vector<unsigned char> out(row_bytes(type, n));
    op->from_float(x.data(), out.data(), n);
    return out;
}

std::vector<float> dequantize(GgmlType type, const std::vector<unsigned char>& data, int64_t n) {
    std::vector<float> out(static_cast<size_t>(n));
    ops(type, Isa::kScalar)->to_float(data.data(), out.data(), n);
    return out;
}

double rel_rms_error(const std::vector<float>& x, const std::vector<float>& y) {
    double err = 0;
    double ref = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        err += (double(x[i]) - y[i]) * (double(x[i]) - y[i]);
        ref += double(x[i]) * x[i];
    }
    return std::sqrt(err / ref);
}

bool have_avx2() { return detected_isa() == Isa::kAvx2; }

// ---- table ----

TEST(KQuants, TableEntries) {
    for (Isa isa : {Isa::kScalar, Isa::kAvx2}) {
        for (GgmlType type : kWeightTypes) {
            const TypeOps* op = ops(type, isa);
            ASSERT_NE(op, nullptr) << name(type);
            EXPECT_EQ(op->type, type);
            EXPECT_EQ(op->activation_type, GgmlType::kQ8_K);
            EXPECT_NE(op->to_float, nullptr);
            EXPECT_NE(op->from_float, nullptr);
            EXPECT_NE(op->dot, nullptr);
        }
        const TypeOps* q8k = ops(GgmlType::kQ8_K, isa);
        ASSERT_NE(q8k, nullptr);
        EXPECT_EQ(q8k->dot, nullptr);  // activation only
        EXPECT_NE(q8k->from_float, nullptr);
    }
    EXPECT_EQ(ops(GgmlType::kQ4_K, Isa::kScalar)->dot, &ref::q4_k_dot_q8_k);
    EXPECT_EQ(row_bytes(GgmlType::kQ4_K, 512), 288u);
    EXPECT_EQ(row_bytes(GgmlType::kQ8_K, 4864), 19u * 292u);
    const auto weights = weight_types();
    for (GgmlType type : kWeightTypes) {
        EXPECT_NE(std::find(weights.begin(), weights.end(), type), weights.end()) << name(type);
    }
    EXPECT_EQ(std::find(weights.begin(), weights.end(), GgmlType::kQ8_K), weights.end());
}

TEST(KQuants, BlockSizesMatchTheTypeTable) {
    const std::pair<GgmlType, size_t> sizes[] = {
        {GgmlType::kQ2_K, sizeof(BlockQ2_K)}, {GgmlType::kQ3_K, sizeof(BlockQ3_K)},
        {GgmlType::kQ4_K, sizeof(BlockQ4_K)}, {GgmlType::kQ5_K, sizeof(BlockQ5_K)},
        {GgmlType::kQ6_K, sizeof(BlockQ6_K)}, {GgmlType::kQ8_K, sizeof(BlockQ8_K)}};
    for (const auto& [type, size] : sizes) {
        const auto traits = gguf::ggml_type_traits(static_cast<uint32_t>(type));
        ASSERT_TRUE(traits.has_value());
        EXPECT_EQ(traits->block_elements, 256u) << name(type);
        EXPECT_EQ(traits->block_bytes, size) << name(type);
    }
}

// ---- Q8_K: llama.cpp's activation rounding ----

BlockQ8_K q8k(const std::vector<float>& x, Isa isa) {
    BlockQ8_K block;
    std::memset(&block, 0xAB, sizeof block);  // garbage, to see that every field is written
    ops(GgmlType::kQ8_K, isa)->from_float(x.data(), &block, 256);
    return block;
}

TEST(KQuantsQ8K, RoundsHalfToEvenAgainstTheSignedMax) {
    for (Isa isa : {Isa::kScalar, Isa::kAvx2}) {
        std::vector<float> x(256, 0.0f);
        x[3] = 127.0f;    // max → iscale = -1 exactly
        x[10] = 2.5f;     // -2.5 → -2 (ties to even)
        x[11] = -3.5f;    // 3.5 → 4
        x[12] = 0.5f;     // -0.5 → 0
        x[13] = -1.5f;    // 1.5 → 2
        x[14] = 2.4f;     // -2.4 → -2
        x[20] = -127.0f;  // same magnitude as x[3] but later: not the max
        const BlockQ8_K b = q8k(x, isa);
        EXPECT_EQ(b.d, -1.0f);
        EXPECT_EQ(b.qs[3], -127);
        EXPECT_EQ(b.qs[10], -2);
        EXPECT_EQ(b.qs[11], 4);
        EXPECT_EQ(b.qs[12], 0);
        EXPECT_EQ(b.qs[13], 2);
        EXPECT_EQ(b.qs[14], -2);
        EXPECT_EQ(b.qs[20], 127);
        EXPECT_EQ(b.bsums[0], -127 - 2 + 4 + 0 + 2 - 2);
        EXPECT_EQ(b.bsums[1], 127);
        for (int g = 2; g < 16; ++g) EXPECT_EQ(b.bsums[g], 0);
    }
}

TEST(KQuantsQ8K, NegativeMaxFirst) {
    for (Isa isa : {Isa::kScalar, Isa::kAvx2}) {
        std::vector<float> x = gaussian(256, 7, 0.5f);
        x[5] = -3.0f;
        x[9] = 3.0f;
        const BlockQ8_K b = q8k(x, isa);
        const float iscale = -127.0f / -3.0f;
        EXPECT_EQ(b.d, 1 / iscale);  // fp32, positive: the max was negative
        EXPECT_GT(b.d, 0.0f);
        EXPECT_EQ(b.qs[5], -127);
        EXPECT_EQ(b.qs[9], 127);
        for (int i = 0; i < 256; ++i) {
            EXPECT_EQ(b.qs[i], static_cast<int>(std::nearbyint(iscale * x[i]))) << i;
        }
    }
}

TEST(KQuantsQ8K, ZerosAndExtremes) {
    for (Isa isa : {Isa::kScalar, Isa::kAvx2}) {
        const BlockQ8_K zero = q8k(std::vector<float>(256, 0.0f), isa);
        EXPECT_EQ(zero.d, 0.0f);
        for (int i = 0; i < 256; ++i) EXPECT_EQ(zero.qs[i], 0);
        for (int g = 0; g < 16; ++g) EXPECT_EQ(zero.bsums[g], 0);

        std::vector<float> huge = gaussian(256, 8);
        huge[200] = 1e30f;
        const BlockQ8_K h = q8k(huge, isa);
        EXPECT_EQ(h.qs[200], -127);
        EXPECT_FLOAT_EQ(h.d, -1e30f / 127);

        std::vector<float> tiny = gaussian(256, 9, 1e-30f);
        const BlockQ8_K t = q8k(tiny, isa);
        std::vector<float> back(256);
        ref::q8_k_to_float(&t, back.data(), 256);
        EXPECT_LT(rel_rms_error(tiny, back), 0.01);
    }
}

TEST(KQuantsQ8K, Avx2IsBitIdenticalToScalar) {
    if (!have_avx2()) GTEST_SKIP() << "no AVX2 on this CPU";
    std::mt19937 rng(42);
    for (int trial = 0; trial < 400; ++trial) {
        const int64_t n = 256 * (1 + trial % 19);
        std::vector<float> x = gaussian(n, 1000 + trial, trial % 3 == 0 ? 1e-3f : 3.0f);
        if (trial % 5 == 1) {
            // Many exact ties: multiples of 0.5 against a max of 127 (iscale = -1).
            for (int64_t i = 0; i < n; ++i)
                x[i] = 0.5f * static_cast<float>(int(rng() % 509) - 254);
            for (int64_t b = 0; b < n; b += 256)
                x[b + rng() % 256] = (rng() & 1) ? 127.0f : -127.0f;
        }
        if (trial % 7 == 2) x[rng() % n] = std::numeric_limits<float>::quiet_NaN();
        if (trial % 11 == 3) x[rng() % n] = -std::numeric_limits<float>::infinity();
        if (trial % 13 == 4) std::fill(x.begin(), x.begin() + 256, 0.0f);
        if (trial % 17 == 5) {  // ties for the max magnitude, in both signs
            x[10] = 50.0f;
            x[30] = -50.0f;
        }
        const auto a = quantize(GgmlType::kQ8_K, x, Isa::kScalar);
        const auto b = quantize(GgmlType::kQ8_K, x, Isa::kAvx2);
        ASSERT_EQ(a, b) << "trial " << trial;
    }
}

// ---- round trips ----

// Relative RMS error of from_float → to_float on N(0, σ) data, upper bounds with some margin
// over what the quantizers reach (bits per weight: 2.625, 3.44, 4.5, 5.5, 6.56). Much smaller
// σ is worse for every K-quant: the fp16 super-block scales become subnormal.
double round_trip_bound(GgmlType type) {
    switch (type) {
        case GgmlType::kQ2_K: return 0.32;
        case GgmlType::kQ3_K: return 0.17;
        case GgmlType::kQ4_K: return 0.085;
        case GgmlType::kQ5_K: return 0.043;
        case GgmlType::kQ6_K: return 0.021;
        default: return 0;
    }
}

TEST(KQuants, RoundTripError) {
    const int64_t n = 256 * 64;
    for (GgmlType type : kWeightTypes) {
        for (float sigma : {1.0f, 0.02f, 40.0f}) {
            const auto x = gaussian(n, 11, sigma);
            const auto back = dequantize(type, quantize(type, x, Isa::kScalar), n);
            const double err = rel_rms_error(x, back);
            EXPECT_LT(err, round_trip_bound(type)) << name(type) << " sigma " << sigma;
            EXPECT_GT(err, round_trip_bound(type) / 4) << name(type);  // sanity: it is lossy
        }
    }
}

TEST(KQuants, RoundTripOfShiftedData) {
    // A sub-block whose values are all positive (or all negative) tests the mins.
    const int64_t n = 256 * 16;
    for (GgmlType type : kWeightTypes) {
        for (float shift : {3.0f, -3.0f}) {
            auto x = gaussian(n, 12);
            for (float& v : x) v += shift;
            const auto back = dequantize(type, quantize(type, x, Isa::kScalar), n);
            EXPECT_LT(rel_rms_error(x, back), round_trip_bound(type)) << name(type) << shift;
        }
    }
}

TEST(KQuants, EdgeBlocks) {
    for (GgmlType type : kWeightTypes) {
        // All zeros: exact zeros back, and a zero dot.
        const std::vector<float> zeros(512, 0.0f);
        const auto qz = quantize(type, zeros, Isa::kScalar);
        for (float v : dequantize(type, qz, 512)) EXPECT_EQ(v, 0.0f) << name(type);
        const auto act = quantize(GgmlType::kQ8_K, gaussian(512, 13), Isa::kScalar);
        for (Isa isa : {Isa::kScalar, Isa::kAvx2}) {
            EXPECT_EQ(ops(type, isa)->dot(qz.data(), act.data(), 512), 0.0f) << name(type);
        }

        // One huge value, positive or negative, in the first super-block: it survives within
        // its sub-block's step, nothing becomes NaN or infinite, and the second super-block
        // (which has its own scales) is unaffected.
        for (float big : {1000.0f, -1000.0f}) {
            auto x = gaussian(512, 14);
            x[77] = big;
            const auto back = dequantize(type, quantize(type, x, Isa::kScalar), 512);
            for (float v : back) ASSERT_TRUE(std::isfinite(v)) << name(type);
            // Its sub-block of 16 or 32 spans ~1000 with 4 … 64 levels.
            const double levels = type == GgmlType::kQ2_K   ? 3
                                  : type == GgmlType::kQ3_K ? 4
                                  : type == GgmlType::kQ4_K ? 15
                                  : type == GgmlType::kQ5_K ? 31
                                                            : 32;
            EXPECT_LT(std::fabs(back[77] - big), std::fabs(big) / levels) << name(type) << big;
            const std::vector<float> second(x.begin() + 256, x.end());
            const std::vector<float> second_back(back.begin() + 256, back.end());
            EXPECT_LT(rel_rms_error(second, second_back), 1.2 * round_trip_bound(type))
                << name(type);
        }

        // A constant block, and a tiny one (whose fp16 scales underflow).
        for (float value : {0.75f, -0.75f}) {
            const std::vector<float> x(256, value);
            const auto back = dequantize(type, quantize(type, x, Isa::kScalar), 256);
            for (float v : back) EXPECT_NEAR(v, value, 0.01f) << name(type) << " " << value;
        }
        const auto tiny = gaussian(256, 15, 1e-9f);
        for (float v : dequantize(type, quantize(type, tiny, Isa::kScalar), 256)) {
            ASSERT_TRUE(std::isfinite(v));
            EXPECT_LT(std::fabs(v), 1e-7f);
        }
    }
}

// ---- dot products ----

// Sum over i of |w_i * x_i| from the decoded rows: the scale of the rounding error of a dot.
double abs_dot(const std::vector<float>& w, const std::vector<float>& x) {
    double s = 0;
    for (size_t i = 0; i < w.size(); ++i) s += std::fabs(double(w[i]) * x[i]);
    return s;
}

double exact_dot(const std::vector<float>& w, const std::vector<float>& x) {
    double s = 0;
    for (size_t i = 0; i < w.size(); ++i) s += double(w[i]) * x[i];
    return s;
}

TEST(KQuants, DotEqualsFloatDotOfDecodedRows) {
    for (GgmlType type : kWeightTypes) {
        for (int64_t n : {256, 512, 768, 2048, 4096, 4864}) {
            const auto wq = quantize(type, gaussian(n, 21 + n), Isa::kScalar);
            auto x = gaussian(n, 22 + n);
            x[n / 3] = 9.0f;  // blocks of different scales
            const auto xq = quantize(GgmlType::kQ8_K, x, Isa::kScalar);
            const auto w = dequantize(type, wq, n);
            const auto xd = dequantize(GgmlType::kQ8_K, xq, n);
            const double want = exact_dot(w, xd);
            const double tol = 2e-6 * abs_dot(w, xd);
            for (Isa isa : {Isa::kScalar, Isa::kAvx2}) {
                const float got = ops(type, isa)->dot(wq.data(), xq.data(), n);
                EXPECT_NEAR(got, want, tol) << name(type) << " n=" << n << " isa " << int(isa);
            }
        }
    }
}

// Random bytes exercise every bit pattern of the quants and of the packed scales (including
// Q3_K's negative scales and the high bits of Q4_K/Q5_K's 6-bit scales); only the fp16 super-
// block scales are set to tame values.
std::vector<unsigned char> random_blocks(GgmlType type, int64_t n, std::mt19937& rng) {
    std::vector<unsigned char> out(row_bytes(type, n));
    for (auto& byte : out) byte = static_cast<unsigned char>(rng());
    std::uniform_real_distribution<float> scale(-0.02f, 0.02f);
    auto set_half = [&](size_t offset) {
        const uint16_t h = f32_to_f16(scale(rng));
        std::memcpy(out.data() + offset, &h, 2);
    };
    const int64_t blocks = n / 256;
    for (int64_t b = 0; b < blocks; ++b) {
        switch (type) {
            case GgmlType::kQ2_K:
                set_half(b * sizeof(BlockQ2_K) + offsetof(BlockQ2_K, d));
                set_half(b * sizeof(BlockQ2_K) + offsetof(BlockQ2_K, dmin));
                break;
            case GgmlType::kQ3_K: set_half(b * sizeof(BlockQ3_K) + offsetof(BlockQ3_K, d)); break;
            case GgmlType::kQ4_K:
                set_half(b * sizeof(BlockQ4_K) + offsetof(BlockQ4_K, d));
                set_half(b * sizeof(BlockQ4_K) + offsetof(BlockQ4_K, dmin));
                break;
            case GgmlType::kQ5_K:
                set_half(b * sizeof(BlockQ5_K) + offsetof(BlockQ5_K, d));
                set_half(b * sizeof(BlockQ5_K) + offsetof(BlockQ5_K, dmin));
                break;
            case GgmlType::kQ6_K: set_half(b * sizeof(BlockQ6_K) + offsetof(BlockQ6_K, d)); break;
            default: break;
        }
    }
    return out;
}

// Q8_K blocks with arbitrary quants in [-127, 127] and consistent bsums.
std::vector<BlockQ8_K> random_q8k(int64_t n, std::mt19937& rng) {
    std::vector<BlockQ8_K> out(static_cast<size_t>(n / 256));
    std::uniform_real_distribution<float> scale(-0.05f, 0.05f);
    for (BlockQ8_K& b : out) {
        b.d = scale(rng);
        for (int i = 0; i < 256; ++i) b.qs[i] = static_cast<int8_t>(int(rng() % 255) - 127);
        for (int g = 0; g < 16; ++g) {
            int sum = 0;
            for (int i = 0; i < 16; ++i) sum += b.qs[16 * g + i];
            b.bsums[g] = static_cast<int16_t>(sum);
        }
    }
    return out;
}

TEST(KQuants, RandomBitsDotMatchesDecodedRows) {
    std::mt19937 rng(5);
    for (GgmlType type : kWeightTypes) {
        for (int trial = 0; trial < 40; ++trial) {
            const int64_t n = 256 * (1 + trial % 19);
            const auto w = random_blocks(type, n, rng);
            const auto x = random_q8k(n, rng);
            const auto wd = dequantize(type, w, n);
            std::vector<float> xd(static_cast<size_t>(n));
            ref::q8_k_to_float(x.data(), xd.data(), n);
            const double want = exact_dot(wd, xd);
            const double tol = 2e-6 * abs_dot(wd, xd);
            for (Isa isa : {Isa::kScalar, Isa::kAvx2}) {
                const float got = ops(type, isa)->dot(w.data(), x.data(), n);
                ASSERT_NEAR(got, want, tol) << name(type) << " n=" << n << " isa " << int(isa);
            }
        }
    }
}

TEST(KQuants, Avx2DotMatchesScalar) {
    if (!have_avx2()) GTEST_SKIP() << "no AVX2 on this CPU";
    std::mt19937 rng(6);
    double worst = 0;
    for (GgmlType type : kWeightTypes) {
        const TypeOps* scalar = ops(type, Isa::kScalar);
        const TypeOps* avx2 = ops(type, Isa::kAvx2);
        ASSERT_NE(scalar->dot, avx2->dot) << name(type) << ": no AVX2 kernel registered";
        for (int64_t n = 256; n <= 4864; n += 256) {
            for (int trial = 0; trial < 3; ++trial) {
                const auto w = trial == 0 ? random_blocks(type, n, rng)
                                          : quantize(type, gaussian(n, rng()), Isa::kScalar);
                const auto x = quantize(GgmlType::kQ8_K, gaussian(n, rng(), 2.0f), Isa::kAvx2);
                const float want = scalar->dot(w.data(), x.data(), n);
                const float got = avx2->dot(w.data(), x.data(), n);
                // Only the order of the fp32 additions differs: 1e-5 relative, with a small
                // absolute floor for the rows whose terms cancel.
                const double bound = 1e-5 * (std::fabs(want) + 1e-2 * n);
                ASSERT_NEAR(got, want, bound) << name(type) << " n=" << n << " trial " << trial;
                worst = std::max(worst, std::fabs(double(got) - want) / (std::fabs(want) + 1e-30));
            }
        }
    }
    RecordProperty("worst_relative_difference", std::to_string(worst));
}

TEST(KQuants, ScaleUnpacking) {
    // Q4_K/Q5_K: the 6-bit fields round-trip through the documented packing.
    uint8_t packed[12];
    for (int j = 0; j < 12; ++j) packed[j] = static_cast<uint8_t>(0x5A + 37 * j);
    uint8_t sc[8];
    uint8_t m[8];
    ref::k4_unpack_scales(packed, sc, m);
    for (int j = 0; j < 4; ++j) {
        EXPECT_EQ(sc[j], packed[j] & 63);
        EXPECT_EQ(m[j], packed[j + 4] & 63);
        EXPECT_EQ(sc[j + 4], (packed[j + 8] & 15) | (packed[j] >> 6) << 4);
        EXPECT_EQ(m[j + 4], (packed[j + 8] >> 4) | (packed[j + 4] >> 6) << 4);
    }
    // Q3_K: scale 5 = low nibble of byte 5, top bits at byte 9 bits 2-3; scale 14 = high
    // nibble of byte 6, top bits at byte 10 bits 6-7.
    std::memset(packed, 0, sizeof packed);
    packed[5] = 0x0B;
    packed[9] = 0x2 << 2;
    packed[6] = 0x70;
    packed[10] = 0x1 << 6;
    int8_t s3[16];
    ref::q3_k_unpack_scales(packed, s3);
    EXPECT_EQ(s3[5], 0x2B - 32);
    EXPECT_EQ(s3[14], 0x17 - 32);
    EXPECT_EQ(s3[0], -32);
}

}  // namespace
}  // namespace openbook::kernels
