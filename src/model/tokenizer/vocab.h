// A model's vocabulary as GGUF metadata describes it (tokenizer.ggml.*): token texts, scores,
// types, merges, special token ids and the flags that steer encoding and decoding.
//
// load_vocab() reads it from a GGUF file and applies the same defaults per tokenizer model and
// pre-tokenizer name that llama.cpp applies, because token-for-token agreement with llama.cpp is
// the contract (tests/golden/tokenizer_vectors_test.cpp). Bad metadata (missing token list,
// arrays of the wrong length or type, ids out of range, an unknown tokenizer model or
// pre-tokenizer) is a kCorrupt / kUnsupported error naming the file and the key.
//
// Thread-safety: a Vocab is plain data; immutable after loading.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "model/gguf/gguf_file.h"
#include "openbook/status.h"

namespace openbook::tokenizer {

using TokenId = int32_t;
inline constexpr TokenId kNoToken = -1;

// Token attributes (bit flags). GGUF stores one token *type* per token
// (tokenizer.ggml.token_type: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte);
// the strip flags are set per model family after loading.
enum TokenAttr : uint32_t {
    kAttrUndefined = 0,
    kAttrUnknown = 1u << 0,
    kAttrUnused = 1u << 1,
    kAttrNormal = 1u << 2,
    kAttrControl = 1u << 3,
    kAttrUserDefined = 1u << 4,
    kAttrByte = 1u << 5,
    kAttrNormalized = 1u << 6,
    kAttrLstrip = 1u << 7,  // eat whitespace left of the token when splitting specials out
    kAttrRstrip = 1u << 8,  // eat whitespace right of it
    kAttrSingleWord = 1u << 9,
};

// tokenizer.ggml.model
enum class TokenizerModel {
    kSpm,        // "llama": SentencePiece BPE with scores and byte fallback
    kBpe,        // "gpt2": byte-level BPE with merges and a pre-tokenizer
    kWordPiece,  // "bert"
    kUnigram,    // "t5": SentencePiece unigram (Viterbi) with a precompiled normalizer
};

// tokenizer.ggml.pre, for byte-level BPE: which pre-tokenizer splits the text before merging.
// Several GGUF names map to one kind (e.g. "llama3", "llama-v3", "llama-bpe", "falcon3").
enum class PreTokenizer {
    kDefault,
    kLlama3,
    kDeepseekLlm,
    kDeepseekCoder,
    kDeepseek3Llm,
    kFalcon,
    kMpt,
    kStarcoder,
    kGpt2,
    kRefact,
    kCommandR,
    kStablelm2,
    kQwen2,
    kOlmo,
    kDbrx,
    kSmaug,
    kPoro,
    kChatglm4,
    kViking,
    kJais,
    kTekken,
    kSmollm,
    kCodeshell,
    kBloom,
    kGpt3Finnish,
    kExaone,
    kChameleon,
    kMinerva,
};

// Hash for string-keyed maps that accept std::string_view lookups without a copy.
struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using TokenMap = std::unordered_map<std::string, TokenId, StringHash, std::equal_to<>>;

struct Vocab {
    TokenizerModel model = TokenizerModel::kSpm;
    PreTokenizer pre = PreTokenizer::kDefault;
    std::string model_name;  // tokenizer.ggml.model as stored
    std::string pre_name;    // tokenizer.ggml.pre as stored ("" when absent)

    // Per token id. `text` is the token as stored in the vocabulary (SPM/Unigram: "▁" for space;
    // byte-level BPE: the GPT-2 byte-to-code-point mapping; WordPiece: "▁" marks a word start).
    std::vector<std::string> text;
    std::vector<float> scores;    // 0 when the file has no scores
    std::vector<uint32_t> attrs;  // TokenAttr bits
    TokenMap ids;  // text → id (string_view lookups: ids.find(sv))

    // BPE merges in rank order (rank = index), each split at its first space after byte 0.
    std::vector<std::pair<std::string, std::string>> merges;
    // Unigram: tokenizer.ggml.precompiled_charsmap (SentencePiece's normalizer blob), may be empty.
    std::string precompiled_charsmap;

    TokenId bos = kNoToken, eos = kNoToken, eot = kNoToken, eom = kNoToken, unk = kNoToken,
            sep = kNoToken, pad = kNoToken, mask = kNoToken, linefeed = kNoToken;
    TokenId fim_pre = kNoToken, fim_suf = kNoToken, fim_mid = kNoToken, fim_pad = kNoToken,
            fim_rep = kNoToken, fim_sep = kNoToken;
    std::vector<TokenId> end_of_generation;  // EOS, EOT, EOM and the other stop tokens

    bool add_bos = false;
    bool add_eos = false;
    bool add_space_prefix = false;          // SPM/Unigram: a space before the text
    bool remove_extra_whitespaces = false;  // Unigram normalizer
    bool clean_spaces = false;  // decode: " ." → "." etc. (tokenizer's clean_up_tokenization_spaces)
    bool ignore_merges = false;  // BPE: a pre-token that is itself a token is not merged further
    bool escape_whitespaces = true;          // Unigram: " " → "▁"
    bool treat_whitespace_as_suffix = false;  // Unigram

    size_t max_token_bytes = 0;  // longest token text
    // Ids of tokens with kAttrControl, kAttrUserDefined or kAttrUnknown, longest text first:
    // the order in which they are split out of raw text.
    std::vector<TokenId> special_tokens_longest_first;

    size_t size() const { return text.size(); }
    bool valid(TokenId id) const { return id >= 0 && static_cast<size_t>(id) < text.size(); }
    // True when the token has any of the TokenAttr bits in `mask`.
    bool has(TokenId id, uint32_t mask) const { return valid(id) && (attrs[id] & mask) != 0; }
    // The id of a token text, or kNoToken.
    TokenId find(std::string_view token_text) const;
};

Result<Vocab> load_vocab(const gguf::File& file);

}  // namespace openbook::tokenizer
