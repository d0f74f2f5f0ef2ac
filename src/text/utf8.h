// UTF-8 primitives: decoding one code point at a time, validation, repair, offset conversion.
//
// Everything here works on bytes in std::string_view and never reads past its end. Invalid
// sequences (overlongs, surrogates, truncated sequences, bytes > 0xF4) decode as U+FFFD and
// consume exactly one byte, the "maximal subpart" rule browsers and ICU use, so repair is stable.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace openbook::text {

inline constexpr char32_t kReplacementChar = 0xFFFD;

// Decodes the code point starting at text[pos] and advances pos past it. On an invalid sequence
// returns kReplacementChar and advances pos by one byte. Precondition: pos < text.size().
char32_t decode_utf8(std::string_view text, size_t& pos);

// Appends the UTF-8 encoding of cp (cp must be a scalar value; others append U+FFFD).
void append_utf8(std::string& out, char32_t cp);

bool is_valid_utf8(std::string_view text);

// A copy of text where every invalid sequence is replaced by U+FFFD; *n_repaired (if given)
// receives the number of replacements made.
std::string repair_utf8(std::string_view text, size_t* n_repaired = nullptr);

// Number of code points in valid UTF-8 text (counts lead bytes).
size_t count_code_points(std::string_view text);

// Length in bytes of the sequence a lead byte announces (1 for ASCII and for stray bytes).
inline size_t utf8_sequence_length(unsigned char lead) {
    if (lead < 0xC0) return 1;
    if (lead < 0xE0) return 2;
    if (lead < 0xF0) return 3;
    return 4;
}

// True when text[pos] is not a continuation byte (pos == size() counts as a boundary).
inline bool is_code_point_boundary(std::string_view text, size_t pos) {
    return pos >= text.size() || (static_cast<unsigned char>(text[pos]) & 0xC0) != 0x80;
}

}  // namespace openbook::text
