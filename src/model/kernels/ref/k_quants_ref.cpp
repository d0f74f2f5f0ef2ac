#include "model/kernels/ref/k_quants_ref.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "model/kernels/blocks_k.h"
#include "model/kernels/fp16.h"

namespace openbook::kernels::ref {
namespace {

// Round to nearest, ties to even, by adding 1.5 * 2^23: the sum's low mantissa bits then hold
// the rounded integer. Exact for |v| < 2^22. It is llama.cpp's rounding, and being plain bit
// arithmetic it gives the AVX2 kernel's result even for NaN or infinity (which come out as 0
// and -2^22): the two Q8_K quantizers stay bit-identical on every input.
int round_even(float v) {
    const float shifted = v + 12582912.0f;
    int32_t bits;
    std::memcpy(&bits, &shifted, sizeof bits);
    return (bits & 0x007FFFFF) - 0x00400000;
}

// Q8_K's rounding of the fp32 product x * iscale. nearbyint (ties to even in the default
// rounding mode) comes first so that no compiler can fuse the multiply with round_even's add
// into one FMA, which would round the exact product instead; round_even then maps NaN and
// infinity exactly as the AVX2 kernel does.
int round_product(float product) { return round_even(std::nearbyint(product)); }

// round_even for the weight quantizers, whose quotients can be huge when a scale is tiny.
int round_clamped(float v) { return round_even(std::clamp(v, -4194303.0f, 4194303.0f)); }

int clamp_int(int v, int lo, int hi) { return std::min(std::max(v, lo), hi); }

// A sub-block whose largest magnitude is below this is stored as zeros.
constexpr float kGroupEps = 1e-15f;

// ---- weight quantizer building blocks ----

// Fits x[i] ≈ scale * L[i] - offset with L[i] in [0, nmax] and offset >= 0 (zero always lies in
// the represented range, which keeps small weights small). Minimizes sum w[i] * e^2 (or |e|
// when `abs_error`): starting from the plain min/max grid, nstep+1 candidate grids
// (nmax + rmin + rdelta*k levels across the range) are rounded and each gets its weighted
// least-squares scale and offset; the best one wins. n <= 32.
float fit_scale_offset(const float* x, const float* w, int n, int nmax, float rmin, float rdelta,
                       int nstep, bool abs_error, uint8_t* L, float* offset) {
    float lo = x[0];
    float hi = x[0];
    float sum_w = 0;
    float sum_x = 0;
    for (int i = 0; i < n; ++i) {
        lo = std::min(lo, x[i]);
        hi = std::max(hi, x[i]);
        sum_w += w[i];
        sum_x += w[i] * x[i];
    }
    lo = std::min(lo, 0.0f);
    if (hi == lo) {
        std::fill(L, L + n, uint8_t{0});
        *offset = -lo;
        return 0;
    }
    auto quantize = [&](float iscale, uint8_t* out) {
        for (int i = 0; i < n; ++i) {
            out[i] = static_cast<uint8_t>(clamp_int(round_clamped(iscale * (x[i] - lo)), 0, nmax));
        }
    };
    auto error = [&](float scale, float min, const uint8_t* levels) {
        float total = 0;
        for (int i = 0; i < n; ++i) {
            const float e = scale * levels[i] + min - x[i];
            total += w[i] * (abs_error ? std::fabs(e) : e * e);
        }
        return total;
    };

    float best_scale = (hi - lo) / nmax;
    float best_min = lo;
    quantize(nmax / (hi - lo), L);
    float best_error = error(best_scale, best_min, L);

    uint8_t trial[32];
    for (int step = 0; step <= nstep; ++step) {
        quantize((rmin + rdelta * step + nmax) / (hi - lo), trial);
        float sum_l = 0;
        float sum_l2 = 0;
        float sum_xl = 0;
        for (int i = 0; i < n; ++i) {
            const float l = trial[i];
            sum_l += w[i] * l;
            sum_l2 += w[i] * l * l;
            sum_xl += w[i] * l * x[i];
        }
        const float det = sum_w * sum_l2 - sum_l * sum_l;
        if (!(det > 0)) continue;
        float scale = (sum_w * sum_xl - sum_x * sum_l) / det;
        float min = (sum_l2 * sum_x - sum_l * sum_xl) / det;
        if (min > 0) {  // a positive min would exclude zero: refit the scale alone
            min = 0;
            scale = sum_xl / sum_l2;
        }
        const float e = error(scale, min, trial);
        if (e < best_error) {
            best_error = e;
            best_scale = scale;
            best_min = min;
            std::copy(trial, trial + n, L);
        }
    }
    *offset = -best_min;
    return best_scale;
}

// Fits x[i] ≈ scale * L[i] with L[i] in [-nmax, nmax - 1], weighting each element by x^2 so the
// large weights (which matter most in a dot product) come out best. The element of largest
// magnitude maps to the extra level -nmax; 19 grids around that are tried and the one whose
// least-squares scale explains most of the weighted energy wins. Returns 0 (and L = 0) for an
// all-zero group. n <= 16.
float fit_symmetric(const float* x, int n, int nmax, int8_t* L) {
    float amax = 0;
    float max = 0;
    for (int i = 0; i < n; ++i) {
        if (std::fabs(x[i]) > amax) {
            amax = std::fabs(x[i]);
            max = x[i];
        }
    }
    if (amax < kGroupEps) {
        std::fill(L, L + n, int8_t{0});
        return 0;
    }
    float best_scale = 0;
    float best_gain = -1;
    int8_t trial[16];
    for (int k = -9; k <= 9; ++k) {
        const float iscale = -(nmax + 0.1f * k) / max;
        float sum_lx = 0;
        float sum_l2 = 0;
        for (int i = 0; i < n; ++i) {
            const int l = clamp_int(round_clamped(iscale * x[i]), -nmax, nmax - 1);
            trial[i] = static_cast<int8_t>(l);
            const float w = x[i] * x[i];
            sum_lx += w * x[i] * l;
            sum_l2 += w * l * l;
        }
        if (!(sum_l2 > 0)) continue;
        const float gain = sum_lx * sum_lx / sum_l2;  // energy explained by the best scale
        if (gain > best_gain) {
            best_gain = gain;
            best_scale = sum_lx / sum_l2;
            std::copy(trial, trial + n, L);
        }
    }
    return best_scale;
}

// Sub-block scales and mins of Q4_K/Q5_K: 8 + 8 values of 6 bits in 12 bytes. Bytes 0-3 hold
// scales 0-3 and bytes 4-7 mins 0-3 in their low 6 bits; bytes 8-11 hold the low nibbles of
// scale (low) and min (high) 4-7, whose top 2 bits sit in the spare top bits of bytes 0-7.
void k4_pack_scales(const uint8_t scales[8], const uint8_t mins[8], uint8_t packed[12]) {
    for (int j = 0; j < 4; ++j) {
        packed[j] = static_cast<uint8_t>(scales[j] | (scales[j + 4] >> 4) << 6);
        packed[j + 4] = static_cast<uint8_t>(mins[j] | (mins[j + 4] >> 4) << 6);
        packed[j + 8] = static_cast<uint8_t>((scales[j + 4] & 15) | (mins[j + 4] & 15) << 4);
    }
}

// The shared Q4_K/Q5_K quantizer: sub-blocks of 32 fitted with levels [0, nmax], then 6-bit
// scales and mins against fp16 super-block scales, then every element re-rounded against the
// scales as they will be decoded. Writes d, dmin, the packed scales and L (256 levels).
void quantize_k4_superblock(const float* x, int nmax, float rmin, float rdelta, int nstep,
                            uint16_t* d, uint16_t* dmin, uint8_t packed[12], uint8_t L[256]) {
    float scales[8];
    float mins[8];
    float max_scale = 0;
    float max_min = 0;
    for (int j = 0; j < 8; ++j) {
        const float* xs = x + 32 * j;
        float sum_x2 = 0;
        for (int i = 0; i < 32; ++i) sum_x2 += xs[i] * xs[i];
        const float rms = std::sqrt(sum_x2 / 32);
        float w[32];
        for (int i = 0; i < 32; ++i) w[i] = rms + std::fabs(xs[i]);
        scales[j] =
            fit_scale_offset(xs, w, 32, nmax, rmin, rdelta, nstep, false, L + 32 * j, &mins[j]);
        max_scale = std::max(max_scale, scales[j]);
        max_min = std::max(max_min, mins[j]);
    }
    const float inv_scale = max_scale > 0 ? 63.0f / max_scale : 0.0f;
    const float inv_min = max_min > 0 ? 63.0f / max_min : 0.0f;
    uint8_t ls[8];
    uint8_t lm[8];
    for (int j = 0; j < 8; ++j) {
        ls[j] = static_cast<uint8_t>(clamp_int(round_clamped(inv_scale * scales[j]), 0, 63));
        lm[j] = static_cast<uint8_t>(clamp_int(round_clamped(inv_min * mins[j]), 0, 63));
    }
    k4_pack_scales(ls, lm, packed);
    *d = f32_to_f16(max_scale / 63.0f);
    *dmin = f32_to_f16(max_min / 63.0f);

    const float dd = f16_to_f32(*d);
    const float dm = f16_to_f32(*dmin);
    for (int j = 0; j < 8; ++j) {
        const float step = dd * ls[j];
        if (step == 0) continue;  // every level decodes to -min: keep the fit's levels
        const float offset = dm * lm[j];
        for (int i = 0; i < 32; ++i) {
            const int l = round_clamped((x[32 * j + i] + offset) / step);
            L[32 * j + i] = static_cast<uint8_t>(clamp_int(l, 0, nmax));
        }
    }
}

// The Q4_K/Q5_K dot of one super-block; Q5_K adds the fifth bit from `qh`.
template <bool kFifthBit>
float k4_dot(uint16_t d16, uint16_t dmin16, const uint8_t* packed, const uint8_t* qs,
             const uint8_t* qh, const BlockQ8_K& a) {
    uint8_t sc[8];
    uint8_t m[8];
    k4_unpack_scales(packed, sc, m);
    int sum_mins = 0;
    for (int j = 0; j < 8; ++j) sum_mins += m[j] * (a.bsums[2 * j] + a.bsums[2 * j + 1]);
    int sum_q = 0;
    for (int c = 0; c < 4; ++c) {
        for (int h = 0; h < 2; ++h) {
            const int sub = 2 * c + h;
            const int8_t* q8 = a.qs + 32 * sub;
            int part = 0;
            for (int l = 0; l < 32; ++l) {
                int q = (qs[32 * c + l] >> (4 * h)) & 15;
                if constexpr (kFifthBit) q |= ((qh[l] >> sub) & 1) << 4;
                part += q8[l] * q;
            }
            sum_q += sc[sub] * part;
        }
    }
    const float d = a.d * f16_to_f32(d16);
    const float dmin = a.d * f16_to_f32(dmin16);
    return d * static_cast<float>(sum_q) - dmin * static_cast<float>(sum_mins);
}

}  // namespace

void k4_unpack_scales(const uint8_t packed[12], uint8_t scales[8], uint8_t mins[8]) {
    for (int j = 0; j < 4; ++j) {
        scales[j] = packed[j] & 63;
        mins[j] = packed[j + 4] & 63;
        scales[j + 4] = static_cast<uint8_t>((packed[j + 8] & 15) | (packed[j] >> 6) << 4);
        mins[j + 4] = static_cast<uint8_t>((packed[j + 8] >> 4) | (packed[j + 4] >> 6) << 4);
    }
}

// Q3_K's 16 scales: low nibbles in bytes 0-7 (scales 0-7 in the low halves, 8-15 in the high
// halves), the top 2 bits of scale j in byte 8 + j%4 at bit 2*(j/4).
void q3_k_unpack_scales(const uint8_t packed[12], int8_t scales[16]) {
    for (int j = 0; j < 16; ++j) {
        const int low = (packed[j % 8] >> (4 * (j / 8))) & 15;
        const int high = (packed[8 + j % 4] >> (2 * (j / 4))) & 3;
        scales[j] = static_cast<int8_t>((low | high << 4) - 32);
    }
}

// ---- to_float ----

void q2_k_to_float(const void* src, float* dst, int64_t n) {
    const auto* blocks = static_cast<const BlockQ2_K*>(src);
    for (int64_t b = 0; b < n / kQK_K; ++b) {
        const BlockQ2_K& x = blocks[b];
        const float d = f16_to_f32(x.d);
        const float dmin = f16_to_f32(x.dmin);
        float* y = dst + b * kQK_K;
        for (int c = 0; c < 2; ++c) {
            for (int s = 0; s < 4; ++s) {
                for (int half = 0; half < 2; ++half) {
                    const uint8_t sc = x.scales[8 * c + 2 * s + half];
                    const float dl = d * (sc & 15);
                    const float ml = dmin * (sc >> 4);
                    const uint8_t* q = x.qs + 32 * c + 16 * half;
                    for (int l = 0; l < 16; ++l) *y++ = dl * ((q[l] >> (2 * s)) & 3) - ml;
                }
            }
        }
    }
}

void q3_k_to_float(const void* src, float* dst, int64_t n) {
    const auto* blocks = static_cast<const BlockQ3_K*>(src);
    for (int64_t b = 0; b < n / kQK_K; ++b) {
        const BlockQ3_K& x = blocks[b];
        const float d = f16_to_f32(x.d);
        int8_t scales[16];
        q3_k_unpack_scales(x.scales, scales);
        float* y = dst + b * kQK_K;
        for (int c = 0; c < 2; ++c) {
            for (int s = 0; s < 4; ++s) {
                const int hbit = 4 * c + s;
                for (int half = 0; half < 2; ++half) {
                    const float dl = d * scales[8 * c + 2 * s + half];
                    for (int l = 16 * half; l < 16 * half + 16; ++l) {
                        const int low = (x.qs[32 * c + l] >> (2 * s)) & 3;
                        const int high = (x.hmask[l] >> hbit) & 1;
                        *y++ = dl * ((low | high << 2) - 4);
                    }
                }
            }
        }
    }
}

void q4_k_to_float(const void* src, float* dst, int64_t n) {
    const auto* blocks = static_cast<const BlockQ4_K*>(src);
    for (int64_t b = 0; b < n / kQK_K; ++b) {
        const BlockQ4_K& x = blocks[b];
        const float d = f16_to_f32(x.d);
        const float dmin = f16_to_f32(x.dmin);
        uint8_t sc[8];
        uint8_t m[8];
        k4_unpack_scales(x.scales, sc, m);
        float* y = dst + b * kQK_K;
        for (int c = 0; c < 4; ++c) {
            for (int h = 0; h < 2; ++h) {
                const float dl = d * sc[2 * c + h];
                const float ml = dmin * m[2 * c + h];
                for (int l = 0; l < 32; ++l) *y++ = dl * ((x.qs[32 * c + l] >> (4 * h)) & 15) - ml;
            }
        }
    }
}

void q5_k_to_float(const void* src, float* dst, int64_t n) {
    const auto* blocks = static_cast<const BlockQ5_K*>(src);
    for (int64_t b = 0; b < n / kQK_K; ++b) {
        const BlockQ5_K& x = blocks[b];
        const float d = f16_to_f32(x.d);
        const float dmin = f16_to_f32(x.dmin);
        uint8_t sc[8];
        uint8_t m[8];
        k4_unpack_scales(x.scales, sc, m);
        float* y = dst + b * kQK_K;
        for (int c = 0; c < 4; ++c) {
            for (int h = 0; h < 2; ++h) {
                const int sub = 2 * c + h;
                const float dl = d * sc[sub];
                const float ml = dmin * m[sub];
                for (int l = 0; l < 32; ++l) {
                    const int low = (x.qs[32 * c + l] >> (4 * h)) & 15;
                    const int high = (x.qh[l] >> sub) & 1;
                    *y++ = dl * (low | high << 4) - ml;
                }
            }
        }
    }
}

void q6_k_to_float(const void* src, float* dst, int64_t n) {
    const auto* blocks = static_cast<const BlockQ6_K*>(src);
    for (int64_t b = 0; b < n / kQK_K; ++b) {
        const BlockQ6_K& x = blocks[b];
        const float d = f16_to_f32(x.d);
        float* y = dst + b * kQK_K;
        for (int c = 0; c < 2; ++c) {
            for (int s = 0; s < 4; ++s) {
                const uint8_t* ql = x.ql + 64 * c + 32 * (s & 1);
                const int shift = 4 * (s >> 1);
                for (int l = 0; l < 32; ++l) {
                    const int low = (ql[l] >> shift) & 15;
                    const int high = (x.qh[32 * c + l] >> (2 * s)) & 3;
                    *y++ = d * x.scales[8 * c + 2 * s + l / 16] * ((low | high << 4) - 32);
                }
            }
        }
    }
}

void q8_k_to_float(const void* src, float* dst, int64_t n) {
    const auto* blocks = static_cast<const BlockQ8_K*>(src);
    for (int64_t b = 0; b < n / kQK_K; ++b) {
        for (int i = 0; i < kQK_K; ++i) dst[b * kQK_K + i] = blocks[b].d * blocks[b].qs[i];
    }
}

// ---- from_float ----

void q2_k_from_float(const float* src, void* dst, int64_t n) {
    auto* blocks = static_cast<BlockQ2_K*>(dst);
    for (int64_t b = 0; b < n / kQK_K; ++b) {
        const float* x = src + b * kQK_K;
        BlockQ2_K& y = blocks[b];
        uint8_t L[kQK_K];
        float scales[16];
        float mins[16];
        float max_scale = 0;
        float max_min = 0;
        for (int j = 0; j < 16; ++j) {
            float w[16];
            for (int i = 0; i < 16; ++i) w[i] = std::fabs(x[16 * j + i]);
            // Four levels leave little room: minimize absolute error, which spreads it evenly.
            scales[j] =
                fit_scale_offset(x + 16 * j, w, 16, 3, -0.5f, 0.1f, 15, true, L + 16 * j, &mins[j]);
            max_scale = std::max(max_scale, scales[j]);
            max_min = std::max(max_min, mins[j]);
        }
        const float inv_scale = max_scale > 0 ? 15.0f / max_scale : 0.0f;
        const float inv_min = max_min > 0 ? 15.0f / max_min : 0.0f;
        for (int j = 0; j < 16; ++j) {
            const int ls = clamp_int(round_clamped(inv_scale * scales[j]), 0, 15);
            const int lm = clamp_int(round_clamped(inv_min * mins[j]), 0, 15);
            y.scales[j] = static_cast<uint8_t>(ls | lm << 4);
        }
        y.d = f32_to_f16(max_scale / 15.0f);
        y.dmin = f32_to_f16(max_min / 15.0f);

        const float d = f16_to_f32(y.d);
        const float dmin = f16_to_f32(y.dmin);
        for (int j = 0; j < 16; ++j) {
            const float step = d * (y.scales[j] & 15);
            if (step == 0) continue;
            const float offset = dmin * (y.scales[j] >> 4);
            for (int i = 0; i < 16; ++i) {
                const int l = round_clamped((x[16 * j + i] + offset) / step);
                L[16 * j + i] = static_cast<uint8_t>(clamp_int(l, 0, 3));
            }
        }
        for (int c = 0; c < 2; ++c) {
            for (int l = 0; l < 32; ++l) {
                const uint8_t* e = L + 128 * c + l;
                y.qs[32 * c + l] =
                    static_cast<uint8_t>(e[0] | e[32] << 2 | e[64] << 4 | e[96] << 6);
            }
        }
    }
}

void q3_k_from_float(const float* src, void* dst, int64_t n) {
    auto* blocks = static_cast<BlockQ3_K*>(dst);
    for (int64_t b = 0; b < n / kQK_K; ++b) {
        const float* x = src + b * kQK_K;
        BlockQ3_K& y = blocks[b];
        int8_t levels[kQK_K];
        float scales[16];
        float max_scale = 0;  // the scale of largest magnitude, sign kept
        for (int j = 0; j < 16; ++j) {
            scales[j] = fit_symmetric(x + 16 * j, 16, 4, levels + 16 * j);
            if (std::fabs(scales[j]) > std::fabs(max_scale)) max_scale = scales[j];
        }
        // 6-bit signed sub-block scales; the largest maps to -32, the extra negative level.
        std::memset(y.scales, 0, sizeof y.scales);
        const float iscale = max_scale != 0 ? -32.0f / max_scale : 0.0f;
        for (int j = 0; j < 16; ++j) {
            const int l = clamp_int(round_clamped(iscale * scales[j]), -32, 31) + 32;
            y.scales[j % 8] |= static_cast<uint8_t>((l & 15) << (4 * (j / 8)));
            y.scales[8 + j % 4] |= static_cast<uint8_t>((l >> 4) << (2 * (j / 4)));
        }
        y.d = f32_to_f16(max_scale != 0 ? 1 / iscale : 0.0f);

        const float d = f16_to_f32(y.d);
        int8_t sc[16];
        q3_k_unpack_scales(y.scales, sc);
        uint8_t L[kQK_K];
        for (int j = 0; j < 16; ++j) {
            const float step = d * sc[j];
            for (int i = 0; i < 16; ++i) {
                const int l = step == 0 ? 0 : round_clamped(x[16 * j + i] / step);
                L[16 * j + i] = static_cast<uint8_t>(clamp_int(l, -4, 3) + 4);
            }
        }
        std::memset(y.hmask, 0, sizeof y.hmask);
        std::memset(y.qs, 0, sizeof y.qs);
        for (int e = 0; e < kQK_K; ++e) {
            y.hmask[e % 32] |= static_cast<uint8_t>((L[e] >> 2) << (e / 32));
            const int c = e / 128;
            const int s = (e / 32) % 4;
            y.qs[32 * c + e % 32] |= static_cast<uint8_t>((L[e] & 3) << (2 * s));
        }
    }
}

void q4_k_from_float(const float* src, void* dst, int64_t n) {
    auto* blocks = static_cast<BlockQ4_K*>(dst);
    for (int64_t b = 0; b < n / kQK_K; ++b) {
        BlockQ4_K& y = blocks[b];
        uint8_t L[kQK_K];
        quantize_k4_superblock(src + b * kQK_K, 15, -1.0f, 0.1f, 20, &y.d, &y.dmin, y.scales, L);
        for (int c = 0; c < 4; ++c) {
            for (int l = 0; l < 32; ++l) {
                y.qs[32 * c + l] = static_cast<uint8_t>(L[64 * c + l] | L[64 * c + 32 + l] << 4);
            }
        }
    }
}

void q5_k_from_float(const float* src, void* dst, int64_t n) {
    auto* blocks = static_cast<BlockQ5_K*>(dst);
    for (int64_t b = 0; b < n / kQK_K; ++b) {
        BlockQ5_K& y = blocks[b];
        uint8_t L[kQK_K];
        quantize_k4_superblock(src + b * kQK_K, 31, -0.5f, 0.1f, 15, &y.d, &y.dmin, y.scales, L);
        std::memset(y.qh, 0, sizeof y.qh);
        for (int c = 0; c < 4; ++c) {
            for (int l = 0; l < 32; ++l) {
                const int lo = L[64 * c + l];
                const int hi = L[64 * c + 32 + l];
                y.qs[32 * c + l] = static_cast<uint8_t>((lo & 15) | (hi & 15) << 4);
                y.qh[l] |= static_cast<uint8_t>((lo >> 4) << (2 * c) | (hi >> 4) << (2 * c + 1));
            }
        }
    }
}

void q6_k_from_float(const float* src, void* dst, int64_t n) {
    auto* blocks = static_cast<BlockQ6_K*>(dst);
    for (int64_t b = 0; b < n / kQK_K; ++b) {
        const float* x = src + b * kQK_K;
        BlockQ6_K& y = blocks[b];
        int8_t levels[kQK_K];
        float scales[16];
        float max_scale = 0;
        for (int j = 0; j < 16; ++j) {
            scales[j] = fit_symmetric(x + 16 * j, 16, 32, levels + 16 * j);
            if (std::fabs(scales[j]) > std::fabs(max_scale)) max_scale = scales[j];
        }
        if (std::fabs(max_scale) < kGroupEps) {
            std::memset(&y, 0, sizeof y);
            continue;
        }
        // 8-bit signed sub-block scales; the largest maps to -128.
        const float iscale = -128.0f / max_scale;
        y.d = f32_to_f16(1 / iscale);
        for (int j = 0; j < 16; ++j) {
            y.scales[j] =
                static_cast<int8_t>(clamp_int(round_clamped(iscale * scales[j]), -128, 127));
        }
        const float d = f16_to_f32(y.d);
        uint8_t L[kQK_K];
        for (int j = 0; j < 16; ++j) {
            const float step = d * y.scales[j];
            for (int i = 0; i < 16; ++i) {
                const int l = step == 0 ? 0 : round_clamped(x[16 * j + i] / step);
                L[16 * j + i] = static_cast<uint8_t>(clamp_int(l, -32, 31) + 32);
            }
        }
        for (int c = 0; c < 2; ++c) {
            const uint8_t* e = L + 128 * c;
            for (int l = 0; l < 32; ++l) {
                y.ql[64 * c + l] = static_cast<uint8_t>((e[l] & 15) | (e[l + 64] & 15) << 4);
                y.ql[64 * c + 32 + l] =
                    static_cast<uint8_t>((e[l + 32] & 15) | (e[l + 96] & 15) << 4);
                y.qh[32 * c + l] =
                    static_cast<uint8_t>(e[l] >> 4 | (e[l + 32] >> 4) << 2 | (e[l + 64] >> 4) << 4 |
                                         (e[l + 96] >> 4) << 6);
            }
        }
    }
}

void q8_k_from_float(const float* src, void* dst, int64_t n) {
    auto* blocks = static_cast<BlockQ8_K*>(dst);
    for (int64_t b = 0; b < n / kQK_K; ++b) {
        const float* x = src + b * kQK_K;
        BlockQ8_K& y = blocks[b];
        float amax = 0;
        float max = 0;
        for (int i = 0; i < kQK_K; ++i) {
            const float ax = std::fabs(x[i]);
            if (ax > amax) {  // strict: the first element of largest magnitude wins; NaN skipped
                amax = ax;
                max = x[i];
            }
        }
        if (amax == 0) {
            std::memset(&y, 0, sizeof y);
            continue;
        }
        const float iscale = -127.0f / max;
        for (int i = 0; i < kQK_K; ++i) {
            y.qs[i] = static_cast<int8_t>(clamp_int(round_product(iscale * x[i]), -128, 127));
        }
        for (int g = 0; g < 16; ++g) {
            int sum = 0;
            for (int i = 0; i < 16; ++i) sum += y.qs[16 * g + i];
            y.bsums[g] = static_cast<int16_t>(sum);
        }
        y.d = 1 / iscale;
    }
}

// ---- dot products ----

float q2_k_dot_q8_k(const void* weight, const void* activation, int64_t n) {
    const auto* w = static_cast<const BlockQ2_K*>(weight);
    const auto* a = static_cast<const BlockQ8_K*>(activation);
    float sum = 0;
    for (int64_t b = 0; b < n / kQK_K; ++b) {
        int sum_mins = 0;
        for (int g = 0; g < 16; ++g) sum_mins += a[b].bsums[g] * (w[b].scales[g] >> 4);
        int sum_q = 0;
        for (int c = 0; c < 2; ++c) {
            for (int s = 0; s < 4; ++s) {
                for (int half = 0; half < 2; ++half) {
                    const uint8_t* q2 = w[b].qs + 32 * c + 16 * half;
                    const int8_t* q8 = a[b].qs + 128 * c + 32 * s + 16 * half;
                    int part = 0;
                    for (int l = 0; l < 16; ++l) part += q8[l] * ((q2[l] >> (2 * s)) & 3);
                    sum_q += (w[b].scales[8 * c + 2 * s + half] & 15) * part;
                }
            }
        }
        const float d = a[b].d * f16_to_f32(w[b].d);
        const float dmin = a[b].d * f16_to_f32(w[b].dmin);
        sum += d * static_cast<float>(sum_q) - dmin * static_cast<float>(sum_mins);
    }
    return sum;
}

float q3_k_dot_q8_k(const void* weight, const void* activation, int64_t n) {
    const auto* w = static_cast<const BlockQ3_K*>(weight);
    const auto* a = static_cast<const BlockQ8_K*>(activation);
    float sum = 0;
    for (int64_t b = 0; b < n / kQK_K; ++b) {
        int8_t scales[16];
        q3_k_unpack_scales(w[b].scales, scales);
        int sum_q = 0;
        for (int c = 0; c < 2; ++c) {
            for (int s = 0; s < 4; ++s) {
                for (int half = 0; half < 2; ++half) {
                    const int8_t* q8 = a[b].qs + 128 * c + 32 * s + 16 * half;
                    int part = 0;
                    for (int l = 16 * half; l < 16 * half + 16; ++l) {
                        const int low = (w[b].qs[32 * c + l] >> (2 * s)) & 3;
                        const int high = (w[b].hmask[l] >> (4 * c + s)) & 1;
                        part += q8[l - 16 * half] * ((low | high << 2) - 4);
                    }
                    sum_q += scales[8 * c + 2 * s + half] * part;
                }
            }
        }
        sum += a[b].d * f16_to_f32(w[b].d) * static_cast<float>(sum_q);
    }
    return sum;
}

float q4_k_dot_q8_k(const void* weight, const void* activation, int64_t n) {
    const auto* w = static_cast<const BlockQ4_K*>(weight);
    const auto* a = static_cast<const BlockQ8_K*>(activation);
    float sum = 0;
    for (int64_t b = 0; b < n / kQK_K; ++b) {
        sum += k4_dot<false>(w[b].d, w[b].dmin, w[b].scales, w[b].qs, nullptr, a[b]);
    }
    return sum;
}

float q5_k_dot_q8_k(const void* weight, const void* activation, int64_t n) {
    const auto* w = static_cast<const BlockQ5_K*>(weight);
    const auto* a = static_cast<const BlockQ8_K*>(activation);
    float sum = 0;
    for (int64_t b = 0; b < n / kQK_K; ++b) {
        sum += k4_dot<true>(w[b].d, w[b].dmin, w[b].scales, w[b].qs, w[b].qh, a[b]);
    }
    return sum;
}

float q6_k_dot_q8_k(const void* weight, const void* activation, int64_t n) {
    const auto* w = static_cast<const BlockQ6_K*>(weight);
    const auto* a = static_cast<const BlockQ8_K*>(activation);
    float sum = 0;
    for (int64_t b = 0; b < n / kQK_K; ++b) {
        int sum_q = 0;
        for (int c = 0; c < 2; ++c) {
            for (int s = 0; s < 4; ++s) {
                const uint8_t* ql = w[b].ql + 64 * c + 32 * (s & 1);
                const int shift = 4 * (s >> 1);
                for (int half = 0; half < 2; ++half) {
                    const int8_t* q8 = a[b].qs + 128 * c + 32 * s + 16 * half;
                    int part = 0;
                    for (int l = 16 * half; l < 16 * half + 16; ++l) {
                        const int q =
                            ((ql[l] >> shift) & 15) | ((w[b].qh[32 * c + l] >> (2 * s)) & 3) << 4;
                        part += q8[l - 16 * half] * (q - 32);
                    }
                    sum_q += w[b].scales[8 * c + 2 * s + half] * part;
                }
            }
        }
        sum += a[b].d * f16_to_f32(w[b].d) * static_cast<float>(sum_q);
    }
    return sum;
}

}  // namespace openbook::kernels::ref
