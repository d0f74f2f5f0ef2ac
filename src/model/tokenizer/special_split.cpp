#include "model/tokenizer/special_split.h"

#include <cctype>

namespace openbook::tokenizer {
namespace {

// The C locale's isspace: the reference strips exactly these bytes.
bool is_space(char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; }

}  // namespace

SpecialTokenSplitter::SpecialTokenSplitter(const Vocab& vocab) {
    for (TokenId id : vocab.special_tokens_longest_first) {
        const std::string& text = vocab.text[id];
        if (text.empty()) continue;
        const uint32_t attrs = vocab.attrs[id];
        specials_.push_back(
            {text, id, attrs, (attrs & (kAttrControl | kAttrUnknown)) != 0});
        by_first_byte_[static_cast<unsigned char>(text[0])].push_back(
            static_cast<uint32_t>(specials_.size() - 1));
    }
}

void SpecialTokenSplitter::split(std::string_view text, bool parse_special,
                                 const std::function<void(const Fragment&)>& emit) const {
    if (text.empty()) return;

    // Which specials occur anywhere in the text (any occurrence may survive the earlier cuts,
    // so presence is all the prefilter may decide).
    std::vector<bool> present(specials_.size(), false);
    bool any = false;
    for (size_t pos = 0; pos < text.size(); ++pos) {
        const auto& candidates = by_first_byte_[static_cast<unsigned char>(text[pos])];
        for (uint32_t index : candidates) {
            const Special& s = specials_[index];
            if (present[index] || (s.needs_parse_special && !parse_special)) continue;
            if (text.compare(pos, s.text.size(), s.text) == 0) {
                present[index] = true;
                any = true;
            }
        }
    }
    if (!any) {
        emit(Fragment{0, text.size(), kNoToken});
        return;
    }

    std::vector<Fragment> fragments{Fragment{0, text.size(), kNoToken}};
    std::vector<Fragment> next;
    for (size_t index = 0; index < specials_.size(); ++index) {
        if (!present[index]) continue;
        const Special& s = specials_[index];
        next.clear();
        for (const Fragment& f : fragments) {
            if (f.token != kNoToken) {
                next.push_back(f);
                continue;
            }
            size_t offset = f.offset;
            size_t length = f.length;
            while (length > 0) {
                const size_t match = text.substr(offset, length).find(s.text);
                if (match == std::string_view::npos) break;
                size_t left_length = match;
                if (s.attrs & kAttrLstrip) {
                    while (left_length > 0 && is_space(text[offset + left_length - 1])) {
                        --left_length;
                    }
                }
                if (left_length > 0) next.push_back(Fragment{offset, left_length, kNoToken});
                next.push_back(Fragment{offset + match, s.text.size(), s.id});
                offset += match + s.text.size();
                length -= match + s.text.size();
                if (s.attrs & kAttrRstrip) {
                    while (length > 0 && is_space(text[offset])) {
                        ++offset;
                        --length;
                    }
                }
            }
            if (length > 0) next.push_back(Fragment{offset, length, kNoToken});
        }
        fragments.swap(next);
    }
    for (const Fragment& f : fragments) emit(f);
}

}  // namespace openbook::tokenizer
