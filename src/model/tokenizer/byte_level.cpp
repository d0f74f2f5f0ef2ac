#include "model/tokenizer/byte_level.h"

#include <array>
#include <cstdint>

namespace openbook::tokenizer {
namespace {

// GPT-2's table: bytes that are printable on their own ('!'..'~', '¡'..'¬', '®'..'ÿ') keep their
// code point; the other 68 bytes (controls, space, DEL, NBSP, soft hyphen) take U+0100, U+0101, …
// in byte order. Every code point is below U+0144, so its UTF-8 is one or two bytes.
struct Tables {
    std::array<uint16_t, 256> code_point{};  // byte → code point
    std::array<int16_t, 0x144> byte{};       // code point → byte, or -1

    Tables() {
        auto keeps_own = [](int b) {
            return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        };
        byte.fill(-1);
        uint16_t next = 0x100;
        for (int b = 0; b < 256; ++b) {
            code_point[b] = keeps_own(b) ? static_cast<uint16_t>(b) : next++;
            byte[code_point[b]] = static_cast<int16_t>(b);
        }
    }
};

const Tables& tables() {
    static const Tables t;
    return t;
}

}  // namespace

void bytes_to_byte_level(std::string_view bytes, std::string& out) {
    const Tables& t = tables();
    out.reserve(out.size() + bytes.size() * 2);
    for (char c : bytes) {
        const uint16_t cp = t.code_point[static_cast<unsigned char>(c)];
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
        } else {
            out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
    }
}

std::optional<std::string> byte_level_to_bytes(std::string_view token_text) {
    const Tables& t = tables();
    std::string out;
    out.reserve(token_text.size());
    const auto* s = reinterpret_cast<const unsigned char*>(token_text.data());
    const size_t n = token_text.size();
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        if (s[i] < 0x80) {
            cp = s[i];
            i += 1;
        } else if ((s[i] & 0xE0) == 0xC0 && i + 1 < n && (s[i + 1] & 0xC0) == 0x80) {
            cp = ((s[i] & 0x1Fu) << 6) | (s[i + 1] & 0x3Fu);
            // An overlong form is not the alphabet's spelling of that code point.
            if (cp < 0x80) return std::nullopt;
            i += 2;
        } else {
            return std::nullopt;  // three- and four-byte sequences are all outside the alphabet
        }
        if (cp >= t.byte.size() || t.byte[cp] < 0) return std::nullopt;
        out.push_back(static_cast<char>(t.byte[cp]));
    }
    return out;
}

}  // namespace openbook::tokenizer
