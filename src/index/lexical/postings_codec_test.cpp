#include "index/lexical/postings_codec.h"

#include <gtest/gtest.h>

#include <random>

namespace openbook::index::codec {
namespace {

TEST(PostingsVarint, RoundTripsEdgeValues) {
    std::vector<uint32_t> values = {0, 1, 127, 128, 16383, 16384, 65535, 65536, (1u << 28) - 1,
                                    1u << 28, UINT32_MAX - 1, UINT32_MAX};
    std::string buf;
    for (uint32_t v : values) put_varint(buf, v);
    const auto* p = reinterpret_cast<const uint8_t*>(buf.data());
    const auto* end = p + buf.size();
    for (uint32_t v : values) {
        uint32_t got = 0;
        p = get_varint(p, end, &got);
        ASSERT_NE(p, nullptr);
        EXPECT_EQ(got, v);
    }
    EXPECT_EQ(p, end);
}

TEST(PostingsVarint, RejectsTruncatedAndOverlong) {
    std::string buf;
    put_varint(buf, UINT32_MAX);
    const auto* p = reinterpret_cast<const uint8_t*>(buf.data());
    uint32_t v;
    EXPECT_EQ(get_varint(p, p + buf.size() - 1, &v), nullptr);
    const uint8_t overlong[] = {0xff, 0xff, 0xff, 0xff, 0x1f};  // 35 bits
    EXPECT_EQ(get_varint(overlong, overlong + 5, &v), nullptr);
    const uint8_t six[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x00};
    EXPECT_EQ(get_varint(six, six + 6, &v), nullptr);
}

TEST(PostingsBitPack, RoundTripsEveryWidth) {
    std::mt19937 rng(1);
    for (uint32_t bits = 0; bits <= 32; ++bits) {
        uint32_t values[kBlockSize];
        uint64_t limit = bits == 0 ? 0 : (uint64_t{1} << bits) - 1;
        for (uint32_t i = 0; i < kBlockSize; ++i) {
            values[i] = static_cast<uint32_t>(std::uniform_int_distribution<uint64_t>(0, limit)(rng));
        }
        if (bits > 0) values[rng() % kBlockSize] = static_cast<uint32_t>(limit);  // widest value
        EXPECT_EQ(max_bit_width(values, kBlockSize), bits);
        std::string buf;
        pack128(values, bits, buf);
        ASSERT_EQ(buf.size(), 16u * bits);
        buf.append(8, '\xAA');  // the unpacker may read 8 bytes further; they must not leak in
        uint32_t out[kBlockSize];
        unpack128(reinterpret_cast<const uint8_t*>(buf.data()), bits, out);
        for (uint32_t i = 0; i < kBlockSize; ++i) ASSERT_EQ(out[i], values[i]) << bits << " " << i;
    }
}

struct Decoded {
    std::vector<uint32_t> docs;
    std::vector<uint32_t> tfs;
};

// Encodes and decodes one block; the padding mimics the segment layout.
bool round_trip(const std::vector<uint32_t>& docs, const std::vector<uint32_t>& tfs, uint32_t base,
                Decoded* out, bool force_varint = false) {
    std::string buf;
    encode_block(docs.data(), tfs.data(), static_cast<uint32_t>(docs.size()), base, buf,
                 force_varint);
    size_t size = buf.size();
    buf.append(16, '\0');
    const auto* p = reinterpret_cast<const uint8_t*>(buf.data());
    uint32_t d[kBlockSize], t[kBlockSize];
    TfState st;
    if (!decode_block_docs(p, p + size, static_cast<uint32_t>(docs.size()), base, docs.back(), d, t,
                           &st)) {
        return false;
    }
    decode_block_tfs(static_cast<uint32_t>(docs.size()), &st, t);
    out->docs.assign(d, d + docs.size());
    out->tfs.assign(t, t + docs.size());
    return true;
}

TEST(PostingsBlock, SinglePosting) {
    Decoded got;
    ASSERT_TRUE(round_trip({0}, {1}, 0, &got));
    EXPECT_EQ(got.docs, std::vector<uint32_t>{0});
    EXPECT_EQ(got.tfs, std::vector<uint32_t>{1});
    ASSERT_TRUE(round_trip({12345}, {70000}, 100, &got));
    EXPECT_EQ(got.docs, std::vector<uint32_t>{12345});
    EXPECT_EQ(got.tfs, std::vector<uint32_t>{70000});
}

TEST(PostingsBlock, FullBlocksBothEncodingsWithHugeGapsAndTfs) {
    std::mt19937 rng(7);
    for (int trial = 0; trial < 50; ++trial) {
        std::vector<uint32_t> docs, tfs;
        uint32_t base = trial % 2 ? 0 : 1000 + static_cast<uint32_t>(rng() % 100000);
        uint32_t d = base;
        for (uint32_t i = 0; i < kBlockSize; ++i) {
            uint32_t gap = trial % 5 == 0 ? (rng() % 3 == 0 ? (1u << 23) + rng() % 1000 : 0)
                                          : static_cast<uint32_t>(rng() % 50);
            d += gap;
            docs.push_back(d++);
            uint32_t tf = trial % 3 == 0 ? 1 : 1 + static_cast<uint32_t>(rng() % 4);
            if (trial % 7 == 0 && i == 5) tf = 65535;
            if (trial % 7 == 0 && i == 6) tf = 65536;
            if (trial % 11 == 0 && i == 9) tf = UINT32_MAX - 1;
            tfs.push_back(tf);
        }
        for (bool force_varint : {false, true}) {
            Decoded got;
            ASSERT_TRUE(round_trip(docs, tfs, base, &got, force_varint));
            EXPECT_EQ(got.docs, docs);
            EXPECT_EQ(got.tfs, tfs);
        }
    }
}

TEST(PostingsBlock, MaximalGapWithinUint32) {
    // The first doc far from base, then the largest representable doc.
    std::vector<uint32_t> docs = {5, (1u << 31) - 2};
    Decoded got;
    ASSERT_TRUE(round_trip(docs, {1, 2}, 0, &got));
    EXPECT_EQ(got.docs, docs);
}

TEST(PostingsBlock, DetectsDamage) {
    std::vector<uint32_t> docs, tfs;
    for (uint32_t i = 0; i < kBlockSize; ++i) {
        docs.push_back(i * 3);
        tfs.push_back(1 + i % 3);
    }
    std::string buf;
    encode_block(docs.data(), tfs.data(), kBlockSize, 0, buf);
    size_t size = buf.size();
    buf.append(16, '\0');
    auto* p = reinterpret_cast<uint8_t*>(buf.data());
    uint32_t d[kBlockSize], t[kBlockSize];
    TfState st;
    ASSERT_TRUE(decode_block_docs(p, p + size, kBlockSize, 0, docs.back(), d, t, &st));
    // Wrong recorded last doc: the sum check catches it.
    EXPECT_FALSE(decode_block_docs(p, p + size, kBlockSize, 0, docs.back() + 1, d, t, &st));
    // Truncated data.
    EXPECT_FALSE(decode_block_docs(p, p + size - 1, kBlockSize, 0, docs.back(), d, t, &st));
    // Width over 32.
    std::string bad = buf;
    bad[1] = 40;
    auto* q = reinterpret_cast<uint8_t*>(bad.data());
    EXPECT_FALSE(decode_block_docs(q, q + size, kBlockSize, 0, docs.back(), d, t, &st));
    // Unknown encoding.
    bad = buf;
    bad[0] = 9;
    q = reinterpret_cast<uint8_t*>(bad.data());
    EXPECT_FALSE(decode_block_docs(q, q + size, kBlockSize, 0, docs.back(), d, t, &st));
    // Gaps that would wrap around 2^32 and land on the recorded last doc.
    std::vector<uint32_t> gaps(kBlockSize, 0);
    gaps[0] = UINT32_MAX;
    gaps[1] = 10;
    std::string wrap;
    wrap.push_back(static_cast<char>(kBlockBitPacked));
    wrap.push_back(32);
    wrap.push_back(0);
    pack128(gaps.data(), 32, wrap);
    size_t wsize = wrap.size();
    wrap.append(16, '\0');
    q = reinterpret_cast<uint8_t*>(wrap.data());
    uint32_t wrapped_last = static_cast<uint32_t>(uint64_t{UINT32_MAX} + 10 + 127);
    EXPECT_FALSE(decode_block_docs(q, q + wsize, kBlockSize, 0, wrapped_last, d, t, &st));
}

TEST(PostingsFrontier, DominatesEveryPostingAndIsMinimal) {
    std::mt19937 rng(3);
    std::vector<ImpactPair> scratch, out;
    for (int trial = 0; trial < 200; ++trial) {
        size_t n = 1 + rng() % 128;
        std::vector<uint32_t> tfs(n), lens(n);
        for (size_t i = 0; i < n; ++i) {
            tfs[i] = 1 + rng() % 6;
            lens[i] = 1 + rng() % 100;
        }
        uint32_t cap = trial % 2 ? 8 : 3;
        compute_frontier(tfs.data(), lens.data(), n, cap, scratch, out);
        ASSERT_FALSE(out.empty());
        ASSERT_LE(out.size(), cap);
        for (size_t i = 1; i < out.size(); ++i) {
            EXPECT_GT(out[i].tf, out[i - 1].tf);
            EXPECT_GT(out[i].doc_len, out[i - 1].doc_len);
        }
        for (size_t i = 0; i < n; ++i) {
            bool dominated = false;
            for (const ImpactPair& p : out) {
                dominated |= p.tf >= tfs[i] && p.doc_len <= lens[i];
            }
            EXPECT_TRUE(dominated) << "posting " << i << " (" << tfs[i] << ", " << lens[i] << ")";
        }
        if (cap == 8 && out.size() < 8) {  // uncapped: every pair is a real posting
            for (const ImpactPair& p : out) {
                bool real = false;
                for (size_t i = 0; i < n; ++i) real |= tfs[i] == p.tf && lens[i] == p.doc_len;
                EXPECT_TRUE(real);
            }
        }
    }
}

}  // namespace
}  // namespace openbook::index::codec
