#include "model/arch/ops.h"

#include <cmath>
#include <numeric>
#include <vector>

#include <gtest/gtest.h>

#include "model/kernels/fp16.h"

namespace openbook::arch {
namespace {

TEST(Ops, RmsNorm) {
    const std::vector<float> x = {1, -2, 3, -4};
    const std::vector<float> w = {1, 2, 0.5f, 1};
    std::vector<float> y(4);
    rms_norm(x.data(), w.data(), 4, 0.0f, y.data());
    const double rms = std::sqrt((1 + 4 + 9 + 16) / 4.0);
    for (int i = 0; i < 4; ++i) EXPECT_NEAR(y[i], x[i] / rms * w[i], 1e-6);
    rms_norm(x.data(), nullptr, 4, 0.0f, y.data());  // in place and without weights
    EXPECT_NEAR(y[3], -4 / rms, 1e-6);
}

TEST(Ops, LayerNorm) {
    std::vector<float> x = {1, 2, 3, 4};
    const std::vector<float> w = {1, 1, 2, 2};
    const std::vector<float> b = {0, 1, 0, 1};
    layer_norm(x.data(), w.data(), b.data(), 4, 0.0f, x.data());
    const double sd = std::sqrt(1.25);
    EXPECT_NEAR(x[0], -1.5 / sd, 1e-6);
    EXPECT_NEAR(x[1], -0.5 / sd + 1, 1e-6);
    EXPECT_NEAR(x[2], 2 * 0.5 / sd, 1e-6);
    EXPECT_NEAR(x[3], 2 * 1.5 / sd + 1, 1e-6);
}

TEST(Ops, SoftmaxScaled) {
    std::vector<float> x = {1, 2, 3, -1e30f};
    softmax_scaled(x.data(), 4, 0.5f);
    const double e0 = std::exp(-1.0), e1 = std::exp(-0.5), e2 = 1.0;
    const double sum = e0 + e1 + e2;
    EXPECT_NEAR(x[0], e0 / sum, 1e-7);
    EXPECT_NEAR(x[1], e1 / sum, 1e-7);
    EXPECT_NEAR(x[2], e2 / sum, 1e-7);
    EXPECT_EQ(x[3], 0.0f);
}

TEST(Ops, SiluMul) {
    std::vector<float> g = {-2, 0, 3};
    const std::vector<float> u = {1, 5, 2};
    silu_mul(g.data(), u.data(), 3);
    EXPECT_NEAR(g[0], -2 / (1 + std::exp(2.0)), 1e-7);
    EXPECT_EQ(g[1], 0.0f);
    EXPECT_NEAR(g[2], 2 * 3 / (1 + std::exp(-3.0)), 1e-6);
}

TEST(Ops, GeluGoesThroughTheFp16Table) {
    std::vector<float> x = {-20, -10, -1, 0, 0.5f, 2, 9.99f, 10, 30};
    std::vector<float> y = x;
    gelu(y.data(), static_cast<int64_t>(y.size()));
    EXPECT_EQ(y[0], 0.0f);
    EXPECT_EQ(y[1], 0.0f);   // <= -10: 0
    EXPECT_EQ(y[7], 10.0f);  // >= 10: x
    EXPECT_EQ(y[8], 30.0f);
    for (size_t i = 2; i < 7; ++i) {
        const double v = x[i];
        const double exact =
            0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v)));
        EXPECT_NEAR(y[i], exact, 2e-3 * (1 + std::fabs(exact))) << v;
        // Table output: an fp16 value.
        EXPECT_EQ(y[i], kernels::f16_to_f32(kernels::f32_to_f16(y[i])));
    }
}

TEST(Ops, RopeAnglesAdvanceGeometrically) {
    RopeParams p;
    p.n_rot = 8;
    p.freq_base = 10000.0f;
    std::vector<float> a(8);
    rope_angles(p, 3, a.data());
    for (int i = 0; i < 4; ++i) {
        const double theta = 3 * std::pow(10000.0, -2.0 * i / 8);
        EXPECT_NEAR(a[2 * i], std::cos(theta), 1e-6);
        EXPECT_NEAR(a[2 * i + 1], std::sin(theta), 1e-6);
    }
    const std::vector<float> factors = {1, 2, 4, 8};
    p.freq_factors = factors.data();
    p.freq_scale = 0.5f;
    rope_angles(p, 3, a.data());
    for (int i = 0; i < 4; ++i) {
        const double theta = 0.5 * 3 * std::pow(10000.0, -2.0 * i / 8) / factors[i];
        EXPECT_NEAR(a[2 * i + 1], std::sin(theta), 1e-6);
    }
}

TEST(Ops, RopeNormRotatesAdjacentPairsNeoxHalves) {
    RopeParams p;
    p.n_rot = 4;
    const std::vector<float> angles = {0.0f, 1.0f, 1.0f, 0.0f};  // pair 0: 90°, pair 1: 0°
    std::vector<float> head = {1, 2, 3, 4, 5, 6};                // n_rot 4 of 6: the last two stay
    p.type = RopeType::kNorm;
    rope_apply(p, angles.data(), head.data());
    EXPECT_EQ(head, (std::vector<float>{-2, 1, 3, 4, 5, 6}));
    head = {1, 2, 3, 4, 5, 6};
    p.type = RopeType::kNeox;
    rope_apply(p, angles.data(), head.data());
    EXPECT_EQ(head, (std::vector<float>{-3, 2, 1, 4, 5, 6}));
}

}  // namespace
}  // namespace openbook::arch
