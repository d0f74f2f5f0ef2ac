#include "model/arch/ops.h"

#include <cmath>
#include <cstdint>
#include <memory>

#include "model/kernels/fp16.h"

namespace openbook::arch {

void rms_norm(const float* x, const float* w, int64_t n, float eps, float* y) {
    // ggml: squares in float, summed in double; the mean and the scale in float.
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i] * x[i]);
    const float mean = static_cast<float>(sum / static_cast<double>(n));
    const float scale = 1.0f / std::sqrt(mean + eps);
    if (w != nullptr) {
        // Two roundings, as ggml runs rms_norm and the weight multiplication as two ops.
        for (int64_t i = 0; i < n; ++i) {
            const float v = x[i] * scale;
            y[i] = v * w[i];
        }
    } else {
        for (int64_t i = 0; i < n; ++i) y[i] = x[i] * scale;
    }
}

void layer_norm(const float* x, const float* w, const float* b, int64_t n, float eps, float* y) {
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i]);
    const float mean = static_cast<float>(sum / static_cast<double>(n));
    double sum2 = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        const float v = x[i] - mean;
        y[i] = v;
        sum2 += static_cast<double>(v * v);
    }
    const float variance = static_cast<float>(sum2 / static_cast<double>(n));
    const float scale = 1.0f / std::sqrt(variance + eps);
    for (int64_t i = 0; i < n; ++i) {
        float v = y[i] * scale;
        if (w != nullptr) v = v * w[i];
        if (b != nullptr) v = v + b[i];
        y[i] = v;
    }
}

void add_in_place(float* y, const float* b, int64_t n) {
    for (int64_t i = 0; i < n; ++i) y[i] += b[i];
}

void silu_mul(float* gate, const float* up, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
        const float g = gate[i];
        const float s = g / (1.0f + std::exp(-g));
        gate[i] = s * up[i];
    }
}

namespace {

// ggml's GELU table: for every fp16 input, the fp16 of the float tanh approximation.
const uint16_t* gelu_table() {
    static const std::unique_ptr<uint16_t[]> table = [] {
        constexpr float kSqrt2OverPi = 0.79788456080286535587989211986876f;
        constexpr float kCoefA = 0.044715f;
        auto t = std::make_unique<uint16_t[]>(1 << 16);
        for (uint32_t h = 0; h < (1u << 16); ++h) {
            const float x = kernels::f16_to_f32(static_cast<uint16_t>(h));
            const float g =
                0.5f * x * (1.0f + std::tanh(kSqrt2OverPi * x * (1.0f + kCoefA * x * x)));
            t[h] = kernels::f32_to_f16(g);
        }
        return t;
    }();
    return table.get();
}

}  // namespace

void gelu(float* x, int64_t n) {
    const uint16_t* table = gelu_table();
    for (int64_t i = 0; i < n; ++i) {
        const float v = x[i];
        if (v <= -10.0f) {
            x[i] = 0.0f;
        } else if (v < 10.0f) {
            x[i] = kernels::f16_to_f32(table[kernels::f32_to_f16(v)]);
        }  // v >= 10: gelu(v) == v in float
    }
}

void softmax_scaled(float* x, int64_t n, float scale) {
    float max = -INFINITY;
    for (int64_t i = 0; i < n; ++i) {
        x[i] *= scale;
        if (x[i] > max) max = x[i];
    }
    double sum = 0.0;
    for (int64_t i = 0; i < n; ++i) {
        const float e = std::exp(x[i] - max);
        x[i] = e;
        sum += static_cast<double>(e);
    }
    const auto inv = static_cast<float>(1.0 / sum);
    for (int64_t i = 0; i < n; ++i) x[i] *= inv;
}

void rope_angles(const RopeParams& params, int64_t pos, float* out) {
    // ggml advances theta by repeated float multiplication rather than computing
    // base^(-2i/n_rot) per pair; the angles (and so the logits) follow that rounding.
    const float theta_scale = std::pow(params.freq_base, -2.0f / static_cast<float>(params.n_rot));
    float theta = static_cast<float>(pos);
    for (int64_t i = 0; i < params.n_rot / 2; ++i) {
        const float extrapolated =
            params.freq_factors != nullptr ? theta / params.freq_factors[i] : theta;
        const float angle = params.freq_scale * extrapolated;
        out[2 * i] = std::cos(angle);
        out[2 * i + 1] = std::sin(angle);
        theta *= theta_scale;
    }
}

void rope_apply(const RopeParams& params, const float* angles, float* head) {
    const int64_t half = params.n_rot / 2;
    if (params.type == RopeType::kNorm) {
        for (int64_t i = 0; i < half; ++i) {
            const float c = angles[2 * i], s = angles[2 * i + 1];
            const float x0 = head[2 * i], x1 = head[2 * i + 1];
            head[2 * i] = x0 * c - x1 * s;
            head[2 * i + 1] = x0 * s + x1 * c;
        }
    } else {
        for (int64_t i = 0; i < half; ++i) {
            const float c = angles[2 * i], s = angles[2 * i + 1];
            const float x0 = head[i], x1 = head[i + half];
            head[i] = x0 * c - x1 * s;
            head[i + half] = x0 * s + x1 * c;
        }
    }
}

}  // namespace openbook::arch
