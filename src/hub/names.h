// Validation and spelling of the names the hub module turns into paths and URLs: repository
// ids, file names in a repository, revisions, ETags and Ollama model names. Anything that
// reaches the file system is checked here first, so no name can climb out of the cache
// ("..", absolute paths) or smuggle URL syntax.
#pragma once

#include <string>
#include <string_view>

#include "openbook/status.h"

namespace openbook::hub {

std::string lower_ascii(std::string s);

// "ORG/NAME": two parts of [A-Za-z0-9._-], not starting or ending with '.' or '-', without
// ".." or "--" (the Hub's own rules; "--" would also break the cache folder name).
Status check_repo_id(std::string_view repo);
// A relative path of non-empty components, none "." or "..", no backslash or control bytes.
Status check_repo_file_name(std::string_view name);
// A branch, tag or commit: like a file name (branches may contain '/').
Status check_revision(std::string_view revision);
// An ETag used as a blob's file name: [A-Za-z0-9_-]+ (hex digests in practice).
Status check_etag(std::string_view etag);

// "models--ORG--NAME": the cache folder of a model repository.
std::string repo_folder_name(std::string_view repo);

// Ollama: "qwen2.5" → "registry.ollama.ai/library/qwen2.5:latest"; "user/m:t" →
// "registry.ollama.ai/user/m:t"; "host/ns/m:t" stays. Components are checked like file names.
Result<std::string> full_ollama_name(std::string_view name);
// The inverse, as Ollama shows names: the default host and "library" namespace left out.
std::string ollama_short_name(std::string_view full_name);

}  // namespace openbook::hub
