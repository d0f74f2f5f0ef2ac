// The AVX2 kernels against the scalar references: activation conversions and dequantization bit
// for bit (a flipped rounding moves a result by a whole quantization step), dot products to fp32
// rounding, on random data, random bytes and edge blocks (zeros, outliers, ties, inf, NaN).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "model/kernels/blocks_legacy.h"
#include "model/kernels/fp16.h"
#include "model/kernels/kernels.h"

namespace openbook::kernels {
namespace {

using T = GgmlType;

std::string name_of(T type) { return gguf::ggml_type_name(static_cast<uint32_t>(type)); }

size_t block_bytes(T type) {
    return gguf::ggml_type_traits(static_cast<uint32_t>(type))->block_bytes;
}

float float_of(uint32_t u) {
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

class LegacyAvx2Test : public ::testing::Test {
protected:
    void SetUp() override {
        if (detected_isa() != Isa::kAvx2) GTEST_SKIP() << "no AVX2/FMA/F16C (or OPENBOOK_ISA)";
    }
    static const TypeOps& scalar(T type) { return *ops(type, Isa::kScalar); }
    static const TypeOps& avx2(T type) { return *ops(type, Isa::kAvx2); }
};

std::vector<float> normal_row(int64_t n, uint32_t seed, float scale) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, scale);
    std::vector<float> row(static_cast<size_t>(n));
    for (float& v : row) v = dist(rng);
    return row;
}

// Rows that stress the activation rounding, each a few blocks long.
std::vector<std::pair<std::string, std::vector<float>>> edge_rows() {
    std::vector<std::pair<std::string, std::vector<float>>> rows;
    const float inf = std::numeric_limits<float>::infinity();
    const float nan = std::numeric_limits<float>::quiet_NaN();
    auto with = [&](std::string name, std::vector<float> row) {
        rows.emplace_back(std::move(name), std::move(row));
    };
    with("zeros", std::vector<float>(96, 0.0f));
    with("negative zeros", std::vector<float>(96, -0.0f));
    with("all equal", std::vector<float>(96, 0.3f));
    auto huge = normal_row(96, 1, 1.0f);
    huge[3] = 1e30f;  // d overflows fp16 to inf; every other quant becomes 0
    huge[70] = 1e7f;  // d = 78740 > 65504: inf as well
    with("one huge value", huge);
    auto negative_max = normal_row(96, 2, 1.0f);
    negative_max[17] = -9.0f;
    negative_max[33] = -1e-3f;
    with("negative max", negative_max);
    std::vector<float> ties(96);
    for (int j = 0; j < 96; ++j) ties[j] = static_cast<float>(j % 32) - 15.5f;  // halves
    ties[0] = 127.0f;  // amax 127: 127/amax = 1, so every x*id is exactly k + 0.5
    ties[32] = -127.0f;
    with("ties", ties);
    auto tiny = normal_row(96, 3, 1e-6f);  // d is an fp16 subnormal
    with("fp16-subnormal scale", tiny);
    std::vector<float> denormals(96);
    for (int j = 0; j < 96; ++j)
        denormals[j] = float_of(static_cast<uint32_t>(j * 12345 + 1)) * (j % 2 ? -1.0f : 1.0f);
    with("float denormals", denormals);
    std::vector<float> extremes(96, 1.0f);
    extremes[1] = std::numeric_limits<float>::max();
    extremes[40] = -std::numeric_limits<float>::max();
    extremes[80] = std::numeric_limits<float>::min();
    with("float max", extremes);
    auto infs = normal_row(96, 4, 1.0f);
    infs[5] = inf;
    infs[40] = -inf;
    with("infinities", infs);
    // NaN in the first lane, a middle lane and the last one: MAXPS is order-sensitive with NaN.
    for (int pos : {0, 13, 31}) {
        auto nans = normal_row(96, 5 + pos, 1.0f);
        nans[pos] = nan;
        nans[32 + pos] = -nan;
        nans[64 + 8 * (pos % 4)] = nan;
        nans[64 + 8 * (pos % 4) + 1] = inf;
        with("NaN at " + std::to_string(pos), nans);
    }
    // Every float bit pattern is fair game.
    std::mt19937 rng(77);
    std::vector<float> bits(32 * 4096);
    for (float& v : bits) v = float_of(rng());
    with("random bit patterns", bits);
    return rows;
}

std::vector<unsigned char> convert(const TypeOps& op, const std::vector<float>& row) {
    std::vector<unsigned char> out(row_bytes(op.type, static_cast<int64_t>(row.size())));
    op.from_float(row.data(), out.data(), static_cast<int64_t>(row.size()));
    return out;
}

TEST_F(LegacyAvx2Test, ActivationConversionsAreBitIdentical) {
    auto rows = edge_rows();
    for (float scale : {1e-8f, 1e-3f, 1.0f, 1e3f, 1e6f}) {
        rows.emplace_back("normals x" + std::to_string(scale), normal_row(4864, 8, scale));
    }
    for (T type : {T::kF16, T::kBF16, T::kQ8_0, T::kQ8_1}) {
        for (const auto& [name, row] : rows) {
            const auto want = convert(scalar(type), row);
            const auto got = convert(avx2(type), row);
            ASSERT_EQ(got.size(), want.size());
            for (size_t i = 0; i < got.size(); ++i) {
                ASSERT_EQ(got[i], want[i]) << name_of(type) << ", " << name << ": byte " << i
                                           << " of block " << i / block_bytes(type);
            }
        }
    }
    // F16/BF16 take any length: the vector loop plus every tail length.
    for (T type : {T::kF16, T::kBF16}) {
        for (int64_t n = 1; n <= 40; ++n) {
            const auto row = normal_row(n, static_cast<uint32_t>(n), 3.0f);
            EXPECT_EQ(convert(avx2(type), row), convert(scalar(type), row))
                << name_of(type) << " n=" << n;
        }
    }
}

// Random blocks whose fp16 scale (and min) are finite.
std::vector<unsigned char> random_blocks(T type, int64_t n, uint32_t seed) {
    std::vector<unsigned char> out(row_bytes(type, n));
    std::mt19937 rng(seed);
    for (auto& byte : out) byte = static_cast<unsigned char>(rng());
    if (type == T::kF16 || type == T::kBF16 || type == T::kF32) return out;
    std::normal_distribution<float> dist(0.0f, 0.05f);
    for (size_t off = 0; off < out.size(); off += block_bytes(type)) {
        const uint16_t d = f32_to_f16(dist(rng));
        std::memcpy(&out[off], &d, 2);
        if (type == T::kQ4_1 || type == T::kQ5_1 || type == T::kQ8_1) {
            const uint16_t m = f32_to_f16(dist(rng) * 4.0f);
            std::memcpy(&out[off + 2], &m, 2);
        }
    }
    return out;
}

TEST_F(LegacyAvx2Test, DequantizationIsBitIdentical) {
    for (T type : {T::kF16, T::kBF16, T::kQ4_0, T::kQ4_1, T::kQ5_0, T::kQ5_1, T::kQ8_0, T::kQ8_1}) {
        // F16/BF16: every one of the 65536 values (NaN included), then an odd-length tail.
        const int64_t n = (type == T::kF16 || type == T::kBF16) ? 65536 + 7 : 32 * 2048;
        std::vector<unsigned char> src = random_blocks(type, n, 42);
        if (type == T::kF16 || type == T::kBF16) {
            for (uint32_t h = 0; h <= 0xFFFF; ++h) std::memcpy(&src[2 * h], &h, 2);
        }
        std::vector<float> want(static_cast<size_t>(n));
        std::vector<float> got(static_cast<size_t>(n));
        scalar(type).to_float(src.data(), want.data(), n);
        avx2(type).to_float(src.data(), got.data(), n);
        EXPECT_EQ(std::memcmp(got.data(), want.data(), got.size() * sizeof(float)), 0)
            << name_of(type);
        for (int64_t i = 0; i < n; ++i) {
            uint32_t a, b;
            std::memcpy(&a, &got[i], 4);
            std::memcpy(&b, &want[i], 4);
            ASSERT_EQ(a, b) << name_of(type) << " element " << i;
        }
    }
}

// Scale of fp32 rounding for dot(w, x): sum of |w_j x_j| over the dequantized rows, plus the
// |m_w s_x| terms of Q4_1/Q5_1.
double magnitude(const TypeOps& op, const unsigned char* w, const unsigned char* x, int64_t n) {
    std::vector<float> wf(static_cast<size_t>(n));
    std::vector<float> xf(static_cast<size_t>(n));
    ops(op.type, Isa::kScalar)->to_float(w, wf.data(), n);
    ops(op.activation_type, Isa::kScalar)->to_float(x, xf.data(), n);
    double sum = 0.0;
    for (int64_t j = 0; j < n; ++j) sum += std::fabs(static_cast<double>(wf[j]) * xf[j]);
    if (op.activation_type == T::kQ8_1) {
        const auto* xb = reinterpret_cast<const BlockQ8_1*>(x);
        for (int64_t b = 0; b < n / 32; ++b) {
            uint16_t m;
            std::memcpy(&m, w + static_cast<size_t>(b) * block_bytes(op.type) + 2, 2);
            sum += std::fabs(static_cast<double>(f16_to_f32(m)) * f16_to_f32(xb[b].s));
        }
    }
    return sum;
}

TEST_F(LegacyAvx2Test, DotProductsAgreeWithTheReference) {
    const int64_t sizes[] = {32, 64, 96, 160, 192, 512, 896, 2048, 4096, 4864};
    for (T type : {T::kF32, T::kF16, T::kBF16, T::kQ4_0, T::kQ4_1, T::kQ5_0, T::kQ5_1, T::kQ8_0}) {
        const TypeOps& s = scalar(type);
        const TypeOps& v = avx2(type);
        uint32_t seed = 1000;
        for (int64_t n : sizes) {
            for (int variant = 0; variant < 3; ++variant) {
                // 0: quantized normals; 1: random bytes (every quant value); 2: large activations
                std::vector<unsigned char> w = variant == 1 && type != T::kF32
                                                   ? random_blocks(type, n, ++seed)
                                                   : convert(s, normal_row(n, ++seed, 0.05f));
                if (type == T::kF16 || type == T::kBF16) {
                    w = convert(s, normal_row(n, ++seed, 0.05f));  // random halves hold NaN
                }
                // Large but finite in fp16, including Q8_1's s = d * sum(q).
                const float x_scale = variant == 2 ? 300.0f : 1.5f;
                const auto x =
                    convert(*ops(s.activation_type, Isa::kScalar), normal_row(n, ++seed, x_scale));
                const float want = s.dot(w.data(), x.data(), n);
                const float got = v.dot(w.data(), x.data(), n);
                const double tolerance = 1e-5 * magnitude(s, w.data(), x.data(), n);
                EXPECT_NEAR(got, want, tolerance)
                    << name_of(type) << " n = " << n << " variant " << variant;
            }
        }
    }
}

TEST_F(LegacyAvx2Test, DotProductsOfEdgeRows) {
    for (T type : {T::kF16, T::kBF16, T::kQ4_0, T::kQ4_1, T::kQ5_0, T::kQ5_1, T::kQ8_0}) {
        const TypeOps& s = scalar(type);
        const TypeOps& v = avx2(type);
        const TypeOps& act = *ops(s.activation_type, Isa::kScalar);
        for (const auto& [name, row] : edge_rows()) {
            bool finite = true;
            for (float f : row) finite = finite && std::isfinite(f) && std::fabs(f) < 1e4f;
            if (!finite) continue;  // inf/NaN/huge rows give inf/NaN dots: nothing to compare
            const auto n = static_cast<int64_t>(row.size());
            const auto w = convert(s, normal_row(n, 9, 0.05f));
            const auto x = convert(act, row);
            const auto w_edge = convert(s, row);
            const auto x_plain = convert(act, normal_row(n, 10, 1.0f));
            EXPECT_NEAR(v.dot(w.data(), x.data(), n), s.dot(w.data(), x.data(), n),
                        1e-5 * magnitude(s, w.data(), x.data(), n))
                << name_of(type) << ", activations: " << name;
            EXPECT_NEAR(v.dot(w_edge.data(), x_plain.data(), n),
                        s.dot(w_edge.data(), x_plain.data(), n),
                        1e-5 * magnitude(s, w_edge.data(), x_plain.data(), n))
                << name_of(type) << ", weights: " << name;
        }
    }
}

}  // namespace
}  // namespace openbook::kernels
