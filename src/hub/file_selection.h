// Choosing the GGUF file(s) a Hub reference means, from a repository's file names (the Hub's
// listing online, a snapshot directory offline), so both paths choose alike.
//
// Rules, for a selector S:
//   - S is one of the names (exactly, else ignoring case): that file, if it is a .gguf file
//     (else kInvalidReference: "org/repo:README.md" is not a model);
//   - else S ending in ".gguf": not found;
//   - else S is a quantization: the .gguf names containing S as a whole token, ignoring case
//     (bounded by the start, the end, or one of "-._/"), so "q4_k_m" matches
//     "qwen2.5-0.5b-instruct-q4_k_m.gguf" and "Q4_K_M/x-Q4_K_M.gguf" but "q4_k" does not;
//   - S empty: the repository's only model, else its q4_k_m one.
// Multimodal projectors ("mmproj*") are never chosen by quantization. Parts of a split GGUF
// ("-00001-of-00003.gguf") count as one model: all parts are chosen, in order, the first being
// the file to open; a set with a part missing is not found. Several models → kAmbiguous listing
// them. Status codes: kInvalidArgument only for the non-GGUF file named exactly (a usage
// mistake); not found and ambiguous are kNotFound.
#pragma once

#include <string>
#include <vector>

#include "openbook/hub.h"
#include "openbook/status.h"

namespace openbook::hub {

// The chosen files, parts in order. `where` names the repository (or snapshot) in messages.
Result<std::vector<std::string>> select_gguf_files(const std::vector<std::string>& names,
                                                   const std::string& selector,
                                                   const std::string& where,
                                                   ModelErrorKind* kind);

// For "x-00002-of-00003.gguf": fills prefix "x", index 2, count 3. False for other names.
bool parse_split_name(const std::string& name, std::string* prefix, int* index, int* count);

// Every model (a single file, or all parts of a split set) among the names: each entry's
// files in order; incomplete split sets are left out unless keep_incomplete.
std::vector<std::vector<std::string>> group_gguf_models(const std::vector<std::string>& names,
                                                        bool keep_incomplete = false);

// True when the quantization matches the name (the token rule above).
bool quant_matches(const std::string& name, const std::string& quant);

}  // namespace openbook::hub
