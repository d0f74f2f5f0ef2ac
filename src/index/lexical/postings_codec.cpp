#include "index/lexical/postings_codec.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <utility>

namespace openbook::index::codec {

void put_varint(std::string& out, uint32_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

const uint8_t* get_varint(const uint8_t* p, const uint8_t* end, uint32_t* v) {
    uint32_t result = 0;
    for (int shift = 0; shift < 35; shift += 7) {
        if (p >= end) return nullptr;
        uint32_t byte = *p++;
        if (shift == 28 && byte > 0x0f) return nullptr;  // more than 32 bits
        result |= (byte & 0x7f) << shift;
        if (byte < 0x80) {
            *v = result;
            return p;
        }
    }
    return nullptr;
}

uint32_t max_bit_width(const uint32_t* values, size_t n) {
    uint32_t acc = 0;
    for (size_t i = 0; i < n; ++i) acc |= values[i];
    return static_cast<uint32_t>(std::bit_width(acc));
}

void pack128(const uint32_t* values, uint32_t bits, std::string& out) {
    size_t start = out.size();
    out.append(16 * bits, '\0');
    if (bits == 0) return;
    auto* dst = reinterpret_cast<uint8_t*>(out.data() + start);
    uint64_t mask = (uint64_t{1} << bits) - 1;
    uint64_t acc = 0;
    uint32_t filled = 0;
    size_t pos = 0;
    for (uint32_t i = 0; i < kBlockSize; ++i) {
        acc |= (values[i] & mask) << filled;
        filled += bits;
        while (filled >= 8) {
            dst[pos++] = static_cast<uint8_t>(acc);
            acc >>= 8;
            filled -= 8;
        }
    }
    // 128 * bits is a multiple of 8: nothing is left over.
}

namespace {

inline uint64_t load64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// Groups of 8 values start on a byte boundary (8 * B bits = B bytes), so within a group every
// shift is a compile-time constant and each value is one unaligned load, a shift and a mask.
template <uint32_t B>
void unpack128_fixed(const uint8_t* in, uint32_t* out) {
    constexpr uint64_t kMask = (uint64_t{1} << B) - 1;
    for (uint32_t g = 0; g < kBlockSize / 8; ++g) {
        const uint8_t* p = in + g * B;
        uint32_t* o = out + g * 8;
#define OPENBOOK_UNPACK_ONE(j) \
    o[j] = static_cast<uint32_t>((load64(p + ((j) * B) / 8) >> (((j) * B) % 8)) & kMask)
        OPENBOOK_UNPACK_ONE(0);
        OPENBOOK_UNPACK_ONE(1);
        OPENBOOK_UNPACK_ONE(2);
        OPENBOOK_UNPACK_ONE(3);
        OPENBOOK_UNPACK_ONE(4);
        OPENBOOK_UNPACK_ONE(5);
        OPENBOOK_UNPACK_ONE(6);
        OPENBOOK_UNPACK_ONE(7);
#undef OPENBOOK_UNPACK_ONE
    }
}

void unpack128_zero(const uint8_t*, uint32_t* out) { std::memset(out, 0, kBlockSize * 4); }

using UnpackFn = void (*)(const uint8_t*, uint32_t*);

template <uint32_t... Bs>
constexpr auto make_unpack_table(std::integer_sequence<uint32_t, Bs...>) {
    return std::array<UnpackFn, sizeof...(Bs) + 1>{&unpack128_zero, &unpack128_fixed<Bs + 1>...};
}

constexpr auto kUnpackTable = make_unpack_table(std::make_integer_sequence<uint32_t, 32>{});

}  // namespace

void unpack128(const uint8_t* in, uint32_t bits, uint32_t* out) { kUnpackTable[bits](in, out); }

void encode_block(const uint32_t* docs, const uint32_t* tfs, uint32_t n, uint32_t base,
                  std::string& out, bool force_varint) {
    uint32_t gaps[kBlockSize];
    uint32_t tfm1[kBlockSize];
    uint32_t next = base;
    for (uint32_t i = 0; i < n; ++i) {
        gaps[i] = docs[i] - next;
        next = docs[i] + 1;
        tfm1[i] = tfs[i] - 1;
    }
    if (n == kBlockSize && !force_varint) {
        uint32_t doc_bits = max_bit_width(gaps, n);
        uint32_t tf_bits = max_bit_width(tfm1, n);
        out.push_back(static_cast<char>(kBlockBitPacked));
        out.push_back(static_cast<char>(doc_bits));
        out.push_back(static_cast<char>(tf_bits));
        pack128(gaps, doc_bits, out);
        pack128(tfm1, tf_bits, out);
        return;
    }
    out.push_back(static_cast<char>(kBlockVarint));
    for (uint32_t i = 0; i < n; ++i) put_varint(out, gaps[i]);
    for (uint32_t i = 0; i < n; ++i) put_varint(out, tfm1[i]);
}

bool decode_block_docs(const uint8_t* data, const uint8_t* end, uint32_t n, uint32_t base,
                       uint32_t last_doc, uint32_t* docs, uint32_t* tfs, TfState* tf_state) {
    if (n == 0 || n > kBlockSize || data >= end) return false;
    uint8_t encoding = data[0];
    const uint8_t* p = data + 1;
    uint64_t sum = 0;
    if (encoding == kBlockBitPacked) {
        if (n != kBlockSize || end - p < 2) return false;
        uint32_t doc_bits = p[0];
        uint32_t tf_bits = p[1];
        p += 2;
        if (doc_bits > 32 || tf_bits > 32) return false;
        if (static_cast<uint64_t>(end - p) < 16ull * (doc_bits + tf_bits)) return false;
        unpack128(p, doc_bits, docs);
        tf_state->tf_data = p + 16 * doc_bits;
        tf_state->tf_bits = static_cast<uint8_t>(tf_bits);
        tf_state->encoding = kBlockBitPacked;
        tf_state->tfs_ready = false;
        for (uint32_t i = 0; i < kBlockSize; ++i) sum += docs[i];
    } else if (encoding == kBlockVarint) {
        for (uint32_t i = 0; i < n; ++i) {
            p = get_varint(p, end, &docs[i]);
            if (p == nullptr) return false;
            sum += docs[i];
        }
        for (uint32_t i = 0; i < n; ++i) {
            uint32_t v;
            p = get_varint(p, end, &v);
            if (p == nullptr) return false;
            tfs[i] = v + 1;  // v = 2^32 - 1 wraps to tf 0: scores 0, harmless
        }
        tf_state->encoding = kBlockVarint;
        tf_state->tfs_ready = true;
    } else {
        return false;
    }
    // In 64 bits no partial sum can wrap, so the docs are strictly increasing and <= last_doc.
    if (static_cast<uint64_t>(base) + sum + (n - 1) != last_doc) return false;
    // doc_i = base - 1 + sum_{j<=i} (gap_j + 1), modulo 2^32 (no wrap, as checked above): one
    // dependent add per doc.
    uint32_t run = base - 1;
    for (uint32_t i = 0; i < n; ++i) {
        run += docs[i] + 1;
        docs[i] = run;
    }
    return true;
}

void decode_block_tfs(uint32_t n, TfState* tf_state, uint32_t* tfs) {
    if (tf_state->tfs_ready) return;
    (void)n;  // bit-packed blocks are always full
    unpack128(tf_state->tf_data, tf_state->tf_bits, tfs);
    for (uint32_t i = 0; i < kBlockSize; ++i) tfs[i] += 1;
    tf_state->tfs_ready = true;
}

void compute_frontier(const uint32_t* tfs, const uint32_t* lens, size_t n, uint32_t cap,
                      std::vector<ImpactPair>& scratch, std::vector<ImpactPair>& out) {
    scratch.clear();
    for (size_t i = 0; i < n; ++i) scratch.push_back({tfs[i], lens[i]});
    // Highest tf first; among equal tfs the shortest doc first.
    std::sort(scratch.begin(), scratch.end(), [](const ImpactPair& a, const ImpactPair& b) {
        return a.tf != b.tf ? a.tf > b.tf : a.doc_len < b.doc_len;
    });
    out.clear();
    uint64_t best_len = UINT64_MAX;
    for (const ImpactPair& p : scratch) {
        if (p.doc_len < best_len) {  // not dominated by any pair with a tf >= this one
            out.push_back(p);
            best_len = p.doc_len;
        }
    }
    std::reverse(out.begin(), out.end());  // ascending tf, ascending length
    if (cap == 0) cap = 1;
    while (out.size() > cap) {
        size_t w = 0;
        for (size_t i = 0; i < out.size(); i += 2) {
            if (i + 1 < out.size()) {
                out[w++] = {out[i + 1].tf, out[i].doc_len};
            } else {
                out[w++] = out[i];
            }
        }
        out.resize(w);
    }
}

}  // namespace openbook::index::codec
