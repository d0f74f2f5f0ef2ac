// The per-model encoding step: turns one fragment of raw text (special tokens have already been
// split out by Tokenizer) into token ids. One implementation per tokenizer model, each in its
// own file: spm_encoder.cpp, bpe_encoder.cpp, wordpiece_encoder.cpp, unigram_encoder.cpp.
//
// Contract: encode() never fails — any byte string (including invalid UTF-8) yields ids;
// bytes the vocabulary cannot represent become the unknown token (or byte tokens where the
// model has them), exactly as llama.cpp does. Encoders keep a reference to the Vocab, which
// must outlive them.
//
// Thread-safety: encode() is const and safe to call concurrently (per-call scratch only).
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "model/tokenizer/vocab.h"
#include "openbook/status.h"

namespace openbook::tokenizer {

class SubwordEncoder {
public:
    virtual ~SubwordEncoder() = default;
    // Appends the ids of `fragment` to `out`. `after_special` is true for the first fragment of
    // a text and for a fragment that follows a special token (SPM adds its space prefix then).
    virtual void encode(std::string_view fragment, bool after_special,
                        std::vector<TokenId>& out) const = 0;
};

std::unique_ptr<SubwordEncoder> make_spm_encoder(const Vocab& vocab);
// Fails (kUnsupported) when the pre-tokenizer's expressions cannot be compiled.
Result<std::unique_ptr<SubwordEncoder>> make_bpe_encoder(const Vocab& vocab);
std::unique_ptr<SubwordEncoder> make_wordpiece_encoder(const Vocab& vocab);
// Fails (kCorrupt) when the precompiled charsmap is malformed.
Result<std::unique_ptr<SubwordEncoder>> make_unigram_encoder(const Vocab& vocab);

}  // namespace openbook::tokenizer
