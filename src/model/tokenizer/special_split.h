// Splits special tokens out of raw text before subword encoding, with the reference's exact
// semantics: tokens are taken one at a time, longest text first; each one is cut out of every
// remaining raw fragment at all its (non-overlapping, leftmost-first) occurrences; then the next
// token is looked for in the pieces that are left. Control and unknown tokens take part only
// with parse_special; user-defined tokens always do. A token with the lstrip/rstrip attribute
// eats the whitespace next to it.
//
// A single pass over the text first finds which special tokens occur at all, so the usual text
// with none of them costs one scan, not one scan per special token.
//
// Thread-safety: immutable after construction; split() may run concurrently.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <string_view>
#include <vector>

#include "model/tokenizer/vocab.h"

namespace openbook::tokenizer {

// A piece of the input: raw text [offset, offset + length) when token == kNoToken, otherwise
// the special token found there.
struct Fragment {
    size_t offset = 0;
    size_t length = 0;
    TokenId token = kNoToken;
};

class SpecialTokenSplitter {
public:
    SpecialTokenSplitter() = default;
    explicit SpecialTokenSplitter(const Vocab& vocab);

    // Calls `emit` for each fragment in text order. Empty text emits nothing.
    void split(std::string_view text, bool parse_special,
               const std::function<void(const Fragment&)>& emit) const;

private:
    struct Special {
        std::string_view text;  // points into the Vocab
        TokenId id;
        uint32_t attrs;
        bool needs_parse_special;  // control / unknown
    };
    std::vector<Special> specials_;  // longest first (the order they are applied in)
    // Indexes into specials_ by first byte, for the presence scan.
    std::array<std::vector<uint32_t>, 256> by_first_byte_;
};

}  // namespace openbook::tokenizer
