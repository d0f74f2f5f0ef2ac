// A sentence-embedding encoder (bert): token ids in, one hidden state per token out, plus the
// two usual poolings — the [CLS] state (the first token's) and the mean over all tokens. The
// vectors are raw, as llama.cpp's embeddings are before its tools L2-normalize them; normalize
// them for cosine search.
//
// Which pooling the model was trained for is in pooling() (bge: CLS; MiniLM/e5: mean). The
// caller tokenizes with add_special so that the input starts with [CLS] and ends with [SEP].
//
// Thread-safety: embed() may be called from several threads; the calls share the encoder's
// working memory and thread pool, so they run one at a time.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <span>
#include <string_view>
#include <vector>

#include "model/arch/bert.h"
#include "model/tokenizer/tokenizer.h"
#include "openbook/status.h"

namespace openbook::runtime {

class Encoder {
public:
    // threads 0: physical cores. Errors as Decoder::load; a language model is kInvalidArgument.
    static Result<std::unique_ptr<Encoder>> load(const std::filesystem::path& gguf,
                                                 int threads = 0);
    ~Encoder();

    const tokenizer::Tokenizer& tokenizer() const;
    std::string_view architecture() const { return "bert"; }
    int64_t dim() const;         // floats per embedding
    int64_t max_tokens() const;  // the model's position limit
    arch::Pooling pooling() const;
    int threads() const;

    // Any output may be nullptr. token_states: n × dim(); cls, mean: dim(). kInvalidArgument
    // for no tokens, more than max_tokens(), or an id outside the vocabulary.
    Status embed(std::span<const tokenizer::TokenId> tokens, std::vector<float>* token_states,
                 std::vector<float>* cls, std::vector<float>* mean) const;

private:
    struct Impl;
    explicit Encoder(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace openbook::runtime
