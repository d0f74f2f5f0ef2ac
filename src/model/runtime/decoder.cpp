#include "model/runtime/decoder.h"

#include <algorithm>
#include <string>
#include <utility>

#include "core/thread_pool.h"
#include "model/arch/architectures.h"
#include "model/gguf/gguf_file.h"

namespace openbook::runtime {
namespace {

// The default context when the caller does not choose one: enough for RAG prompts, without
// reserving a model's full 32k-128k positions.
constexpr int64_t kDefaultContext = 4096;
// Beyond any model we run; keeps a typo from asking for terabytes.
constexpr int64_t kMaxContext = int64_t{1} << 24;

}  // namespace

struct Decoder::Impl {
    // Declared first so that it is destroyed last: the model points into its mapping.
    gguf::File file;
    tokenizer::Tokenizer tokenizer;
    std::unique_ptr<arch::CausalLm> model;
    KvCache cache;
    std::unique_ptr<core::ThreadPool> pool;
    std::unique_ptr<arch::CausalLmWorkspace> workspace;
    int64_t batch = 0;

    Impl(gguf::File f, tokenizer::Tokenizer t) : file(std::move(f)), tokenizer(std::move(t)) {}
};

Decoder::Decoder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Decoder::~Decoder() = default;

Result<std::unique_ptr<Decoder>> Decoder::load(const std::filesystem::path& gguf,
                                               const DecoderOptions& options) {
    if (options.batch < 1) {
        return Status::invalid_argument("batch size must be at least 1 (got " +
                                        std::to_string(options.batch) + ")");
    }
    if (options.context < 0 || options.context > kMaxContext) {
        return Status::invalid_argument("context must be between 1 and " +
                                        std::to_string(kMaxContext) + " tokens (0: default), got " +
                                        std::to_string(options.context));
    }
    if (options.threads < 0) {
        return Status::invalid_argument("threads must not be negative (0: one per core)");
    }
    OPENBOOK_ASSIGN_OR_RETURN(gguf::File file, gguf::File::open(gguf));
    // The architecture first: an unsupported model should say so, not fail on its vocabulary.
    OPENBOOK_ASSIGN_OR_RETURN(std::unique_ptr<arch::CausalLm> model, arch::load_causal_lm(file));
    OPENBOOK_ASSIGN_OR_RETURN(tokenizer::Tokenizer tok, tokenizer::Tokenizer::create(file));

    auto impl = std::make_unique<Impl>(std::move(file), std::move(tok));
    impl->model = std::move(model);
    const arch::CausalLmConfig& c = impl->model->config();
    const int64_t context =
        options.context > 0 ? options.context : std::min(c.n_ctx_train, kDefaultContext);
    OPENBOOK_ASSIGN_OR_RETURN(
        impl->cache, KvCache::create(c.n_layer, c.n_head_kv, c.head_dim, context, options.kv_type));
    impl->pool = std::make_unique<core::ThreadPool>(options.threads);
    impl->batch = std::min(options.batch, context);
    impl->workspace = impl->model->make_workspace(impl->batch, context, impl->pool->size());
    return std::unique_ptr<Decoder>(new Decoder(std::move(impl)));
}

const tokenizer::Tokenizer& Decoder::tokenizer() const { return impl_->tokenizer; }
std::string_view Decoder::architecture() const { return impl_->model->config().architecture; }
const arch::CausalLmConfig& Decoder::config() const { return impl_->model->config(); }
int64_t Decoder::vocab_size() const { return impl_->model->config().n_vocab; }
int64_t Decoder::context_length() const { return impl_->cache.capacity(); }
int64_t Decoder::training_context_length() const { return impl_->model->config().n_ctx_train; }
int64_t Decoder::batch_size() const { return impl_->batch; }
int Decoder::threads() const { return impl_->pool->size(); }
size_t Decoder::kv_cache_bytes() const { return impl_->cache.bytes(); }

void Decoder::truncate(int64_t n) {
    if (n < 0) n = 0;
    if (n < static_cast<int64_t>(cached_.size())) cached_.resize(static_cast<size_t>(n));
}

CachedPrefix Decoder::save_prefix(int64_t n) const {
    n = std::clamp<int64_t>(n, 0, static_cast<int64_t>(cached_.size()));
    CachedPrefix out;
    out.tokens.assign(cached_.begin(), cached_.begin() + n);
    out.kv = impl_->cache.copy_prefix(n);
    return out;
}

void Decoder::restore_prefix(const CachedPrefix& prefix, int64_t n) {
    n = std::clamp<int64_t>(n, 0, static_cast<int64_t>(prefix.tokens.size()));
    impl_->cache.restore_prefix(prefix.kv, n);
    cached_.assign(prefix.tokens.begin(), prefix.tokens.begin() + n);
}

Status Decoder::eval(std::span<const tokenizer::TokenId> tokens, std::vector<float>* last_logits,
                     std::vector<float>* all_logits) {
    const int64_t n = static_cast<int64_t>(tokens.size());
    const int64_t n_vocab = vocab_size();
    const int64_t pos0 = static_cast<int64_t>(cached_.size());
    if (n == 0) return Status::invalid_argument("eval: no tokens to evaluate");
    if (pos0 + n > context_length()) {
        return Status::invalid_argument("eval: " + std::to_string(pos0) + " cached + " +
                                        std::to_string(n) + " new tokens exceed the context of " +
                                        std::to_string(context_length()) + " tokens");
    }
    for (int64_t i = 0; i < n; ++i) {
        const tokenizer::TokenId id = tokens[static_cast<size_t>(i)];
        if (id < 0 || id >= n_vocab) {
            return Status::invalid_argument("eval: token id " + std::to_string(id) + " at index " +
                                            std::to_string(i) + " is outside the vocabulary (0.." +
                                            std::to_string(n_vocab - 1) + ")");
        }
    }

    if (all_logits != nullptr) all_logits->resize(static_cast<size_t>(n * n_vocab));
    if (last_logits != nullptr) last_logits->resize(static_cast<size_t>(n_vocab));
    const auto kv = impl_->cache.layers();
    for (int64_t b0 = 0; b0 < n; b0 += impl_->batch) {
        const int64_t nb = std::min(impl_->batch, n - b0);
        const bool final_batch = b0 + nb == n;
        int64_t n_out = 0;
        float* out = nullptr;
        if (all_logits != nullptr) {
            n_out = nb;
            out = all_logits->data() + b0 * n_vocab;
        } else if (final_batch && last_logits != nullptr) {
            n_out = 1;
            out = last_logits->data();
        }
        impl_->model->forward(tokens.subspan(static_cast<size_t>(b0), static_cast<size_t>(nb)),
                              pos0 + b0, n_out, kv, *impl_->workspace, *impl_->pool, out);
    }
    if (all_logits != nullptr && last_logits != nullptr) {
        std::copy(all_logits->end() - n_vocab, all_logits->end(), last_logits->begin());
    }
    cached_.insert(cached_.end(), tokens.begin(), tokens.end());
    return Status::ok_status();
}

}  // namespace openbook::runtime
