// Token text → id lookup keyed by std::string_view, for the encoders' hot loops: a candidate
// token is a slice of the input, and probing must neither build a std::string (Vocab::ids is
// keyed by std::string with a non-transparent hash) nor chase pointers. SPM encoding spends most
// of its time in these probes and they miss the cache (the probed keys are all over the table),
// so this is open addressing with the first eight bytes of each key kept in its slot: a probe for
// a key of up to eight bytes — nearly all of them — touches one cache line.
//
// When two ids share a text the higher id wins, as in llama.cpp's token_to_id (filled in id
// order). The index copies what it needs; it does not refer to the Vocab after construction.
//
// Thread-safety: immutable after construction; find() may run concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "model/tokenizer/vocab.h"

namespace openbook::tokenizer {

class TokenTextIndex {
public:
    explicit TokenTextIndex(const Vocab& vocab) {
        size_t capacity = 16;
        while (capacity < vocab.text.size() * 2) capacity *= 2;
        slots_.assign(capacity, Slot{0, kNoToken, 0});
        mask_ = capacity - 1;
        tails_.assign(vocab.text.size(), 0);
        for (size_t id = 0; id < vocab.text.size(); ++id) {
            const std::string& text = vocab.text[id];
            if (text.size() > max_bytes_) max_bytes_ = text.size();
            if (text.size() > 8) {
                tails_[id] = static_cast<uint32_t>(arena_.size());
                arena_.append(text, 8);
            }
            const uint64_t head = load_head(text);
            size_t i = hash(text, head) & mask_;
            while (slots_[i].id != kNoToken && !equals(slots_[i], head, text)) i = (i + 1) & mask_;
            slots_[i] = Slot{head, static_cast<TokenId>(id), static_cast<uint32_t>(text.size())};
        }
    }

    // The id of a token text, or kNoToken.
    TokenId find(std::string_view text) const {
        if (text.size() > max_bytes_) return kNoToken;
        const uint64_t head = load_head(text);
        for (size_t i = hash(text, head) & mask_;; i = (i + 1) & mask_) {
            const Slot& slot = slots_[i];
            if (slot.id == kNoToken) return kNoToken;
            if (equals(slot, head, text)) return slot.id;
        }
    }

    // Length in bytes of the longest token text: no slice longer than this can be a token.
    size_t max_bytes() const { return max_bytes_; }

private:
    struct Slot {
        uint64_t head;  // the key's first eight bytes, zero-padded
        TokenId id;     // kNoToken: empty
        uint32_t size;  // the key's length
    };

    bool equals(const Slot& slot, uint64_t head, std::string_view text) const {
        return slot.head == head && slot.size == text.size() &&
               (text.size() <= 8 || std::memcmp(arena_.data() + tails_[slot.id], text.data() + 8,
                                                text.size() - 8) == 0);
    }

    // The first min(8, size) bytes, zero-padded, with at most two loads.
    static uint64_t load_head(std::string_view s) {
        const char* p = s.data();
        const size_t n = s.size();
        if (n >= 8) return load64(p);
        if (n > 4) {
            const uint64_t high = load32(p + n - 4) >> (8 * (8 - n));
            return load32(p) | (high << 32);
        }
        if (n == 4) return load32(p);
        uint64_t w = 0;
        for (size_t i = 0; i < n; ++i) w |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
        return w;
    }

    static uint64_t hash(std::string_view s, uint64_t head) {
        uint64_t h = mix(head ^ (s.size() * 0x9E3779B97F4A7C15ull));
        for (size_t i = 8; i < s.size(); i += 8) {
            h = mix(h ^
                    (i + 8 <= s.size() ? load64(s.data() + i) : load64(s.data() + s.size() - 8)));
        }
        return h;
    }
    static uint64_t mix(uint64_t x) {
        x *= 0xBF58476D1CE4E5B9ull;
        x ^= x >> 31;
        x *= 0x94D049BB133111EBull;
        return x ^ (x >> 29);
    }
    static uint64_t load64(const char* p) {
        uint64_t w;
        std::memcpy(&w, p, 8);
        return w;
    }
    static uint32_t load32(const char* p) {
        uint32_t w;
        std::memcpy(&w, p, 4);
        return w;
    }

    std::vector<Slot> slots_;  // 16 bytes each
    size_t mask_ = 0;
    std::vector<uint32_t> tails_;  // by id: where bytes 8.. of a longer key sit in arena_
    std::string arena_;
    size_t max_bytes_ = 0;
};

}  // namespace openbook::tokenizer
