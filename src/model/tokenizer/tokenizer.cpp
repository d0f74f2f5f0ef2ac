#include "model/tokenizer/tokenizer.h"

#include <array>
#include <cctype>
#include <cstring>

#include "model/tokenizer/byte_level.h"
#include "model/tokenizer/special_split.h"
#include "text/utf8.h"

namespace openbook::tokenizer {
namespace {

const std::string kEscapedSpace = "\xE2\x96\x81";  // "▁"

std::string unescape_spaces(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
        if (text.compare(i, kEscapedSpace.size(), kEscapedSpace) == 0) {
            out += ' ';
            i += kEscapedSpace.size();
        } else {
            out += text[i++];
        }
    }
    return out;
}

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// "<0x0A>" → '\n'; nullopt for any other text.
std::optional<char> byte_token_value(std::string_view text) {
    if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return std::nullopt;
    const int hi = hex_digit(text[3]), lo = hex_digit(text[4]);
    if (hi < 0 || lo < 0) return std::nullopt;
    return static_cast<char>(hi * 16 + lo);
}

// The bytes a token stands for when rendered (render_special: show control tokens too).
std::string make_piece(const Vocab& v, TokenId id, bool render_special) {
    const uint32_t attr = v.attrs[id];
    const std::string& text = v.text[id];
    if (attr & (kAttrUnknown | kAttrControl)) return render_special ? text : std::string();
    if (attr & kAttrUserDefined) return text;
    if (v.model == TokenizerModel::kBpe) {
        if (attr & kAttrNormal) {
            // A normal token outside the byte alphabet (broken conversions) is shown verbatim.
            return byte_level_to_bytes(text).value_or(text);
        }
        return {};
    }
    if (attr & kAttrNormal) return unescape_spaces(text);
    if (attr & kAttrByte) {
        if (auto b = byte_token_value(text)) return std::string(1, *b);
    }
    return {};
}

// The model's decode-time clean-up (Hugging Face's clean_up_tokenization_spaces), in three
// passes as the reference applies them: " ?" " !" " ." " ," lose the space; a lone " ' "
// loses both spaces; " 's" " 'm" " 're" " 've" lose the space.
std::string clean_up_spaces(const std::string& in) {
    auto pass = [](const std::string& s, auto&& step) {
        std::string out;
        out.reserve(s.size());
        if (!s.empty()) out += s[0];
        for (size_t i = 1; i < s.size(); ++i) step(s, i, out);
        return out;
    };
    std::string a = pass(in, [](const std::string& s, size_t& i, std::string& out) {
        const char x = s[i];
        if (s[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) out.pop_back();
        out += x;
    });
    std::string b = pass(a, [](const std::string& s, size_t& i, std::string& out) {
        const char x = s[i];
        if (x == '\'' && i + 1 < s.size() && s[i - 1] == ' ' && s[i + 1] == ' ') {
            out.pop_back();
            out += x;
            ++i;  // the space after it goes too
            return;
        }
        out += x;
    });
    return pass(b, [](const std::string& s, size_t& i, std::string& out) {
        const char x = s[i];
        if (s[i - 1] == ' ' && x == '\'' && i + 1 < s.size()) {
            const char x1 = s[i + 1];
            const char x2 = i + 2 < s.size() ? s[i + 2] : '\0';
            if (x1 == 's' || x1 == 'm' || (x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) {
                out.pop_back();
            }
        }
        out += x;
    });
}

}  // namespace

struct Tokenizer::Impl {
    Vocab vocab;
    std::unique_ptr<SubwordEncoder> encoder;
    SpecialTokenSplitter splitter;
    std::vector<std::string> pieces;          // control/unknown tokens render as ""
    std::vector<std::string> special_pieces;  // everything rendered
    bool strip_leading_space = false;
};

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Result<Tokenizer> Tokenizer::create(const gguf::File& file) {
    OPENBOOK_ASSIGN_OR_RETURN(Vocab vocab, load_vocab(file));
    auto made = create(std::move(vocab));
    if (!made.has_value()) return made.error().with_context(file.name());
    return made;
}

Result<Tokenizer> Tokenizer::create(Vocab vocab) {
    auto impl = std::make_unique<Impl>();
    impl->vocab = std::move(vocab);
    const Vocab& v = impl->vocab;
    switch (v.model) {
        case TokenizerModel::kSpm: impl->encoder = make_spm_encoder(v); break;
        case TokenizerModel::kWordPiece: impl->encoder = make_wordpiece_encoder(v); break;
        case TokenizerModel::kBpe: {
            OPENBOOK_ASSIGN_OR_RETURN(impl->encoder, make_bpe_encoder(v));
            break;
        }
        case TokenizerModel::kUnigram: {
            OPENBOOK_ASSIGN_OR_RETURN(impl->encoder, make_unigram_encoder(v));
            break;
        }
    }
    impl->splitter = SpecialTokenSplitter(v);
    impl->pieces.resize(v.size());
    impl->special_pieces.resize(v.size());
    for (size_t id = 0; id < v.size(); ++id) {
        impl->pieces[id] = make_piece(v, static_cast<TokenId>(id), false);
        impl->special_pieces[id] = make_piece(v, static_cast<TokenId>(id), true);
    }
    // The encoder put a space in front of the text (SPM/Unigram "▁" prefix, WordPiece's
    // word-start mark on the first word); decode takes it away again.
    impl->strip_leading_space =
        v.add_space_prefix || v.model == TokenizerModel::kWordPiece;
    return Tokenizer(std::move(impl));
}

const Vocab& Tokenizer::vocab() const { return impl_->vocab; }

std::vector<TokenId> Tokenizer::encode(std::string_view text, bool add_special,
                                       bool parse_special) const {
    const Vocab& v = impl_->vocab;
    std::vector<TokenId> out;
    out.reserve(text.size() / 3 + 4);

    const bool wordpiece = v.model == TokenizerModel::kWordPiece;
    if (add_special) {
        // WordPiece always frames with [CLS] … [SEP]; the others follow add_bos/add_eos.
        const bool want_bos = wordpiece || v.add_bos;
        if (want_bos && v.bos != kNoToken) out.push_back(v.bos);
    }

    bool after_special = true;
    impl_->splitter.split(text, parse_special, [&](const Fragment& f) {
        if (f.token != kNoToken) {
            out.push_back(f.token);
            after_special = true;
        } else {
            impl_->encoder->encode(text.substr(f.offset, f.length), after_special, out);
            after_special = false;
        }
    });

    if (add_special) {
        if (wordpiece) {
            if (v.sep != kNoToken) out.push_back(v.sep);
        } else if (v.add_eos && v.eos != kNoToken) {
            out.push_back(v.eos);
        }
    }
    return out;
}

const std::string& Tokenizer::piece(TokenId id, bool render_special) const {
    static const std::string kEmpty;
    if (!impl_->vocab.valid(id)) return kEmpty;
    return render_special ? impl_->special_pieces[id] : impl_->pieces[id];
}

std::string Tokenizer::decode(std::span<const TokenId> ids, const DecodeOptions& options) const {
    const Vocab& v = impl_->vocab;
    if (options.remove_special) {
        if (v.add_bos && !ids.empty() && ids.front() == v.bos) ids = ids.subspan(1);
        if (v.add_eos && !ids.empty() && ids.back() == v.eos) ids = ids.first(ids.size() - 1);
    }
    std::string out;
    bool strip = impl_->strip_leading_space && options.strip_leading_space;
    for (TokenId id : ids) {
        const std::string& p = piece(id, options.render_special);
        if (p.empty()) continue;
        if (v.has(id, kAttrControl | kAttrUnknown)) {
            out += p;  // a rendered control token; the text after it still loses its space
            continue;
        }
        if (strip && p[0] == ' ') {
            out.append(p, 1);
        } else {
            out += p;
        }
        strip = false;
    }
    return options.clean_spaces ? clean_up_spaces(out) : out;
}

StreamDecoder::StreamDecoder(const Tokenizer& tokenizer, DecodeOptions options)
    : tokenizer_(tokenizer), options_(options) {}

std::string StreamDecoder::push(TokenId id) {
    TokenId one[1] = {id};
    DecodeOptions per_token = options_;
    per_token.clean_spaces = false;  // needs context across tokens; not applied when streaming
    std::string piece = first_ ? tokenizer_.decode(one, per_token)
                               : tokenizer_.piece(id, options_.render_special);
    if (!piece.empty()) first_ = false;
    pending_ += piece;

    // Hold back a trailing sequence that is a valid but incomplete UTF-8 prefix.
    size_t keep = pending_.size();
    size_t start = pending_.size();
    for (int back = 0; back < 3 && start > 0; ++back) {
        --start;
        const auto c = static_cast<unsigned char>(pending_[start]);
        if ((c & 0xC0) != 0x80) {
            const bool lead = c >= 0xC2 && c <= 0xF4;  // bytes that can start a sequence
            if (lead && text::utf8_sequence_length(c) > pending_.size() - start) {
                keep = start;
            }
            break;
        }
    }
    std::string ready = text::repair_utf8(std::string_view(pending_).substr(0, keep));
    pending_.erase(0, keep);
    return ready;
}

std::string StreamDecoder::flush() {
    std::string rest = text::repair_utf8(pending_);
    pending_.clear();
    return rest;
}

}  // namespace openbook::tokenizer
