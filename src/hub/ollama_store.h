// Reading models a user pulled with Ollama, in place (read only; nothing is copied or written).
// Layout of $OLLAMA_MODELS (default ~/.ollama/models):
//   manifests/<host>/<namespace>/<model>/<tag>   JSON: {"layers": [{"mediaType": ..., "digest":
//                                                "sha256:<hex>", "size": n}, ...], ...}
//   blobs/sha256-<hex>                           the layer contents
// The weights are the layer with mediaType "application/vnd.ollama.image.model": a GGUF file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "openbook/hub.h"
#include "openbook/status.h"

namespace openbook::hub {

struct OllamaModel {
    std::string name;             // full: "registry.ollama.ai/library/qwen2.5:0.5b"
    std::filesystem::path path;   // blobs/sha256-<hex>
    uint64_t bytes = 0;
};

// `full_name` as made by full_ollama_name(). kNotFound when the manifest or its blob is missing.
Result<OllamaModel> find_ollama_model(const std::filesystem::path& ollama_dir,
                                      const std::string& full_name, ModelErrorKind* kind);

// Every model with a readable manifest and a present model blob, sorted by name.
std::vector<OllamaModel> list_ollama_models(const std::filesystem::path& ollama_dir);

}  // namespace openbook::hub
