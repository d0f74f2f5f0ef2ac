// What the F32/F16/BF16/legacy-quant kernels compute: the table entries, llama.cpp's activation
// rounding, quantize → dequantize error bounds, and dot products against the same arithmetic done
// in double from the dequantized operands. Every check runs for each ISA this CPU has.
#include "model/kernels/ref/legacy_ref.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
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

const T kWeightTypes[] = {T::kF32,  T::kF16,  T::kBF16, T::kQ4_0,
                          T::kQ4_1, T::kQ5_0, T::kQ5_1, T::kQ8_0};
const T kAllTypes[] = {T::kF32,  T::kF16,  T::kBF16, T::kQ4_0, T::kQ4_1,
                       T::kQ5_0, T::kQ5_1, T::kQ8_0, T::kQ8_1};

std::string name_of(T type) { return gguf::ggml_type_name(static_cast<uint32_t>(type)); }

std::vector<Isa> isas() {
    std::vector<Isa> out = {Isa::kScalar};
    if (detected_isa() == Isa::kAvx2) out.push_back(Isa::kAvx2);
    return out;
}
const char* isa_name(Isa isa) { return isa == Isa::kAvx2 ? "avx2" : "scalar"; }

std::vector<float> normal_row(int64_t n, uint32_t seed, float scale) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> dist(0.0f, scale);
    std::vector<float> row(static_cast<size_t>(n));
    for (float& v : row) v = dist(rng);
    return row;
}

std::vector<unsigned char> quantize(const TypeOps& op, const std::vector<float>& row) {
    const auto n = static_cast<int64_t>(row.size());
    std::vector<unsigned char> out(row_bytes(op.type, n));
    op.from_float(row.data(), out.data(), n);
    return out;
}

std::vector<float> dequantize(const TypeOps& op, const std::vector<unsigned char>& bytes,
                              int64_t n) {
    std::vector<float> out(static_cast<size_t>(n));
    op.to_float(bytes.data(), out.data(), n);
    return out;
}

int64_t block_elements(T type) {
    return gguf::ggml_type_traits(static_cast<uint32_t>(type))->block_elements;
}
size_t block_bytes(T type) {
    return gguf::ggml_type_traits(static_cast<uint32_t>(type))->block_bytes;
}

uint16_t u16_at(const unsigned char* p) {
    uint16_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// ---- the table ----

TEST(LegacyOpsTest, EveryTypeHasItsLlamaCppActivationType) {
    const std::pair<T, T> expected[] = {
        {T::kF32, T::kF32},   {T::kF16, T::kF16},   {T::kBF16, T::kBF16},
        {T::kQ4_0, T::kQ8_0}, {T::kQ4_1, T::kQ8_1}, {T::kQ5_0, T::kQ8_0},
        {T::kQ5_1, T::kQ8_1}, {T::kQ8_0, T::kQ8_0}, {T::kQ8_1, T::kQ8_1}};
    for (Isa isa : {Isa::kScalar, Isa::kAvx2}) {
        for (const auto& [type, activation] : expected) {
            const TypeOps* op = ops(type, isa);
            ASSERT_NE(op, nullptr) << name_of(type);
            EXPECT_EQ(op->type, type);
            EXPECT_EQ(op->activation_type, activation) << name_of(type);
            EXPECT_NE(op->to_float, nullptr);
            EXPECT_NE(op->from_float, nullptr);
            EXPECT_EQ(op->dot == nullptr, type == T::kQ8_1) << name_of(type);
            // The activation type can be produced from floats.
            ASSERT_NE(ops(activation, isa), nullptr);
            EXPECT_NE(ops(activation, isa)->from_float, nullptr);
        }
    }
    const std::vector<T> weights = weight_types();
    for (T type : kWeightTypes) {
        EXPECT_NE(std::find(weights.begin(), weights.end(), type), weights.end()) << name_of(type);
    }
    EXPECT_EQ(std::find(weights.begin(), weights.end(), T::kQ8_1), weights.end());
}

// ---- llama.cpp's activation rounding ----

TEST(LegacyRefTest, Q8ActivationsRoundHalfToEven) {
    // amax = 127 makes 127/amax exactly 1, so q = round_half_even(x).
    std::vector<float> x(32, 0.0f);
    const float values[] = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 126.5f, 127.0f, -3.49f, 3.51f};
    for (size_t j = 0; j < std::size(values); ++j) x[j] = values[j];
    const int8_t expected[] = {0, 2, 2, 0, -2, -2, 126, 127, -3, 4};
    for (Isa isa : isas()) {
        for (T type : {T::kQ8_0, T::kQ8_1}) {
            const auto q = quantize(*ops(type, isa), x);
            const size_t qs_offset = type == T::kQ8_0 ? 2 : 4;
            EXPECT_EQ(u16_at(q.data()), 0x3C00) << "d = 1.0";
            for (size_t j = 0; j < std::size(expected); ++j) {
                EXPECT_EQ(static_cast<int8_t>(q[qs_offset + j]), expected[j])
                    << name_of(type) << " " << isa_name(isa) << " x = " << values[j];
            }
        }
    }
}

// The rounding written out plainly: d = amax/127 (fp16), q = round_half_even(x * (127/amax)).
TEST(LegacyRefTest, Q8ActivationsFollowTheFormulaOnRandomRows) {
    const int64_t n = 4864;
    for (float scale : {1e-6f, 1e-3f, 1.0f, 37.0f, 1e4f}) {
        const auto x = normal_row(n, 7, scale);
        for (Isa isa : isas()) {
            const auto q0 = quantize(*ops(T::kQ8_0, isa), x);
            const auto q1 = quantize(*ops(T::kQ8_1, isa), x);
            const auto* b0 = reinterpret_cast<const BlockQ8_0*>(q0.data());
            const auto* b1 = reinterpret_cast<const BlockQ8_1*>(q1.data());
            for (int64_t b = 0; b < n / 32; ++b) {
                float amax = 0.0f;
                for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(x[b * 32 + j]));
                const float d = amax / 127.0f;
                const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
                int sum = 0;
                for (int j = 0; j < 32; ++j) {
                    const int q = static_cast<int>(std::nearbyint(x[b * 32 + j] * id));
                    sum += q;
                    ASSERT_EQ(b0[b].qs[j], q) << "block " << b << " scale " << scale;
                    ASSERT_EQ(b1[b].qs[j], q);
                }
                ASSERT_EQ(b0[b].d, f32_to_f16(d));
                ASSERT_EQ(b1[b].d, f32_to_f16(d));
                // s uses the fp32 d, before its rounding to fp16.
                ASSERT_EQ(b1[b].s, f32_to_f16(d * static_cast<float>(sum)));
            }
        }
    }
}

// Why s is stored rather than recomputed: fp16(d32 * sum) and fp16(fp16(d) * sum) differ often
// enough on ordinary data that an engine deriving s from the stored d would not match llama.cpp.
TEST(LegacyRefTest, Q8_1SumDiffersFromOneComputedWithTheRoundedScale) {
    const auto x = normal_row(4864, 11, 1.0f);
    const auto q = quantize(*ops(T::kQ8_1, Isa::kScalar), x);
    const auto* blocks = reinterpret_cast<const BlockQ8_1*>(q.data());
    int differing = 0;
    for (int64_t b = 0; b < 4864 / 32; ++b) {
        int sum = 0;
        for (int j = 0; j < 32; ++j) sum += blocks[b].qs[j];
        if (f32_to_f16(f16_to_f32(blocks[b].d) * static_cast<float>(sum)) != blocks[b].s) {
            ++differing;
        }
    }
    EXPECT_GT(differing, 0);
}

TEST(LegacyRefTest, ZeroRowsStayZero) {
    const std::vector<float> zeros(256, 0.0f);
    for (Isa isa : isas()) {
        for (T type : kAllTypes) {
            const TypeOps& op = *ops(type, isa);
            const auto q = quantize(op, zeros);
            for (float v : dequantize(op, q, 256)) EXPECT_EQ(v, 0.0f) << name_of(type);
            if (op.dot == nullptr) continue;
            const auto xq = quantize(*ops(op.activation_type, isa), normal_row(256, 3, 1.0f));
            EXPECT_EQ(op.dot(q.data(), xq.data(), 256), 0.0f) << name_of(type);
            const auto zx = quantize(*ops(op.activation_type, isa), zeros);
            const auto w = quantize(op, normal_row(256, 4, 1.0f));
            EXPECT_EQ(op.dot(w.data(), zx.data(), 256), 0.0f) << name_of(type);
        }
    }
}

// Any float bit pattern (NaN, inf, huge, denormal) converts without undefined behaviour (the
// sanitizer build checks) and, for the activation types, the same way on every ISA.
TEST(LegacyRefTest, AnyFloatConvertsSafely) {
    std::mt19937 rng(2024);
    std::vector<float> x(32 * 512);
    for (float& v : x) {
        const uint32_t bits = rng();
        std::memcpy(&v, &bits, sizeof v);
    }
    for (T type : kAllTypes) {
        std::vector<std::vector<unsigned char>> outputs;
        for (Isa isa : isas()) {
            const TypeOps& op = *ops(type, isa);
            outputs.push_back(quantize(op, x));
            std::vector<float> back(x.size());
            op.to_float(outputs.back().data(), back.data(), static_cast<int64_t>(x.size()));
        }
        if (outputs.size() == 2) {
            EXPECT_EQ(outputs[0], outputs[1]) << name_of(type);
        }
    }
}

// ---- quantize → dequantize ----

// Bound on |x - dequant(quant(x))| for element j of a row, from the block's stored scale/min.
double error_bound(T type, const unsigned char* row, int64_t j, float x) {
    const double ax = std::fabs(x);
    if (type == T::kF32) return 0.0;
    if (type == T::kF16) return ax * std::ldexp(1.0, -11) + std::ldexp(1.0, -25);
    if (type == T::kBF16) return ax * std::ldexp(1.0, -8) + 1e-38;
    const unsigned char* block = row + static_cast<size_t>(j / 32) * block_bytes(type);
    const double d = std::fabs(f16_to_f32(u16_at(block)));
    const bool with_min = type == T::kQ4_1 || type == T::kQ5_1;
    const double m = with_min ? std::fabs(f16_to_f32(u16_at(block + 2))) : 0.0;
    // The fp16 rounding of a scale moves it by at most 2^-11 relative, or 2^-25 absolute where
    // fp16 is subnormal; the largest quant multiplies that of d. Float arithmetic adds ulps.
    const auto fp16_error = [](double v) {
        return v * std::ldexp(1.0, -11) + std::ldexp(1.0, -25);
    };
    const double slack = ax * 1e-6 + (with_min ? fp16_error(m) : 0.0);
    // Rounding to nearest costs half a step; Q4_0/Q5_0 clamp the extreme quant of the sign
    // opposite to the block's largest magnitude (+7, +15), which costs up to a whole step.
    switch (type) {
        case T::kQ4_0: return d + 8 * fp16_error(d) + slack;
        case T::kQ5_0: return d + 16 * fp16_error(d) + slack;
        case T::kQ4_1: return 0.5 * d + 15 * fp16_error(d) + slack;
        case T::kQ5_1: return 0.5 * d + 31 * fp16_error(d) + slack;
        case T::kQ8_0:
        case T::kQ8_1: return 0.5 * d + 127 * fp16_error(d) + slack;
        default: return 0.0;
    }
}

// Relative RMS error of a row of normals: about step / sqrt(12) / sigma for each type.
double rms_limit(T type) {
    switch (type) {
        case T::kF32: return 1e-12;
        case T::kF16: return 5e-4;
        case T::kBF16: return 4e-3;
        case T::kQ4_0:
        case T::kQ4_1: return 0.15;
        case T::kQ5_0:
        case T::kQ5_1: return 0.075;
        default: return 0.01;  // Q8_0, Q8_1
    }
}

TEST(LegacyRefTest, RoundTripErrorIsWithinTheTypeStep) {
    for (Isa isa : isas()) {
        for (T type : kAllTypes) {
            const TypeOps& op = *ops(type, isa);
            for (float scale : {1e-3f, 0.02f, 1.0f, 300.0f}) {
                const int64_t n = 4864;
                auto x = normal_row(n, 21, scale);
                x[5] = 40.0f * scale;    // an outlier in block 0,
                x[40] = -40.0f * scale;  // a negative maximum in block 1
                const auto q = quantize(op, x);
                const auto y = dequantize(op, q, n);
                double err2 = 0.0;
                double x2 = 0.0;
                for (int64_t j = 0; j < n; ++j) {
                    const double bound = error_bound(type, q.data(), j, x[j]);
                    const double err = std::fabs(static_cast<double>(x[j]) - y[j]);
                    ASSERT_LE(err, bound) << name_of(type) << " " << isa_name(isa) << " element "
                                          << j << " x = " << x[j] << " y = " << y[j];
                    if (j >= 64) {  // past the two blocks with outliers
                        err2 += err * err;
                        x2 += static_cast<double>(x[j]) * x[j];
                    }
                }
                // And the row is as close as the type allows (guards against lax bounds).
                EXPECT_LT(std::sqrt(err2 / x2), rms_limit(type))
                    << name_of(type) << " " << isa_name(isa) << " scale " << scale;
            }
        }
    }
}

// ---- dot products vs the same arithmetic in double ----

// dot(W, X) computed from the dequantized operands in double. For Q4_1/Q5_1 the activation's
// contribution through the weight minimum is m_w * s_x (see legacy_ref.h), so the minimum is
// taken out of the dequantized weight and that term added from the Q8_1 block.
struct Expected {
    double value = 0.0;
    double magnitude = 0.0;  // sum of |terms|: the scale of fp32 rounding in any summation order
};

Expected expected_dot(const TypeOps& op, const unsigned char* w, const unsigned char* x,
                      int64_t n) {
    const TypeOps& scalar_w = *ops(op.type, Isa::kScalar);
    const TypeOps& scalar_x = *ops(op.activation_type, Isa::kScalar);
    std::vector<float> wf(static_cast<size_t>(n));
    std::vector<float> xf(static_cast<size_t>(n));
    scalar_w.to_float(w, wf.data(), n);
    scalar_x.to_float(x, xf.data(), n);
    Expected e;
    const bool with_min = op.type == T::kQ4_1 || op.type == T::kQ5_1;
    for (int64_t j = 0; j < n; ++j) {
        double wj = wf[j];
        if (with_min)
            wj -= f16_to_f32(u16_at(w + static_cast<size_t>(j / 32) * block_bytes(op.type) + 2));
        const double term = wj * static_cast<double>(xf[j]);
        e.value += term;
        e.magnitude += std::fabs(term);
    }
    if (with_min) {
        for (int64_t b = 0; b < n / 32; ++b) {
            const double m =
                f16_to_f32(u16_at(w + static_cast<size_t>(b) * block_bytes(op.type) + 2));
            const double s = f16_to_f32(reinterpret_cast<const BlockQ8_1*>(x)[b].s);
            e.value += m * s;
            e.magnitude += std::fabs(m * s);
        }
    }
    return e;
}

// A weight row: quantized normals, or (for the quantized types) random bytes with sane fp16
// scales, which reach every quant value including the extremes.
std::vector<unsigned char> weight_row(const TypeOps& op, int64_t n, uint32_t seed,
                                      bool random_bytes) {
    if (!random_bytes || block_elements(op.type) == 1)
        return quantize(op, normal_row(n, seed, 0.05f));
    std::vector<unsigned char> out(row_bytes(op.type, n));
    std::mt19937 rng(seed);
    for (auto& byte : out) byte = static_cast<unsigned char>(rng());
    std::normal_distribution<float> dist(0.0f, 0.01f);
    for (size_t off = 0; off < out.size(); off += block_bytes(op.type)) {
        const uint16_t d = f32_to_f16(dist(rng));
        std::memcpy(&out[off], &d, 2);
        if (op.type == T::kQ4_1 || op.type == T::kQ5_1) {
            const uint16_t m = f32_to_f16(dist(rng) * 8.0f);
            std::memcpy(&out[off + 2], &m, 2);
        }
    }
    return out;
}

TEST(LegacyRefTest, DotEqualsTheDoublePrecisionDotOfTheDequantizedRows) {
    const int64_t sizes[] = {32, 64, 96, 192, 896, 4096, 4864};
    for (Isa isa : isas()) {
        for (T type : kWeightTypes) {
            const TypeOps& op = *ops(type, isa);
            const TypeOps& act = *ops(op.activation_type, isa);
            uint32_t seed = 100;
            for (int64_t n : sizes) {
                for (bool random_bytes : {false, true}) {
                    const auto w = weight_row(op, n, ++seed, random_bytes);
                    const auto x = quantize(act, normal_row(n, ++seed, 2.0f));
                    const Expected e = expected_dot(op, w.data(), x.data(), n);
                    const float got = op.dot(w.data(), x.data(), n);
                    EXPECT_NEAR(got, e.value, 1e-5 * e.magnitude + 1e-30)
                        << name_of(type) << " " << isa_name(isa) << " n = " << n
                        << (random_bytes ? " random bytes" : "");
                }
            }
        }
    }
}

// Plain types accept any length, not only multiples of 32.
TEST(LegacyRefTest, PlainTypesHandleAnyLength) {
    for (Isa isa : isas()) {
        for (T type : {T::kF32, T::kF16, T::kBF16}) {
            const TypeOps& op = *ops(type, isa);
            for (int64_t n : {1, 7, 8, 9, 31, 33, 63, 65, 127, 129, 4867}) {
                const auto w = quantize(op, normal_row(n, 5, 1.0f));
                const auto x = quantize(op, normal_row(n, 6, 1.0f));
                const Expected e = expected_dot(op, w.data(), x.data(), n);
                EXPECT_NEAR(op.dot(w.data(), x.data(), n), e.value, 1e-5 * e.magnitude)
                    << name_of(type) << " " << isa_name(isa) << " n = " << n;
            }
        }
    }
}

// The Q4_1/Q5_1 min term must use s from the Q8_1 block, not d_x * sum(q_x).
TEST(LegacyRefTest, MinTermUsesTheStoredActivationSum) {
    for (Isa isa : isas()) {
        for (T type : {T::kQ4_1, T::kQ5_1}) {
            const TypeOps& op = *ops(type, isa);
            const int64_t n = 32;
            auto w = weight_row(op, n, 9, true);
            auto x = quantize(*ops(T::kQ8_1, isa), normal_row(n, 10, 1.0f));
            const float before = op.dot(w.data(), x.data(), n);
            // Changing only s by a known amount changes the dot by m * delta.
            auto* xb = reinterpret_cast<BlockQ8_1*>(x.data());
            const float s = f16_to_f32(xb->s);
            xb->s = f32_to_f16(s + 1.0f);
            const float delta = f16_to_f32(xb->s) - s;
            const float after = op.dot(w.data(), x.data(), n);
            const float m = f16_to_f32(u16_at(w.data() + 2));
            EXPECT_NEAR(after - before, m * delta,
                        1e-5 * (std::fabs(before) + std::fabs(after)) + 1e-6)
                << name_of(type) << " " << isa_name(isa);
        }
    }
}

}  // namespace
}  // namespace openbook::kernels
