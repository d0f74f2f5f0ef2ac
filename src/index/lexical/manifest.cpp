#include "index/lexical/manifest.h"

#include <algorithm>
#include <cstring>

#include "core/fs.h"
#include "index/lexical/file_io.h"
#include "index/lexical/segment_format.h"

namespace openbook::index {

namespace {
constexpr uint64_t kManifestMagic = 0x314e414d58424f4fULL;  // "OOBXMAN1"
constexpr uint32_t kManifestVersion = 1;
}  // namespace

bool Manifest::operator==(const Manifest& o) const {
    if (generation != o.generation || catalog_generation != o.catalog_generation ||
        next_segment_id != o.next_segment_id ||
        next_deletion_generation != o.next_deletion_generation ||
        segments.size() != o.segments.size()) {
        return false;
    }
    return segments.empty() || std::memcmp(segments.data(), o.segments.data(),
                                           segments.size() * sizeof(ManifestSegment)) == 0;
}

std::string encode_manifest(const Manifest& m) {
    ManifestHeader h{};
    h.magic = kManifestMagic;
    h.version = kManifestVersion;
    h.n_segments = static_cast<uint32_t>(m.segments.size());
    h.generation = m.generation;
    h.catalog_generation = m.catalog_generation;
    h.next_segment_id = m.next_segment_id;
    h.next_deletion_generation = m.next_deletion_generation;
    std::string out(reinterpret_cast<const char*>(&h), sizeof h);
    out.append(reinterpret_cast<const char*>(m.segments.data()),
               m.segments.size() * sizeof(ManifestSegment));
    uint64_t sum = checksum64(out.data(), out.size());
    out.append(reinterpret_cast<const char*>(&sum), sizeof sum);
    return out;
}

Result<Manifest> decode_manifest(std::string_view bytes, const std::string& name) {
    auto corrupt = [&](const std::string& why) { return Status::corrupt(name + ": " + why); };
    if (bytes.size() < sizeof(ManifestHeader) + 8) return corrupt("truncated manifest");
    ManifestHeader h;
    std::memcpy(&h, bytes.data(), sizeof h);
    if (h.magic != kManifestMagic) return corrupt("not a lexical index manifest (bad magic)");
    uint64_t expected = sizeof(ManifestHeader) + uint64_t{h.n_segments} * sizeof(ManifestSegment) + 8;
    if (bytes.size() != expected) return corrupt("manifest size does not match its segment count");
    uint64_t sum;
    std::memcpy(&sum, bytes.data() + bytes.size() - 8, 8);
    if (sum != checksum64(bytes.data(), bytes.size() - 8)) return corrupt("checksum mismatch");
    if (h.version != kManifestVersion) {
        return Status::unsupported(name + ": manifest version " + std::to_string(h.version) +
                                   " is not supported");
    }
    Manifest m;
    m.generation = h.generation;
    m.catalog_generation = h.catalog_generation;
    m.next_segment_id = h.next_segment_id;
    m.next_deletion_generation = h.next_deletion_generation;
    m.segments.resize(h.n_segments);
    if (h.n_segments > 0) {
        std::memcpy(m.segments.data(), bytes.data() + sizeof h,
                    m.segments.size() * sizeof(ManifestSegment));
    }
    for (size_t i = 0; i < m.segments.size(); ++i) {
        const ManifestSegment& s = m.segments[i];
        if (s.id >= m.next_segment_id || s.n_deleted > s.n_docs || s.n_docs >= kMaxSegmentDocs ||
            (s.deletion_generation >= m.next_deletion_generation) ||
            (s.n_deleted > 0 && s.deletion_generation == 0)) {
            return corrupt("bad segment entry " + std::to_string(i));
        }
    }
    std::vector<uint64_t> ids;
    ids.reserve(m.segments.size());
    for (const ManifestSegment& s : m.segments) ids.push_back(s.id);
    std::sort(ids.begin(), ids.end());
    if (std::adjacent_find(ids.begin(), ids.end()) != ids.end()) {
        return corrupt("segment listed twice");
    }
    return m;
}

Result<Manifest> read_manifest(const std::filesystem::path& dir) {
    auto path = dir / kManifestName;
    OPENBOOK_ASSIGN_OR_RETURN(auto bytes, core::read_file(path));
    return decode_manifest(bytes, path.string());
}

Status write_manifest(const std::filesystem::path& dir, const Manifest& manifest) {
    OPENBOOK_RETURN_IF_ERROR(core::write_file_atomic(dir / kManifestName, encode_manifest(manifest)));
    return fsync_directory(dir);
}

}  // namespace openbook::index
