// MANIFEST: the published state of a lexical index directory.
//
// Binary, little-endian: ManifestHeader, ManifestSegment[n_segments], u64 XXH3-64 of all bytes
// before it. The size is checked against n_segments before anything is allocated.
// Written only by write_manifest: temporary file, fsync, rename over MANIFEST, fsync of the
// directory. A crash at any point leaves either the old or the new MANIFEST, both valid.
//
// Thread-safety: plain values and free functions.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "openbook/status.h"

namespace openbook::index {

struct ManifestHeader {
    uint64_t magic;
    uint32_t version;
    uint32_t n_segments;
    uint64_t generation;          // bumped by every publish
    uint64_t catalog_generation;  // the catalog state the index reflects
    uint64_t next_segment_id;     // ids below are taken (published or not)
    uint64_t next_deletion_generation;
};
static_assert(sizeof(ManifestHeader) == 48);

struct ManifestSegment {
    uint64_t id;
    uint64_t file_size;  // of seg-<id>.lex, checked when opened
    uint32_t n_docs;     // deleted ones included
    uint32_t n_deleted;
    uint64_t deletion_generation;  // 0: no deletion bitmap
    uint64_t sum_doc_len;
    uint64_t n_postings;
};
static_assert(sizeof(ManifestSegment) == 48);

struct Manifest {
    uint64_t generation = 0;
    uint64_t catalog_generation = 0;
    uint64_t next_segment_id = 1;
    uint64_t next_deletion_generation = 1;
    std::vector<ManifestSegment> segments;

    bool operator==(const Manifest& other) const;
};

std::string encode_manifest(const Manifest& manifest);
// kCorrupt naming `name` when the bytes are not a valid manifest.
Result<Manifest> decode_manifest(std::string_view bytes, const std::string& name);

// kNotFound when dir has no MANIFEST.
Result<Manifest> read_manifest(const std::filesystem::path& dir);
Status write_manifest(const std::filesystem::path& dir, const Manifest& manifest);

}  // namespace openbook::index
