#include "ingest/chunker.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include "text/sentence.h"
#include "text/token_estimate.h"
#include "text/unicode.h"
#include "text/utf8.h"

namespace openbook::ingest {

namespace {

// Decodes the code point at s[pos] and advances pos; ASCII (most of the text) skips the call.
inline char32_t next_code_point(std::string_view s, size_t& pos) {
    const unsigned char b = static_cast<unsigned char>(s[pos]);
    if (b < 0x80) {
        ++pos;
        return b;
    }
    return text::decode_utf8(s, pos);
}

// Decodes the code point that ends at `end` (lo < end) and sets `begin` to where it starts. A byte
// that is not the end of a well-formed sequence counts as one U+FFFD, as decode_utf8 would.
char32_t previous_code_point(std::string_view s, size_t lo, size_t end, size_t& begin) {
    size_t p = end - 1;
    const size_t limit = end - std::min<size_t>(4, end - lo);
    while (p > limit && !text::is_code_point_boundary(s, p)) --p;
    size_t q = p;
    const char32_t cp = text::decode_utf8(s.substr(0, end), q);
    if (q != end) {
        begin = end - 1;
        return text::kReplacementChar;
    }
    begin = p;
    return cp;
}

// Moves an offset off a continuation byte (sections should start on code points; a stray byte in
// invalid input may not, and the scan there stays bounded).
size_t snap_to_code_point(std::string_view s, size_t pos) {
    for (int i = 0; i < 3 && !text::is_code_point_boundary(s, pos); ++i) ++pos;
    return pos;
}

// A section after clamping: sections given by a loader are trusted to cover the text in order,
// but a bad one must not make the chunker read out of range or lose text.
struct SectionInfo {
    size_t begin = 0;
    size_t end = 0;
    size_t heading_end = 0;  // [begin, heading_end) is the heading line
    const std::vector<std::string>* heading_path = nullptr;
    int page = 0;
    size_t run = 0;      // index of the stretch between hard boundaries
    size_t segment = 0;  // index of the stretch between any boundaries (hard or soft)
};

const std::vector<std::string> kNoHeadings;

std::vector<SectionInfo> normalize_sections(const Document& doc) {
    const std::string_view text = doc.text;
    const size_t size = text.size();
    std::vector<SectionInfo> out;
    std::vector<int> levels;
    if (doc.sections.empty()) {
        out.push_back({0, size, 0, &kNoHeadings, 0});
        levels.push_back(0);
    }
    size_t floor = 0;
    for (const Section& s : doc.sections) {
        const size_t begin = snap_to_code_point(text, std::clamp(s.byte_start, floor, size));
        if (out.empty() && begin > 0) {
            // Text before the first section still has to be chunked: give it a section of its own.
            out.push_back({0, begin, 0, &kNoHeadings, s.page});
            levels.push_back(0);
        }
        // Each section runs to the start of the next: a gap is given to the section before it.
        if (!out.empty()) out.back().end = begin;
        size_t heading_end = begin;
        if (s.byte_start < size) {
            heading_end = s.byte_start + std::min(s.heading_bytes, size - s.byte_start);
        }
        heading_end = snap_to_code_point(text, std::max(heading_end, begin));
        out.push_back({begin, begin, heading_end, &s.heading_path, s.page});
        levels.push_back(s.heading_level);
        floor = begin;
    }
    out.back().end = size;

    size_t run = 0;
    size_t segment = 0;
    for (size_t i = 0; i < out.size(); ++i) {
        out[i].heading_end = std::min(out[i].heading_end, out[i].end);
        if (i > 0) {
            if (levels[i] == 1 || out[i].page != out[i - 1].page) {
                ++run;
                ++segment;
            } else if (levels[i] >= 2) {
                ++segment;
            }
        }
        out[i].run = run;
        out[i].segment = segment;
    }
    return out;
}

// A sentence, or a piece of a sentence longer than max_tokens: the unit chunks are built from.
struct Unit {
    size_t begin = 0;
    size_t end = 0;
    size_t tokens = 0;
    uint32_t section = 0;
    bool heading = false;
};

ChunkerOptions sanitize(ChunkerOptions o) {
    // Invalid options must not crash or loop: bend them into the nearest valid set.
    o.max_tokens = std::max<size_t>(o.max_tokens, 1);
    o.target_tokens = std::clamp<size_t>(o.target_tokens, 1, o.max_tokens);
    o.overlap_tokens = std::min(o.overlap_tokens, o.target_tokens - 1);
    o.min_tokens = std::min(o.min_tokens, o.target_tokens);
    return o;
}

class UnitBuilder {
public:
    UnitBuilder(std::string_view text, const std::vector<SectionInfo>& sections, size_t max_tokens)
        : text_(text), sections_(sections), max_tokens_(max_tokens) {}

    std::vector<Unit> build() {
        for (size_t i = 0; i < sections_.size(); ++i) {
            const SectionInfo& s = sections_[i];
            // The heading line is split on its own: it has no terminal mark, so within the body's
            // text it would run into the first sentence.
            add_part(s.begin, s.heading_end, i, true);
            add_part(s.heading_end, s.end, i, false);
        }
        return std::move(units_);
    }

private:
    void add_part(size_t begin, size_t end, size_t section, bool heading) {
        if (begin >= end) return;
        size_t floor = begin;
        for (const text::ByteSpan& span : text::split_sentences(text_.substr(begin, end - begin))) {
            const size_t b = std::max(begin + span.begin, floor);
            const size_t e = std::min(begin + span.end, end);
            if (b >= e) continue;
            add_unit(b, e, section, heading);
            floor = e;
        }
    }

    void add_unit(size_t b, size_t e, size_t section, bool heading) {
        // No chunk may start with white space or trailing punctuation. A sentence can only start
        // with punctuation where its text part does ("# T\n\n) more"); the punctuation then joins
        // the sentence before it, or is dropped at the start of a heading or page where it would
        // otherwise pull the chunk before across that boundary.
        size_t punct_end = 0;
        bool has_punct = false;
        while (b < e) {
            size_t q = b;
            const char32_t cp = next_code_point(text_, q);
            if (text::is_trailing_punctuation(cp)) {
                punct_end = q;
                has_punct = true;
            } else if (!text::is_space(cp)) {
                break;
            }
            b = q;
        }
        if (has_punct && !units_.empty() &&
            sections_[units_.back().section].segment == sections_[section].segment) {
            units_.back().end = punct_end;  // punctuation and spaces carry no tokens
        }
        while (e > b) {
            size_t cp_begin;
            if (!text::is_space(previous_code_point(text_, b, e, cp_begin))) break;
            e = cp_begin;
        }
        if (b >= e) return;
        const size_t tokens = text::estimate_tokens(text_.substr(b, e - b));
        if (tokens <= max_tokens_) {
            push(b, e, tokens, section, heading);
        } else {
            cut_long_sentence(b, e, section, heading);
        }
    }

    // Cuts [b, e) into pieces of at most max_tokens, each ending right before the token that would
    // overflow it: between words or between CJK characters. The punctuation after the last token
    // stays with the piece, so the next piece starts at a token or an opening mark.
    void cut_long_sentence(size_t b, size_t e, size_t section, bool heading) {
        size_t piece_begin = b;
        size_t count = 0;
        size_t last_token_end = b;
        bool in_word = false;
        size_t pos = b;
        while (pos < e) {
            const size_t cp_begin = pos;
            const char32_t cp = next_code_point(text_, pos);
            bool starts_token = false;
            bool token_char = false;
            // The same state machine as text::estimate_tokens, so piece counts match it.
            if (cp >= 0x80 && text::is_cjk(cp)) {
                starts_token = true;
                token_char = true;
                in_word = false;
            } else if (text::is_word_char(cp)) {
                starts_token = !in_word;
                token_char = true;
                in_word = true;
            } else {
                in_word = false;
            }
            if (starts_token) {
                if (count == max_tokens_) {
                    size_t piece_end = last_token_end;
                    size_t q = last_token_end;
                    while (q < cp_begin) {
                        size_t r = q;
                        const char32_t c = next_code_point(text_, r);
                        if (text::is_trailing_punctuation(c)) {
                            piece_end = r;
                        } else if (!text::is_space(c)) {
                            break;
                        }
                        q = r;
                    }
                    push(piece_begin, piece_end, count, section, heading);
                    piece_begin = q;
                    count = 0;
                }
                ++count;
            }
            if (token_char) last_token_end = pos;
        }
        push(piece_begin, e, count, section, heading);
    }

    void push(size_t b, size_t e, size_t tokens, size_t section, bool heading) {
        units_.push_back({b, e, tokens, static_cast<uint32_t>(section), heading});
    }

    std::string_view text_;
    const std::vector<SectionInfo>& sections_;
    size_t max_tokens_;
    std::vector<Unit> units_;
};

// Code-point offsets by a cursor that only moves forward: chunk starts (and ends) never decrease,
// so all the counting together is one pass over the text.
class CodePointCursor {
public:
    explicit CodePointCursor(std::string_view text) : text_(text) {}
    size_t advance_to(size_t byte) {
        for (; pos_ < byte; ++pos_) {
            count_ += (static_cast<unsigned char>(text_[pos_]) & 0xC0) != 0x80;
        }
        return count_;
    }

private:
    std::string_view text_;
    size_t pos_ = 0;
    size_t count_ = 0;
};

}  // namespace

std::string validate_chunker_options(const ChunkerOptions& o) {
    if (o.target_tokens == 0) return "target_tokens must be greater than 0";
    if (o.target_tokens > o.max_tokens) {
        return "max_tokens (" + std::to_string(o.max_tokens) +
               ") must be at least target_tokens (" + std::to_string(o.target_tokens) + ")";
    }
    if (o.overlap_tokens >= o.target_tokens) {
        return "overlap_tokens (" + std::to_string(o.overlap_tokens) +
               ") must be smaller than target_tokens (" + std::to_string(o.target_tokens) + ")";
    }
    if (o.min_tokens > o.target_tokens) {
        return "min_tokens (" + std::to_string(o.min_tokens) + ") must not exceed target_tokens (" +
               std::to_string(o.target_tokens) + ")";
    }
    return {};
}

std::vector<Chunk> chunk_document(const Document& doc, const ChunkerOptions& options) {
    const ChunkerOptions opt = sanitize(options);
    const std::string_view text = doc.text;
    std::vector<Chunk> chunks;
    if (text.empty()) return chunks;

    const std::vector<SectionInfo> sections = normalize_sections(doc);
    const std::vector<Unit> units = UnitBuilder(text, sections, opt.max_tokens).build();
    const size_t n = units.size();
    auto run_of = [&](size_t u) { return sections[units[u].section].run; };
    auto segment_of = [&](size_t u) { return sections[units[u].section].segment; };

    CodePointCursor start_cursor(text);
    CodePointCursor end_cursor(text);
    size_t next = 0;  // first unit no chunk has taken yet
    size_t prev_first = 0;
    bool have_prev = false;
    while (next < n) {
        // Overlap: whole trailing units of the previous chunk, never its first (a chunk must not
        // contain the whole previous one) and never across a boundary from the first new unit.
        size_t first = next;
        size_t sum = 0;
        if (opt.overlap_tokens > 0 && have_prev) {
            while (first > prev_first + 1 && segment_of(first - 1) == segment_of(next) &&
                   sum + units[first - 1].tokens <= opt.overlap_tokens) {
                --first;
                sum += units[first].tokens;
            }
            while (first < next && sum + units[next].tokens > opt.max_tokens) {
                sum -= units[first].tokens;
                ++first;
            }
        }
        // The first new unit always goes in (it is <= max_tokens); more while they fit the target.
        // Summing per unit bounds the chunk's estimate from above: joining texts never adds tokens.
        // Headings alone say little: until the chunk has a body sentence it may grow to max_tokens,
        // so a heading is not left by itself when its first sentence is large.
        sum += units[next].tokens;
        bool has_body = false;
        for (size_t u = first; u <= next; ++u) has_body = has_body || !units[u].heading;
        size_t end = next + 1;
        while (end < n && run_of(end) == run_of(next)) {
            const bool soft_boundary = segment_of(end) != segment_of(end - 1);
            if (soft_boundary && sum >= opt.min_tokens) break;
            const size_t limit = has_body ? opt.target_tokens : opt.max_tokens;
            if (sum + units[end].tokens > limit) break;
            sum += units[end].tokens;
            has_body = has_body || !units[end].heading;
            ++end;
        }
        // A heading whose body did not fit leads the next chunk instead of dangling at this end.
        while (end - 1 > next && units[end - 1].heading && end < n &&
               units[end].section == units[end - 1].section) {
            --end;
        }

        const Unit& head = units[first];
        const Unit& tail = units[end - 1];
        size_t path_unit = end - 1;  // a chunk of headings only: the innermost one
        for (size_t u = first; u < end; ++u) {
            if (!units[u].heading) {
                path_unit = u;
                break;
            }
        }
        Chunk c;
        c.byte_start = head.begin;
        c.byte_end = tail.end;
        c.char_start = start_cursor.advance_to(c.byte_start);
        c.char_end = end_cursor.advance_to(c.byte_end);
        c.heading_path = *sections[units[path_unit].section].heading_path;
        c.page = sections[head.section].page;
        c.token_estimate =
            text::estimate_tokens(text.substr(c.byte_start, c.byte_end - c.byte_start));
        chunks.push_back(std::move(c));

        prev_first = first;
        have_prev = true;
        next = end;
    }
    return chunks;
}

}  // namespace openbook::ingest
