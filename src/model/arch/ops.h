// The element-wise and per-row numerics of the transformer layers: norms, activations, RoPE,
// softmax. Each follows the operation order and precision of llama.cpp's CPU backend (ggml), as
// its outputs are the reference (../shared/data/llamacpp-fixtures/README.md): e.g. norm sums are
// accumulated in double as ggml does, RoPE angles advance by repeated multiplication with
// powf(base, -2/n_rot), and GELU is read from a table indexed by the input rounded to fp16.
// Where the order of float operations matters for the result, the comment says so.
//
// Contract: plain functions over caller-owned rows; no allocation (except the GELU table, built
// once on first use), thread-safe.
#pragma once

#include <cstdint>

namespace openbook::arch {

// y = x / sqrt(mean(x^2) + eps) * w   (w may be nullptr: no weight). y may alias x.
void rms_norm(const float* x, const float* w, int64_t n, float eps, float* y);

// y = (x - mean) / sqrt(var + eps) * w + b   (w, b may be nullptr). y may alias x.
void layer_norm(const float* x, const float* w, const float* b, int64_t n, float eps, float* y);

// y[i] += b[i]
void add_in_place(float* y, const float* b, int64_t n);

// gate[i] = silu(gate[i]) * up[i]   (llama's SwiGLU feed-forward)
void silu_mul(float* gate, const float* up, int64_t n);

// x[i] = gelu(x[i]), tanh approximation read through ggml's fp16 table.
void gelu(float* x, int64_t n);

// softmax(x * scale) in place over n values; returns nothing. Follows ggml_soft_max: scale,
// subtract the max, exp, sum in double, multiply by the float of 1/sum.
void softmax_scaled(float* x, int64_t n, float scale);

// RoPE: rotate pairs of a head's first n_rot elements by angles pos * theta_i.
enum class RopeType {
    kNorm,  // adjacent pairs (x[2i], x[2i+1]) — llama
    kNeox,  // halves (x[i], x[i + n_rot/2]) — qwen2, qwen3
};

struct RopeParams {
    RopeType type = RopeType::kNorm;
    int64_t n_rot = 0;  // rotated elements per head (even, <= head_dim)
    float freq_base = 10000.0f;
    float freq_scale = 1.0f;              // linear scaling: 1 / factor
    const float* freq_factors = nullptr;  // n_rot/2 divisors of theta_i (Llama 3 rope_freqs)
};

// The n_rot/2 (cos, sin) pairs of position pos: out[2i] = cos, out[2i+1] = sin.
void rope_angles(const RopeParams& params, int64_t pos, float* out);

// Rotates one head (head_dim >= n_rot elements) in place with angles from rope_angles().
void rope_apply(const RopeParams& params, const float* angles, float* head);

}  // namespace openbook::arch
