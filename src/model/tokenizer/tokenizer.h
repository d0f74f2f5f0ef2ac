// Text ↔ token ids for a model, built from its GGUF metadata, token for token the same as
// llama.cpp (tests/golden/tokenizer_vectors_test.cpp checks llama.cpp's own test vectors).
//
// encode(): special tokens (control, user-defined, unknown) are split out of the text first,
// longest first — control and unknown ones only when parse_special is true, user-defined ones
// always, as llama.cpp and Hugging Face tokenizers do — then each remaining fragment goes
// through the model's SubwordEncoder. add_special adds BOS/EOS (or [CLS]/[SEP]) as the model's
// metadata asks.
//
// decode(): concatenates token pieces. Byte tokens become their byte, byte-level BPE text maps
// back to bytes, "▁" becomes a space; with add_space_prefix models the leading space the encoder
// added is removed again. By default control tokens are dropped and nothing else is changed, so
// decode(encode(x)) == x for every text the vocabulary can represent.
//
// Thread-safety: immutable after create(); encode/decode may run concurrently.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/gguf/gguf_file.h"
#include "model/tokenizer/subword_encoder.h"
#include "model/tokenizer/vocab.h"
#include "openbook/status.h"

namespace openbook::tokenizer {

struct DecodeOptions {
    bool remove_special = false;   // drop a leading BOS / trailing EOS the model adds
    bool render_special = false;   // show control tokens ("<|im_end|>") instead of dropping them
    bool clean_spaces = false;     // the model's clean-up of " ." / " 's" (off: exact round trip)
    // Remove the space the encoder put before the text (add_space_prefix models). Off for a
    // continuation: generated text keeps its leading space ("Hello" + " world").
    bool strip_leading_space = true;
};

class Tokenizer {
public:
    static Result<Tokenizer> create(const gguf::File& file);
    static Result<Tokenizer> create(Vocab vocab);

    Tokenizer(Tokenizer&&) noexcept;
    Tokenizer& operator=(Tokenizer&&) noexcept;
    ~Tokenizer();

    std::vector<TokenId> encode(std::string_view text, bool add_special,
                                bool parse_special) const;

    // The bytes a token stands for (may be a partial UTF-8 sequence). Control/unknown tokens
    // give "" unless render_special.
    const std::string& piece(TokenId id, bool render_special) const;
    std::string decode(std::span<const TokenId> ids, const DecodeOptions& options = {}) const;

    const Vocab& vocab() const;

private:
    struct Impl;
    explicit Tokenizer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

// Streams decoded text token by token: returns only whole UTF-8 characters, holding back the
// bytes of a character that is split across tokens until it completes (or flush() ends it).
class StreamDecoder {
public:
    explicit StreamDecoder(const Tokenizer& tokenizer, DecodeOptions options = {});
    std::string push(TokenId id);  // text that became complete with this token
    std::string flush();           // whatever is held back (invalid bytes as U+FFFD)

private:
    const Tokenizer& tokenizer_;
    DecodeOptions options_;
    std::string pending_;
    bool first_ = true;
};

}  // namespace openbook::tokenizer
