// Compiled with -mavx2 -mfma -mf16c. Nothing here may be inline-shared with scalar code: helpers
// live in an unnamed namespace, and no header with inline functions (fp16.h, the standard
// library's templates) is used, so the linker can never hand an AVX2 copy to a scalar caller.
#include "model/kernels/x86/legacy_avx2.h"

#include <immintrin.h>

#include <cstring>

#include "model/kernels/blocks_legacy.h"

namespace openbook::kernels::avx2 {
namespace {

constexpr int kQK = kLegacyBlock;

float half_to_float(uint16_t h) { return _cvtsh_ss(h); }
uint16_t float_to_half(float f) { return _cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT); }

float bf16_bits_to_float(uint16_t h) {
    const uint32_t bits = static_cast<uint32_t>(h) << 16;
    float f;
    std::memcpy(&f, &bits, sizeof f);
    return f;
}

float hsum(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

int32_t hsum_i32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(s);
}

// ---- unpacking quant blocks into 32 bytes (element j in byte j) ----

__m256i load_quants(const int8_t* qs) {
    return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(qs));
}

// The 32 nibbles of a Q4/Q5 block, each in [0, 15]: low nibbles are elements 0..15, high
// nibbles 16..31.
__m256i unpack_nibbles(const uint8_t* qs) {
    const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(qs));
    const __m256i both =
        _mm256_inserti128_si256(_mm256_castsi128_si256(packed), _mm_srli_epi16(packed, 4), 1);
    return _mm256_and_si256(both, _mm256_set1_epi8(0x0F));
}

// 0xFF in byte j where bit j of the 32-bit little-endian qh is set, else 0.
__m256i unpack_bits(const uint8_t* qh) {
    uint32_t bits;
    std::memcpy(&bits, qh, sizeof bits);
    // Byte j gets byte j/8 of qh, then keeps only bit j%8.
    const __m256i spread = _mm256_shuffle_epi8(
        _mm256_set1_epi32(static_cast<int>(bits)),
        _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0));
    const __m256i select = _mm256_set1_epi64x(static_cast<long long>(0x8040201008040201ull));
    return _mm256_cmpeq_epi8(_mm256_and_si256(spread, select), select);
}

// Q4_0 quants as signed bytes q - 8.
__m256i q4_0_values(const BlockQ4_0& b) {
    return _mm256_sub_epi8(unpack_nibbles(b.qs), _mm256_set1_epi8(8));
}
// Q5_0 quants as signed bytes q - 16: a clear 5th bit turns the nibble into nibble - 16.
__m256i q5_0_values(const BlockQ5_0& b) {
    const __m256i minus16 = _mm256_andnot_si256(unpack_bits(b.qh), _mm256_set1_epi8(-16));
    return _mm256_or_si256(unpack_nibbles(b.qs), minus16);
}
// Q5_1 quants in [0, 31].
__m256i q5_1_values(const BlockQ5_1& b) {
    const __m256i high = _mm256_and_si256(unpack_bits(b.qh), _mm256_set1_epi8(0x10));
    return _mm256_or_si256(unpack_nibbles(b.qs), high);
}

// ---- integer dot products of 32 bytes, as 8 int32 lanes (each the sum of 4 products) ----

// a unsigned, b signed. A pair of products saturates int16 only at a = 128, b = -128 twice,
// which takes -128 in both operands of dot_i8_i8: an activation quantizes to -128 only from NaN.
__m256 dot_u8_i8(__m256i a, __m256i b) {
    const __m256i pairs = _mm256_maddubs_epi16(a, b);
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
}

// Both signed: move a's sign onto b so that maddubs sees |a| (unsigned) times signed b.
__m256 dot_i8_i8(__m256i a, __m256i b) {
    return dot_u8_i8(_mm256_sign_epi8(a, a), _mm256_sign_epi8(b, a));
}

// The first 4 bytes of a block (its fp16 d, then m or s or two quant bytes) in the low lane.
__m128i load_head(const void* block) {
    int32_t head;
    std::memcpy(&head, block, sizeof head);
    return _mm_cvtsi32_si128(head);
}

// d_w * d_x of a weight block and an activation block, in all 8 lanes. Both halves are converted
// by one VCVTPH2PS (plain loads and an unpack are cheaper here than inserting 16-bit words).
template <typename W, typename X>
__m256 block_scale(const W& w, const X& x) {
    const __m128 f = _mm_cvtph_ps(_mm_unpacklo_epi16(load_head(&w), load_head(&x)));  // wd, xd, …
    return _mm256_broadcastss_ps(_mm_mul_ss(f, _mm_movehdup_ps(f)));
}

// sum over blocks of d_w * d_x * lanes(b): two accumulators over alternate blocks so that
// consecutive FMAs do not wait for each other.
template <typename W, typename X, typename Lanes>
float dot_blocks(const void* wv, const void* xv, int64_t n, Lanes lanes) {
    const auto* w = static_cast<const W*>(wv);
    const auto* x = static_cast<const X*>(xv);
    const int64_t nb = n / kQK;
    __m256 acc0 = _mm256_setzero_ps();
    __m256 acc1 = _mm256_setzero_ps();
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) {
        acc0 = _mm256_fmadd_ps(block_scale(w[b], x[b]), lanes(w[b], x[b]), acc0);
        acc1 = _mm256_fmadd_ps(block_scale(w[b + 1], x[b + 1]), lanes(w[b + 1], x[b + 1]), acc1);
    }
    if (b < nb) acc0 = _mm256_fmadd_ps(block_scale(w[b], x[b]), lanes(w[b], x[b]), acc0);
    return hsum(_mm256_add_ps(acc0, acc1));
}

// As dot_blocks, plus the m_w * s_x term of Q4_1/Q5_1 (see ref/legacy_ref.h). d and m lead the
// weight block, d and s the Q8_1 block, so one conversion yields all four.
template <typename W, typename Lanes>
float dot_blocks_with_min(const void* wv, const void* xv, int64_t n, Lanes lanes) {
    const auto* w = static_cast<const W*>(wv);
    const auto* x = static_cast<const BlockQ8_1*>(xv);
    const int64_t nb = n / kQK;
    __m256 acc0 = _mm256_setzero_ps();
    __m256 acc1 = _mm256_setzero_ps();
    __m128 mins = _mm_setzero_ps();  // lane 1 sums m_w * s_x
    auto step = [&](int64_t b, __m256& acc) {
        const __m128 f = _mm_cvtph_ps(_mm_unpacklo_epi32(load_head(&w[b]), load_head(&x[b])));
        const __m128 products = _mm_mul_ps(f, _mm_movehl_ps(f, f));  // wd*xd, wm*xs, …
        mins = _mm_add_ps(mins, products);
        acc = _mm256_fmadd_ps(_mm256_broadcastss_ps(products), lanes(w[b], x[b]), acc);
    };
    int64_t b = 0;
    for (; b + 2 <= nb; b += 2) {
        step(b, acc0);
        step(b + 1, acc1);
    }
    if (b < nb) step(b, acc0);
    return hsum(_mm256_add_ps(acc0, acc1)) + _mm_cvtss_f32(_mm_movehdup_ps(mins));
}

// ---- to_float helpers ----

// dst[j] = q[j] * d for 32 signed bytes.
void store_scaled(__m256i q, float d, float* dst) {
    const __m256 vd = _mm256_set1_ps(d);
    const __m128i lo = _mm256_castsi256_si128(q);
    const __m128i hi = _mm256_extracti128_si256(q, 1);
    const __m128i parts[4] = {lo, _mm_srli_si128(lo, 8), hi, _mm_srli_si128(hi, 8)};
    for (int k = 0; k < 4; ++k) {
        const __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(parts[k]));
        _mm256_storeu_ps(dst + 8 * k, _mm256_mul_ps(v, vd));
    }
}

// dst[j] = q[j] * d + m, rounded twice (multiply, then add) like the reference.
void store_scaled_offset(__m256i q, float d, float m, float* dst) {
    const __m256 vd = _mm256_set1_ps(d);
    const __m256 vm = _mm256_set1_ps(m);
    const __m128i lo = _mm256_castsi256_si128(q);
    const __m128i hi = _mm256_extracti128_si256(q, 1);
    const __m128i parts[4] = {lo, _mm_srli_si128(lo, 8), hi, _mm_srli_si128(hi, 8)};
    for (int k = 0; k < 4; ++k) {
        const __m256 v = _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(parts[k]));
        _mm256_storeu_ps(dst + 8 * k, _mm256_add_ps(_mm256_mul_ps(v, vd), vm));
    }
}

// ---- the activation quantizer ----

// One block of 32 floats → 32 int8 quants in qs, exactly as ref::q8_0_from_float rounds; returns
// the fp32 scale amax / 127 and, through sum, the wrapped int32 sum of the quants.
float quantize_q8_block(const float* x, int8_t* qs, int32_t* sum) {
    const __m256 v0 = _mm256_loadu_ps(x);
    const __m256 v1 = _mm256_loadu_ps(x + 8);
    const __m256 v2 = _mm256_loadu_ps(x + 16);
    const __m256 v3 = _mm256_loadu_ps(x + 24);

    // max |x|, reduced in the order the reference documents.
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 m = _mm256_andnot_ps(sign, v0);
    m = _mm256_max_ps(m, _mm256_andnot_ps(sign, v1));
    m = _mm256_max_ps(m, _mm256_andnot_ps(sign, v2));
    m = _mm256_max_ps(m, _mm256_andnot_ps(sign, v3));
    __m128 m4 = _mm_max_ps(_mm256_extractf128_ps(m, 1), _mm256_castps256_ps128(m));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_movehdup_ps(m4));
    const float amax = _mm_cvtss_f32(m4);

    const float d = amax / 127.0f;
    const __m256 id = _mm256_set1_ps(amax != 0.0f ? 127.0f / amax : 0.0f);
    constexpr int kNearest = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
    // Rounded first, so the conversion is exact and independent of MXCSR; NaN → INT32_MIN.
    const __m256i i0 = _mm256_cvttps_epi32(_mm256_round_ps(_mm256_mul_ps(v0, id), kNearest));
    const __m256i i1 = _mm256_cvttps_epi32(_mm256_round_ps(_mm256_mul_ps(v1, id), kNearest));
    const __m256i i2 = _mm256_cvttps_epi32(_mm256_round_ps(_mm256_mul_ps(v2, id), kNearest));
    const __m256i i3 = _mm256_cvttps_epi32(_mm256_round_ps(_mm256_mul_ps(v3, id), kNearest));
    if (sum != nullptr) {
        *sum = hsum_i32(_mm256_add_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3)));
    }

    // Saturating packs work within 128-bit halves: the dwords come out as elements
    // 0-3, 8-11, 16-19, 24-27, 4-7, 12-15, 20-23, 28-31, and the permute restores the order.
    const __m256i bytes =
        _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
    const __m256i ordered =
        _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(qs), ordered);
    return d;
}

// 8 bf16 values → floats.
__m256 load_bf16(const uint16_t* p) {
    const __m256i wide =
        _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    return _mm256_castsi256_ps(_mm256_slli_epi32(wide, 16));
}

__m256 load_f16(const uint16_t* p) {
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// 8 floats → 8 bf16 (as int32 lanes holding 16-bit values), round to nearest even; NaN keeps its
// top bits and is made quiet, like fp16.h's f32_to_bf16.
__m256i to_bf16_lanes(__m256 v) {
    const __m256i bits = _mm256_castps_si256(v);
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1));
    const __m256i rounded = _mm256_srli_epi32(
        _mm256_add_epi32(bits, _mm256_add_epi32(_mm256_set1_epi32(0x7FFF), lsb)), 16);
    const __m256i quiet_nan = _mm256_or_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(64));
    const __m256 is_nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
    return _mm256_blendv_epi8(rounded, quiet_nan, _mm256_castps_si256(is_nan));
}

uint16_t float_to_bf16(float f) {
    uint32_t x;
    std::memcpy(&x, &f, sizeof x);
    if ((x & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((x >> 16) | 64);
    return static_cast<uint16_t>((x + (0x7FFFu + ((x >> 16) & 1u))) >> 16);
}

}  // namespace

// ---- F32 ----

float f32_dot(const void* wv, const void* xv, int64_t n) {
    const auto* a = static_cast<const float*>(wv);
    const auto* b = static_cast<const float*>(xv);
    __m256 acc0 = _mm256_setzero_ps();
    __m256 acc1 = _mm256_setzero_ps();
    __m256 acc2 = _mm256_setzero_ps();
    __m256 acc3 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
        acc1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), acc1);
        acc2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), acc2);
        acc3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), acc3);
    }
    for (; i + 8 <= n; i += 8) {
        acc0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), acc0);
    }
    float sum = hsum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
    for (; i < n; ++i) sum += a[i] * b[i];
    return sum;
}

// ---- F16 ----

void f16_to_float(const void* src, float* dst, int64_t n) {
    const auto* h = static_cast<const uint16_t*>(src);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, load_f16(h + i));
    for (; i < n; ++i) dst[i] = half_to_float(h[i]);
}

void f16_from_float(const float* src, void* dst, int64_t n) {
    auto* h = static_cast<uint16_t*>(dst);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m128i packed = _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT);
        _mm_storeu_si128(reinterpret_cast<__m128i*>(h + i), packed);
    }
    for (; i < n; ++i) h[i] = float_to_half(src[i]);
}

float f16_dot(const void* wv, const void* xv, int64_t n) {
    const auto* a = static_cast<const uint16_t*>(wv);
    const auto* b = static_cast<const uint16_t*>(xv);
    __m256 acc0 = _mm256_setzero_ps();
    __m256 acc1 = _mm256_setzero_ps();
    __m256 acc2 = _mm256_setzero_ps();
    __m256 acc3 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        acc0 = _mm256_fmadd_ps(load_f16(a + i), load_f16(b + i), acc0);
        acc1 = _mm256_fmadd_ps(load_f16(a + i + 8), load_f16(b + i + 8), acc1);
        acc2 = _mm256_fmadd_ps(load_f16(a + i + 16), load_f16(b + i + 16), acc2);
        acc3 = _mm256_fmadd_ps(load_f16(a + i + 24), load_f16(b + i + 24), acc3);
    }
    for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(load_f16(a + i), load_f16(b + i), acc0);
    float sum = hsum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
    for (; i < n; ++i) sum += half_to_float(a[i]) * half_to_float(b[i]);
    return sum;
}

// ---- BF16 ----

void bf16_to_float(const void* src, float* dst, int64_t n) {
    const auto* h = static_cast<const uint16_t*>(src);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(dst + i, load_bf16(h + i));
    for (; i < n; ++i) dst[i] = bf16_bits_to_float(h[i]);
}

void bf16_from_float(const float* src, void* dst, int64_t n) {
    auto* h = static_cast<uint16_t*>(dst);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m256i lo = to_bf16_lanes(_mm256_loadu_ps(src + i));
        const __m256i hi = to_bf16_lanes(_mm256_loadu_ps(src + i + 8));
        // packus interleaves the 128-bit halves (lo0-3 hi0-3 lo4-7 hi4-7); the permute undoes it.
        const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(lo, hi), 0xD8);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(h + i), packed);
    }
    for (; i < n; ++i) h[i] = float_to_bf16(src[i]);
}

float bf16_dot(const void* wv, const void* xv, int64_t n) {
    const auto* a = static_cast<const uint16_t*>(wv);
    const auto* b = static_cast<const uint16_t*>(xv);
    __m256 acc0 = _mm256_setzero_ps();
    __m256 acc1 = _mm256_setzero_ps();
    __m256 acc2 = _mm256_setzero_ps();
    __m256 acc3 = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        acc0 = _mm256_fmadd_ps(load_bf16(a + i), load_bf16(b + i), acc0);
        acc1 = _mm256_fmadd_ps(load_bf16(a + i + 8), load_bf16(b + i + 8), acc1);
        acc2 = _mm256_fmadd_ps(load_bf16(a + i + 16), load_bf16(b + i + 16), acc2);
        acc3 = _mm256_fmadd_ps(load_bf16(a + i + 24), load_bf16(b + i + 24), acc3);
    }
    for (; i + 8 <= n; i += 8) acc0 = _mm256_fmadd_ps(load_bf16(a + i), load_bf16(b + i), acc0);
    float sum = hsum(_mm256_add_ps(_mm256_add_ps(acc0, acc1), _mm256_add_ps(acc2, acc3)));
    for (; i < n; ++i) sum += bf16_bits_to_float(a[i]) * bf16_bits_to_float(b[i]);
    return sum;
}

// ---- Q4_0 ----

void q4_0_to_float(const void* src, float* dst, int64_t n) {
    const auto* blocks = static_cast<const BlockQ4_0*>(src);
    for (int64_t b = 0; b < n / kQK; ++b) {
        store_scaled(q4_0_values(blocks[b]), half_to_float(blocks[b].d), dst + b * kQK);
    }
}

float q4_0_dot(const void* w, const void* x_q8_0, int64_t n) {
    return dot_blocks<BlockQ4_0, BlockQ8_0>(
        w, x_q8_0, n, [](const BlockQ4_0& wb, const BlockQ8_0& xb) {
            return dot_i8_i8(q4_0_values(wb), load_quants(xb.qs));
        });
}

// ---- Q4_1 ----

void q4_1_to_float(const void* src, float* dst, int64_t n) {
    const auto* blocks = static_cast<const BlockQ4_1*>(src);
    for (int64_t b = 0; b < n / kQK; ++b) {
        store_scaled_offset(unpack_nibbles(blocks[b].qs), half_to_float(blocks[b].d),
                            half_to_float(blocks[b].m), dst + b * kQK);
    }
}

float q4_1_dot(const void* w, const void* x_q8_1, int64_t n) {
    return dot_blocks_with_min<BlockQ4_1>(
        w, x_q8_1, n, [](const BlockQ4_1& wb, const BlockQ8_1& xb) {
            return dot_u8_i8(unpack_nibbles(wb.qs), load_quants(xb.qs));
        });
}

// ---- Q5_0 ----

void q5_0_to_float(const void* src, float* dst, int64_t n) {
    const auto* blocks = static_cast<const BlockQ5_0*>(src);
    for (int64_t b = 0; b < n / kQK; ++b) {
        store_scaled(q5_0_values(blocks[b]), half_to_float(blocks[b].d), dst + b * kQK);
    }
}

float q5_0_dot(const void* w, const void* x_q8_0, int64_t n) {
    return dot_blocks<BlockQ5_0, BlockQ8_0>(
        w, x_q8_0, n, [](const BlockQ5_0& wb, const BlockQ8_0& xb) {
            return dot_i8_i8(q5_0_values(wb), load_quants(xb.qs));
        });
}

// ---- Q5_1 ----

void q5_1_to_float(const void* src, float* dst, int64_t n) {
    const auto* blocks = static_cast<const BlockQ5_1*>(src);
    for (int64_t b = 0; b < n / kQK; ++b) {
        store_scaled_offset(q5_1_values(blocks[b]), half_to_float(blocks[b].d),
                            half_to_float(blocks[b].m), dst + b * kQK);
    }
}

float q5_1_dot(const void* w, const void* x_q8_1, int64_t n) {
    return dot_blocks_with_min<BlockQ5_1>(w, x_q8_1, n,
                                          [](const BlockQ5_1& wb, const BlockQ8_1& xb) {
                                              return dot_u8_i8(q5_1_values(wb), load_quants(xb.qs));
                                          });
}

// ---- Q8_0 ----

void q8_0_to_float(const void* src, float* dst, int64_t n) {
    const auto* blocks = static_cast<const BlockQ8_0*>(src);
    for (int64_t b = 0; b < n / kQK; ++b) {
        const __m256i q = load_quants(blocks[b].qs);
        store_scaled(q, half_to_float(blocks[b].d), dst + b * kQK);
    }
}

void q8_0_from_float(const float* src, void* dst, int64_t n) {
    auto* blocks = static_cast<BlockQ8_0*>(dst);
    for (int64_t b = 0; b < n / kQK; ++b) {
        blocks[b].d = float_to_half(quantize_q8_block(src + b * kQK, blocks[b].qs, nullptr));
    }
}

float q8_0_dot(const void* w, const void* x_q8_0, int64_t n) {
    return dot_blocks<BlockQ8_0, BlockQ8_0>(
        w, x_q8_0, n, [](const BlockQ8_0& wb, const BlockQ8_0& xb) {
            return dot_i8_i8(load_quants(wb.qs), load_quants(xb.qs));
        });
}

// ---- Q8_1 ----

void q8_1_to_float(const void* src, float* dst, int64_t n) {
    const auto* blocks = static_cast<const BlockQ8_1*>(src);
    for (int64_t b = 0; b < n / kQK; ++b) {
        const __m256i q = load_quants(blocks[b].qs);
        store_scaled(q, half_to_float(blocks[b].d), dst + b * kQK);
    }
}

void q8_1_from_float(const float* src, void* dst, int64_t n) {
    auto* blocks = static_cast<BlockQ8_1*>(dst);
    for (int64_t b = 0; b < n / kQK; ++b) {
        int32_t sum = 0;
        const float d = quantize_q8_block(src + b * kQK, blocks[b].qs, &sum);
        blocks[b].d = float_to_half(d);
        blocks[b].s = float_to_half(d * static_cast<float>(sum));
    }
}

}  // namespace openbook::kernels::avx2
