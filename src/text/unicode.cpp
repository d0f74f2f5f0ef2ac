#include "text/unicode.h"

#include <utf8proc.h>

namespace openbook::text {

namespace {

utf8proc_category_t category(char32_t cp) {
    return utf8proc_category(static_cast<utf8proc_int32_t>(cp));
}

}  // namespace

bool is_cjk(char32_t cp) {
    return (cp >= 0x1100 && cp <= 0x11FF) ||    // Hangul Jamo
           (cp >= 0x2E80 && cp <= 0x2FDF) ||    // CJK radicals, Kangxi radicals
           (cp >= 0x3005 && cp <= 0x3007) ||    // 々 〆 〇
           (cp >= 0x3021 && cp <= 0x3029) ||    // Hangzhou numerals
           (cp >= 0x3031 && cp <= 0x3035) ||    // kana repeat marks
           (cp >= 0x3040 && cp <= 0x30FF && cp != 0x30FB) ||  // Hiragana, Katakana (not ・)
           (cp >= 0x3100 && cp <= 0x312F) ||    // Bopomofo
           (cp >= 0x3130 && cp <= 0x318F) ||    // Hangul compatibility jamo
           (cp >= 0x31A0 && cp <= 0x31BF) ||    // Bopomofo extended
           (cp >= 0x31F0 && cp <= 0x31FF) ||    // Katakana phonetic extensions
           (cp >= 0x3400 && cp <= 0x4DBF) ||    // CJK extension A
           (cp >= 0x4E00 && cp <= 0x9FFF) ||    // CJK unified ideographs
           (cp >= 0xA960 && cp <= 0xA97F) ||    // Hangul Jamo extended A
           (cp >= 0xAC00 && cp <= 0xD7FF) ||    // Hangul syllables, Jamo extended B
           (cp >= 0xF900 && cp <= 0xFAFF) ||    // CJK compatibility ideographs
           (cp >= 0xFF66 && cp <= 0xFF9F) ||    // half-width Katakana
           (cp >= 0xFFA0 && cp <= 0xFFDC) ||    // half-width Hangul
           (cp >= 0x1B000 && cp <= 0x1B16F) ||  // kana supplement and extended
           (cp >= 0x20000 && cp <= 0x3134F);    // CJK extensions B..H, compatibility supplement
}

bool is_word_char(char32_t cp) {
    if (cp < 0x80) {
        return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
    }
    if (is_cjk(cp)) return false;
    switch (category(cp)) {
        case UTF8PROC_CATEGORY_LU:
        case UTF8PROC_CATEGORY_LL:
        case UTF8PROC_CATEGORY_LT:
        case UTF8PROC_CATEGORY_LM:
        case UTF8PROC_CATEGORY_LO:
        case UTF8PROC_CATEGORY_MN:  // combining marks stay inside their word
        case UTF8PROC_CATEGORY_MC:
        case UTF8PROC_CATEGORY_ND:
        case UTF8PROC_CATEGORY_NL:
        case UTF8PROC_CATEGORY_NO:
            return true;
        default:
            return false;
    }
}

bool is_space(char32_t cp) {
    if (cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0x85) return true;
    if (cp < 0x80) return false;
    auto c = category(cp);
    return c == UTF8PROC_CATEGORY_ZS || c == UTF8PROC_CATEGORY_ZL || c == UTF8PROC_CATEGORY_ZP;
}

bool is_punctuation_or_symbol(char32_t cp) {
    switch (category(cp)) {
        case UTF8PROC_CATEGORY_PC:
        case UTF8PROC_CATEGORY_PD:
        case UTF8PROC_CATEGORY_PS:
        case UTF8PROC_CATEGORY_PE:
        case UTF8PROC_CATEGORY_PI:
        case UTF8PROC_CATEGORY_PF:
        case UTF8PROC_CATEGORY_PO:
        case UTF8PROC_CATEGORY_SM:
        case UTF8PROC_CATEGORY_SC:
        case UTF8PROC_CATEGORY_SK:
        case UTF8PROC_CATEGORY_SO:
            return true;
        default:
            return false;
    }
}

bool is_sentence_terminal(char32_t cp) {
    switch (cp) {
        case '.': case '!': case '?':
        case 0x3002:  // 。
        case 0xFF01:  // ！
        case 0xFF1F:  // ？
        case 0xFF1B:  // ；
        case 0xFF0E:  // ．
        case 0xFF61:  // ｡
        case 0x2026:  // …
        case 0x203C: case 0x2047: case 0x2048: case 0x2049:
            return true;
        default:
            return false;
    }
}

bool is_trailing_punctuation(char32_t cp) {
    switch (cp) {
        case '.': case ',': case ';': case ':': case '!': case '?': case ')': case ']': case '}':
        case 0x3001:  // 、
        case 0x3002:  // 。
        case 0xFF0C:  // ，
        case 0xFF1B:  // ；
        case 0xFF1A:  // ：
        case 0xFF01:  // ！
        case 0xFF1F:  // ？
        case 0xFF0E:  // ．
        case 0xFF61:  // ｡
        case 0xFF64:  // ､
        case 0x2026:  // …
        case 0x2025:  // ‥
        case 0x203C: case 0x2047: case 0x2048: case 0x2049:
            return true;
        default:
            break;
    }
    if (cp < 0x80) return false;
    auto c = category(cp);
    return c == UTF8PROC_CATEGORY_PE || c == UTF8PROC_CATEGORY_PF;
}

}  // namespace openbook::text
