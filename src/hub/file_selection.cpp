#include "hub/file_selection.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "hub/hub_error.h"

namespace openbook::hub {
namespace {

constexpr const char* kDefaultQuant = "q4_k_m";

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

bool ends_with_gguf(const std::string& name) {
    return name.size() > 5 && lower(name.substr(name.size() - 5)) == ".gguf";
}

std::string base_name(const std::string& name) {
    auto slash = name.rfind('/');
    return slash == std::string::npos ? name : name.substr(slash + 1);
}

bool is_projector(const std::string& name) { return lower(base_name(name)).rfind("mmproj", 0) == 0; }

std::string list_models(const std::vector<std::vector<std::string>>& models) {
    std::string out;
    for (const auto& m : models) {
        out += "\n  " + m.front();
        if (m.size() > 1) out += " (+" + std::to_string(m.size() - 1) + " more parts)";
    }
    return out;
}

}  // namespace

bool parse_split_name(const std::string& name, std::string* prefix, int* index, int* count) {
    // "<prefix>-NNNNN-of-MMMMM.gguf": 5 digits each, as llama.cpp's gguf-split writes them.
    static constexpr size_t kTail = 20;  // "-00001-of-00003.gguf"
    if (name.size() <= kTail || !ends_with_gguf(name)) return false;
    const std::string tail = lower(name.substr(name.size() - kTail));
    if (tail[0] != '-' || tail.compare(6, 4, "-of-") != 0) return false;
    for (size_t i : {1, 2, 3, 4, 5, 10, 11, 12, 13, 14}) {
        if (!std::isdigit(static_cast<unsigned char>(tail[i]))) return false;
    }
    const int idx = std::stoi(tail.substr(1, 5));
    const int cnt = std::stoi(tail.substr(10, 5));
    if (idx < 1 || cnt < 1 || idx > cnt) return false;
    if (prefix != nullptr) *prefix = name.substr(0, name.size() - kTail);
    if (index != nullptr) *index = idx;
    if (count != nullptr) *count = cnt;
    return true;
}

bool quant_matches(const std::string& name, const std::string& quant) {
    if (quant.empty()) return false;
    const std::string n = lower(name), q = lower(quant);
    auto boundary = [](char c) { return c == '-' || c == '.' || c == '_' || c == '/'; };
    for (size_t pos = n.find(q); pos != std::string::npos; pos = n.find(q, pos + 1)) {
        const bool left = pos == 0 || boundary(n[pos - 1]);
        const size_t end = pos + q.size();
        // Inside a quantization name '_' joins parts ("q4_k_m"), so only '-', '.' and '/' end it
        // on the right: "q4_k" must not match "q4_k_m".
        const bool right = end == n.size() || n[end] == '-' || n[end] == '.' || n[end] == '/';
        if (left && right) return true;
    }
    return false;
}

std::vector<std::vector<std::string>> group_gguf_models(const std::vector<std::string>& names,
                                                        bool keep_incomplete) {
    std::vector<std::vector<std::string>> singles;
    std::map<std::pair<std::string, int>, std::map<int, std::string>> splits;
    for (const auto& name : names) {
        if (!ends_with_gguf(name)) continue;
        std::string prefix;
        int index = 0, count = 0;
        if (parse_split_name(name, &prefix, &index, &count)) {
            splits[{prefix, count}][index] = name;
        } else {
            singles.push_back({name});
        }
    }
    for (auto& [key, parts] : splits) {
        const bool complete = static_cast<int>(parts.size()) == key.second;
        if (!complete && !keep_incomplete) continue;
        std::vector<std::string> files;
        for (auto& [index, name] : parts) files.push_back(name);
        singles.push_back(std::move(files));
    }
    std::sort(singles.begin(), singles.end());
    return singles;
}

Result<std::vector<std::string>> select_gguf_files(const std::vector<std::string>& names,
                                                   const std::string& selector,
                                                   const std::string& where,
                                                   ModelErrorKind* kind) {
    const auto models = group_gguf_models(names);
    auto model_of = [&](const std::string& file) -> Result<std::vector<std::string>> {
        std::string prefix;
        int index = 0, count = 0;
        if (!parse_split_name(file, &prefix, &index, &count)) return std::vector<std::string>{file};
        for (const auto& m : models) {
            if (std::find(m.begin(), m.end(), file) != m.end()) return m;
        }
        return fail(kind, ModelErrorKind::kNotFound,
                    Status::not_found(where + ": " + file + " is part " + std::to_string(index) +
                                      " of a split model with " + std::to_string(count) +
                                      " parts, and not all of them are there"));
    };

    // A file named exactly is the model only when it is a GGUF: "org/repo:README.md" must not
    // be downloaded and opened as one.
    auto exact = [&](const std::string& file) -> Result<std::vector<std::string>> {
        if (!ends_with_gguf(file)) {
            return fail(kind, ModelErrorKind::kInvalidReference,
                        Status::invalid_argument(
                            where + ": " + file + " is not a GGUF model file; name a .gguf file "
                            "or a quantization (:Q4_K_M)" +
                            (models.empty() ? "" : "; its GGUF files:" + list_models(models))));
        }
        return model_of(file);
    };
    if (!selector.empty()) {
        for (const auto& n : names) {
            if (n == selector) return exact(n);
        }
        for (const auto& n : names) {
            if (lower(n) == lower(selector)) return exact(n);
        }
    }
    if (ends_with_gguf(selector)) {
        return fail(kind, ModelErrorKind::kNotFound,
                    Status::not_found(where + " has no file " + selector +
                                      (models.empty() ? "" : "; its GGUF files:" +
                                                                 list_models(models))));
    }

    std::vector<std::vector<std::string>> usable;
    for (const auto& m : models) {
        if (!is_projector(m.front())) usable.push_back(m);
    }
    if (usable.empty()) {
        return fail(kind, ModelErrorKind::kNotFound,
                    Status::not_found(where + " has no GGUF model files" +
                                      (selector.empty() ? "" : " (looking for " + selector + ")")));
    }
    if (selector.empty() && usable.size() == 1) return usable.front();

    const std::string quant = selector.empty() ? kDefaultQuant : selector;
    std::vector<std::vector<std::string>> matches;
    for (const auto& m : usable) {
        if (quant_matches(m.front(), quant)) matches.push_back(m);
    }
    if (matches.size() == 1) return matches.front();
    if (matches.empty()) {
        if (selector.empty()) {
            return fail(kind, ModelErrorKind::kAmbiguous,
                        Status::not_found(
                            where + " has several GGUF models; name one with :QUANT or :FILE:" +
                            list_models(usable)));
        }
        return fail(kind, ModelErrorKind::kNotFound,
                    Status::not_found(where + " has no GGUF file matching " + selector +
                                      "; its GGUF files:" + list_models(usable)));
    }
    return fail(kind, ModelErrorKind::kAmbiguous,
                Status::not_found(where + ": " + quant + " matches " +
                                  std::to_string(matches.size()) +
                                  " models; name the file with :FILE:" + list_models(matches)));
}

}  // namespace openbook::hub
