// BERT's basic tokenization as llama.cpp's WordPiece tokenizer does it, before the greedy
// longest-match: each code point is replaced by the first code point of its canonical
// decomposition (llama.cpp's "NFD" keeps only that one, so accents are stripped and a Hangul
// syllable becomes its leading jamo), control characters, NUL and U+FFFD are dropped, the rest is
// lowercased (simple case mapping), white space separates words, and punctuation, ASCII symbols
// and CJK ideographs each become a word of their own.
//
// Unicode data comes from utf8proc (Unicode 15). bert_classify() was compared with llama.cpp's
// own generated tables (unicode-data.cpp at c392e50) for every code point up to U+10FFFF and
// agrees on all of them, so no table of ours is needed.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace openbook::tokenizer {

enum class BertCharKind {
    kDrop,      // removed (control, format, private use, surrogate, NUL, U+FFFD)
    kSpace,     // ends the current word
    kIsolated,  // a word by itself: punctuation, ASCII symbols, CJK ideographs
    kWord,      // part of the current word
};

struct BertChar {
    BertCharKind kind;
    char32_t cp;  // after decomposition and lowercasing (meaningful for kIsolated and kWord)
};

// How one decoded code point is treated. Values past U+10FFFF (which llama.cpp's lenient
// decoder can produce and then fails to encode back) are dropped.
BertChar bert_classify(char32_t cp);

// The words of `text` in order, as UTF-8; never empty strings. Invalid UTF-8 sequences count as
// U+FFFD (and so are dropped), one byte at a time.
struct BertWords {
    std::string bytes;         // all words, concatenated
    std::vector<size_t> ends;  // end offset of each word in `bytes`

    size_t size() const { return ends.size(); }
    std::string_view operator[](size_t i) const {
        const size_t begin = i == 0 ? 0 : ends[i - 1];
        return std::string_view(bytes).substr(begin, ends[i] - begin);
    }
};
BertWords bert_split_words(std::string_view text);

}  // namespace openbook::tokenizer
