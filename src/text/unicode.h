// Character classes the ingest and analysis code needs, by Unicode property (utf8proc tables).
// Thread-safety: pure functions.
#pragma once

namespace openbook::text {

// Han ideographs (all CJK Unified blocks and compatibility ideographs), Hiragana, Katakana,
// Hangul syllables and jamo, Bopomofo: scripts written without spaces between words.
bool is_cjk(char32_t cp);

// Letters (L*) and digits (Nd, Nl, No) that are not CJK: the stuff space-separated words are made of.
bool is_word_char(char32_t cp);

// White space: Unicode Zs/Zl/Zp plus the ASCII and C1 control spaces (\t \n \v \f \r, U+0085).
bool is_space(char32_t cp);

// Any punctuation (P*) or symbol (S*).
bool is_punctuation_or_symbol(char32_t cp);

// Punctuation that belongs to the text before it and must never begin a chunk or sentence:
// closing brackets and quotes (Pe, Pf), and the sentence-internal and terminal marks of Latin
// and CJK text (. , ; : ! ? … and their full-width and ideographic forms such as 。，、；：！？).
// Opening brackets and quotes, '#', '-', '*' and the like may start a chunk and are not included.
bool is_trailing_punctuation(char32_t cp);

// Ends a sentence: . ! ? and the CJK/full-width 。！？；… ｡ (plus ‼ ⁇ ⁈ ⁉).
bool is_sentence_terminal(char32_t cp);

}  // namespace openbook::text
