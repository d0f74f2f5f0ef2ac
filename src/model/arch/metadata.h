// Typed, checked reads of an architecture's hyper-parameters from GGUF metadata
// ("<arch>.embedding_length", "<arch>.attention.head_count", ...), with the messages a user needs
// when a file is incomplete or lies: the missing or malformed key, its value, and the file.
//
// Counts must be integers in [1, kMaxCount] (or [0, ...] where zero means "absent"), so that no
// later size computation can overflow; real values must be finite.
//
// Thread-safety: reads an immutable gguf::File; a Metadata object is cheap and may be shared.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/gguf/gguf_file.h"
#include "openbook/status.h"

namespace openbook::arch {

// No hyper-parameter of a real model comes near this (vocabularies reach ~256k, contexts ~10M).
inline constexpr int64_t kMaxCount = int64_t{1} << 31;

class Metadata {
public:
    Metadata(const gguf::File& file, std::string architecture)
        : file_(file), prefix_(std::move(architecture) + ".") {}

    // "<arch>.<suffix>" as a count in [1, kMaxCount]; kCorrupt when absent or malformed.
    Result<int64_t> count(std::string_view suffix) const;
    // As count(), but `fallback` when the key is absent.
    Result<int64_t> count_or(std::string_view suffix, int64_t fallback) const;
    // "<arch>.<suffix>" as a finite float; `fallback` when absent (nullopt: required).
    Result<float> real(std::string_view suffix, std::optional<float> fallback = {}) const;
    Result<bool> flag(std::string_view suffix, std::optional<bool> fallback = {}) const;
    // A string under a full key (no prefix); nullopt when absent or not a string.
    std::optional<std::string_view> string(std::string_view key) const;

    std::string key(std::string_view suffix) const { return prefix_ + std::string(suffix); }
    const std::string& file_name() const { return file_.name(); }

private:
    const gguf::File& file_;
    std::string prefix_;
};

}  // namespace openbook::arch
