// SentencePiece Unigram ("t5" tokenizer model: T5, XLM-R and the multilingual embedders built
// on it) as llama.cpp runs it.
//
// 1. Normalize: at each position, a prefix that starts a user-defined token passes through
//    untouched; otherwise the precompiled charsmap's longest rule applies; otherwise one UTF-8
//    character is copied (an invalid byte becomes U+FFFD). Spaces in the result are then
//    rewritten: "▁" for " " (escape_whitespaces), runs of spaces merged with leading and
//    trailing ones dropped (remove_extra_whitespaces), one space put before the first word
//    (add_space_prefix) or after the text (with treat_whitespace_as_suffix).
// 2. Segment: Viterbi over the normalized bytes. Every vocabulary entry (normal, user-defined
//    or unused) that starts at a character boundary is an edge weighted by its score
//    (user-defined ones by 0, so they win); a character no single token covers gets an unknown-
//    token edge weighted 10 below the lowest normal score. The best path is read backwards and
//    consecutive unknown tokens are collapsed into one.
//
// The scores are summed in double but stored as float between steps, and the unknown edge is
// added in float, exactly as llama.cpp does it: ties and near-ties must break the same way.
// llama.cpp adds the space prefix to every fragment, special token or not, so `after_special`
// is ignored here.
#include <algorithm>
#include <cfloat>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/tokenizer/charsmap.h"
#include "model/tokenizer/lax_utf8.h"
#include "model/tokenizer/subword_encoder.h"

namespace openbook::tokenizer {

namespace {

constexpr std::string_view kEscapedSpace = "\xE2\x96\x81";     // U+2581 "▁"
constexpr std::string_view kReplacementUtf8 = "\xEF\xBF\xBD";  // U+FFFD
constexpr float kUnknownPenalty = 10.0f;

// A byte trie over token texts, flattened so that a node's children are contiguous and sorted
// by label (a binary search per step, no per-node allocations: XLM-R has 250k tokens).
class ByteTrie {
public:
    static constexpr uint32_t kRoot = 0;
    static constexpr uint32_t kNone = UINT32_MAX;

    // Later entries win over earlier ones with the same text, like llama.cpp's trie insert.
    explicit ByteTrie(std::vector<std::pair<std::string_view, TokenId>> entries) {
        std::stable_sort(entries.begin(), entries.end(),
                         [](const auto& a, const auto& b) { return a.first < b.first; });
        nodes_.push_back({0, 0, kNoToken});
        labels_.push_back(0);
        struct Task {
            uint32_t node;
            size_t lo, hi, depth;
        };
        std::deque<Task> tasks;
        if (!entries.empty()) tasks.push_back({kRoot, 0, entries.size(), 0});
        while (!tasks.empty()) {
            const Task task = tasks.front();
            tasks.pop_front();
            size_t lo = task.lo;
            // Sorted order puts the entry that ends here first; duplicates follow it.
            while (lo < task.hi && entries[lo].first.size() == task.depth) {
                nodes_[task.node].value = entries[lo].second;
                ++lo;
            }
            nodes_[task.node].first_child = static_cast<uint32_t>(nodes_.size());
            for (size_t i = lo; i < task.hi;) {
                const auto label = static_cast<unsigned char>(entries[i].first[task.depth]);
                size_t j = i + 1;
                while (j < task.hi &&
                       static_cast<unsigned char>(entries[j].first[task.depth]) == label) {
                    ++j;
                }
                tasks.push_back({static_cast<uint32_t>(nodes_.size()), i, j, task.depth + 1});
                nodes_.push_back({0, 0, kNoToken});
                labels_.push_back(label);
                ++nodes_[task.node].n_children;
                i = j;
            }
        }
    }

    uint32_t child(uint32_t node, unsigned char label) const {
        const Node& n = nodes_[node];
        const auto begin = labels_.begin() + n.first_child;
        const auto end = begin + n.n_children;
        const auto it = std::lower_bound(begin, end, label);
        return it != end && *it == label ? static_cast<uint32_t>(it - labels_.begin()) : kNone;
    }
    TokenId value(uint32_t node) const { return nodes_[node].value; }

    // How many bytes of `text` can be followed down the trie, whether or not a token ends
    // there. (llama.cpp uses exactly this for user-defined tokens in the normalizer.)
    size_t walk_depth(std::string_view text) const {
        uint32_t node = kRoot;
        size_t depth = 0;
        while (depth < text.size()) {
            node = child(node, static_cast<unsigned char>(text[depth]));
            if (node == kNone) break;
            ++depth;
        }
        return depth;
    }

private:
    struct Node {
        uint32_t first_child;
        uint32_t n_children;
        TokenId value;
    };
    std::vector<Node> nodes_;
    std::vector<unsigned char> labels_;  // the byte leading to each node
};

std::vector<std::pair<std::string_view, TokenId>> tokens_with(const Vocab& vocab, uint32_t attrs) {
    std::vector<std::pair<std::string_view, TokenId>> entries;
    for (size_t id = 0; id < vocab.size(); ++id) {
        if (id < vocab.attrs.size() && (vocab.attrs[id] & attrs) != 0 && !vocab.text[id].empty()) {
            entries.emplace_back(vocab.text[id], static_cast<TokenId>(id));
        }
    }
    return entries;
}

class UnigramEncoder final : public SubwordEncoder {
public:
    UnigramEncoder(const Vocab& vocab, Charsmap charsmap)
        : vocab_(vocab),
          charsmap_(charsmap),
          tokens_(tokens_with(vocab, kAttrNormal | kAttrUserDefined | kAttrUnused)),
          user_defined_(tokens_with(vocab, kAttrUserDefined)) {
        float min_score = FLT_MAX;
        for (size_t id = 0; id < vocab.size(); ++id) {
            if (vocab.has(static_cast<TokenId>(id), kAttrNormal)) {
                min_score = std::min(min_score, score(static_cast<TokenId>(id)));
            }
        }
        unknown_score_ = min_score - kUnknownPenalty;
    }

    void encode(std::string_view fragment, bool /*after_special*/,
                std::vector<TokenId>& out) const override {
        const std::string text = normalize(fragment);
        if (text.empty()) return;
        segment(text, out);
    }

private:
    struct Piece {
        std::string_view text;
        size_t consumed;
    };

    // One normalization step at `offset` (which is < input.size()).
    Piece normalize_prefix(std::string_view input, size_t offset) const {
        const std::string_view rest = input.substr(offset);
        if (const size_t n = user_defined_.walk_depth(rest); n > 0) return {rest.substr(0, n), n};
        if (const Charsmap::Match m = charsmap_.match(rest); m.consumed > 0) {
            return {m.replacement, m.consumed};
        }
        size_t end = offset;
        char32_t cp;
        if (lax_utf8_decode(input, end, &cp)) return {rest.substr(0, end - offset), end - offset};
        return {kReplacementUtf8, 1};
    }

    std::string normalize(std::string_view input) const {
        const std::string_view space = vocab_.escape_whitespaces ? kEscapedSpace : " ";
        const bool prepend_space = vocab_.add_space_prefix && !vocab_.treat_whitespace_as_suffix;
        const bool append_space = vocab_.add_space_prefix && vocab_.treat_whitespace_as_suffix;
        const bool merge_spaces = vocab_.remove_extra_whitespaces;

        std::string out;
        out.reserve(input.size() * 3);
        bool space_prepended = false;
        bool in_word = false;
        for (size_t offset = 0; offset < input.size();) {
            const Piece piece = normalize_prefix(input, offset);
            for (char c : piece.text) {
                if (c != ' ') {
                    if (!in_word) {
                        in_word = true;
                        // With merging, each word gets exactly one space before it, the first
                        // one included.
                        if ((prepend_space && !space_prepended) || merge_spaces) {
                            out.append(space);
                            space_prepended = true;
                        }
                    }
                    out.push_back(c);
                } else {
                    in_word = false;
                    if (!merge_spaces) out.append(space);
                }
            }
            offset += piece.consumed;
        }
        if (append_space) out.append(space);
        return out;
    }

    struct Best {
        TokenId id;
        size_t from;  // where the last token of the best path to here starts
        float score;
    };

    void segment(std::string_view text, std::vector<TokenId>& out) const {
        const size_t n = text.size();
        std::vector<Best> best(n + 1, Best{vocab_.unk, 0, -FLT_MAX});
        best[0] = {vocab_.unk, 0, 0.0f};

        for (size_t offset = 0; offset < n;) {
            const size_t char_len =
                std::min(lax_utf8_len(static_cast<unsigned char>(text[offset])), n - offset);
            const Best here = best[offset];
            bool char_covered = false;
            uint32_t node = ByteTrie::kRoot;
            for (size_t end = offset; end < n;) {
                node = tokens_.child(node, static_cast<unsigned char>(text[end]));
                if (node == ByteTrie::kNone) break;
                ++end;
                const TokenId id = tokens_.value(node);
                if (id == kNoToken) continue;
                if (end - offset == char_len) char_covered = true;
                const double token_score = vocab_.has(id, kAttrUserDefined) ? 0.0 : score(id);
                const double challenger = here.score + token_score;
                if (challenger > best[end].score) {
                    best[end] = {id, offset, static_cast<float>(challenger)};
                }
            }
            if (!char_covered) {
                const float challenger = here.score + unknown_score_;
                Best& champion = best[offset + char_len];
                if (challenger > champion.score) champion = {vocab_.unk, offset, challenger};
            }
            offset += char_len;
        }

        const size_t first = out.size();
        bool prev_unknown = false;
        for (size_t end = n;;) {
            const Best& step = best[end];
            const bool unknown = step.id == vocab_.unk;
            if (!(prev_unknown && unknown) && step.id != kNoToken) out.push_back(step.id);
            if (step.from == 0) break;
            prev_unknown = unknown;
            end = step.from;
        }
        std::reverse(out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
    }

    float score(TokenId id) const {
        return static_cast<size_t>(id) < vocab_.scores.size() ? vocab_.scores[id] : 0.0f;
    }

    const Vocab& vocab_;
    Charsmap charsmap_;
    ByteTrie tokens_;        // what the Viterbi search may use
    ByteTrie user_defined_;  // what normalization leaves alone
    float unknown_score_ = 0;
};

}  // namespace

Result<std::unique_ptr<SubwordEncoder>> make_unigram_encoder(const Vocab& vocab) {
    Result<Charsmap> charsmap = Charsmap::parse(vocab.precompiled_charsmap);
    if (!charsmap) return charsmap.error();
    return std::unique_ptr<SubwordEncoder>(std::make_unique<UnigramEncoder>(vocab, *charsmap));
}

}  // namespace openbook::tokenizer
