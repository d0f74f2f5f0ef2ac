// Test-only: builds a precompiled charsmap blob in SentencePiece's layout (see charsmap.h) from
// a map of rules, with a minimal double-array builder. None of the shared SentencePiece models
// carries a charsmap (they all use the "identity" normalizer), so the tests make their own.
//
// The builder places each trie node's children at base ^ label with a base no other node uses
// (so a label check alone identifies the parent), marks nodes that end a key with the leaf bit,
// and stores the value — the replacement's offset in the string area — in a unit with bit 31 set
// at base ^ 0. The array is padded to whole blocks of 256 units, as Darts-clone's is.
#pragma once

#include <cstdint>
#include <cstring>
#include <deque>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace openbook::tokenizer::charsmap_testing {

inline std::string build_charsmap(const std::map<std::string, std::string>& rules) {
    struct Node {
        std::map<unsigned char, int> children;
        int64_t value = -1;  // offset of the replacement, when a key ends here
    };
    std::vector<Node> nodes(1);
    std::string strings;
    for (const auto& [key, replacement] : rules) {
        if (key.empty() || key.find('\0') != std::string::npos) {
            throw std::invalid_argument("charsmap keys must be non-empty and NUL-free");
        }
        int node = 0;
        for (unsigned char c : key) {
            auto it = nodes[node].children.find(c);
            if (it == nodes[node].children.end()) {
                nodes.emplace_back();
                it = nodes[node].children.emplace(c, static_cast<int>(nodes.size()) - 1).first;
            }
            node = it->second;
        }
        nodes[node].value = static_cast<int64_t>(strings.size());
        strings += replacement;
        strings.push_back('\0');
    }

    std::vector<uint32_t> units(1, 0);
    std::vector<bool> used(1, true);  // unit 0 is the root's
    std::set<uint32_t> bases;
    auto ensure = [&](size_t index) {
        if (index >= units.size()) {
            units.resize(index + 1, 0);
            used.resize(index + 1, false);
        }
    };
    auto set_offset = [&](size_t index, uint32_t offset) {
        if (offset >= (1u << 21)) throw std::length_error("test charsmap too large");
        units[index] |= offset << 10;
    };

    std::deque<std::pair<int, size_t>> queue{{0, 0}};  // (node, unit index)
    while (!queue.empty()) {
        const auto [node, index] = queue.front();
        queue.pop_front();
        std::vector<unsigned> labels;
        if (nodes[node].value >= 0) labels.push_back(0);
        for (const auto& [c, child] : nodes[node].children) labels.push_back(c);
        if (labels.empty()) continue;
        uint32_t base = 1;
        for (;; ++base) {
            if (bases.count(base) != 0) continue;
            bool fits = true;
            for (unsigned label : labels) {
                const size_t at = base ^ label;
                if (at == 0 || (at < used.size() && used[at])) {
                    fits = false;
                    break;
                }
            }
            if (fits) break;
        }
        bases.insert(base);
        set_offset(index, static_cast<uint32_t>(index) ^ base);
        for (unsigned label : labels) {
            const size_t at = base ^ label;
            ensure(at);
            used[at] = true;
        }
        if (nodes[node].value >= 0) {
            units[base] = (1u << 31) | static_cast<uint32_t>(nodes[node].value);
        }
        for (const auto& [c, child] : nodes[node].children) {
            const size_t at = base ^ c;
            units[at] |= c;
            if (nodes[child].value >= 0) units[at] |= 1u << 8;
            queue.emplace_back(child, at);
        }
    }

    // Darts-clone arrays come in blocks of 256 units, so base ^ byte never leaves the array;
    // llama.cpp relies on that, and so do real blobs.
    units.resize((units.size() + 255) / 256 * 256, 0);

    std::string blob(4, '\0');
    const auto trie_bytes = static_cast<uint32_t>(units.size() * 4);
    std::memcpy(blob.data(), &trie_bytes, 4);
    blob.append(reinterpret_cast<const char*>(units.data()), units.size() * 4);
    blob += strings;
    return blob;
}

}  // namespace openbook::tokenizer::charsmap_testing
