// Loads tokenizer.ggml.* metadata into a Vocab. The defaults per tokenizer model and per
// pre-tokenizer name follow llama.cpp's, since its token ids are the reference.

#include "model/tokenizer/vocab.h"

#include <algorithm>
#include <array>
#include <cctype>

#include <fmt/format.h>

namespace openbook::tokenizer {
namespace {

using gguf::ValueType;

// GGUF token types (tokenizer.ggml.token_type) → attribute bits.
uint32_t attr_of_token_type(int64_t type) {
    switch (type) {
        case 1: return kAttrNormal;
        case 2: return kAttrUnknown;
        case 3: return kAttrControl;
        case 4: return kAttrUserDefined;
        case 5: return kAttrUnused;
        case 6: return kAttrByte;
        default: return kAttrUndefined;
    }
}

struct PreTokenizerName {
    std::string_view name;
    PreTokenizer kind;
};

// Every tokenizer.ggml.pre name a byte-level BPE GGUF may carry.
constexpr std::array kPreTokenizerNames = {
    PreTokenizerName{"default", PreTokenizer::kDefault},
    PreTokenizerName{"llama3", PreTokenizer::kLlama3},
    PreTokenizerName{"llama-v3", PreTokenizer::kLlama3},
    PreTokenizerName{"llama-bpe", PreTokenizer::kLlama3},
    PreTokenizerName{"falcon3", PreTokenizer::kLlama3},
    PreTokenizerName{"deepseek-llm", PreTokenizer::kDeepseekLlm},
    PreTokenizerName{"deepseek-coder", PreTokenizer::kDeepseekCoder},
    PreTokenizerName{"deepseek-v3", PreTokenizer::kDeepseek3Llm},
    PreTokenizerName{"falcon", PreTokenizer::kFalcon},
    PreTokenizerName{"mpt", PreTokenizer::kMpt},
    PreTokenizerName{"starcoder", PreTokenizer::kStarcoder},
    PreTokenizerName{"gpt-2", PreTokenizer::kGpt2},
    PreTokenizerName{"phi-2", PreTokenizer::kGpt2},
    PreTokenizerName{"jina-es", PreTokenizer::kGpt2},
    PreTokenizerName{"jina-de", PreTokenizer::kGpt2},
    PreTokenizerName{"gigachat", PreTokenizer::kGpt2},
    PreTokenizerName{"jina-v1-en", PreTokenizer::kGpt2},
    PreTokenizerName{"jina-v2-es", PreTokenizer::kGpt2},
    PreTokenizerName{"jina-v2-de", PreTokenizer::kGpt2},
    PreTokenizerName{"jina-v2-code", PreTokenizer::kGpt2},
    PreTokenizerName{"roberta-bpe", PreTokenizer::kGpt2},
    PreTokenizerName{"refact", PreTokenizer::kRefact},
    PreTokenizerName{"command-r", PreTokenizer::kCommandR},
    PreTokenizerName{"qwen2", PreTokenizer::kQwen2},
    PreTokenizerName{"deepseek-r1-qwen", PreTokenizer::kQwen2},
    PreTokenizerName{"megrez", PreTokenizer::kQwen2},
    PreTokenizerName{"stablelm2", PreTokenizer::kStablelm2},
    PreTokenizerName{"olmo", PreTokenizer::kOlmo},
    PreTokenizerName{"dbrx", PreTokenizer::kDbrx},
    PreTokenizerName{"smaug-bpe", PreTokenizer::kSmaug},
    PreTokenizerName{"poro-chat", PreTokenizer::kPoro},
    PreTokenizerName{"chatglm-bpe", PreTokenizer::kChatglm4},
    PreTokenizerName{"viking", PreTokenizer::kViking},
    PreTokenizerName{"jais", PreTokenizer::kJais},
    PreTokenizerName{"tekken", PreTokenizer::kTekken},
    PreTokenizerName{"smollm", PreTokenizer::kSmollm},
    PreTokenizerName{"codeshell", PreTokenizer::kCodeshell},
    PreTokenizerName{"bloom", PreTokenizer::kBloom},
    PreTokenizerName{"gpt3-finnish", PreTokenizer::kGpt3Finnish},
    PreTokenizerName{"exaone", PreTokenizer::kExaone},
    PreTokenizerName{"chameleon", PreTokenizer::kChameleon},
    PreTokenizerName{"minerva-7b", PreTokenizer::kMinerva},
};

// Pre-tokenizer-specific flags: which ones keep " ." as is on decode, which merge-skip, etc.
void apply_pre_tokenizer_defaults(Vocab& v) {
    switch (v.pre) {
        case PreTokenizer::kLlama3:
            v.ignore_merges = true;
            v.add_bos = true;
            break;
        case PreTokenizer::kTekken:
            v.clean_spaces = false;
            v.ignore_merges = true;
            v.add_bos = true;
            break;
        case PreTokenizer::kChameleon:
            v.add_bos = true;
            v.clean_spaces = false;
            break;
        case PreTokenizer::kChatglm4: v.bos = kNoToken; break;
        case PreTokenizer::kDeepseekLlm:
        case PreTokenizer::kDeepseekCoder:
        case PreTokenizer::kDeepseek3Llm:
        case PreTokenizer::kCommandR:
        case PreTokenizer::kQwen2:
        case PreTokenizer::kPoro:
        case PreTokenizer::kViking:
        case PreTokenizer::kSmollm: v.clean_spaces = false; break;
        default: break;
    }
}

Status set_model_defaults(const std::string& file_name, Vocab& v) {
    const std::string& m = v.model_name;
    if (m == "llama") {
        v.model = TokenizerModel::kSpm;
        v.bos = 1;
        v.eos = 2;
        v.unk = 0;
        v.add_space_prefix = true;
        v.add_bos = true;
    } else if (m == "bert") {
        v.model = TokenizerModel::kWordPiece;
        v.bos = 101;
        v.unk = 100;
        v.sep = 102;
        v.pad = 0;
        v.mask = 103;
        v.clean_spaces = true;
        v.add_bos = true;
    } else if (m == "gpt2") {
        v.model = TokenizerModel::kBpe;
        v.bos = 11;
        v.eos = 11;
        v.clean_spaces = true;
        if (v.pre_name.empty()) {
            v.pre = PreTokenizer::kDefault;
        } else {
            auto it = std::find_if(kPreTokenizerNames.begin(), kPreTokenizerNames.end(),
                                   [&](const PreTokenizerName& p) { return p.name == v.pre_name; });
            if (it == kPreTokenizerNames.end()) {
                return Status::unsupported(
                    fmt::format("{}: unknown pre-tokenizer '{}' (tokenizer.ggml.pre)", file_name,
                                v.pre_name));
            }
            v.pre = it->kind;
        }
        apply_pre_tokenizer_defaults(v);
    } else if (m == "t5") {
        v.model = TokenizerModel::kUnigram;
        v.eos = 1;
        v.unk = 2;
        v.pad = 0;
        v.add_eos = true;
    } else if (m.empty()) {
        return Status::corrupt(fmt::format("{}: no tokenizer (tokenizer.ggml.model is missing)",
                                           file_name));
    } else {
        return Status::unsupported(
            fmt::format("{}: tokenizer model '{}' is not supported (tokenizer.ggml.model)",
                        file_name, m));
    }
    return Status::ok_status();
}

Status load_tokens(const gguf::File& file, Vocab& v) {
    const gguf::Array* tokens = file.get_array("tokenizer.ggml.tokens", ValueType::kString);
    if (tokens == nullptr) {
        return Status::corrupt(fmt::format(
            "{}: tokenizer.ggml.tokens is missing or not an array of strings", file.name()));
    }
    const size_t n = tokens->strings.size();
    if (n == 0 || n > static_cast<size_t>(INT32_MAX)) {
        return Status::corrupt(fmt::format("{}: tokenizer.ggml.tokens has {} entries",
                                           file.name(), n));
    }

    const gguf::Array* scores = file.get_array("tokenizer.ggml.scores", ValueType::kFloat32);
    if (scores == nullptr && file.find("tokenizer.ggml.scores") != nullptr) {
        return Status::corrupt(
            fmt::format("{}: tokenizer.ggml.scores is not an array of float32", file.name()));
    }
    if (scores != nullptr && scores->size != n) {
        return Status::corrupt(fmt::format("{}: tokenizer.ggml.scores has {} entries for {} tokens",
                                           file.name(), scores->size, n));
    }
    const gguf::Array* types = file.get_array("tokenizer.ggml.token_type", ValueType::kInt32);
    if (types == nullptr && file.find("tokenizer.ggml.token_type") != nullptr) {
        return Status::corrupt(
            fmt::format("{}: tokenizer.ggml.token_type is not an array of int32", file.name()));
    }
    if (types != nullptr && types->size != n) {
        return Status::corrupt(
            fmt::format("{}: tokenizer.ggml.token_type has {} entries for {} tokens", file.name(),
                        types->size, n));
    }

    v.text.resize(n);
    v.scores.assign(n, 0.0f);
    v.attrs.assign(n, kAttrNormal);
    v.ids.reserve(n);
    for (size_t i = 0; i < n; ++i) {
        std::string word(tokens->strings[i]);
        if (word.empty()) word = fmt::format("[EMPTY_{}]", i);  // as llama.cpp names them
        v.max_token_bytes = std::max(v.max_token_bytes, word.size());
        if (!v.ids.emplace(word, static_cast<TokenId>(i)).second) {
            return Status::corrupt(fmt::format("{}: token {} duplicates token {} ('{}')",
                                               file.name(), i, v.ids[word], word));
        }
        v.text[i] = std::move(word);
        if (scores != nullptr) v.scores[i] = static_cast<float>(scores->float_at(i));
        if (types != nullptr) v.attrs[i] = attr_of_token_type(types->int_at(i));
    }
    return Status::ok_status();
}

Status load_merges(const gguf::File& file, Vocab& v) {
    const gguf::Array* merges = file.get_array("tokenizer.ggml.merges", ValueType::kString);
    if (merges == nullptr) {
        return Status::corrupt(fmt::format(
            "{}: byte-level BPE needs tokenizer.ggml.merges (missing or not strings)",
            file.name()));
    }
    v.merges.reserve(merges->strings.size());
    for (std::string_view merge : merges->strings) {
        // Split at the first space after byte 0 (a merge may start with a space-like symbol).
        const size_t pos = merge.size() > 1 ? merge.find(' ', 1) : std::string_view::npos;
        if (pos == std::string_view::npos) {
            v.merges.emplace_back();  // unusable, but keeps the ranks of the others
        } else {
            v.merges.emplace_back(std::string(merge.substr(0, pos)),
                                  std::string(merge.substr(pos + 1)));
        }
    }
    return Status::ok_status();
}

// Reads an optional special-token id; ids outside the vocabulary are ignored (llama.cpp warns
// and keeps its default).
void read_special(const gguf::File& file, std::string_view key, const Vocab& v, TokenId& id) {
    const auto value = file.get_uint(key);
    if (value && *value < v.size()) id = static_cast<TokenId>(*value);
}

void mark_control(Vocab& v, TokenId id) {
    if (v.valid(id)) v.attrs[id] |= kAttrControl;
}

// Tokens known by their text when the metadata does not name them (older conversions).
void detect_special_tokens_by_text(Vocab& v) {
    auto first_of = [&](std::initializer_list<std::string_view> texts) {
        // llama.cpp walks an unordered map, so with several candidates present "first" is
        // arbitrary there; vocabularies in practice carry at most one of each list.
        for (std::string_view t : texts) {
            if (TokenId id = v.find(t); id != kNoToken) return id;
        }
        return kNoToken;
    };
    auto detect = [&](TokenId& slot, std::initializer_list<std::string_view> texts) {
        if (slot != kNoToken) return;
        slot = first_of(texts);
        mark_control(v, slot);
    };
    detect(v.eot, {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
                   "<EOT>", "<｜end▁of▁sentence｜>"});
    detect(v.eom, {"<|eom_id|>"});
    detect(v.fim_pre, {"<|fim_prefix|>", "<fim-prefix>", "<｜fim▁begin｜>", "<PRE>"});
    detect(v.fim_suf, {"<|fim_suffix|>", "<fim-suffix>", "<｜fim▁hole｜>", "<SUF>"});
    detect(v.fim_mid, {"<|fim_middle|>", "<fim-middle>", "<｜fim▁end｜>", "<MID>"});
    detect(v.fim_pad, {"<|fim_pad|>", "<fim-pad>", "<PAD>"});
    detect(v.fim_rep, {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>"});
    detect(v.fim_sep, {"<|file_sep|>"});

    std::vector<TokenId> eog;
    auto add = [&](TokenId id) {
        if (id != kNoToken && std::find(eog.begin(), eog.end(), id) == eog.end()) {
            eog.push_back(id);
        }
    };
    add(v.fim_pad);
    add(v.fim_rep);
    add(v.fim_sep);
    for (std::string_view t : {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
                               "<|endoftext|>", "<|eom_id|>", "<EOT>"}) {
        TokenId id = v.find(t);
        if (id != kNoToken) {
            add(id);
            mark_control(v, id);
        }
    }
    add(v.eos);
    add(v.eot);
    add(v.eom);
    v.end_of_generation = std::move(eog);
}

// Per-family strip flags that GGUF does not carry.
void apply_family_attrs(const gguf::File& file, Vocab& v) {
    std::string name(file.get_string("general.name").value_or(""));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    auto set = [&](std::string_view text, TokenAttr attr, bool on) {
        TokenId id = v.find(text);
        if (id == kNoToken) return;
        v.attrs[id] = on ? (v.attrs[id] | attr) : (v.attrs[id] & ~attr);
    };
    const std::string& pre = v.pre_name;
    if (pre.find("jina-v2-de") != std::string::npos || pre.find("jina-v2-es") != std::string::npos ||
        pre.find("jina-v2-code") != std::string::npos) {
        set("<mask>", kAttrLstrip, true);
    } else if (name.find("phi-3") != std::string::npos || name.find("phi3") != std::string::npos) {
        for (TokenId id : v.special_tokens_longest_first) v.attrs[id] |= kAttrRstrip;
        set("</s>", kAttrRstrip, true);
        for (std::string_view t : {"<unk>", "<s>", "<|endoftext|>"}) set(t, kAttrRstrip, false);
    }
}

void build_special_token_list(Vocab& v) {
    v.special_tokens_longest_first.clear();
    for (size_t id = 0; id < v.size(); ++id) {
        if (v.attrs[id] & (kAttrControl | kAttrUserDefined | kAttrUnknown)) {
            v.special_tokens_longest_first.push_back(static_cast<TokenId>(id));
        }
    }
    // Stable, so equal lengths keep id order (deterministic across runs).
    std::stable_sort(v.special_tokens_longest_first.begin(), v.special_tokens_longest_first.end(),
                     [&](TokenId a, TokenId b) { return v.text[a].size() > v.text[b].size(); });
}

}  // namespace

TokenId Vocab::find(std::string_view token_text) const {
    auto it = ids.find(token_text);
    return it == ids.end() ? kNoToken : it->second;
}

Result<Vocab> load_vocab(const gguf::File& file) {
    Vocab v;
    v.model_name = std::string(file.get_string("tokenizer.ggml.model").value_or(""));
    v.pre_name = std::string(file.get_string("tokenizer.ggml.pre").value_or(""));
    OPENBOOK_RETURN_IF_ERROR(set_model_defaults(file.name(), v));

    if (auto b = file.get_bool("tokenizer.ggml.add_space_prefix")) v.add_space_prefix = *b;
    if (auto b = file.get_bool("tokenizer.ggml.remove_extra_whitespaces")) {
        v.remove_extra_whitespaces = *b;
    }

    OPENBOOK_RETURN_IF_ERROR(load_tokens(file, v));
    if (v.model == TokenizerModel::kBpe) OPENBOOK_RETURN_IF_ERROR(load_merges(file, v));
    if (v.model == TokenizerModel::kUnigram) {
        const gguf::Value* blob = file.find("tokenizer.ggml.precompiled_charsmap");
        if (blob != nullptr) {
            if (blob->type != ValueType::kArray || blob->array == nullptr ||
                (blob->array->element_type != ValueType::kUint8 &&
                 blob->array->element_type != ValueType::kInt8)) {
                return Status::corrupt(fmt::format(
                    "{}: tokenizer.ggml.precompiled_charsmap is not an array of bytes",
                    file.name()));
            }
            auto bytes = blob->array->bytes();
            v.precompiled_charsmap.assign(reinterpret_cast<const char*>(bytes.data()),
                                          bytes.size());
        }
    }

    // Defaults that point outside a small vocabulary are no tokens at all.
    for (TokenId* id : {&v.bos, &v.eos, &v.unk, &v.sep, &v.pad, &v.mask}) {
        if (!v.valid(*id)) *id = kNoToken;
    }
    read_special(file, "tokenizer.ggml.bos_token_id", v, v.bos);
    read_special(file, "tokenizer.ggml.eos_token_id", v, v.eos);
    read_special(file, "tokenizer.ggml.eot_token_id", v, v.eot);
    read_special(file, "tokenizer.ggml.eom_token_id", v, v.eom);
    read_special(file, "tokenizer.ggml.unknown_token_id", v, v.unk);
    read_special(file, "tokenizer.ggml.seperator_token_id", v, v.sep);  // sic: the GGUF key
    read_special(file, "tokenizer.ggml.padding_token_id", v, v.pad);
    read_special(file, "tokenizer.ggml.mask_token_id", v, v.mask);
    read_special(file, "tokenizer.ggml.fim_pre_token_id", v, v.fim_pre);
    read_special(file, "tokenizer.ggml.fim_suf_token_id", v, v.fim_suf);
    read_special(file, "tokenizer.ggml.fim_mid_token_id", v, v.fim_mid);
    read_special(file, "tokenizer.ggml.fim_pad_token_id", v, v.fim_pad);
    read_special(file, "tokenizer.ggml.fim_rep_token_id", v, v.fim_rep);
    read_special(file, "tokenizer.ggml.fim_sep_token_id", v, v.fim_sep);
    read_special(file, "tokenizer.ggml.prefix_token_id", v, v.fim_pre);  // older names
    read_special(file, "tokenizer.ggml.suffix_token_id", v, v.fim_suf);
    read_special(file, "tokenizer.ggml.middle_token_id", v, v.fim_mid);
    if (auto b = file.get_bool("tokenizer.ggml.add_bos_token")) v.add_bos = *b;
    if (auto b = file.get_bool("tokenizer.ggml.add_eos_token")) v.add_eos = *b;

    detect_special_tokens_by_text(v);
    build_special_token_list(v);
    apply_family_attrs(file, v);
    return v;
}

}  // namespace openbook::tokenizer
