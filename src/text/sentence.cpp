#include "text/sentence.h"

#include <algorithm>
#include <iterator>

#include "text/unicode.h"
#include "text/utf8.h"

namespace openbook::text {

namespace {

char32_t decode_at(std::string_view text, size_t pos, size_t& next) {
    const auto b = static_cast<unsigned char>(text[pos]);
    if (b < 0x80) {
        next = pos + 1;
        return b;
    }
    next = pos;
    return decode_utf8(text, next);
}

// Marks inside a sentence: they are trailing punctuation but do not close a quote or bracket.
bool is_internal_mark(char32_t cp) {
    switch (cp) {
        case ',': case ';': case ':':
        case 0x3001:  // 、
        case 0xFF0C:  // ，
        case 0xFF1A:  // ：
        case 0xFF64:  // ､
            return true;
        default:
            return false;
    }
}

// What may follow a terminal mark and still belong to its sentence: closing brackets and quotes
// (Pe, Pf, and the ASCII quotes, which are ambiguous but close a quotation right after a mark).
bool is_closer(char32_t cp) {
    if (cp == '"' || cp == '\'') return true;
    return is_trailing_punctuation(cp) && !is_sentence_terminal(cp) && !is_internal_mark(cp);
}

// Chinese and Japanese terminals end a sentence whatever follows (CJK text has no spaces), while
// an ASCII '.' needs a space, a CJK character or the end after it (3.14, file.txt, e.g.x).
bool is_strong_terminal(char32_t cp) {
    return cp == 0x3002 || cp == 0xFF01 || cp == 0xFF1F || cp == 0xFF1B || cp == 0xFF61;
}

bool is_ascii_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

// Abbreviations that are followed by a period mid-sentence. Case matters: "no." is a word.
constexpr std::string_view kAbbreviations[] = {
    "Mr", "Mrs", "Ms", "Dr", "Prof", "Sr", "Jr", "St", "Mt", "Rev", "Gen", "Col", "Capt", "Lt",
    "Sgt", "Hon", "Gov", "Pres", "vs", "etc", "cf", "Cf", "al", "approx", "ca", "viz", "resp",
    "Fig", "fig", "Figs", "figs", "Eq", "eq", "Eqs", "eqs", "Sec", "Ch", "Vol", "vol", "pp",
    "Tab", "Ref", "Refs", "Inc", "Ltd", "Co", "Corp", "Dept", "Univ", "Jan", "Feb", "Mar", "Apr",
    "Jun", "Jul", "Aug", "Sep", "Sept", "Oct", "Nov", "Dec", "Ave",
};

// Whether the single '.' at text[dot] follows an abbreviation, an initial or a list number, so
// that it does not end the sentence. `sentence_start` is where the current sentence begins;
// `next` is the first non-space character after the period.
bool period_continues_sentence(std::string_view text, size_t dot, size_t sentence_start,
                               char32_t next) {
    // The ASCII word before the dot, letters and inner dots ("e.g", "U.S"); bounded look-back
    // keeps the splitter linear.
    constexpr size_t kMaxWord = 16;
    size_t begin = dot;
    while (begin > sentence_start && dot - begin < kMaxWord &&
           (is_ascii_letter(text[begin - 1]) || text[begin - 1] == '.')) {
        --begin;
    }
    while (begin < dot && text[begin] == '.') ++begin;  // "..x." is no abbreviation
    const std::string_view word = text.substr(begin, dot - begin);

    if (word.empty()) {
        // "1." or "12." opening a sentence numbers a list item.
        size_t digits = dot;
        while (digits > sentence_start && dot - digits < 4 && is_ascii_digit(text[digits - 1])) {
            --digits;
        }
        return digits < dot && digits == sentence_start;
    }
    // Part of a longer word (more letters, a digit or a non-ASCII letter right before it).
    if (begin > 0) {
        const char before = text[begin - 1];
        if (is_ascii_letter(before) || is_ascii_digit(before) ||
            static_cast<unsigned char>(before) >= 0x80) {
            return false;
        }
    }
    if (word.size() == 1) return is_ascii_letter(word[0]);  // an initial: "J. Smith"
    if (word.find('.') != std::string_view::npos) return true;  // "e.g", "i.e", "U.S", "a.m"
    if (word == "No" || word == "Nos" || word == "no") return next >= '0' && next <= '9';
    return std::find(std::begin(kAbbreviations), std::end(kAbbreviations), word) !=
           std::end(kAbbreviations);
}

}  // namespace

std::vector<ByteSpan> split_sentences(std::string_view text) {
    std::vector<ByteSpan> spans;
    const size_t n = text.size();

    // Skip leading white space; the first sentence may begin with anything else.
    size_t start = 0;
    while (start < n) {
        size_t next;
        if (!is_space(decode_at(text, start, next))) break;
        start = next;
    }
    if (start == n) return spans;

    size_t content_end = start;  // just past the last non-space character seen
    size_t i = start;
    while (i < n) {
        size_t next;
        const char32_t cp = decode_at(text, i, next);

        if (is_space(cp)) {
            // Scan the whole run once, counting line breaks: two of them make a blank line.
            const size_t run_begin = i;
            int line_breaks = 0;
            size_t j = i;
            while (j < n) {
                size_t after;
                const char32_t c = decode_at(text, j, after);
                if (!is_space(c)) break;
                if (c == '\n' || c == 0x2028 || c == 0x85 ||
                    (c == '\r' && (after >= n || text[after] != '\n'))) {
                    ++line_breaks;
                } else if (c == 0x2029) {
                    line_breaks += 2;
                }
                j = after;
            }
            if (j < n && line_breaks >= 2) {
                size_t after;
                if (!is_trailing_punctuation(decode_at(text, j, after))) {
                    spans.push_back({start, run_begin});
                    start = j;
                }
            }
            i = j;
            continue;
        }

        if (!is_sentence_terminal(cp)) {
            content_end = next;
            i = next;
            continue;
        }

        // A run of terminals with the closing quotes and brackets that follow: "?!", "……",
        // "。」", ".)". It stays together in one sentence.
        const size_t run_start = i;
        bool strong = false;
        bool ellipsis = cp == 0x2026;
        size_t n_dots = 0;
        size_t n_marks = 0;
        size_t e = i;
        while (e < n) {
            size_t after;
            const char32_t c = decode_at(text, e, after);
            if (is_sentence_terminal(c)) {
                ++n_marks;
                strong = strong || is_strong_terminal(c);
                ellipsis = ellipsis || c == 0x2026;
                n_dots += c == '.';
            } else if (!is_closer(c)) {
                break;
            }
            e = after;
        }
        content_end = e;
        ellipsis = ellipsis || n_dots >= 2;
        i = e;
        if (e >= n) break;

        // Does the sentence end here? Only before white space, a CJK character or, after a CJK
        // terminal, anything that is not trailing punctuation.
        size_t after_e;
        const char32_t follower = decode_at(text, e, after_e);
        const bool follower_space = is_space(follower);
        const bool may_end = follower_space || is_cjk(follower) ||
                             (strong && !is_trailing_punctuation(follower));
        if (!may_end) continue;
        // The next sentence would begin at the first non-space character.
        size_t j = e;
        char32_t first = follower;
        if (follower_space) {
            while (j < n) {
                size_t after;
                first = decode_at(text, j, after);
                if (!is_space(first)) break;
                j = after;
            }
            if (j >= n) break;  // only white space left: the last sentence ends at content_end
        }
        // Never start a sentence with trailing punctuation ("Hi . , there"): keep going.
        if (is_trailing_punctuation(first)) continue;
        // "wait... then" is a pause, not an end.
        if (ellipsis && first >= 'a' && first <= 'z') continue;
        if (cp == '.' && n_marks == 1 &&
            period_continues_sentence(text, run_start, start, first)) {
            continue;
        }
        spans.push_back({start, e});
        start = j;
        i = j;
    }
    if (content_end > start) spans.push_back({start, content_end});
    return spans;
}

}  // namespace openbook::text
