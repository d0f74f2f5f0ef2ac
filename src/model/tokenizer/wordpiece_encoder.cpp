// WordPiece ("bert" tokenizer model) as llama.cpp runs it. The text is split into words by
// bert_split_words(); each word is then covered greedily from the left by the longest
// vocabulary entry. llama.cpp's GGUF converter stores word-initial pieces with a "▁" in front and
// continuation pieces bare (Hugging Face's "##" removed), so the match runs over "▁" + word.
// A word that cannot be covered completely becomes one unknown token ([UNK]).
#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/tokenizer/bert_pretokenizer.h"
#include "model/tokenizer/subword_encoder.h"
#include "model/tokenizer/token_text_index.h"

namespace openbook::tokenizer {

namespace {

constexpr std::string_view kWordStart = "\xE2\x96\x81";  // U+2581 "▁"

class WordPieceEncoder final : public SubwordEncoder {
public:
    explicit WordPieceEncoder(const Vocab& vocab) : vocab_(vocab), index_(vocab) {}

    // WordPiece has no space prefix: `after_special` does not change anything.
    void encode(std::string_view fragment, bool /*after_special*/,
                std::vector<TokenId>& out) const override {
        const BertWords words = bert_split_words(fragment);
        std::string word;
        for (size_t w = 0; w < words.size(); ++w) {
            word.assign(kWordStart);
            word.append(words[w]);
            const size_t first = out.size();
            if (!cover(word, out)) {
                out.resize(first);
                if (vocab_.unk != kNoToken) out.push_back(vocab_.unk);
            }
        }
    }

private:
    // Appends the greedy longest-match pieces of `word`; false when some position has no piece.
    bool cover(std::string_view word, std::vector<TokenId>& out) const {
        const size_t max_len = index_.max_bytes();
        for (size_t begin = 0; begin < word.size();) {
            size_t len = std::min(word.size() - begin, max_len);
            TokenId id = kNoToken;
            for (; len > 0; --len) {
                id = index_.find(word.substr(begin, len));
                if (id != kNoToken) break;
            }
            if (id == kNoToken) return false;
            out.push_back(id);
            begin += len;
        }
        return true;
    }

    const Vocab& vocab_;
    TokenTextIndex index_;
};

}  // namespace

std::unique_ptr<SubwordEncoder> make_wordpiece_encoder(const Vocab& vocab) {
    return std::make_unique<WordPieceEncoder>(vocab);
}

}  // namespace openbook::tokenizer
