// SentencePiece's precompiled normalization rules (normalizer_spec.precompiled_charsmap, stored
// in GGUF as tokenizer.ggml.precompiled_charsmap): a map from byte strings to replacement
// strings, used by Unigram models (T5, XLM-R) for NFKC-style normalization.
//
// Blob layout (little-endian):
//   uint32 n           size in bytes of the trie that follows
//   n bytes            the trie: a Darts-clone double array, one uint32 unit per node
//                        bits 10..30  offset to the node's children (shifted left by 8 more
//                                     when bit 9 is set)
//                        bit 8        the node ends a key; its value is in the unit at
//                                     (node ^ offset), the child labelled 0
//                        bits 0..7    the label: the byte that leads to this node
//                        bit 31       set in value units (so they never match a label); the
//                                     low 31 bits are the value, an offset into the strings
//   the rest           NUL-terminated replacement strings
//
// Contract: parse() checks the header (the trie must fit and leave room for strings); the trie
// itself is checked as it is walked — an index out of range or a string offset past the end
// simply ends the match — so a malformed blob can mis-normalize but never read out of bounds.
//
// Thread-safety: immutable after parse(); match() may run concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "openbook/status.h"

namespace openbook::tokenizer {

class Charsmap {
public:
    Charsmap() = default;  // no rules: match() never matches

    // Views `blob`, which must outlive the Charsmap. An empty blob means no rules.
    static Result<Charsmap> parse(std::string_view blob);

    struct Match {
        size_t consumed = 0;           // bytes of input replaced; 0 when nothing matched
        std::string_view replacement;  // may be empty (the input is deleted)
    };
    // The longest key that is a prefix of `text` and its replacement. A NUL byte in `text` ends
    // the search, since keys cannot contain one.
    Match match(std::string_view text) const;

    bool empty() const { return n_units_ == 0; }

private:
    uint32_t unit(size_t index) const;

    const unsigned char* units_ = nullptr;  // n_units_ little-endian uint32, maybe unaligned
    size_t n_units_ = 0;
    std::string_view strings_;
};

}  // namespace openbook::tokenizer
