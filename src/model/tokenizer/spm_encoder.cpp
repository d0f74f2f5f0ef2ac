// SentencePiece BPE ("llama" tokenizer model) as llama.cpp runs it: the fragment's spaces become
// "▁" (with one "▁" in front when the model adds a space prefix and the fragment starts the text
// or follows a special token), the text is split into UTF-8 characters, and adjacent symbols are
// merged, highest-scoring vocabulary entry first, until no neighbouring pair forms a token.
// Whatever is left that is not a token is written out as byte tokens ("<0x0A>").
//
// The merge loop keeps candidate pairs in a priority queue and symbols in a linked list, so a
// run of n characters costs O(n log n) — Chinese paragraphs arrive as single fragments of
// thousands of characters with no spaces to cut them.
#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include "model/tokenizer/lax_utf8.h"
#include "model/tokenizer/subword_encoder.h"
#include "model/tokenizer/token_text_index.h"

namespace openbook::tokenizer {

namespace {

constexpr std::string_view kEscapedSpace = "\xE2\x96\x81";  // U+2581 "▁"

// A run of bytes of the escaped text; merged symbols are unlinked and left with len 0.
struct Symbol {
    size_t start;
    size_t len;
    int32_t prev;
    int32_t next;
};

// A candidate merge of two neighbouring symbols. `size` is their combined length when the pair
// was queued: if either side has changed since, the entry is stale and skipped.
struct Bigram {
    int32_t left;
    int32_t right;
    float score;
    size_t size;
};

// Highest score first; among equal scores the leftmost pair, the order llama.cpp merges in.
struct BigramOrder {
    bool operator()(const Bigram& a, const Bigram& b) const {
        return a.score < b.score || (a.score == b.score && a.left > b.left);
    }
};

// True when some token has a "▁" right after something other than "▁" (say "a▁b"). Without
// such tokens no merge can join a character to a following "▁", so the text can be cut before
// every word-initial "▁" and each word merged on its own: the merges inside a word happen in the
// same order as in one pass over the whole text (they never depend on other words, and the
// queue orders them by score, then position, either way), but the queue stays word-sized and
// cache-resident instead of growing with the text.
bool has_token_joining_a_space(const Vocab& vocab) {
    for (const std::string& text : vocab.text) {
        for (size_t p = text.find(kEscapedSpace, 1); p != std::string::npos;
             p = text.find(kEscapedSpace, p + 1)) {
            if (p < kEscapedSpace.size() ||
                text.compare(p - kEscapedSpace.size(), kEscapedSpace.size(), kEscapedSpace) != 0) {
                return true;
            }
        }
    }
    return false;
}

class SpmEncoder final : public SubwordEncoder {
public:
    explicit SpmEncoder(const Vocab& vocab)
        : vocab_(vocab), index_(vocab), split_words_(!has_token_joining_a_space(vocab)) {
        for (int b = 0; b < 256; ++b) {
            char hex[8];
            std::snprintf(hex, sizeof hex, "<0x%02X>", b);
            TokenId id = index_.find(hex);
            // Vocabularies without byte tokens may hold the single byte as a token instead.
            if (id == kNoToken) id = index_.find(std::string(1, static_cast<char>(b)));
            // llama.cpp would throw here; an unknown token keeps encode() total.
            byte_ids_[b] = id != kNoToken ? id : vocab.unk;
        }
    }

    void encode(std::string_view fragment, bool after_special,
                std::vector<TokenId>& out) const override {
        std::string text;
        text.reserve(fragment.size() + fragment.size() / 4 + kEscapedSpace.size());
        if (vocab_.add_space_prefix && after_special) text.append(kEscapedSpace);
        for (char c : fragment) {
            if (c == ' ') {
                text.append(kEscapedSpace);
            } else {
                text.push_back(c);
            }
        }
        if (text.empty()) return;

        // Symbols are made and merged one run at a time, so memory stays proportional to the
        // longest run (a word, or an unspaced paragraph), not to the whole fragment.
        Merger merger(*this, text);
        std::vector<Symbol> run;
        for (size_t offset = 0; offset < text.size();) {
            // A stray continuation byte is a character of its own and a sequence cut short by the
            // end is truncated, as in llama.cpp; the byte tokens keep such input lossless.
            const size_t len = std::min(lax_utf8_len(static_cast<unsigned char>(text[offset])),
                                        text.size() - offset);
            const Symbol symbol{offset, len, -1, -1};
            if (split_words_ && !run.empty() && starts_word(text, symbol)) {
                merger.run(run, out);
                run.clear();
            }
            run.push_back(symbol);
            offset += len;
        }
        merger.run(run, out);
    }

private:
    // A "▁" that follows something other than "▁": no token can reach across its left edge.
    static bool starts_word(std::string_view text, const Symbol& symbol) {
        const size_t w = kEscapedSpace.size();
        return symbol.start >= w && text.compare(symbol.start, symbol.len, kEscapedSpace) == 0 &&
               text.compare(symbol.start - w, w, kEscapedSpace) != 0;
    }

    // The merge loop over a run of symbols, reusing one queue for all runs of a fragment.
    class Merger {
    public:
        Merger(const SpmEncoder& encoder, std::string_view text) : encoder_(encoder), text_(text) {}

        // Merges the run (consecutive symbols of text_) and appends its tokens.
        void run(std::vector<Symbol>& symbols, std::vector<TokenId>& out) {
            if (symbols.empty()) return;
            const auto n = static_cast<int32_t>(symbols.size());
            for (int32_t i = 0; i < n; ++i) {
                symbols[i].prev = i - 1;
                symbols[i].next = i + 1 < n ? i + 1 : -1;
            }
            for (int32_t i = 1; i < n; ++i) try_add(symbols, i - 1, i);

            while (!queue_.empty()) {
                const Bigram bigram = queue_.top();
                queue_.pop();
                Symbol& left = symbols[bigram.left];
                Symbol& right = symbols[bigram.right];
                if (left.len == 0 || right.len == 0 || left.len + right.len != bigram.size) {
                    continue;  // stale: one side merged with something else since
                }
                left.len += right.len;
                right.len = 0;
                left.next = right.next;
                if (right.next >= 0) symbols[right.next].prev = bigram.left;

                try_add(symbols, left.prev, bigram.left);
                try_add(symbols, bigram.left, left.next);
            }

            for (int32_t i = 0; i != -1; i = symbols[i].next) {
                const std::string_view piece = text_.substr(symbols[i].start, symbols[i].len);
                const TokenId id = encoder_.index_.find(piece);
                if (id != kNoToken) {
                    out.push_back(id);
                    continue;
                }
                // Only an unmerged character can miss: every merge produced a token.
                for (char c : piece) {
                    const TokenId byte_id = encoder_.byte_ids_[static_cast<unsigned char>(c)];
                    if (byte_id != kNoToken) out.push_back(byte_id);
                }
            }
        }

    private:
        void try_add(const std::vector<Symbol>& symbols, int32_t left, int32_t right) {
            if (left < 0 || right < 0) return;
            const size_t size = symbols[left].len + symbols[right].len;
            const TokenId id = encoder_.index_.find(text_.substr(symbols[left].start, size));
            if (id == kNoToken) return;
            queue_.push({left, right, encoder_.score(id), size});
        }

        const SpmEncoder& encoder_;
        std::string_view text_;
        std::priority_queue<Bigram, std::vector<Bigram>, BigramOrder> queue_;
    };

    float score(TokenId id) const {
        return static_cast<size_t>(id) < vocab_.scores.size() ? vocab_.scores[id] : 0.0f;
    }

    const Vocab& vocab_;
    TokenTextIndex index_;
    bool split_words_;
    std::array<TokenId, 256> byte_ids_{};
};

}  // namespace

std::unique_ptr<SubwordEncoder> make_spm_encoder(const Vocab& vocab) {
    return std::make_unique<SpmEncoder>(vocab);
}

}  // namespace openbook::tokenizer
