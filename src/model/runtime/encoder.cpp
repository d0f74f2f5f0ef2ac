#include "model/runtime/encoder.h"

#include <algorithm>
#include <string>
#include <utility>

#include "core/thread_pool.h"
#include "model/arch/architectures.h"
#include "model/gguf/gguf_file.h"

namespace openbook::runtime {

struct Encoder::Impl {
    gguf::File file;  // first: destroyed last, the model points into it
    tokenizer::Tokenizer tokenizer;
    std::unique_ptr<arch::BertModel> model;
    std::unique_ptr<core::ThreadPool> pool;
    mutable std::mutex mutex;  // guards workspace and states
    std::unique_ptr<arch::BertWorkspace> workspace;
    std::vector<float> states;

    Impl(gguf::File f, tokenizer::Tokenizer t) : file(std::move(f)), tokenizer(std::move(t)) {}
};

Encoder::Encoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Encoder::~Encoder() = default;

Result<std::unique_ptr<Encoder>> Encoder::load(const std::filesystem::path& gguf, int threads) {
    if (threads < 0) {
        return Status::invalid_argument("threads must not be negative (0: one per core)");
    }
    OPENBOOK_ASSIGN_OR_RETURN(gguf::File file, gguf::File::open(gguf));
    OPENBOOK_ASSIGN_OR_RETURN(std::unique_ptr<arch::BertModel> model, arch::load_encoder(file));
    OPENBOOK_ASSIGN_OR_RETURN(tokenizer::Tokenizer tok, tokenizer::Tokenizer::create(file));
    auto impl = std::make_unique<Impl>(std::move(file), std::move(tok));
    impl->model = std::move(model);
    impl->pool = std::make_unique<core::ThreadPool>(threads);
    const arch::BertConfig& c = impl->model->config();
    impl->workspace = impl->model->make_workspace(c.n_positions, impl->pool->size());
    impl->states.resize(static_cast<size_t>(c.n_positions * c.n_embd));
    return std::unique_ptr<Encoder>(new Encoder(std::move(impl)));
}

const tokenizer::Tokenizer& Encoder::tokenizer() const { return impl_->tokenizer; }
int64_t Encoder::dim() const { return impl_->model->config().n_embd; }
int64_t Encoder::max_tokens() const { return impl_->model->config().n_positions; }
arch::Pooling Encoder::pooling() const { return impl_->model->config().pooling; }
int Encoder::threads() const { return impl_->pool->size(); }

Status Encoder::embed(std::span<const tokenizer::TokenId> tokens, std::vector<float>* token_states,
                      std::vector<float>* cls, std::vector<float>* mean) const {
    const arch::BertConfig& c = impl_->model->config();
    const int64_t n = static_cast<int64_t>(tokens.size());
    if (n == 0) return Status::invalid_argument("embed: no tokens");
    if (n > c.n_positions) {
        return Status::invalid_argument("embed: " + std::to_string(n) +
                                        " tokens exceed the model's limit of " +
                                        std::to_string(c.n_positions));
    }
    for (int64_t i = 0; i < n; ++i) {
        const tokenizer::TokenId id = tokens[static_cast<size_t>(i)];
        if (id < 0 || id >= c.n_vocab) {
            return Status::invalid_argument("embed: token id " + std::to_string(id) + " at index " +
                                            std::to_string(i) + " is outside the vocabulary (0.." +
                                            std::to_string(c.n_vocab - 1) + ")");
        }
    }
    std::lock_guard<std::mutex> lock(impl_->mutex);
    const int64_t d = c.n_embd;
    float* states = impl_->states.data();
    impl_->model->forward(tokens, *impl_->workspace, *impl_->pool, states);
    if (token_states != nullptr) token_states->assign(states, states + n * d);
    if (cls != nullptr) cls->assign(states, states + d);
    if (mean != nullptr) {
        // As llama.cpp's mean pooling: each state scaled by 1/n, summed in float.
        const float inv = 1.0f / static_cast<float>(n);
        mean->assign(static_cast<size_t>(d), 0.0f);
        for (int64_t t = 0; t < n; ++t) {
            for (int64_t i = 0; i < d; ++i)
                (*mean)[static_cast<size_t>(i)] += states[t * d + i] * inv;
        }
    }
    return Status::ok_status();
}

}  // namespace openbook::runtime
