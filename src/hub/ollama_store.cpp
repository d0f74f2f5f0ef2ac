#include "hub/ollama_store.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/fs.h"
#include "hub/hf_cache.h"
#include "hub/hub_error.h"
#include "hub/names.h"
#include "hub/sha256.h"

namespace openbook::hub {
namespace {

namespace fs = std::filesystem;

constexpr const char* kModelMediaType = "application/vnd.ollama.image.model";

fs::path manifest_path(const fs::path& dir, const std::string& full_name) {
    const auto colon = full_name.rfind(':');
    return dir / "manifests" / full_name.substr(0, colon) / full_name.substr(colon + 1);
}

// The model layer's blob path from a manifest's text.
Result<fs::path> model_blob(const fs::path& dir, const fs::path& manifest, const std::string& text) {
    try {
        const auto j = nlohmann::json::parse(text);
        if (!j.contains("layers") || !j["layers"].is_array()) {
            return Status::corrupt(manifest.string() + ": no \"layers\" list");
        }
        for (const auto& layer : j["layers"]) {
            if (!layer.is_object() || layer.value("mediaType", std::string()) != kModelMediaType) {
                continue;
            }
            const std::string digest = layer.value("digest", std::string());
            if (digest.rfind("sha256:", 0) != 0 || !is_sha256_hex(digest.substr(7))) {
                return Status::corrupt(manifest.string() + ": bad model digest '" + digest + "'");
            }
            return dir / "blobs" / ("sha256-" + digest.substr(7));
        }
        return Status::not_found(manifest.string() + ": no model layer (" +
                                 std::string(kModelMediaType) + ")");
    } catch (const nlohmann::json::exception& e) {
        return Status::corrupt(manifest.string() + ": not valid JSON (" + e.what() + ")");
    }
}

}  // namespace

Result<OllamaModel> find_ollama_model(const fs::path& ollama_dir, const std::string& full_name,
                                      ModelErrorKind* kind) {
    const std::string short_name = ollama_short_name(full_name);
    const fs::path manifest = manifest_path(ollama_dir, full_name);
    auto text = core::read_file(manifest);
    if (!text.has_value()) {
        if (text.error().code() == StatusCode::kNotFound) {
            return fail(kind, ModelErrorKind::kNotFound,
                        Status::not_found("ollama:" + short_name + " is not in Ollama's store (" +
                                          ollama_dir.string() + "); pull it with `ollama pull " +
                                          short_name + "`, or set OLLAMA_MODELS"));
        }
        return fail(kind, ModelErrorKind::kIo, text.error());
    }
    auto blob = model_blob(ollama_dir, manifest, *text);
    if (!blob.has_value()) {
        return fail(kind,
                    blob.error().code() == StatusCode::kNotFound ? ModelErrorKind::kNotFound
                                                                 : ModelErrorKind::kCorrupt,
                    blob.error().with_context("ollama:" + short_name));
    }
    std::error_code ec;
    if (!fs::is_regular_file(*blob, ec)) {
        return fail(kind, ModelErrorKind::kNotFound,
                    Status::not_found("ollama:" + short_name + ": its model blob " +
                                      blob->string() + " is missing (re-pull it with Ollama)"));
    }
    return OllamaModel{full_name, *blob, followed_size(*blob)};
}

std::vector<OllamaModel> list_ollama_models(const fs::path& ollama_dir) {
    std::vector<OllamaModel> models;
    const fs::path root = ollama_dir / "manifests";
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::end(it);
         it.increment(ec)) {
        std::error_code e2;
        if (it.depth() != 3 || !it->is_regular_file(e2)) continue;  // host/ns/model/tag
        const fs::path rel = it->path().lexically_relative(root);
        auto parts = std::vector<std::string>(rel.begin(), rel.end());
        const std::string full = parts[0] + "/" + parts[1] + "/" + parts[2] + ":" + parts[3];
        auto model = find_ollama_model(ollama_dir, full, nullptr);
        if (model.has_value()) models.push_back(std::move(*model));
    }
    std::sort(models.begin(), models.end(),
              [](const OllamaModel& a, const OllamaModel& b) { return a.name < b.name; });
    return models;
}

}  // namespace openbook::hub
