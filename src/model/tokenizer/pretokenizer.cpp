#include "model/tokenizer/pretokenizer.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <string>
#include <unordered_map>
#include <utility>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "model/tokenizer/lax_utf8.h"

namespace openbook::tokenizer {
namespace {

// ---------------------------------------------------------------------------------------------
// Character classes
// ---------------------------------------------------------------------------------------------

constexpr char32_t kMaxCodePoint = 0x10FFFF;

constexpr CharClass ascii_class(unsigned c) {
    if ((c >= 0x09 && c <= 0x0D) || c == ' ') return CharClass::kWhitespace;
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) return CharClass::kLetter;
    if (c >= '0' && c <= '9') return CharClass::kNumber;
    if (c < 0x20 || c == 0x7F) return CharClass::kOther;
    switch (c) {
        case '$':
        case '+':
        case '<':
        case '=':
        case '>':
        case '^':
        case '`':
        case '|':
        case '~': return CharClass::kSymbol;
        default: return CharClass::kPunctuation;
    }
}

constexpr std::array<CharClass, 128> kAsciiClass = [] {
    std::array<CharClass, 128> t{};
    for (unsigned c = 0; c < 128; ++c) t[c] = ascii_class(c);
    return t;
}();

CharClass class_from_utf8proc(char32_t cp) {
    switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
        case UTF8PROC_CATEGORY_LU:
        case UTF8PROC_CATEGORY_LL:
        case UTF8PROC_CATEGORY_LT:
        case UTF8PROC_CATEGORY_LM:
        case UTF8PROC_CATEGORY_LO: return CharClass::kLetter;
        case UTF8PROC_CATEGORY_ND:
        case UTF8PROC_CATEGORY_NL:
        case UTF8PROC_CATEGORY_NO: return CharClass::kNumber;
        case UTF8PROC_CATEGORY_PC:
        case UTF8PROC_CATEGORY_PD:
        case UTF8PROC_CATEGORY_PS:
        case UTF8PROC_CATEGORY_PE:
        case UTF8PROC_CATEGORY_PI:
        case UTF8PROC_CATEGORY_PF:
        case UTF8PROC_CATEGORY_PO: return CharClass::kPunctuation;
        case UTF8PROC_CATEGORY_MN:
        case UTF8PROC_CATEGORY_MC:
        case UTF8PROC_CATEGORY_ME: return CharClass::kMark;
        case UTF8PROC_CATEGORY_SM:
        case UTF8PROC_CATEGORY_SC:
        case UTF8PROC_CATEGORY_SK:
        case UTF8PROC_CATEGORY_SO: return CharClass::kSymbol;
        default: return CharClass::kOther;
    }
}

// The White_Space property (UCD PropList.txt). llama.cpp tests it before the category.
constexpr char32_t kWhiteSpace[] = {0x09,   0x0A,   0x0B,   0x0C,   0x0D,   0x20,   0x85,
                                    0xA0,   0x1680, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004,
                                    0x2005, 0x2006, 0x2007, 0x2008, 0x2009, 0x200A, 0x2028,
                                    0x2029, 0x202F, 0x205F, 0x3000};

// Two-stage lookup over all code points: 256-entry blocks, identical blocks shared (~100 KB).
//
// The categories come from utf8proc, which implements Unicode 15.0 in Debian 12 (2.8.0);
// llama.cpp's table (unicode-data.cpp at c392e50) is Unicode 15.1. A comparison of the two over
// every code point differs in exactly the 627 characters 15.1 added, which are patched in below:
// CJK Extension I (U+2EBF0..U+2EE5D, Lo) and the ideographic description characters U+2FFC..
// U+2FFF and U+31EF (So). PCRE2's own \p tables are not used at all: PCRE2 10.42 is Unicode 14,
// which misses e.g. the Kawi and Nag Mundari letters of 15.0.
struct ClassTable {
    std::vector<uint16_t> block_of;  // code point >> 8 → block index
    std::vector<CharClass> blocks;   // block index * 256 + (code point & 0xFF) → class

    ClassTable() {
        block_of.resize((kMaxCodePoint + 1) >> 8);
        std::unordered_map<std::string, uint16_t> seen;
        std::string block(256, '\0');
        for (char32_t hi = 0; hi < block_of.size(); ++hi) {
            for (char32_t lo = 0; lo < 256; ++lo) {
                block[lo] = static_cast<char>(compute((hi << 8) | lo));
            }
            auto [it, added] = seen.emplace(block, static_cast<uint16_t>(seen.size()));
            if (added) {
                for (char c : block) blocks.push_back(static_cast<CharClass>(c));
            }
            block_of[hi] = it->second;
        }
    }

    static CharClass compute(char32_t cp) {
        if (cp < 0x80) return kAsciiClass[cp];
        if (cp <= kWhiteSpace[std::size(kWhiteSpace) - 1] &&
            std::find(std::begin(kWhiteSpace), std::end(kWhiteSpace), cp) !=
                std::end(kWhiteSpace)) {
            return CharClass::kWhitespace;
        }
        if (cp >= 0x2EBF0 && cp <= 0x2EE5D) return CharClass::kLetter;  // Unicode 15.1
        if ((cp >= 0x2FFC && cp <= 0x2FFF) || cp == 0x31EF) return CharClass::kSymbol;
        return class_from_utf8proc(cp);
    }

    CharClass operator()(char32_t cp) const {
        if (cp < 0x80) return kAsciiClass[cp];
        if (cp > kMaxCodePoint) return CharClass::kOther;
        return blocks[(static_cast<size_t>(block_of[cp >> 8]) << 8) | (cp & 0xFF)];
    }
};

const ClassTable& class_table() {
    static const ClassTable table;
    return table;
}

// ---------------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------------

struct Decoded {
    char32_t cp;
    uint32_t len;
};

// Decodes at s[pos] (pos < end) by the lead byte's announced length. Normalized text is always
// well formed; anything else (a stray or truncated byte) counts as one byte of U+FFFD so that
// nothing is read past `end`.
inline Decoded decode_at(const unsigned char* s, size_t pos, size_t end) {
    const unsigned b = s[pos];
    if (b < 0x80) return {b, 1};
    uint32_t len;
    char32_t cp;
    if (b >= 0xF8 || b < 0xC0) {
        return {0xFFFD, 1};
    } else if (b >= 0xF0) {
        len = 4, cp = b & 0x07;
    } else if (b >= 0xE0) {
        len = 3, cp = b & 0x0F;
    } else {
        len = 2, cp = b & 0x1F;
    }
    if (len > end - pos) return {0xFFFD, 1};
    for (uint32_t i = 1; i < len; ++i) cp = (cp << 6) | (s[pos + i] & 0x3F);
    return {cp, len};
}

// UTF-8 of any code point up to U+10FFFF, surrogates included (llama.cpp keeps them).
inline void append_code_point(std::string& out, char32_t cp) {
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

// ---------------------------------------------------------------------------------------------
// Hand-written splitters. Each walks [begin, end) of UTF-8 text and calls emit(piece_end) for
// each piece in order; they give exactly the pieces PCRE2 gives for kGpt2Expression and
// kLlama3Expression / kQwen2Expression (pretokenizer_test.cpp compares them on random text).
// ---------------------------------------------------------------------------------------------

inline bool is_other_class(CharClass c) {  // [^\s\p{L}\p{N}]
    return c != CharClass::kWhitespace && c != CharClass::kLetter && c != CharClass::kNumber;
}

inline char ascii_lower(unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

// The contractions 's 't 'm 'd 're 've 'll at s[pos] == '\''; returns their length or 0.
template <bool kIgnoreCase>
inline size_t contraction_at(const unsigned char* s, size_t pos, size_t end) {
    if (pos + 1 >= end) return 0;
    auto fold = [](unsigned char c) { return kIgnoreCase ? ascii_lower(c) : static_cast<char>(c); };
    const char c1 = fold(s[pos + 1]);
    if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return 2;
    if (pos + 2 >= end) return 0;
    const char c2 = fold(s[pos + 2]);
    if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) return 3;
    return 0;
}

// Whitespace at `pos` up to the next non-space. The expressions end with \s+(?!\S) and \s+ (GPT-2
// has no \s+, but its unmatched gap is the same single character): a run followed by more text
// leaves its last character to be a piece of its own (so " word" keeps its space), a run at the
// end stays whole.
inline size_t whitespace_run_end(const unsigned char* s, size_t pos, size_t end,
                                 const ClassTable& classes) {
    size_t last_start = pos;
    size_t p = pos;
    while (p < end) {
        const Decoded d = decode_at(s, p, end);
        if (classes(d.cp) != CharClass::kWhitespace) break;
        last_start = p;
        p += d.len;
    }
    if (p == end || last_start == pos) return p;
    return last_start;
}

// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)
template <class Emit>
void split_gpt2(const unsigned char* s, size_t begin, size_t end, const ClassTable& classes,
                Emit&& emit) {
    size_t pos = begin;
    while (pos < end) {
        if (s[pos] == '\'') {
            if (const size_t n = contraction_at<false>(s, pos, end)) {
                emit(pos += n);
                continue;
            }
        }
        const Decoded c = decode_at(s, pos, end);
        CharClass cls = classes(c.cp);
        size_t p = pos;
        if (c.cp == ' ' && pos + 1 < end) {  // an optional space in front of the next class
            const CharClass next = classes(decode_at(s, pos + 1, end).cp);
            if (next != CharClass::kWhitespace) cls = next, p = pos + 1;
        }
        if (cls != CharClass::kWhitespace) {
            const bool other = is_other_class(cls);
            while (p < end) {
                const Decoded d = decode_at(s, p, end);
                const CharClass k = classes(d.cp);
                if (other ? !is_other_class(k) : k != cls) break;
                p += d.len;
            }
            emit(pos = p);
            continue;
        }
        emit(pos = whitespace_run_end(s, pos, end, classes));
    }
}

// (?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|
// \p{N}{1,kDigits}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
// kDigits is 3 for Llama 3 (numbers in groups of three) and 1 for Qwen2 (single digits).
template <int kDigits, class Emit>
void split_llama3(const unsigned char* s, size_t begin, size_t end, const ClassTable& classes,
                  Emit&& emit) {
    size_t pos = begin;
    while (pos < end) {
        if (s[pos] == '\'') {
            if (const size_t n = contraction_at<true>(s, pos, end)) {
                emit(pos += n);
                continue;
            }
        }
        const Decoded c = decode_at(s, pos, end);
        const CharClass cls = classes(c.cp);
        const bool newline = c.cp == '\r' || c.cp == '\n';

        // [^\r\n\p{L}\p{N}]?\p{L}+
        if (cls == CharClass::kLetter ||
            (!newline && cls != CharClass::kNumber && pos + c.len < end &&
             classes(decode_at(s, pos + c.len, end).cp) == CharClass::kLetter)) {
            size_t p = pos + c.len;
            while (p < end) {
                const Decoded d = decode_at(s, p, end);
                if (classes(d.cp) != CharClass::kLetter) break;
                p += d.len;
            }
            emit(pos = p);
            continue;
        }
        // \p{N}{1,kDigits}
        if (cls == CharClass::kNumber) {
            size_t p = pos + c.len;
            for (int n = 1; n < kDigits && p < end; ++n) {
                const Decoded d = decode_at(s, p, end);
                if (classes(d.cp) != CharClass::kNumber) break;
                p += d.len;
            }
            emit(pos = p);
            continue;
        }
        // ' '?[^\s\p{L}\p{N}]+[\r\n]*
        size_t p = pos;
        if (c.cp == ' ' && pos + 1 < end &&
            is_other_class(classes(decode_at(s, pos + 1, end).cp))) {
            p = pos + 1;
        }
        if (is_other_class(classes(decode_at(s, p, end).cp))) {
            while (p < end) {
                const Decoded d = decode_at(s, p, end);
                if (!is_other_class(classes(d.cp))) break;
                p += d.len;
            }
            while (p < end && (s[p] == '\r' || s[p] == '\n')) ++p;
            emit(pos = p);
            continue;
        }
        // Only whitespace is left. \s*[\r\n]+ takes the run up to its last line break.
        size_t after_newline = 0;
        for (p = pos; p < end;) {
            const Decoded d = decode_at(s, p, end);
            if (classes(d.cp) != CharClass::kWhitespace) break;
            p += d.len;
            if (d.cp == '\r' || d.cp == '\n') after_newline = p;
        }
        emit(pos = after_newline != 0 ? after_newline : whitespace_run_end(s, pos, end, classes));
    }
}

// ---------------------------------------------------------------------------------------------
// The expressions, per kind, in the form llama.cpp lists them (non-ASCII written as \x{...}).
// ---------------------------------------------------------------------------------------------

constexpr std::string_view kGpt2Expression =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))";
constexpr std::string_view kLlama3Expression =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|)"
    R"(\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
constexpr std::string_view kQwen2Expression =
    R"((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|)"
    R"(\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

// Letters with case (Unicode's L& set), as deepseek-llm's tokenizer.json spells them out.
constexpr std::string_view kDeepseekLlmLetters =
    R"(\s?[A-Za-z\x{B5}\x{C0}-\x{D6}\x{D8}-\x{F6}\x{F8}-\x{1BA}\x{1BC}-\x{1BF}\x{1C4}-\x{293})"
    R"(\x{295}-\x{2AF}\x{370}-\x{373}\x{376}\x{377}\x{37B}-\x{37D}\x{37F}\x{386}\x{388}-\x{38A})"
    R"(\x{38C}\x{38E}-\x{3A1}\x{3A3}-\x{3F5}\x{3F7}-\x{481}\x{48A}-\x{52F}\x{531}-\x{556})"
    R"(\x{10A0}-\x{10C5}\x{13A0}-\x{13F5}\x{13F8}-\x{13FD}\x{1C90}-\x{1CBA}\x{1CBD}-\x{1CBF})"
    R"(\x{1D00}-\x{1D2B}\x{1D6B}-\x{1D77}\x{1D79}-\x{1D9A}\x{1E00}-\x{1F15}\x{1F18}-\x{1F1D})"
    R"(\x{1F20}-\x{1F45}\x{1F48}-\x{1F4D}\x{1F50}-\x{1F57}\x{1F59}\x{1F5B}\x{1F5D})"
    R"(\x{1F5F}-\x{1F7D}\x{1F80}-\x{1FB4}\x{1FB6}-\x{1FBC}\x{1FBE}\x{1FC2}-\x{1FC4})"
    R"(\x{1FC6}-\x{1FCC}\x{1FD0}-\x{1FD3}\x{1FD6}-\x{1FDB}\x{1FE0}-\x{1FEC}\x{1FF2}-\x{1FF4})"
    R"(\x{1FF6}-\x{1FFC}\x{2102}\x{2107}\x{210A}-\x{2113}\x{2115}\x{2119}-\x{211D}\x{2124})"
    R"(\x{2126}\x{2128}\x{212A}-\x{212D}\x{212F}-\x{2134}\x{2139}\x{213C}-\x{213F})"
    R"(\x{2145}-\x{2149}\x{214E}\x{2183}\x{2184}\x{2C00}-\x{2C7B}\x{2C7E}-\x{2CE4})"
    R"(\x{2CEB}-\x{2CEE}\x{2CF2}\x{2CF3}\x{A640}-\x{A66D}\x{A680}-\x{A69B}\x{A722}-\x{A76F})"
    R"(\x{A771}-\x{A787}\x{A78B}-\x{A78E}\x{AB70}-\x{ABBF}\x{FB00}-\x{FB06}\x{FB13}-\x{FB17})"
    R"(\x{FF21}-\x{FF3A}\x{FF41}-\x{FF5A}\x{10400}-\x{1044F}\x{104B0}-\x{104D3})"
    R"(\x{104D8}-\x{104FB}\x{10C80}-\x{10CB2}\x{10CC0}-\x{10CF2}\x{118A0}-\x{118DF})"
    R"(\x{1E900}-\x{1E943}]+)";
// ASCII and full-width punctuation, curly quotes, ideographic space and full stop.
constexpr std::string_view kDeepseekLlmPunctuation =
    R"(\s?[!-/:-~\x{FF01}-\x{FF0F}\x{FF1A}-\x{FF5E}\x{2018}-\x{201F}\x{3000}-\x{3002}]+)";
// CJK ideographs, everything from U+0800 up to them, Hangul.
constexpr std::string_view kDeepseekCjk =
    R"([\x{4E00}-\x{9FA5}\x{800}-\x{4E00}\x{AC00}-\x{D7FF}]+)";
// Anything but white space and sentence punctuation (ASCII, CJK, Devanagari, Arabic, Urdu).
constexpr std::string_view kPoroExpression =
    R"( ?[^(\s|.,!?\x{2026}\x{3002}\x{FF0C}\x{3001}\x{964}\x{6D4}\x{60C})]+)";

std::vector<std::string_view> expressions_for(PreTokenizer kind) {
    switch (kind) {
        case PreTokenizer::kLlama3:
        case PreTokenizer::kDbrx:
        case PreTokenizer::kSmaug:
        case PreTokenizer::kChatglm4: return {kLlama3Expression};
        case PreTokenizer::kQwen2:
        case PreTokenizer::kStablelm2: return {kQwen2Expression};
        case PreTokenizer::kGpt2:
        case PreTokenizer::kMpt:
        case PreTokenizer::kOlmo:
        case PreTokenizer::kJais: return {kGpt2Expression};
        case PreTokenizer::kStarcoder:
        case PreTokenizer::kRefact:
        case PreTokenizer::kCommandR:
        case PreTokenizer::kSmollm:
        case PreTokenizer::kCodeshell:
        case PreTokenizer::kExaone:
        case PreTokenizer::kMinerva: return {R"(\p{N})", kGpt2Expression};
        case PreTokenizer::kFalcon:
            return {R"([\p{P}\$\+<=>\^~\|`]+)", kGpt2Expression, "[0-9][0-9][0-9]"};
        case PreTokenizer::kDeepseekLlm:
            return {"[\r\n]",  kDeepseekLlmLetters, kDeepseekLlmPunctuation,
                    R"(\s+$)", kDeepseekCjk,        R"(\p{N}+)"};
        case PreTokenizer::kDeepseek3Llm:
            return {R"(\p{N}{1,3})", R"([\x{4E00}-\x{9FA5}\x{3040}-\x{309F}\x{30A0}-\x{30FF}]+)",
                    R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|)"
                    R"([^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|)"
                    R"(\s+(?!\S)|\s+)"};
        case PreTokenizer::kDeepseekCoder:
            return {"[\r\n]", R"(\s?\p{L}+)", R"(\s?\p{P}+)", kDeepseekCjk, R"(\p{N})"};
        case PreTokenizer::kPoro:
        case PreTokenizer::kBloom:
        case PreTokenizer::kGpt3Finnish: return {kPoroExpression};
        case PreTokenizer::kViking: return {kPoroExpression, R"(\p{N})"};
        case PreTokenizer::kTekken:
            return {R"([^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+|)"
                    R"([^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*|)"
                    R"(\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)"};
        case PreTokenizer::kChameleon:
            return {"<sentinel:[0-9]+>",       "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z",
                    R"(([\t\n]|    |  ))",     R"(\p{N})",
                    R"([\p{P}!-/:-@\[-`{-~])", kGpt2Expression};
        case PreTokenizer::kDefault: break;
    }
    return {R"([\p{P}\$\+<=>\^~\|]+)", kGpt2Expression, R"(\p{N}+)", "[0-9][0-9][0-9]"};
}

// ---------------------------------------------------------------------------------------------
// PCRE2 steps
// ---------------------------------------------------------------------------------------------

// What an expression naming a class sees instead of a non-ASCII code point: one byte per code
// point, so the expression runs without UTF mode and offsets are code point indices.
constexpr char kCollapsedWhitespace = 0x0B;  // \s matches it, [\r\n] does not
constexpr unsigned char kCollapsedOther = 0xD0;
constexpr unsigned char kCollapsedNumber = 0xD1;
constexpr unsigned char kCollapsedLetter = 0xD2;
constexpr unsigned char kCollapsedPunctuation = 0xD3;
constexpr unsigned char kCollapsedMark = 0xD4;
constexpr unsigned char kCollapsedSymbol = 0xD5;

// `lead` is the code point's first byte: ASCII stays itself.
inline char collapse(unsigned char lead, CharClass cls) {
    if (lead < 0x80) return static_cast<char>(lead);
    switch (cls) {
        case CharClass::kWhitespace: return kCollapsedWhitespace;
        case CharClass::kLetter: return static_cast<char>(kCollapsedLetter);
        case CharClass::kNumber: return static_cast<char>(kCollapsedNumber);
        case CharClass::kPunctuation: return static_cast<char>(kCollapsedPunctuation);
        case CharClass::kMark: return static_cast<char>(kCollapsedMark);
        case CharClass::kSymbol: return static_cast<char>(kCollapsedSymbol);
        case CharClass::kOther: break;
    }
    return static_cast<char>(kCollapsedOther);
}

// The members of \p{X} in a collapsed expression: the class byte plus a fixed ASCII set — the
// ASCII sets llama.cpp uses, which follow Unicode except that \p{S} leaves out '~'.
std::string_view collapsed_members(char category) {
    switch (category) {
        case 'L': return R"(\xD2A-Za-z)";
        case 'N': return R"(\xD10-9)";
        case 'P': return R"(\xD3!-#%-*,-/:-;?-@\[-\]_\{\})";
        case 'M': return R"(\xD4)";
        case 'S': return R"(\xD5\$\+<->\^`\|)";
        default: return {};
    }
}

bool names_a_class(std::string_view expression) {
    for (std::string_view c : {R"(\p{L})", R"(\p{N})", R"(\p{P})", R"(\p{M})", R"(\p{S})"}) {
        if (expression.find(c) != std::string_view::npos) return true;
    }
    return false;
}

// Rewrites \p{X} for the collapsed subject ([...] around the members outside a class).
std::string collapse_expression(std::string_view expression) {
    std::string out;
    bool in_class = false;
    for (size_t i = 0; i < expression.size(); ++i) {
        const char c = expression[i];
        if (c == '\\' && i + 1 < expression.size()) {
            if (expression.substr(i, 3) == R"(\p{)" && i + 4 < expression.size() &&
                expression[i + 4] == '}' && !collapsed_members(expression[i + 3]).empty()) {
                const std::string_view members = collapsed_members(expression[i + 3]);
                if (in_class) {
                    out += members;
                } else {
                    out += '[';
                    out += members;
                    out += ']';
                }
                i += 4;
                continue;
            }
            out += c;
            out += expression[++i];
            continue;
        }
        if (c == '[' && !in_class) {
            in_class = true;
        } else if (c == ']' && in_class) {
            in_class = false;
        }
        out += c;
    }
    return out;
}

// Tekken's expression tests one character per group iteration, "((?=[\p{L}])([^a-z]))*": a
// letter that is not a-z. On the collapsed subject that is simply [\p{L}] without a-z, and as
// a plain class it matches exactly the same while needing no JIT stack per character (a word
// of a million letters otherwise runs out of it).
void simplify_collapsed(std::string& pattern) {
    const std::pair<std::string_view, std::string_view> rewrites[] = {
        {R"(((?=[\xD2A-Za-z])([^a-z])))", R"([\xD2A-Z])"},
        {R"(((?=[\xD2A-Za-z])([^A-Z])))", R"([\xD2a-z])"},
    };
    for (const auto& [from, to] : rewrites) {
        for (size_t at = pattern.find(from); at != std::string::npos; at = pattern.find(from, at)) {
            pattern.replace(at, from.size(), to);
            at += to.size();
        }
    }
}

constexpr uint32_t kOvectorPairs = 16;

// Per-thread PCRE2 match state, shared by every splitter on the thread (none of it belongs to a
// pattern). The JIT stack may grow to 8 MiB, PCRE2's default of 32 KiB being tight for a group
// repeated over a long piece; with the expressions as they are, every kind splits pieces of a
// million characters without reaching a limit.
struct PcreThreadState {
    pcre2_match_data* data = nullptr;
    pcre2_match_context* context = nullptr;
    pcre2_jit_stack* jit_stack = nullptr;

    PcreThreadState() {
        data = pcre2_match_data_create(kOvectorPairs, nullptr);
        context = pcre2_match_context_create(nullptr);
        jit_stack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, nullptr);
        if (context != nullptr && jit_stack != nullptr) {
            pcre2_jit_stack_assign(context, nullptr, jit_stack);
        }
    }
    ~PcreThreadState() {
        pcre2_jit_stack_free(jit_stack);
        pcre2_match_context_free(context);
        pcre2_match_data_free(data);
    }
    PcreThreadState(const PcreThreadState&) = delete;
    PcreThreadState& operator=(const PcreThreadState&) = delete;
};

// Runs `code` over subject[0, length) the way std::regex_iterator walks a range: after an empty
// match it retries at the same place for a non-empty anchored match, else moves on one
// character. Calls piece(begin, end) for every match and every gap between matches (code units,
// begin < end). A PCRE2 error (resource limits on pathological input) ends the matching: the
// rest of the subject becomes one gap.
template <class Piece>
void pcre_pieces(const pcre2_code* code, bool utf, const unsigned char* subject, size_t length,
                 PcreThreadState& state, Piece&& piece) {
    if (state.data == nullptr) {
        if (length > 0) piece(size_t{0}, length);
        return;
    }
    const uint32_t base_options = utf ? PCRE2_NO_UTF_CHECK : 0;
    size_t start = 0;
    size_t last_end = 0;
    uint32_t options = base_options;
    while (start <= length) {
        const int rc =
            pcre2_match(code, subject, length, start, options, state.data, state.context);
        if (rc == PCRE2_ERROR_NOMATCH) {
            if (options == base_options) break;
            // No non-empty match where an empty one was: step over one character.
            if (start >= length) break;
            ++start;
            if (utf) {
                while (start < length && (subject[start] & 0xC0) == 0x80) ++start;
            }
            options = base_options;
            continue;
        }
        if (rc < 0) break;
        const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(state.data);
        const size_t match_begin = ovector[0];
        const size_t match_end = ovector[1];
        if (match_begin > last_end) piece(last_end, match_begin);
        if (match_end > match_begin) piece(match_begin, match_end);
        last_end = std::max(last_end, match_end);
        start = match_end;
        options = match_end == match_begin ? base_options | PCRE2_NOTEMPTY_ATSTART | PCRE2_ANCHORED
                                           : base_options;
    }
    if (last_end < length) piece(last_end, length);
}

// ---------------------------------------------------------------------------------------------
// Scratch memory for the general (multi-step) path, one per thread.
// ---------------------------------------------------------------------------------------------

struct Range {
    uint32_t begin;  // code point indices
    uint32_t end;
};

struct Scratch {
    std::vector<uint32_t> cp_byte;  // code point index → byte offset in the text (n + 1 entries)
    std::vector<CharClass> classes;
    std::string collapsed;          // one byte per code point, when a step needs it
    std::string wide;               // UTF-8 for the literal expressions, when a step needs it
    std::vector<uint32_t> wide_at;  // code point index → offset in `wide`
    bool have_collapsed = false;
    bool have_wide = false;
    std::vector<Range> pieces;
    std::vector<Range> next;
};

thread_local Scratch t_scratch;
thread_local std::unique_ptr<PcreThreadState> t_pcre;

PcreThreadState& pcre_state() {
    if (!t_pcre) t_pcre = std::make_unique<PcreThreadState>();
    return *t_pcre;
}

// Texts above this are split window by window (at code point boundaries) so that offsets fit
// in 32 bits; no real prompt comes near it, and only a piece crossing a window edge differs.
constexpr size_t kMaxWindow = size_t{1} << 30;

}  // namespace

// ---------------------------------------------------------------------------------------------
// Public functions
// ---------------------------------------------------------------------------------------------

CharClass char_class(char32_t cp) { return class_table()(cp); }

std::string_view normalize_for_split(std::string_view text, std::string& storage) {
    // Reads the code point at `pos` as llama.cpp does (lax_utf8.h) and advances past it; a
    // failure costs one byte.
    auto read = [&](size_t& pos) -> char32_t {
        char32_t cp;
        if (!lax_utf8_decode(text, pos, &cp)) {
            ++pos;
            return 0xFFFD;
        }
        return cp > kMaxCodePoint ? 0xFFFD : cp;
    };
    auto encoded_length = [](char32_t cp) -> size_t {
        return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    };

    // The text changes exactly where a code point's shortest form differs in length from the
    // bytes it was read from: an error (1 byte read, 3 written), an overlong, or U+FFFD taking
    // the place of a value past U+10FFFF.
    size_t pos = 0;
    while (pos < text.size()) {
        if (static_cast<unsigned char>(text[pos]) < 0x80) {
            ++pos;
            continue;
        }
        const size_t start = pos;
        if (encoded_length(read(pos)) != pos - start) {
            pos = start;
            break;
        }
    }
    if (pos == text.size()) return text;

    storage.assign(text.substr(0, pos));
    while (pos < text.size()) append_code_point(storage, read(pos));
    return storage;
}

enum class StepKind { kGpt2, kLlama3, kQwen2, kCollapsed, kWide };

struct Step {
    StepKind kind;
    pcre2_code* code = nullptr;
};

struct PreTokenSplitter::Impl {
    std::vector<Step> steps;
    const ClassTable* classes = nullptr;

    ~Impl() {
        for (Step& step : steps) pcre2_code_free(step.code);
    }

    void split_window(std::string_view text, std::vector<std::string_view>& out) const;
    void run_step(const Step& step, std::string_view text, Scratch& scratch) const;
};

PreTokenSplitter::PreTokenSplitter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PreTokenSplitter::PreTokenSplitter(PreTokenSplitter&&) noexcept = default;
PreTokenSplitter& PreTokenSplitter::operator=(PreTokenSplitter&&) noexcept = default;
PreTokenSplitter::~PreTokenSplitter() = default;

Result<PreTokenSplitter> PreTokenSplitter::create(PreTokenizer kind,
                                                  PreTokenSplitterOptions options) {
    auto impl = std::make_unique<Impl>();
    impl->classes = &class_table();
    for (std::string_view expression : expressions_for(kind)) {
        Step step{StepKind::kWide};
        if (options.hand_written && expression == kGpt2Expression) {
            step.kind = StepKind::kGpt2;
        } else if (options.hand_written && expression == kLlama3Expression) {
            step.kind = StepKind::kLlama3;
        } else if (options.hand_written && expression == kQwen2Expression) {
            step.kind = StepKind::kQwen2;
        } else {
            std::string pattern;
            uint32_t flags = PCRE2_DOLLAR_ENDONLY;
            if (names_a_class(expression)) {
                step.kind = StepKind::kCollapsed;
                pattern = collapse_expression(expression);
                simplify_collapsed(pattern);
            } else {
                // UTF without UCP: code point ranges, and \s is ASCII only (like std::wregex).
                pattern = std::string(expression);
                flags |= PCRE2_UTF;
            }
            int error = 0;
            PCRE2_SIZE error_offset = 0;
            step.code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                      flags, &error, &error_offset, nullptr);
            if (step.code == nullptr) {
                PCRE2_UCHAR message[256];
                pcre2_get_error_message(error, message, sizeof message);
                return Status::unsupported(
                    "pre-tokenizer expression '" + pattern + "' does not compile at offset " +
                    std::to_string(error_offset) + ": " + reinterpret_cast<const char*>(message));
            }
            // Without JIT (not built in, or no executable memory) PCRE2 interprets: slower, same.
            pcre2_jit_compile(step.code, PCRE2_JIT_COMPLETE);
        }
        impl->steps.push_back(step);
    }
    return PreTokenSplitter(std::move(impl));
}

void PreTokenSplitter::split(std::string_view text, std::vector<std::string_view>& out) const {
    const Impl& impl = *impl_;
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    auto emit_view = [&, prev = size_t{0}](size_t end) mutable {
        out.emplace_back(text.data() + prev, end - prev);
        prev = end;
    };
    if (impl.steps.size() == 1) {  // the hot kinds: no code point arrays at all
        switch (impl.steps[0].kind) {
            case StepKind::kGpt2: return split_gpt2(s, 0, text.size(), *impl.classes, emit_view);
            case StepKind::kLlama3:
                return split_llama3<3>(s, 0, text.size(), *impl.classes, emit_view);
            case StepKind::kQwen2:
                return split_llama3<1>(s, 0, text.size(), *impl.classes, emit_view);
            default: break;
        }
    }
    while (text.size() > kMaxWindow) {
        size_t cut = kMaxWindow;
        while (cut > kMaxWindow - 4 && (s[cut] & 0xC0) == 0x80) --cut;
        impl.split_window(text.substr(0, cut), out);
        text.remove_prefix(cut);
        s += cut;
    }
    impl.split_window(text, out);
}

void PreTokenSplitter::Impl::split_window(std::string_view text,
                                          std::vector<std::string_view>& out) const {
    if (text.empty()) return;
    Scratch& scratch = t_scratch;
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    scratch.cp_byte.clear();
    scratch.classes.clear();
    for (size_t pos = 0; pos < text.size();) {
        const Decoded d = decode_at(s, pos, text.size());
        scratch.cp_byte.push_back(static_cast<uint32_t>(pos));
        scratch.classes.push_back((*classes)(d.cp));
        pos += d.len;
    }
    const auto n_cps = static_cast<uint32_t>(scratch.cp_byte.size());
    scratch.cp_byte.push_back(static_cast<uint32_t>(text.size()));
    scratch.have_collapsed = false;
    scratch.have_wide = false;

    scratch.pieces.assign(1, Range{0, n_cps});
    for (const Step& step : steps) {
        scratch.next.clear();
        run_step(step, text, scratch);
        scratch.pieces.swap(scratch.next);
    }
    for (const Range& r : scratch.pieces) {
        const uint32_t b = scratch.cp_byte[r.begin];
        out.emplace_back(text.data() + b, scratch.cp_byte[r.end] - b);
    }
    // The buffers keep their capacity for the next call, but one huge text must not pin its
    // memory to the thread for good.
    if (scratch.cp_byte.capacity() > (size_t{1} << 20)) scratch = Scratch();
}

void PreTokenSplitter::Impl::run_step(const Step& step, std::string_view text,
                                      Scratch& scratch) const {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::vector<uint32_t>& cp_byte = scratch.cp_byte;
    std::vector<Range>& next = scratch.next;

    if (step.kind == StepKind::kGpt2 || step.kind == StepKind::kLlama3 ||
        step.kind == StepKind::kQwen2) {
        for (const Range& piece : scratch.pieces) {
            uint32_t prev = piece.begin;
            auto emit = [&](size_t byte_end) {
                // Piece ends fall on code point starts; find the index from there.
                const auto it = std::lower_bound(cp_byte.begin() + prev,
                                                 cp_byte.begin() + piece.end + 1, byte_end);
                const auto end = static_cast<uint32_t>(it - cp_byte.begin());
                next.push_back({prev, end});
                prev = end;
            };
            const size_t b = cp_byte[piece.begin];
            const size_t e = cp_byte[piece.end];
            if (step.kind == StepKind::kGpt2) {
                split_gpt2(s, b, e, *classes, emit);
            } else if (step.kind == StepKind::kLlama3) {
                split_llama3<3>(s, b, e, *classes, emit);
            } else {
                split_llama3<1>(s, b, e, *classes, emit);
            }
        }
        return;
    }

    PcreThreadState& pcre = pcre_state();
    const size_t n_cps = cp_byte.size() - 1;
    if (step.kind == StepKind::kCollapsed) {
        if (!scratch.have_collapsed) {
            scratch.collapsed.resize(n_cps);
            for (size_t i = 0; i < n_cps; ++i) {
                scratch.collapsed[i] = collapse(s[cp_byte[i]], scratch.classes[i]);
            }
            scratch.have_collapsed = true;
        }
        const auto* subject = reinterpret_cast<const unsigned char*>(scratch.collapsed.data());
        for (const Range& piece : scratch.pieces) {
            pcre_pieces(step.code, false, subject + piece.begin, piece.end - piece.begin, pcre,
                        [&](size_t b, size_t e) {
                            next.push_back({static_cast<uint32_t>(piece.begin + b),
                                            static_cast<uint32_t>(piece.begin + e)});
                        });
        }
        return;
    }

    // kWide: the code points themselves, non-ASCII whitespace read as 0x0B (std::wregex's \s
    // would miss it otherwise, so llama.cpp substitutes it too); surrogates, which PCRE2 cannot
    // take in UTF mode, as U+E000 (no literal expression mentions either).
    if (!scratch.have_wide) {
        scratch.wide.clear();
        scratch.wide_at.resize(n_cps + 1);
        for (size_t i = 0; i < n_cps; ++i) {
            scratch.wide_at[i] = static_cast<uint32_t>(scratch.wide.size());
            const char32_t cp = decode_at(s, cp_byte[i], text.size()).cp;
            if (cp >= 0x80 && scratch.classes[i] == CharClass::kWhitespace) {
                scratch.wide.push_back(kCollapsedWhitespace);
            } else if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > kMaxCodePoint) {
                scratch.wide += "\xEE\x80\x80";  // U+E000
            } else {
                // Encoded afresh, not copied: PCRE2 is told not to check the subject, so it must
                // be valid UTF-8 with one lead byte per code point even for unnormalized input.
                append_code_point(scratch.wide, cp);
            }
        }
        scratch.wide_at[n_cps] = static_cast<uint32_t>(scratch.wide.size());
        scratch.have_wide = true;
    }
    const auto* wide = reinterpret_cast<const unsigned char*>(scratch.wide.data());
    for (const Range& piece : scratch.pieces) {
        const size_t base = scratch.wide_at[piece.begin];
        const unsigned char* subject = wide + base;
        // Matches come in bytes of `wide`; count lead bytes to get back to code points.
        size_t counted_byte = 0;
        uint32_t counted_cp = piece.begin;
        auto to_cp = [&](size_t byte) {
            for (; counted_byte < byte; ++counted_byte) {
                if ((subject[counted_byte] & 0xC0) != 0x80) ++counted_cp;
            }
            return counted_cp;
        };
        pcre_pieces(step.code, true, subject, scratch.wide_at[piece.end] - base, pcre,
                    [&](size_t b, size_t e) {
                        const uint32_t first = to_cp(b);
                        next.push_back({first, to_cp(e)});
                    });
    }
}

}  // namespace openbook::tokenizer
