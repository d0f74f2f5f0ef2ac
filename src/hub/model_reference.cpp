// Parsing model references and the table of recommended models (see include/openbook/hub.h).
#include <algorithm>
#include <cctype>
#include <system_error>

#include "hub/names.h"
#include "openbook/hub.h"

namespace openbook {

const char* model_source_name(ModelSource source) {
    switch (source) {
        case ModelSource::kFile: return "file";
        case ModelSource::kHub: return "hub";
        case ModelSource::kOllama: return "ollama";
    }
    return "?";
}

const char* model_error_kind_name(ModelErrorKind kind) {
    switch (kind) {
        case ModelErrorKind::kNone: return "none";
        case ModelErrorKind::kNotDownloaded: return "not_downloaded";
        case ModelErrorKind::kUnreachable: return "unreachable";
        case ModelErrorKind::kAccessDenied: return "access_denied";
        case ModelErrorKind::kNotFound: return "not_found";
        case ModelErrorKind::kAmbiguous: return "ambiguous";
        case ModelErrorKind::kInvalidReference: return "invalid_reference";
        case ModelErrorKind::kCorrupt: return "corrupt";
        case ModelErrorKind::kIo: return "io";
    }
    return "?";
}

const std::vector<ModelAlias>& model_aliases() {
    // Each alias names the recommended quantization, Q4_K_M: the usual balance of size and
    // quality for CPU inference (what llama.cpp and the repositories' own cards recommend).
    // Every alias names one single-file GGUF: the engine cannot load split GGUF sets
    // (pulling them by an ORG/REPO reference still works). Qwen's and bartowski's are the
    // publishers' own GGUF repositories, except for the 7B: Qwen ships its 7B Q4_K_M only as two
    // parts (-00001-of-00002.gguf), so the alias takes bartowski's single-file Q4_K_M of the same
    // Qwen2.5-7B-Instruct weights (~4.68 GB, about the size of Qwen's two parts together).
    // For Breeze, MediaTek
    // publishes no GGUF; second-state's is the one Ollama users pull
    // (hf.co/second-state/Breeze-7B-Instruct-v1_0-GGUF:Q4_K_M) and its card marks Q4_K_M
    // "recommended". TAIDE's is the TAIDE project's own 4-bit GGUF (taide-8b-a.3-q4_k_m.gguf);
    // it is gated: accept the TAIDE license on its Hub page and set HF_TOKEN.
    static const std::vector<ModelAlias> aliases = {
        {"qwen2.5:0.5b", "Qwen/Qwen2.5-0.5B-Instruct-GGUF", "qwen2.5-0.5b-instruct-q4_k_m.gguf",
         "Qwen2.5 0.5B Instruct, Q4_K_M: tiny and fast, English and Chinese", 491'000'000, false},
        {"qwen2.5:1.5b", "Qwen/Qwen2.5-1.5B-Instruct-GGUF", "qwen2.5-1.5b-instruct-q4_k_m.gguf",
         "Qwen2.5 1.5B Instruct, Q4_K_M: the default, good answers on a laptop CPU",
         1'120'000'000, false},
        {"qwen2.5:7b", "bartowski/Qwen2.5-7B-Instruct-GGUF", "Qwen2.5-7B-Instruct-Q4_K_M.gguf",
         "Qwen2.5 7B Instruct, Q4_K_M: better answers, needs ~6 GB of RAM", 4'680'000'000,
         false},
        {"llama3.2:1b", "bartowski/Llama-3.2-1B-Instruct-GGUF", "Llama-3.2-1B-Instruct-Q4_K_M.gguf",
         "Llama 3.2 1B Instruct, Q4_K_M: small, English first", 808'000'000, false},
        {"breeze:7b", "second-state/Breeze-7B-Instruct-v1_0-GGUF",
         "Breeze-7B-Instruct-v1_0-Q4_K_M.gguf",
         "MediaTek Breeze 7B Instruct v1.0, Q4_K_M: Traditional Chinese (Taiwan)", 4'540'000'000,
         false},
        {"taide:8b", "taide/Llama3-TAIDE-LX-8B-Chat-Alpha1-4bit", "taide-8b-a.3-q4_k_m.gguf",
         "TAIDE Llama3 LX 8B Chat Alpha1, Q4_K_M: Traditional Chinese (Taiwan); gated",
         4'920'000'000, true},
    };
    return aliases;
}

std::string ModelReference::canonical() const {
    switch (source) {
        case ModelSource::kFile: return path.string();
        case ModelSource::kOllama: return "ollama:" + hub::ollama_short_name(ollama_name);
        case ModelSource::kHub: return selector.empty() ? repo : repo + ":" + selector;
    }
    return text;
}

namespace {

Status invalid(const std::string& text, const std::string& why) {
    return Status::invalid_argument("model '" + text + "': " + why);
}

std::string alias_names() {
    std::string out;
    for (const auto& a : model_aliases()) out += (out.empty() ? "" : ", ") + a.name;
    return out;
}

bool looks_like_path(const std::string& s) {
    if (s.rfind("/", 0) == 0 || s.rfind("./", 0) == 0 || s.rfind("../", 0) == 0 ||
        s.rfind("~", 0) == 0) {
        return true;
    }
    // "dir/model.gguf" without ':' is a path; "ORG/REPO:file.gguf" is a Hub reference.
    const bool gguf = s.size() > 5 && hub::lower_ascii(s.substr(s.size() - 5)) == ".gguf";
    return gguf && s.find(':') == std::string::npos;
}

}  // namespace

Result<ModelReference> parse_model_reference(const std::string& text) {
    ModelReference ref;
    ref.text = text;
    if (text.empty()) return invalid(text, "empty model reference");

    std::error_code ec;
    if (std::filesystem::exists(text, ec)) {
        ref.source = ModelSource::kFile;
        ref.path = text;
        return ref;
    }

    if (text.rfind("ollama:", 0) == 0) {
        auto full = hub::full_ollama_name(text.substr(7));
        if (!full.has_value()) return invalid(text, full.error().message());
        ref.source = ModelSource::kOllama;
        ref.ollama_name = *full;
        return ref;
    }

    if (looks_like_path(text)) {
        ref.source = ModelSource::kFile;
        ref.path = text;
        return ref;  // resolve_model reports it missing
    }

    const std::string lowered = hub::lower_ascii(text);
    for (const auto& alias : model_aliases()) {
        if (alias.name == lowered) {
            ref.source = ModelSource::kHub;
            ref.alias = alias.name;
            ref.repo = alias.repo;
            ref.selector = alias.file;
            return ref;
        }
    }

    std::string rest = text;
    for (const char* prefix : {"https://huggingface.co/", "https://hf.co/", "huggingface.co/",
                               "hf.co/"}) {
        if (rest.rfind(prefix, 0) == 0) {
            rest = rest.substr(std::char_traits<char>::length(prefix));
            break;
        }
    }
    const auto colon = rest.find(':');
    std::string repo = rest.substr(0, colon);
    std::string selector = colon == std::string::npos ? "" : rest.substr(colon + 1);
    if (repo.find('/') == std::string::npos) {
        return invalid(text,
                       "not a file, an alias (" + alias_names() +
                           "), a Hub reference ORG/REPO[:FILE-or-QUANT] or an Ollama name "
                           "ollama:NAME[:TAG]");
    }
    if (auto st = hub::check_repo_id(repo); !st.ok()) return invalid(text, st.message());
    if (!selector.empty()) {
        if (auto st = hub::check_repo_file_name(selector); !st.ok()) {
            return invalid(text, st.message());
        }
    }
    ref.source = ModelSource::kHub;
    ref.repo = repo;
    ref.selector = selector;
    return ref;
}

}  // namespace openbook
