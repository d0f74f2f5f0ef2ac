#include "rag/citations.h"

#include <algorithm>
#include <string>
#include <utility>

#include "text/unicode.h"
#include "text/utf8.h"

namespace openbook::rag {
namespace {

// Numbers above this are kept as this value: no source has such a number, so the citation is
// removed either way, and parsing a long digit run cannot overflow.
constexpr int64_t kNumberCap = 1'000'000'000;

bool is_opener(char32_t cp) { return cp == U'[' || cp == U'［' || cp == U'【'; }
bool is_closer(char32_t cp) { return cp == U']' || cp == U'］' || cp == U'】'; }
bool is_dash(char32_t cp) {
    return cp == U'-' || cp == U'–' || cp == U'—' || cp == U'~' || cp == U'～' || cp == U'－';
}
bool is_separator(char32_t cp) {
    return cp == U',' || cp == U'，' || cp == U'、' || cp == U';' || cp == U'；' || cp == U' ' ||
           cp == U'\u3000';
}
int digit_value(char32_t cp) {
    if (cp >= U'0' && cp <= U'9') return static_cast<int>(cp - U'0');
    if (cp >= U'０' && cp <= U'９') return static_cast<int>(cp - U'０');
    return -1;
}
// What may stand between the brackets of a citation group.
bool is_group_inner(char32_t cp) { return digit_value(cp) >= 0 || is_dash(cp) || is_separator(cp); }

// The items of a group's inner text: numbers and ranges, in order. Separators and stray dashes
// are forgiven (models write [1,], [ 1 ] and [1 2]); what matters is which numbers it names.
struct Item {
    int64_t first = 0;
    int64_t last = 0;
};

std::vector<Item> parse_group(std::string_view inner) {
    std::vector<Item> items;
    bool in_number = false;
    bool after_number = false;  // the last token (spaces aside) was a number
    bool pending_dash = false;  // a dash after a number: the next number ends a range
    int64_t value = 0;
    auto finish_number = [&] {
        if (pending_dash && !items.empty()) {
            items.back().last = value;
        } else {
            items.push_back({value, value});
        }
        in_number = false;
        pending_dash = false;
    };
    for (size_t pos = 0; pos < inner.size();) {
        char32_t cp = text::decode_utf8(inner, pos);
        int d = digit_value(cp);
        if (d >= 0) {
            if (!in_number) value = 0;
            in_number = true;
            value = std::min(kNumberCap, value * 10 + d);
            continue;
        }
        if (in_number) {
            finish_number();
            after_number = true;
        }
        if (is_dash(cp)) {
            pending_dash = after_number;
            after_number = false;
        } else if (cp != U' ' && cp != U'\u3000') {
            pending_dash = false;  // a real separator: [1-, 2] is 1 and 2
            after_number = false;
        }
    }
    if (in_number) finish_number();
    for (auto& item : items) {
        if (item.first > item.last) std::swap(item.first, item.last);
    }
    return items;
}

}  // namespace

std::vector<int> CitationResult::cited_numbers() const {
    std::vector<int> out;
    for (const auto& c : citations) {
        if (std::find(out.begin(), out.end(), c.number) == out.end()) out.push_back(c.number);
    }
    return out;
}

CitationFilter::CitationFilter(std::vector<int> valid_numbers) : valid_(std::move(valid_numbers)) {}

void CitationFilter::emit(std::string_view bytes, std::string& out) {
    out += bytes;
    result_.text += bytes;
    output_chars_ += static_cast<int64_t>(text::count_code_points(bytes));
}

void CitationFilter::release_group_as_text(std::string& out) {
    emit(held_spaces_, out);
    held_spaces_.clear();
    emit(group_, out);
    group_.clear();
    in_group_ = false;
}

void CitationFilter::close_group(std::string& out) {
    // group_ holds opener + inner + closer; each bracket is one code point.
    std::string_view all = group_;
    size_t inner_begin = text::utf8_sequence_length(static_cast<unsigned char>(all[0]));
    size_t closer_begin = all.size() - 1;
    while (!text::is_code_point_boundary(all, closer_begin)) --closer_begin;
    std::vector<Item> items = parse_group(all.substr(inner_begin, closer_begin - inner_begin));
    if (items.empty()) {  // [] or [ , ]: not a citation
        release_group_as_text(out);
        return;
    }

    std::vector<int> kept;  // valid numbers named, in the order named, each once
    for (const Item& item : items) {
        // A range names its valid numbers in ascending order.
        std::vector<int> named;
        for (int n : valid_) {  // valid_ is short: the sources of one prompt
            if (n >= item.first && n <= item.last) named.push_back(n);
        }
        std::sort(named.begin(), named.end());
        named.erase(std::unique(named.begin(), named.end()), named.end());
        for (int n : named) {
            if (std::find(kept.begin(), kept.end(), n) == kept.end()) kept.push_back(n);
        }
        auto n_valid_in_item = static_cast<int64_t>(named.size());
        if (n_valid_in_item < item.last - item.first + 1) {
            result_.removed.push_back(
                {static_cast<int>(item.first), static_cast<int>(item.last), group_offset_});
        }
    }
    group_.clear();
    in_group_ = false;

    if (kept.empty()) {
        // The spaces before the group go too, unless a word follows (see process()).
        after_removed_ = true;
        return;
    }
    emit(held_spaces_, out);
    held_spaces_.clear();
    for (int n : kept) {
        size_t index =
            static_cast<size_t>(std::find(valid_.begin(), valid_.end(), n) - valid_.begin());
        int64_t start = output_chars_;
        std::string marker = "[";  // built in steps: g++ 12 warns falsely (-Wrestrict) on a + chain
        marker += std::to_string(n);
        marker += ']';
        emit(marker, out);
        result_.citations.push_back({n, index, start, output_chars_});
    }
}

void CitationFilter::process(char32_t cp, std::string_view bytes, std::string& out) {
    if (in_group_) {
        if (is_closer(cp)) {
            group_ += bytes;
            close_group(out);
            return;
        }
        if (is_group_inner(cp) && group_.size() + bytes.size() < kMaxGroupBytes) {
            group_ += bytes;
            return;
        }
        release_group_as_text(out);  // then cp is ordinary text (or opens the next group)
    }
    if (after_removed_) {
        after_removed_ = false;
        // "text [7]." and "text [7] more": the removed group takes the spaces before it with it.
        // "text [7]more" keeps them, or two words would run together; "[7][2]" lets the next
        // group decide.
        if (text::is_space(cp) || text::is_trailing_punctuation(cp)) held_spaces_.clear();
    }
    if (cp == U' ') {
        held_spaces_ += bytes;
        return;
    }
    if (is_opener(cp)) {
        in_group_ = true;
        group_.assign(bytes);
        group_offset_ = input_chars_;
        return;
    }
    emit(held_spaces_, out);
    held_spaces_.clear();
    emit(bytes, out);
}

std::string CitationFilter::push(std::string_view piece) {
    std::string data = std::move(partial_utf8_);
    partial_utf8_.clear();
    data += piece;
    std::string out;
    std::string_view view = data;
    for (size_t pos = 0; pos < view.size();) {
        auto lead = static_cast<unsigned char>(view[pos]);
        size_t need = text::utf8_sequence_length(lead);
        if (lead >= 0xC0 && pos + need > view.size()) {
            // Wait for the rest of the sequence if what we have could still become one.
            bool continuation = true;
            for (size_t i = pos + 1; i < view.size(); ++i) {
                continuation = continuation && (static_cast<unsigned char>(view[i]) & 0xC0) == 0x80;
            }
            if (continuation) {
                partial_utf8_.assign(view.substr(pos));
                break;
            }
        }
        size_t start = pos;
        char32_t cp = text::decode_utf8(view, pos);
        process(cp, view.substr(start, pos - start), out);
        ++input_chars_;
    }
    return out;
}

std::string CitationFilter::flush() {
    std::string out;
    std::string rest = std::move(partial_utf8_);
    partial_utf8_.clear();
    std::string_view view = rest;
    for (size_t pos = 0; pos < view.size();) {  // a truncated sequence: U+FFFD per byte, as text
        size_t start = pos;
        char32_t cp = text::decode_utf8(view, pos);
        process(cp, view.substr(start, pos - start), out);
        ++input_chars_;
    }
    if (in_group_) {
        // Generation stopped inside what looks like a citation ("... [1"): its number was never
        // confirmed, so it is dropped rather than shown. Anything else held is text.
        bool has_digit = false;
        std::string_view inner = std::string_view(group_).substr(
            text::utf8_sequence_length(static_cast<unsigned char>(group_[0])));
        for (size_t pos = 0; pos < inner.size();) {
            has_digit = has_digit || digit_value(text::decode_utf8(inner, pos)) >= 0;
        }
        if (has_digit) {
            group_.clear();
            in_group_ = false;
            after_removed_ = true;
        } else {
            release_group_as_text(out);
        }
    }
    if (after_removed_) {
        held_spaces_.clear();
        after_removed_ = false;
    }
    emit(held_spaces_, out);
    held_spaces_.clear();
    return out;
}

CitationResult clean_citations(std::string_view text, const std::vector<int>& valid_numbers) {
    CitationFilter filter(valid_numbers);
    filter.push(text);
    filter.flush();
    return filter.result();
}

}  // namespace openbook::rag
