#include "text/utf8.h"

namespace openbook::text {

char32_t decode_utf8(std::string_view text, size_t& pos) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const size_t n = text.size();
    const unsigned char b0 = s[pos];
    if (b0 < 0x80) {
        ++pos;
        return b0;
    }
    auto cont = [&](size_t i) { return i < n && (s[i] & 0xC0) == 0x80; };
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        if (cont(pos + 1)) {
            char32_t cp = ((b0 & 0x1Fu) << 6) | (s[pos + 1] & 0x3Fu);
            pos += 2;
            return cp;
        }
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        if (cont(pos + 1) && cont(pos + 2)) {
            char32_t cp = ((b0 & 0x0Fu) << 12) | ((s[pos + 1] & 0x3Fu) << 6) | (s[pos + 2] & 0x3Fu);
            if (cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF)) {
                pos += 3;
                return cp;
            }
        }
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        if (cont(pos + 1) && cont(pos + 2) && cont(pos + 3)) {
            char32_t cp = ((b0 & 0x07u) << 18) | ((s[pos + 1] & 0x3Fu) << 12) |
                          ((s[pos + 2] & 0x3Fu) << 6) | (s[pos + 3] & 0x3Fu);
            if (cp >= 0x10000 && cp <= 0x10FFFF) {
                pos += 4;
                return cp;
            }
        }
    }
    ++pos;
    return kReplacementChar;
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = kReplacementChar;
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

bool is_valid_utf8(std::string_view text) {
    size_t pos = 0;
    while (pos < text.size()) {
        if (static_cast<unsigned char>(text[pos]) < 0x80) {
            ++pos;
            continue;
        }
        size_t before = pos;
        char32_t cp = decode_utf8(text, pos);
        // A genuine U+FFFD in the input takes 3 bytes; a replacement for an error takes 1.
        if (cp == kReplacementChar && pos - before == 1) return false;
    }
    return true;
}

std::string repair_utf8(std::string_view text, size_t* n_repaired) {
    std::string out;
    out.reserve(text.size());
    size_t repaired = 0;
    size_t pos = 0;
    while (pos < text.size()) {
        const unsigned char b = static_cast<unsigned char>(text[pos]);
        if (b < 0x80) {
            out.push_back(static_cast<char>(b));
            ++pos;
            continue;
        }
        size_t before = pos;
        char32_t cp = decode_utf8(text, pos);
        if (cp == kReplacementChar && pos - before == 1) {
            ++repaired;
            append_utf8(out, kReplacementChar);
        } else {
            out.append(text.substr(before, pos - before));
        }
    }
    if (n_repaired != nullptr) *n_repaired = repaired;
    return out;
}

size_t count_code_points(std::string_view text) {
    size_t n = 0;
    for (unsigned char c : text) n += (c & 0xC0) != 0x80;
    return n;
}

}  // namespace openbook::text
