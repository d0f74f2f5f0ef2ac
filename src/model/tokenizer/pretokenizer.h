// Pre-tokenization for byte-level BPE: splits a raw-text fragment into the pieces (pre-tokens)
// that BPE then merges within, with the expressions llama.cpp uses for each PreTokenizer kind
// and with llama.cpp's reading of them, because token-for-token agreement is the contract.
//
// How llama.cpp reads the expressions, and so how this splitter does:
// - Each kind has a list of expressions applied in sequence: the first splits the text, each
//   later one splits every piece of the previous step. A step keeps the text between matches
//   as pieces too, so the pieces always cover the text exactly.
// - \p{L}, \p{N}, \p{P}, \p{M}, \p{S} and \s use llama.cpp's own character table (Unicode 15.1,
//   whitespace = the White_Space property), not PCRE2's (Unicode 14) — see char_class(). An
//   expression that names such a class sees ASCII as itself (each class matching a fixed ASCII
//   set) and every other code point as its class. One quirk follows: \p{S} does not match '~'.
//   \s is ASCII \t \n \v \f \r and space plus non-ASCII White_Space (U+0085, U+00A0, U+3000…).
// - An expression without those classes (literal code point ranges, e.g. deepseek-llm's CJK
//   ranges) sees the code points themselves, with non-ASCII whitespace read as a vertical tab
//   and \s matching ASCII whitespace only.
// - Three expressions (GPT-2's, Llama-3's and Qwen2's) have hand-written splitters that give
//   the same pieces as the expressions, several times faster; PCRE2 (JIT) runs the rest.
//
// Thread-safety: a PreTokenSplitter is immutable after create(); split() may run concurrently
// (each thread keeps its own scratch memory and PCRE2 match data).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/tokenizer/vocab.h"
#include "openbook/status.h"

namespace openbook::tokenizer {

// A code point's class in llama.cpp's table (Unicode 15.1 general categories). kWhitespace
// (the White_Space property) wins over the category: U+00A0 is whitespace, not a separator.
// kOther is everything else: controls, format characters, unassigned code points, surrogates.
enum class CharClass : uint8_t {
    kOther,
    kWhitespace,
    kLetter,
    kNumber,
    kPunctuation,
    kMark,
    kSymbol,
};

CharClass char_class(char32_t cp);

// The text llama.cpp actually splits and encodes. It decodes a fragment leniently and encodes
// the code points again: every byte that does not start a well-formed sequence (a stray
// continuation byte, a truncated sequence, 0xF8..0xFF) becomes U+FFFD, an overlong sequence
// becomes the code point's shortest form, and surrogates pass through. (A sequence decoding
// above U+10FFFF makes llama.cpp throw; here it becomes U+FFFD.) Returns `text` itself when
// nothing changes — the common case — and otherwise a view of `storage`.
std::string_view normalize_for_split(std::string_view text, std::string& storage);

struct PreTokenSplitterOptions {
    // Use the hand-written splitters for the GPT-2, Llama-3 and Qwen2 expressions. Off, PCRE2
    // runs every step (tests compare the two on random text).
    bool hand_written = true;
};

class PreTokenSplitter {
public:
    // Fails (kUnsupported) when an expression does not compile with this PCRE2.
    static Result<PreTokenSplitter> create(PreTokenizer kind, PreTokenSplitterOptions options = {});

    PreTokenSplitter(PreTokenSplitter&&) noexcept;
    PreTokenSplitter& operator=(PreTokenSplitter&&) noexcept;
    ~PreTokenSplitter();

    // Appends the pieces of `text` to `out`: non-empty views into `text`, in order, covering it.
    // `text` should come from normalize_for_split(); other input is split without crashing but
    // not necessarily as llama.cpp would.
    void split(std::string_view text, std::vector<std::string_view>& out) const;

private:
    struct Impl;
    explicit PreTokenSplitter(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace openbook::tokenizer
