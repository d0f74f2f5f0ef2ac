// Finding the files to ingest: walks the given files and folders recursively, in a stable
// (sorted) order, applying include/exclude globs, and says why anything was left out.
//
// - Under a folder: hidden entries (names starting with '.') are skipped with a note and not
//   descended into; files whose extension names no supported format are skipped with a note;
//   --include globs (if any) must match, --exclude globs must not (matched against the path
//   relative to the folder that was given; see core::glob_match).
// - A file named explicitly is always taken unless an exclude glob matches its name; when its
//   extension is unknown, `format` is empty and the caller sniffs the content.
// - Directory symlink loops are detected; `skip_dir` (the collection's own directory) is never
//   entered. A path that does not exist or cannot be read is reported in `errors`.
// Thread-safety: pure function of the file system.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ingest/document.h"

namespace openbook::ingest {

struct FoundFile {
    std::filesystem::path absolute;  // absolute, lexically normal
    std::string display;             // the given path, joined with the part found below it
    uint64_t size = 0;
    int64_t mtime_ns = 0;
    std::optional<Format> format;  // from the extension; empty for unknown extensions
};

struct WalkNote {
    std::string path;
    std::string reason;
};

struct WalkResult {
    std::vector<FoundFile> files;
    std::vector<WalkNote> skipped;  // hidden, unsupported, excluded
    std::vector<WalkNote> errors;   // missing or unreadable paths
};

WalkResult walk_paths(const std::vector<std::string>& paths,
                      const std::vector<std::string>& include,
                      const std::vector<std::string>& exclude,
                      const std::filesystem::path& skip_dir);

}  // namespace openbook::ingest
