// UTF-8 reading with llama.cpp's leniency, which the encoders must reproduce to give the same
// tokens for malformed input. text/utf8.h is strict (overlongs and surrogates are errors, the
// maximal-subpart rule); llama.cpp only checks the shape of a sequence: a lead byte and the
// right number of continuation bytes. So "\xC0\x80" is U+0000 here, "\xED\xA0\x80" is U+D800 and
// "\xF7\xBF\xBF\xBF" is 0x1FFFFF, and callers decide what such values mean.
//
// Thread-safety: pure functions.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace openbook::tokenizer {

// The length of the sequence a byte would start, by its high nibble alone: continuation bytes
// and 0xF8..0xFF count as 1 and 4 like any other byte with that nibble.
inline size_t lax_utf8_len(unsigned char lead) {
    static constexpr std::array<uint8_t, 16> kLen = {1, 1, 1, 1, 1, 1, 1, 1,
                                                     1, 1, 1, 1, 2, 2, 3, 4};
    return kLen[lead >> 4];
}

// Decodes the sequence at text[pos] into *cp and advances pos past it. Returns false and leaves
// pos alone when the lead byte is a continuation byte or 0xF8..0xFF, or the continuation bytes
// are missing. Precondition: pos < text.size().
inline bool lax_utf8_decode(std::string_view text, size_t& pos, char32_t* cp) {
    const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[pos + i]); };
    const unsigned char lead = byte(0);
    size_t n;
    char32_t value;
    if (lead < 0x80) {
        n = 1;
        value = lead;
    } else if (lead < 0xC0) {
        return false;
    } else if (lead < 0xE0) {
        n = 2;
        value = lead & 0x1F;
    } else if (lead < 0xF0) {
        n = 3;
        value = lead & 0x0F;
    } else if (lead < 0xF8) {
        n = 4;
        value = lead & 0x07;
    } else {
        return false;
    }
    if (text.size() - pos < n) return false;
    for (size_t i = 1; i < n; ++i) {
        if ((byte(i) & 0xC0) != 0x80) return false;
        value = (value << 6) | (byte(i) & 0x3F);
    }
    pos += n;
    *cp = value;
    return true;
}

}  // namespace openbook::tokenizer
