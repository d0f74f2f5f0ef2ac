// Byte-level BPE (tokenizer.ggml.model = "gpt2"), token for token as llama.cpp's
// llm_tokenizer_bpe_session: split the fragment into pre-tokens, then in each pre-token start
// from one symbol per byte and repeatedly merge the adjacent pair with the lowest merge rank
// (leftmost first among equal ranks) until no pair has a rank.
//
// Where this differs in means but not in result:
// - Symbols are ids, not strings. Every string a symbol can hold (a byte's character, the result
//   of a merge) gets an id up front: its token id when the vocabulary has it, else an id past
//   the vocabulary. Merge ranks live in a hash table keyed by the pair of ids, so a lookup hashes
//   one 64-bit key instead of two strings (llama.cpp builds and hashes std::string pairs).
// - Nothing is converted to the byte-level alphabet while encoding: a piece's raw bytes map to
//   symbols directly, and the whole-word lookup for ignore_merges uses the vocabulary's tokens
//   converted back to raw bytes (the alphabet is a bijection, so the two lookups agree).
// - Short pieces (nearly all) merge in small arrays scanned for the lowest rank; long ones use a
//   heap over a linked list as llama.cpp does. Both pick the same pair at every step.
// - Each thread remembers the ids of the short pieces it encoded lately (PieceCache).

#include <xxhash.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "model/tokenizer/byte_level.h"
#include "model/tokenizer/pretokenizer.h"
#include "model/tokenizer/subword_encoder.h"

namespace openbook::tokenizer {
namespace {

constexpr uint32_t kNoRank = std::numeric_limits<uint32_t>::max();
constexpr uint32_t kNoSymbol = std::numeric_limits<uint32_t>::max();

// (left symbol, right symbol) → (rank, merged symbol). Open addressing with linear probing; the
// first merge listed for a pair wins, as in llama.cpp (its map's emplace keeps the first).
class MergeTable {
public:
    struct Merge {
        uint32_t rank = kNoRank;
        uint32_t result = kNoSymbol;
    };

    void reserve(size_t n) {
        size_t capacity = 16;
        while (capacity < 2 * n) capacity *= 2;
        slots_.assign(capacity, Slot{});
        mask_ = capacity - 1;
        shift_ = 64 - std::countr_zero(capacity);
    }

    void insert(uint32_t left, uint32_t right, Merge merge) {
        const uint64_t key = pack(left, right);
        for (size_t i = home(key);; i = (i + 1) & mask_) {
            if (slots_[i].key == key) return;
            if (slots_[i].key == kEmpty) {
                slots_[i] = {key, merge};
                return;
            }
        }
    }

    Merge find(uint32_t left, uint32_t right) const {
        const uint64_t key = pack(left, right);
        for (size_t i = home(key);; i = (i + 1) & mask_) {
            if (slots_[i].key == key) return slots_[i].merge;
            if (slots_[i].key == kEmpty) return {};
        }
    }

private:
    // Both halves kNoSymbol never occurs: symbols are ids below 2^32 - 1.
    static constexpr uint64_t kEmpty = std::numeric_limits<uint64_t>::max();
    struct Slot {
        uint64_t key = kEmpty;
        Merge merge;
    };
    static uint64_t pack(uint32_t left, uint32_t right) {
        return (static_cast<uint64_t>(left) << 32) | right;
    }
    size_t home(uint64_t key) const {
        return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> shift_) & mask_;
    }

    std::vector<Slot> slots_ = std::vector<Slot>(1);
    size_t mask_ = 0;
    int shift_ = 63;
};

// Pieces up to this many bytes merge in fixed arrays; longer ones use the heap.
constexpr size_t kArrayMergeLimit = 64;
// The heap path counts bytes in 32 bits. Only a degenerate input (a gigabyte without a single
// break) makes a longer piece; it is merged a slice at a time.
constexpr size_t kMaxMergeBytes = size_t{1} << 30;

struct Bigram {
    uint32_t rank;
    uint32_t left;  // symbol index (= the byte offset where the left symbol starts)
    uint32_t right;
    uint32_t size;  // bytes of both symbols when queued; a change means the entry is stale
    uint32_t result;
};

// Lowest rank first, then leftmost: std::*_heap keep the greatest on top.
struct BigramAfter {
    bool operator()(const Bigram& a, const Bigram& b) const {
        return a.rank != b.rank ? a.rank > b.rank : a.left > b.left;
    }
};

struct HeapSymbol {
    uint32_t id;
    uint32_t len;  // 0 once merged into the symbol on its left
    int32_t prev;
    int32_t next;
};

struct Scratch {
    std::string normalized;
    std::vector<std::string_view> pieces;
    std::vector<HeapSymbol> symbols;
    std::vector<Bigram> heap;
};

thread_local Scratch t_scratch;

// Thread-local buffers keep their capacity from call to call; one huge text must not pin its
// memory to the thread for good.
template <class Buffer>
void release_if_large(Buffer& buffer, size_t max_elements) {
    if (buffer.capacity() > max_elements) Buffer().swap(buffer);
}

// Merging a piece costs a dozen probes into a table of megabytes, mostly cache misses, and text
// repeats its words: so each thread remembers the ids of short pieces it encoded lately.
// Direct-mapped, one cache line per entry, a newcomer evicts whatever sat in its slot. War and
// Peace (27,000 distinct pieces among 690,000) encodes in about half the time with it; a
// quarter of this size was measurably slower, four times the size no faster.
constexpr size_t kCachedBytesMax = 22;
constexpr size_t kCachedIdsMax = 8;
constexpr size_t kCacheEntries = size_t{1} << 13;  // 512 KiB per encoder per thread

struct CachedPiece {
    uint64_t hash = 0;  // 0: empty
    char bytes[kCachedBytesMax];
    uint8_t n_bytes = 0;
    uint8_t n_ids = 0;
    TokenId ids[kCachedIdsMax];
};
static_assert(sizeof(CachedPiece) == 64);

class PieceCache {
public:
    PieceCache() : entries_(kCacheEntries) {}

    const CachedPiece* find(std::string_view piece, uint64_t h) const {
        const CachedPiece& e = entries_[h & (kCacheEntries - 1)];
        if (e.hash != h || e.n_bytes != piece.size() ||
            std::memcmp(e.bytes, piece.data(), piece.size()) != 0) {
            return nullptr;
        }
        return &e;
    }

    // Precondition: piece.size() <= kCachedBytesMax, n_ids <= kCachedIdsMax.
    void insert(std::string_view piece, uint64_t h, const TokenId* ids, size_t n_ids) {
        CachedPiece& e = entries_[h & (kCacheEntries - 1)];
        e.hash = h;
        std::memcpy(e.bytes, piece.data(), piece.size());
        e.n_bytes = static_cast<uint8_t>(piece.size());
        std::copy(ids, ids + n_ids, e.ids);
        e.n_ids = static_cast<uint8_t>(n_ids);
    }

private:
    std::vector<CachedPiece> entries_;
};

// The caches of the encoders this thread used last, by encoder serial number (not address: a
// new encoder may reuse a dead one's memory).
constexpr size_t kCachesPerThread = 4;

struct ThreadCaches {
    std::array<uint64_t, kCachesPerThread> owner{};
    std::array<std::unique_ptr<PieceCache>, kCachesPerThread> cache;
    size_t next_victim = 0;

    PieceCache& for_encoder(uint64_t serial) {
        for (size_t i = 0; i < kCachesPerThread; ++i) {
            if (owner[i] == serial) return *cache[i];
        }
        const size_t i = next_victim;
        next_victim = (next_victim + 1) % kCachesPerThread;
        owner[i] = serial;
        cache[i] = std::make_unique<PieceCache>();
        return *cache[i];
    }
};

thread_local ThreadCaches t_caches;
std::atomic<uint64_t> g_next_serial{1};

inline uint64_t hash_bytes(std::string_view bytes) {
    const uint64_t h = XXH3_64bits(bytes.data(), bytes.size());
    return h != 0 ? h : 1;  // 0 marks an empty cache entry
}

// Raw bytes → token id, for ignore_merges: open addressing over an arena of the keys; a slot
// holds 32 bits of the hash and the entry index, so a probe rarely touches a key it does not
// want. Against std::unordered_map<std::string_view, TokenId> it halved the time to encode War
// and Peace with Llama 3's vocabulary.
class WholeWordTable {
public:
    void add(std::string_view bytes, TokenId id) {
        entries_.push_back(
            {static_cast<uint32_t>(arena_.size()), static_cast<uint32_t>(bytes.size()), id});
        arena_.append(bytes);
    }

    // After the last add().
    void build() {
        size_t capacity = 16;
        while (capacity < 2 * entries_.size()) capacity *= 2;
        slots_.assign(capacity, Slot{});
        mask_ = capacity - 1;
        for (uint32_t i = 0; i < entries_.size(); ++i) {
            const uint64_t h = hash_bytes(key(entries_[i]));
            size_t at = h & mask_;
            while (slots_[at].entry != 0) at = (at + 1) & mask_;
            slots_[at] = {static_cast<uint32_t>(h >> 32), i + 1};
        }
    }

    bool empty() const { return entries_.empty(); }

    TokenId find(std::string_view bytes, uint64_t h) const {
        const auto tag = static_cast<uint32_t>(h >> 32);
        for (size_t at = h & mask_;; at = (at + 1) & mask_) {
            const Slot& slot = slots_[at];
            if (slot.entry == 0) return kNoToken;
            if (slot.tag == tag && key(entries_[slot.entry - 1]) == bytes) {
                return entries_[slot.entry - 1].id;
            }
        }
    }

private:
    struct Entry {
        uint32_t offset;
        uint32_t length;
        TokenId id;
    };
    struct Slot {
        uint32_t tag = 0;
        uint32_t entry = 0;  // index + 1; 0 is empty
    };
    std::string_view key(const Entry& e) const {
        return std::string_view(arena_).substr(e.offset, e.length);
    }

    std::string arena_;
    std::vector<Entry> entries_;
    std::vector<Slot> slots_ = std::vector<Slot>(1);
    size_t mask_ = 0;
};

class BpeEncoder final : public SubwordEncoder {
public:
    BpeEncoder(const Vocab& vocab, PreTokenSplitter splitter)
        : vocab_(vocab), splitter_(std::move(splitter)) {
        build();
    }

    void encode(std::string_view fragment, bool /*after_special*/,
                std::vector<TokenId>& out) const override {
        Scratch& scratch = t_scratch;
        const std::string_view text = normalize_for_split(fragment, scratch.normalized);
        scratch.pieces.clear();
        splitter_.split(text, scratch.pieces);
        PieceCache& cache = t_caches.for_encoder(serial_);
        for (std::string_view piece : scratch.pieces) {
            if (piece.size() > kCachedBytesMax) {
                encode_piece(piece, 0, scratch, out);
                continue;
            }
            const uint64_t h = hash_bytes(piece);
            if (const CachedPiece* hit = cache.find(piece, h)) {
                out.insert(out.end(), hit->ids, hit->ids + hit->n_ids);
                continue;
            }
            const size_t before = out.size();
            encode_piece(piece, h, scratch, out);
            if (out.size() - before <= kCachedIdsMax) {
                cache.insert(piece, h, out.data() + before, out.size() - before);
            }
        }
        release_if_large(scratch.normalized, size_t{1} << 20);
        release_if_large(scratch.pieces, size_t{1} << 16);
        release_if_large(scratch.symbols, size_t{1} << 16);
        release_if_large(scratch.heap, size_t{1} << 16);
    }

private:
    void build();
    // `hash` is hash_bytes(piece) when the caller has it, else 0.
    void encode_piece(std::string_view piece, uint64_t hash, Scratch& scratch,
                      std::vector<TokenId>& out) const;
    void merge_in_arrays(std::string_view piece, std::vector<TokenId>& out) const;
    void merge_with_heap(std::string_view piece, Scratch& scratch, std::vector<TokenId>& out) const;

    // A finished symbol: its token, or — when its string is no token (a merge the vocabulary
    // lacks the result of) — llama.cpp's fallback: each byte of its byte-level text looked up
    // as a one-byte token, which only printable ASCII can be.
    void emit(uint32_t symbol, std::string_view bytes, std::vector<TokenId>& out) const {
        if (symbol < n_vocab_) {
            out.push_back(static_cast<TokenId>(symbol));
            return;
        }
        for (char c : bytes) {
            const Fallback& f = fallback_[static_cast<unsigned char>(c)];
            out.insert(out.end(), f.ids.begin(), f.ids.begin() + f.n);
        }
    }

    struct Fallback {
        std::array<TokenId, 2> ids{};
        uint8_t n = 0;
    };

    const Vocab& vocab_;
    PreTokenSplitter splitter_;
    const uint64_t serial_ = g_next_serial.fetch_add(1, std::memory_order_relaxed);
    uint32_t n_vocab_ = 0;
    std::array<uint32_t, 256> byte_symbol_{};
    std::array<Fallback, 256> fallback_{};
    MergeTable merges_;
    // ignore_merges: a piece that is a whole token becomes that token. Keyed by the token's raw
    // bytes.
    WholeWordTable whole_words_;
};

void BpeEncoder::build() {
    n_vocab_ = static_cast<uint32_t>(vocab_.size());
    std::unordered_map<std::string, uint32_t> extra;  // strings that are no token → symbol id
    auto symbol_of = [&](const std::string& text, bool add) -> uint32_t {
        if (auto it = vocab_.ids.find(text); it != vocab_.ids.end() && vocab_.valid(it->second)) {
            return static_cast<uint32_t>(it->second);
        }
        if (auto it = extra.find(text); it != extra.end()) return it->second;
        if (!add) return kNoSymbol;
        const auto id = static_cast<uint32_t>(n_vocab_ + extra.size());
        extra.emplace(text, id);
        return id;
    };

    for (int b = 0; b < 256; ++b) {
        std::string text;
        bytes_to_byte_level(std::string_view(reinterpret_cast<const char*>(&b), 1), text);
        byte_symbol_[b] = symbol_of(text, true);
        Fallback& f = fallback_[b];
        for (char c : text) {
            if (auto it = vocab_.ids.find(std::string(1, c)); it != vocab_.ids.end()) {
                f.ids[f.n++] = it->second;
            }
        }
    }

    // Every merge result is a possible symbol; give them ids before resolving operands, since a
    // merge may use a result that only a later (lower-priority) merge produces.
    const auto& merges = vocab_.merges;
    std::vector<uint32_t> results(merges.size());
    for (size_t i = 0; i < merges.size(); ++i) {
        if (merges[i].first.empty() || merges[i].second.empty()) continue;
        results[i] = symbol_of(merges[i].first + merges[i].second, true);
    }
    merges_.reserve(merges.size());
    for (size_t i = 0; i < merges.size(); ++i) {
        if (merges[i].first.empty() || merges[i].second.empty()) continue;  // unusable entry
        const uint32_t left = symbol_of(merges[i].first, false);
        const uint32_t right = symbol_of(merges[i].second, false);
        // An operand that is neither a byte, nor a token, nor a merge result never occurs.
        if (left == kNoSymbol || right == kNoSymbol) continue;
        merges_.insert(left, right, {static_cast<uint32_t>(i), results[i]});
    }

    if (vocab_.ignore_merges) {
        for (uint32_t id = 0; id < n_vocab_; ++id) {
            const std::string& text = vocab_.text[id];
            auto it = vocab_.ids.find(text);
            if (it == vocab_.ids.end() || it->second != static_cast<TokenId>(id)) continue;
            const std::optional<std::string> raw = byte_level_to_bytes(text);
            if (raw && !raw->empty()) whole_words_.add(*raw, static_cast<TokenId>(id));
        }
        whole_words_.build();
    }
}

void BpeEncoder::encode_piece(std::string_view piece, uint64_t hash, Scratch& scratch,
                              std::vector<TokenId>& out) const {
    if (piece.empty()) return;
    if (!whole_words_.empty()) {
        const TokenId id = whole_words_.find(piece, hash != 0 ? hash : hash_bytes(piece));
        if (id != kNoToken) {
            out.push_back(id);
            return;
        }
    }
    if (piece.size() > kMaxMergeBytes) {
        for (size_t at = 0; at < piece.size(); at += kMaxMergeBytes) {
            encode_piece(piece.substr(at, kMaxMergeBytes), 0, scratch, out);
        }
    } else if (piece.size() == 1) {
        emit(byte_symbol_[static_cast<unsigned char>(piece[0])], piece, out);
    } else if (piece.size() <= kArrayMergeLimit) {
        merge_in_arrays(piece, out);
    } else {
        merge_with_heap(piece, scratch, out);
    }
}

void BpeEncoder::merge_in_arrays(std::string_view piece, std::vector<TokenId>& out) const {
    // Symbol i covers len[i] bytes; pair j joins symbols j and j + 1.
    std::array<uint32_t, kArrayMergeLimit> id, len, rank, result;
    size_t n = piece.size();
    for (size_t i = 0; i < n; ++i) {
        id[i] = byte_symbol_[static_cast<unsigned char>(piece[i])];
        len[i] = 1;
    }
    auto look_up = [&](size_t j) {
        const MergeTable::Merge m = merges_.find(id[j], id[j + 1]);
        rank[j] = m.rank;
        result[j] = m.result;
    };
    for (size_t j = 0; j + 1 < n; ++j) look_up(j);

    while (n > 1) {
        size_t best = 0;
        for (size_t j = 1; j + 1 < n; ++j) {
            if (rank[j] < rank[best]) best = j;
        }
        if (rank[best] == kNoRank) break;
        id[best] = result[best];
        len[best] += len[best + 1];
        const size_t tail = n - best - 2;  // symbols after best + 1, pairs after best + 1
        // Plain loops: the arrays are a few entries long, too short for memmove to pay.
        for (size_t k = best + 1; k < best + 1 + tail; ++k) {
            id[k] = id[k + 1];
            len[k] = len[k + 1];
        }
        for (size_t k = best + 1; k + 1 < best + 1 + tail; ++k) {
            rank[k] = rank[k + 1];
            result[k] = result[k + 1];
        }
        --n;
        if (best > 0) look_up(best - 1);
        if (best + 1 < n) look_up(best);
    }

    size_t offset = 0;
    for (size_t i = 0; i < n; ++i) {
        emit(id[i], piece.substr(offset, len[i]), out);
        offset += len[i];
    }
}

void BpeEncoder::merge_with_heap(std::string_view piece, Scratch& scratch,
                                 std::vector<TokenId>& out) const {
    std::vector<HeapSymbol>& symbols = scratch.symbols;
    std::vector<Bigram>& heap = scratch.heap;
    const auto n = static_cast<int32_t>(piece.size());
    symbols.resize(static_cast<size_t>(n));
    for (int32_t i = 0; i < n; ++i) {
        symbols[i] = {byte_symbol_[static_cast<unsigned char>(piece[i])], 1, i - 1,
                      i + 1 < n ? i + 1 : -1};
    }
    heap.clear();
    auto push = [&](int32_t left, int32_t right) {
        if (left < 0 || right < 0) return;
        const MergeTable::Merge m = merges_.find(symbols[left].id, symbols[right].id);
        if (m.rank == kNoRank) return;
        heap.push_back({m.rank, static_cast<uint32_t>(left), static_cast<uint32_t>(right),
                        symbols[left].len + symbols[right].len, m.result});
        std::push_heap(heap.begin(), heap.end(), BigramAfter{});
    };
    for (int32_t i = 1; i < n; ++i) push(i - 1, i);

    while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end(), BigramAfter{});
        const Bigram bigram = heap.back();
        heap.pop_back();
        HeapSymbol& left = symbols[bigram.left];
        HeapSymbol& right = symbols[bigram.right];
        // Stale when either side was merged away or has grown since the entry was queued.
        if (left.len == 0 || right.len == 0 || left.len + right.len != bigram.size) continue;
        left.id = bigram.result;
        left.len += right.len;
        right.len = 0;
        left.next = right.next;
        if (right.next >= 0) symbols[right.next].prev = static_cast<int32_t>(bigram.left);
        push(left.prev, static_cast<int32_t>(bigram.left));
        push(static_cast<int32_t>(bigram.left), left.next);
    }

    for (int32_t i = 0; i >= 0; i = symbols[i].next) {
        emit(symbols[i].id, piece.substr(static_cast<size_t>(i), symbols[i].len), out);
    }
}

}  // namespace

Result<std::unique_ptr<SubwordEncoder>> make_bpe_encoder(const Vocab& vocab) {
    auto splitter = PreTokenSplitter::create(vocab.pre);
    if (!splitter.has_value()) return splitter.error();
    return std::unique_ptr<SubwordEncoder>(new BpeEncoder(vocab, std::move(*splitter)));
}

}  // namespace openbook::tokenizer
