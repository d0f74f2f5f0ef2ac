// How the dots work: the weight quants are widened to unsigned bytes (0 … 63) so that
// _mm256_maddubs_epi16 multiplies them with the signed Q8_K bytes and adds neighbouring pairs
// into int16 without overflow (|2 * 63 * 128| < 2^15); _mm256_madd_epi16 then applies the
// sub-block scales and widens to int32. Signed quants (Q3_K: q - 4, Q6_K: q - 32) are handled by
// subtracting offset * scale * bsum per sub-block, and the mins of Q2_K/Q4_K/Q5_K come from the
// bsums too, so the whole super-block is one exact integer vector; it meets floats once, in one
// fused multiply-add with the product of the two super-block scales.
//
// This file uses only intrinsics and functions with internal linkage: anything inline shared
// with scalar code (std:: templates, fp16.h) could be emitted here with AVX2 instructions and
// picked by the linker for a scalar caller.
#include "model/kernels/x86/k_quants_avx2.h"

#include <immintrin.h>

#include <cstring>

#include "model/kernels/blocks_k.h"

namespace openbook::kernels::avx2 {
namespace {

float half_to_float(uint16_t h) { return _cvtsh_ss(h); }

float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

float hsum(__m128 v) {
    __m128 s = _mm_add_ps(v, _mm_movehl_ps(v, v));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

int hsum(__m128i v) {
    __m128i s = _mm_add_epi32(v, _mm_unpackhi_epi64(v, v));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 1));
    return _mm_cvtsi128_si32(s);
}

__m256i load(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

// Sub-block scales as int16 lanes, ready for _mm256_madd_epi16. The 16 scales of the types with
// sub-blocks of 16 become two registers, scales 0-7 and 8-15, each repeated in both 128-bit
// lanes; a byte shuffle (which stays within lanes) then spreads the right ones over 32 quants.
struct Scales16 {
    __m256i lo;  // scales 0-7 in both lanes
    __m256i hi;  // scales 8-15 in both lanes
};

Scales16 widen_scales(__m128i scales8) {
    const __m256i all = _mm256_cvtepi8_epi16(scales8);
    return {_mm256_permute2x128_si256(all, all, 0x00), _mm256_permute2x128_si256(all, all, 0x11)};
}

// The 32 quants at 128c + 32s cover sub-blocks 8c + 2s (low lane) and 8c + 2s + 1 (high lane);
// `half` is the register of c, kS is s.
template <int kS>
__m256i pair_scales(__m256i half) {
    constexpr short kLo = static_cast<short>((4 * kS) | (4 * kS + 1) << 8);
    constexpr short kHi = static_cast<short>((4 * kS + 2) | (4 * kS + 3) << 8);
    return _mm256_shuffle_epi8(half, _mm256_setr_epi16(kLo, kLo, kLo, kLo, kLo, kLo, kLo, kLo, kHi,
                                                       kHi, kHi, kHi, kHi, kHi, kHi, kHi));
}

// Scale k of eight int16 scales repeated in both lanes, over all 16 lanes (Q4_K/Q5_K).
template <int kK>
__m256i one_scale(__m256i scales) {
    constexpr short kPick = static_cast<short>((2 * kK) | (2 * kK + 1) << 8);
    return _mm256_shuffle_epi8(scales, _mm256_set1_epi16(kPick));
}

// scale * (u · q8) for 32 quants: u unsigned bytes, q8 the activation bytes, scales int16 lanes.
__m256i scaled_dot(__m256i u, const int8_t* q8, __m256i scales) {
    return _mm256_madd_epi16(scales, _mm256_maddubs_epi16(u, load(q8)));
}

// Moves the bit field [kFrom, kFrom + kWidth) of every byte to [kTo, kTo + kWidth), zeroing the
// rest. The 16-bit shift carries bits across byte boundaries, but only into positions the mask
// clears (the field stays inside its byte on both ends).
template <int kFrom, int kTo, int kWidth>
__m256i bits_at(__m256i v) {
    static_assert(kFrom + kWidth <= 8 && kTo + kWidth <= 8);
    __m256i shifted = v;
    if constexpr (kFrom > kTo) shifted = _mm256_srli_epi16(v, kFrom - kTo);
    if constexpr (kFrom < kTo) shifted = _mm256_slli_epi16(v, kTo - kFrom);
    return _mm256_and_si256(shifted,
                            _mm256_set1_epi8(static_cast<char>(((1 << kWidth) - 1) << kTo)));
}

// Bits kShift, kShift + 1 of each byte, as 0 … 3.
template <int kShift>
__m256i two_bits(__m256i bits) {
    return bits_at<kShift, 0, 2>(bits);
}

}  // namespace

// ---- Q8_K quantizer (bit-identical to ref::q8_k_from_float) ----

void q8_k_from_float(const float* src, void* dst, int64_t n) {
    auto* blocks = static_cast<BlockQ8_K*>(dst);
    const __m256 sign = _mm256_set1_ps(-0.0f);
    for (int64_t b = 0; b < n / kQK_K; ++b) {
        const float* x = src + b * kQK_K;
        BlockQ8_K& y = blocks[b];

        // max_ps returns its second operand when either is NaN, so NaN inputs are skipped as
        // the reference skips them.
        __m256 vmax = _mm256_setzero_ps();
        for (int i = 0; i < kQK_K; i += 8) {
            vmax = _mm256_max_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + i)), vmax);
        }
        __m128 m = _mm_max_ps(_mm256_castps256_ps128(vmax), _mm256_extractf128_ps(vmax, 1));
        m = _mm_max_ps(m, _mm_movehl_ps(m, m));
        m = _mm_max_ss(m, _mm_movehdup_ps(m));
        const float amax = _mm_cvtss_f32(m);
        if (amax == 0) {
            std::memset(&y, 0, sizeof y);
            continue;
        }
        // The first element of that magnitude decides the sign, as in the reference.
        float max = 0;
        const __m256 vamax = _mm256_set1_ps(amax);
        for (int i = 0; i < kQK_K; i += 8) {
            const __m256 ax = _mm256_andnot_ps(sign, _mm256_loadu_ps(x + i));
            const int hits = _mm256_movemask_ps(_mm256_cmp_ps(ax, vamax, _CMP_EQ_OQ));
            if (hits != 0) {
                max = x[i + __builtin_ctz(static_cast<unsigned>(hits))];
                break;
            }
        }

        const float iscale = -127.0f / max;
        const __m256 vscale = _mm256_set1_ps(iscale);
        // Round half to even, then to int32 as the reference does (add 1.5 * 2^23, keep the
        // mantissa), which maps NaN and infinity the same way. Rounding explicitly before the
        // add also keeps the compiler from fusing multiply and add into one FMA, which would
        // round the exact product instead of the fp32 one.
        const __m256 magic = _mm256_set1_ps(12582912.0f);
        const __m256i mantissa = _mm256_set1_epi32(0x007FFFFF);
        const __m256i bias = _mm256_set1_epi32(0x00400000);
        auto quantize8 = [&](const float* p) {
            const __m256 rounded = _mm256_round_ps(_mm256_mul_ps(_mm256_loadu_ps(p), vscale),
                                                   _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
            const __m256 shifted = _mm256_add_ps(rounded, magic);
            return _mm256_sub_epi32(_mm256_and_si256(_mm256_castps_si256(shifted), mantissa), bias);
        };
        const __m256i order = _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7);
        for (int i = 0; i < kQK_K; i += 32) {
            // Saturating packs clamp to [-128, 127] like the reference; they interleave the
            // 128-bit lanes, which the permute undoes.
            const __m256i lo = _mm256_packs_epi32(quantize8(x + i), quantize8(x + i + 8));
            const __m256i hi = _mm256_packs_epi32(quantize8(x + i + 16), quantize8(x + i + 24));
            const __m256i q = _mm256_permutevar8x32_epi32(_mm256_packs_epi16(lo, hi), order);
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(y.qs + i), q);
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

namespace {

// The four 32-quant rows of 2-bit fields in one 32-byte register (Q2_K, Q3_K's low bits): field
// s covers sub-blocks 8c + 2s and 8c + 2s + 1, with c given by `scales`.
template <int kS>
__m256i two_bit_row(__m256i bits, const int8_t* q8, __m256i scales) {
    return scaled_dot(two_bits<2 * kS>(bits), q8 + 32 * kS, pair_scales<kS>(scales));
}

// Q3_K: as two_bit_row, plus the third bit from hmask bit 4c + s.
template <int kC, int kS>
__m256i three_bit_row(__m256i bits, __m256i hbits, const int8_t* q8, __m256i scales) {
    const __m256i q = _mm256_or_si256(two_bits<2 * kS>(bits), bits_at<4 * kC + kS, 2, 1>(hbits));
    return scaled_dot(q, q8 + 32 * kS, pair_scales<kS>(scales));
}

// Q6_K, half c of a super-block: 128 quants from 64 bytes of low nibbles and 32 of high pairs.
__m256i six_bit_half(const uint8_t* ql, const uint8_t* qh, const int8_t* q8, __m256i scales) {
    const __m256i low4 = _mm256_set1_epi8(15);
    const __m256i l0 = load(ql);
    const __m256i l1 = load(ql + 32);
    const __m256i h = load(qh);
    const __m256i q0 = _mm256_or_si256(_mm256_and_si256(l0, low4), bits_at<0, 4, 2>(h));
    const __m256i q1 = _mm256_or_si256(_mm256_and_si256(l1, low4), bits_at<2, 4, 2>(h));
    const __m256i q2 = _mm256_or_si256(bits_at<4, 0, 4>(l0), bits_at<4, 4, 2>(h));
    const __m256i q3 = _mm256_or_si256(bits_at<4, 0, 4>(l1), bits_at<6, 4, 2>(h));
    const __m256i s0 = _mm256_add_epi32(scaled_dot(q0, q8, pair_scales<0>(scales)),
                                        scaled_dot(q1, q8 + 32, pair_scales<1>(scales)));
    const __m256i s1 = _mm256_add_epi32(scaled_dot(q2, q8 + 64, pair_scales<2>(scales)),
                                        scaled_dot(q3, q8 + 96, pair_scales<3>(scales)));
    return _mm256_add_epi32(s0, s1);
}

// Q4_K/Q5_K's 6-bit scales (see ref::k4_unpack_scales) as bytes 0-7 and mins as bytes 8-15.
__m128i k4_scales_and_mins(const uint8_t packed[12]) {
    uint32_t word[3];
    std::memcpy(word, packed, sizeof word);
    const uint32_t six = 0x3F3F3F3F;
    const uint32_t nib = 0x0F0F0F0F;
    const uint32_t two = 0x03030303;
    return _mm_setr_epi32(
        static_cast<int>(word[0] & six),                                  // sc 0-3
        static_cast<int>((word[2] & nib) | ((word[0] >> 6) & two) << 4),  // sc 4-7
        static_cast<int>(word[1] & six),                                  // mins 0-3
        static_cast<int>(((word[2] >> 4) & nib) | ((word[1] >> 6) & two) << 4));
}

// Sum over the 8 sub-blocks of 32 of min * (sum of their activation quants), in 4 int32 lanes.
__m128i k4_min_terms(__m128i scales_and_mins, const int16_t bsums[16]) {
    const __m256i sums16 = load(bsums);
    const __m128i sums32 =
        _mm_hadd_epi16(_mm256_castsi256_si128(sums16), _mm256_extracti128_si256(sums16, 1));
    return _mm_madd_epi16(_mm_cvtepu8_epi16(_mm_unpackhi_epi64(scales_and_mins, scales_and_mins)),
                          sums32);
}

// The 8 scales as int16, in both lanes.
__m256i k4_scales16(__m128i scales_and_mins) {
    return _mm256_broadcastsi128_si256(_mm_cvtepu8_epi16(scales_and_mins));
}

// Q4_K quarter c: 64 quants from 32 bytes (low nibbles: sub-block 2c, high: 2c + 1).
template <int kC>
__m256i four_bit_quarter(const uint8_t* qs, const int8_t* q8, __m256i scales) {
    const __m256i low4 = _mm256_set1_epi8(15);
    const __m256i bits = load(qs + 32 * kC);
    const __m256i lo = _mm256_and_si256(bits, low4);
    const __m256i hi = _mm256_and_si256(_mm256_srli_epi16(bits, 4), low4);
    return _mm256_add_epi32(scaled_dot(lo, q8 + 64 * kC, one_scale<2 * kC>(scales)),
                            scaled_dot(hi, q8 + 64 * kC + 32, one_scale<2 * kC + 1>(scales)));
}

// Q5_K quarter c: as Q4_K, with the fifth bits from qh bits 2c and 2c + 1.
template <int kC>
__m256i five_bit_quarter(const uint8_t* qs, __m256i hbits, const int8_t* q8, __m256i scales) {
    const __m256i low4 = _mm256_set1_epi8(15);
    const __m256i bits = load(qs + 32 * kC);
    const __m256i lo = _mm256_or_si256(_mm256_and_si256(bits, low4), bits_at<2 * kC, 4, 1>(hbits));
    const __m256i hi = _mm256_or_si256(bits_at<4, 0, 4>(bits), bits_at<2 * kC + 1, 4, 1>(hbits));
    return _mm256_add_epi32(scaled_dot(lo, q8 + 64 * kC, one_scale<2 * kC>(scales)),
                            scaled_dot(hi, q8 + 64 * kC + 32, one_scale<2 * kC + 1>(scales)));
}

__m256i add(__m256i a, __m256i b) { return _mm256_add_epi32(a, b); }

}  // namespace

float q2_k_dot_q8_k(const void* weight, const void* activation, int64_t n) {
    const auto* w = static_cast<const BlockQ2_K*>(weight);
    const auto* a = static_cast<const BlockQ8_K*>(activation);
    const __m128i low4 = _mm_set1_epi8(15);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t b = 0; b < n / kQK_K; ++b) {
        const float d = a[b].d * half_to_float(w[b].d);
        const float neg_dmin = -a[b].d * half_to_float(w[b].dmin);
        const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w[b].scales));
        const Scales16 sc = widen_scales(_mm_and_si128(packed, low4));
        const __m128i mins8 = _mm_and_si128(_mm_srli_epi16(packed, 4), low4);

        const __m256i mins = _mm256_madd_epi16(_mm256_cvtepu8_epi16(mins8), load(a[b].bsums));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(neg_dmin), _mm256_cvtepi32_ps(mins), acc);

        const int8_t* q8 = a[b].qs;
        const __m256i bits0 = load(w[b].qs);
        const __m256i bits1 = load(w[b].qs + 32);
        const __m256i s0 =
            add(add(two_bit_row<0>(bits0, q8, sc.lo), two_bit_row<1>(bits0, q8, sc.lo)),
                add(two_bit_row<2>(bits0, q8, sc.lo), two_bit_row<3>(bits0, q8, sc.lo)));
        const __m256i s1 = add(
            add(two_bit_row<0>(bits1, q8 + 128, sc.hi), two_bit_row<1>(bits1, q8 + 128, sc.hi)),
            add(two_bit_row<2>(bits1, q8 + 128, sc.hi), two_bit_row<3>(bits1, q8 + 128, sc.hi)));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(add(s0, s1)), acc);
    }
    return hsum(acc);
}

float q3_k_dot_q8_k(const void* weight, const void* activation, int64_t n) {
    const auto* w = static_cast<const BlockQ3_K*>(weight);
    const auto* a = static_cast<const BlockQ8_K*>(activation);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t b = 0; b < n / kQK_K; ++b) {
        const float d = a[b].d * half_to_float(w[b].d);

        // The 16 6-bit scales, four per 32-bit word: low nibbles from bytes 0-7, top two bits
        // from bytes 8-11 (see ref::q3_k_unpack_scales).
        uint32_t word[3];
        std::memcpy(word, w[b].scales, sizeof word);
        const uint32_t nib = 0x0F0F0F0F;
        const uint32_t two = 0x03030303;
        const __m128i scales8 = _mm_sub_epi8(
            _mm_setr_epi32(static_cast<int>((word[0] & nib) | (word[2] & two) << 4),
                           static_cast<int>((word[1] & nib) | ((word[2] >> 2) & two) << 4),
                           static_cast<int>(((word[0] >> 4) & nib) | ((word[2] >> 4) & two) << 4),
                           static_cast<int>(((word[1] >> 4) & nib) | ((word[2] >> 6) & two) << 4)),
            _mm_set1_epi8(32));
        const Scales16 sc = widen_scales(scales8);

        // q - 4 with q = low | high << 2: dot the unsigned q, then take 4 * scale * bsum off.
        const __m256i offsets = _mm256_madd_epi16(_mm256_cvtepi8_epi16(scales8), load(a[b].bsums));

        const int8_t* q8 = a[b].qs;
        const __m256i hbits = load(w[b].hmask);
        const __m256i bits0 = load(w[b].qs);
        const __m256i bits1 = load(w[b].qs + 32);
        const __m256i s0 = add(add(three_bit_row<0, 0>(bits0, hbits, q8, sc.lo),
                                   three_bit_row<0, 1>(bits0, hbits, q8, sc.lo)),
                               add(three_bit_row<0, 2>(bits0, hbits, q8, sc.lo),
                                   three_bit_row<0, 3>(bits0, hbits, q8, sc.lo)));
        const __m256i s1 = add(add(three_bit_row<1, 0>(bits1, hbits, q8 + 128, sc.hi),
                                   three_bit_row<1, 1>(bits1, hbits, q8 + 128, sc.hi)),
                               add(three_bit_row<1, 2>(bits1, hbits, q8 + 128, sc.hi),
                                   three_bit_row<1, 3>(bits1, hbits, q8 + 128, sc.hi)));
        const __m256i sum = _mm256_sub_epi32(add(s0, s1), _mm256_slli_epi32(offsets, 2));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sum), acc);
    }
    return hsum(acc);
}

float q4_k_dot_q8_k(const void* weight, const void* activation, int64_t n) {
    const auto* w = static_cast<const BlockQ4_K*>(weight);
    const auto* a = static_cast<const BlockQ8_K*>(activation);
    __m256 acc = _mm256_setzero_ps();
    __m128 acc_mins = _mm_setzero_ps();
    for (int64_t b = 0; b < n / kQK_K; ++b) {
        const float d = a[b].d * half_to_float(w[b].d);
        const float neg_dmin = -a[b].d * half_to_float(w[b].dmin);
        const __m128i sm = k4_scales_and_mins(w[b].scales);
        acc_mins = _mm_fmadd_ps(_mm_set1_ps(neg_dmin),
                                _mm_cvtepi32_ps(k4_min_terms(sm, a[b].bsums)), acc_mins);

        const __m256i scales = k4_scales16(sm);
        const uint8_t* qs = w[b].qs;
        const int8_t* q8 = a[b].qs;
        const __m256i sum =
            add(add(four_bit_quarter<0>(qs, q8, scales), four_bit_quarter<1>(qs, q8, scales)),
                add(four_bit_quarter<2>(qs, q8, scales), four_bit_quarter<3>(qs, q8, scales)));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sum), acc);
    }
    return hsum(acc) + hsum(acc_mins);
}

float q5_k_dot_q8_k(const void* weight, const void* activation, int64_t n) {
    const auto* w = static_cast<const BlockQ5_K*>(weight);
    const auto* a = static_cast<const BlockQ8_K*>(activation);
    __m256 acc = _mm256_setzero_ps();
    float sum_mins = 0;
    for (int64_t b = 0; b < n / kQK_K; ++b) {
        const float d = a[b].d * half_to_float(w[b].d);
        const float neg_dmin = -a[b].d * half_to_float(w[b].dmin);
        const __m128i sm = k4_scales_and_mins(w[b].scales);
        sum_mins += neg_dmin * static_cast<float>(hsum(k4_min_terms(sm, a[b].bsums)));

        const __m256i scales = k4_scales16(sm);
        const __m256i hbits = load(w[b].qh);
        const uint8_t* qs = w[b].qs;
        const int8_t* q8 = a[b].qs;
        const __m256i sum = add(add(five_bit_quarter<0>(qs, hbits, q8, scales),
                                    five_bit_quarter<1>(qs, hbits, q8, scales)),
                                add(five_bit_quarter<2>(qs, hbits, q8, scales),
                                    five_bit_quarter<3>(qs, hbits, q8, scales)));
        acc = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(sum), acc);
    }
    return hsum(acc) + sum_mins;
}

float q6_k_dot_q8_k(const void* weight, const void* activation, int64_t n) {
    const auto* w = static_cast<const BlockQ6_K*>(weight);
    const auto* a = static_cast<const BlockQ8_K*>(activation);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t b = 0; b < n / kQK_K; ++b) {
        const float d = a[b].d * half_to_float(w[b].d);
        const __m128i scales8 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(w[b].scales));
        const Scales16 sc = widen_scales(scales8);
        // q - 32: dot the unsigned q, then take 32 * scale * bsum off.
        const __m256i offsets = _mm256_madd_epi16(_mm256_cvtepi8_epi16(scales8), load(a[b].bsums));

        const __m256i sum = add(six_bit_half(w[b].ql, w[b].qh, a[b].qs, sc.lo),
                                six_bit_half(w[b].ql + 64, w[b].qh + 32, a[b].qs + 128, sc.hi));
        acc = _mm256_fmadd_ps(
            _mm256_set1_ps(d),
            _mm256_cvtepi32_ps(_mm256_sub_epi32(sum, _mm256_slli_epi32(offsets, 5))), acc);
    }
    return hsum(acc);
}

}  // namespace openbook::kernels::avx2
