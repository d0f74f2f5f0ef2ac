#include "model/tokenizer/charsmap.h"

#include <cstring>
#include <string>

namespace openbook::tokenizer {

namespace {

constexpr uint32_t kValueFlag = 1u << 31;

uint32_t unit_offset(uint32_t unit) { return (unit >> 10) << ((unit & (1u << 9)) >> 6); }
bool unit_has_leaf(uint32_t unit) { return ((unit >> 8) & 1) != 0; }
// The label compared against an input byte; value units keep bit 31 and so never match.
uint32_t unit_label(uint32_t unit) { return unit & (kValueFlag | 0xFF); }
uint32_t unit_value(uint32_t unit) { return unit & (kValueFlag - 1); }

}  // namespace

Result<Charsmap> Charsmap::parse(std::string_view blob) {
    Charsmap map;
    if (blob.empty()) return map;
    if (blob.size() < 4) {
        return Status::corrupt("precompiled charsmap: " + std::to_string(blob.size()) +
                               " bytes, too short for its header");
    }
    uint32_t trie_bytes;
    std::memcpy(&trie_bytes, blob.data(), 4);
    // Like llama.cpp, require at least one byte of strings after the trie.
    if (static_cast<uint64_t>(trie_bytes) + 4 >= blob.size()) {
        return Status::corrupt("precompiled charsmap: trie of " + std::to_string(trie_bytes) +
                               " bytes does not fit in a blob of " + std::to_string(blob.size()));
    }
    map.units_ = reinterpret_cast<const unsigned char*>(blob.data()) + 4;
    map.n_units_ = trie_bytes / 4;
    map.strings_ = blob.substr(4 + trie_bytes);
    return map;
}

uint32_t Charsmap::unit(size_t index) const {
    uint32_t value;
    std::memcpy(&value, units_ + index * 4, 4);
    return value;
}

Charsmap::Match Charsmap::match(std::string_view text) const {
    Match best;
    if (n_units_ == 0) return best;
    size_t node = unit_offset(unit(0));
    size_t best_value = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == 0) break;
        node ^= c;
        if (node >= n_units_) break;
        const uint32_t u = unit(node);
        if (unit_label(u) != c) break;
        node ^= unit_offset(u);
        if (unit_has_leaf(u)) {
            if (node >= n_units_) break;
            best.consumed = i + 1;
            best_value = unit_value(unit(node));
        }
    }
    if (best.consumed == 0) return best;
    if (best_value >= strings_.size()) return {};  // a corrupt offset: treat as no rule
    const std::string_view rest = strings_.substr(best_value);
    best.replacement = rest.substr(0, rest.find('\0'));
    return best;
}

}  // namespace openbook::tokenizer
