// ModelTokenizer (include/openbook/model.h) over the internal Tokenizer.

#include "model/gguf/gguf_file.h"
#include "model/tokenizer/tokenizer.h"
#include "openbook/model.h"

namespace openbook {

struct ModelTokenizer::Impl {
    tokenizer::Tokenizer tokenizer;
};

ModelTokenizer::ModelTokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ModelTokenizer::ModelTokenizer(ModelTokenizer&&) noexcept = default;
ModelTokenizer& ModelTokenizer::operator=(ModelTokenizer&&) noexcept = default;
ModelTokenizer::~ModelTokenizer() = default;

Result<ModelTokenizer> ModelTokenizer::open(const std::filesystem::path& gguf_path) {
    // The vocabulary is copied out of the file, so the mapping can go when this returns.
    OPENBOOK_ASSIGN_OR_RETURN(gguf::File file, gguf::File::open(gguf_path));
    OPENBOOK_ASSIGN_OR_RETURN(tokenizer::Tokenizer tok, tokenizer::Tokenizer::create(file));
    return ModelTokenizer(std::make_unique<Impl>(Impl{std::move(tok)}));
}

std::vector<int32_t> ModelTokenizer::encode(std::string_view text,
                                            const TokenizeOptions& options) const {
    return impl_->tokenizer.encode(text, options.add_special, options.parse_special);
}

std::string ModelTokenizer::piece(int32_t id) const { return impl_->tokenizer.piece(id, true); }

std::string ModelTokenizer::decode(std::span<const int32_t> ids) const {
    return impl_->tokenizer.decode(ids);
}

size_t ModelTokenizer::vocab_size() const { return impl_->tokenizer.vocab().size(); }

}  // namespace openbook
