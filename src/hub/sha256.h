// SHA-256 (libcrypto's EVP), incremental: the Hub names LFS files by their SHA-256, so a
// download is checked against the name it is stored under. Thread-safety: one object per thread.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "openbook/status.h"

namespace openbook::hub {

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(std::string_view bytes);
    std::string hex_digest();  // 64 lowercase hex digits; ends the computation

private:
    void* ctx_;  // EVP_MD_CTX*
};

// Hashes the first `length` bytes of a file into `hasher` (a resumed download's prefix).
Status hash_file_prefix(const std::filesystem::path& path, uint64_t length, Sha256& hasher);

// True for 64 hex digits: an LFS file's ETag is its SHA-256 (a git blob's is 40-digit SHA-1).
bool is_sha256_hex(std::string_view s);

}  // namespace openbook::hub
