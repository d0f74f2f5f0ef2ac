// Downloading one file of a Hub repository into the cache, the way hf_hub_download does:
//   1. HEAD the resolve URL without following redirects to the CDN: the ETag (X-Linked-Etag
//      for LFS files, else ETag), the size (X-Linked-Size, else Content-Length) and the
//      download location (Location) come from the Hub's own answer;
//   2. a blob with that ETag already there → only the snapshot link is made (a plain file of
//      the right size at the snapshot path, left where symlinks are not supported, is used
//      as it is);
//   3. else GET the location (redirects followed) into blobs/<etag>.incomplete, resuming from
//      its length with a Range request (a 200 answer to a Range, or a 206 whose Content-Range
//      does not start at the requested offset, means start over from zero), retrying a
//      dropped connection from where it stopped;
//   4. check the size and, for LFS files (ETag = SHA-256), the SHA-256; a mismatch after a
//      resume starts over once from zero, otherwise the partial file is deleted and the error
//      names the file;
//   5. fsync, rename to blobs/<etag> (atomic), symlink snapshots/<commit>/<file> to it.
// Steps 2–5 run under <cache>/.locks/models--ORG--NAME/<etag>.lock; when another process holds
// it, a progress report with a note ("waiting for another download of FILE") comes first.
// Any other failure after bytes were written keeps blobs/<etag>.incomplete, and the error says
// so (path and size) and that running again resumes it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "hub/hf_cache.h"
#include "openbook/hub.h"
#include "openbook/status.h"

namespace openbook::hub {

struct FileToDownload {
    std::string file;     // name in the repository
    size_t index = 0;     // for progress reports
    size_t count = 1;
};

struct DownloadedFile {
    std::filesystem::path pointer;  // snapshots/<commit>/<file>
    std::string etag;
    uint64_t bytes = 0;
    bool fetched = false;  // false: the blob was already in the cache
};

Result<DownloadedFile> download_file(const HubSettings& settings, const RepoCache& cache,
                                     const std::string& commit, const FileToDownload& file,
                                     const DownloadProgressFn& progress, ModelErrorKind* kind);

}  // namespace openbook::hub
