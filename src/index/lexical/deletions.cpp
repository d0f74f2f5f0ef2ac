#include "index/lexical/deletions.h"

#include <bit>
#include <cstring>

#include "core/fs.h"
#include "index/lexical/file_io.h"

namespace openbook::index {

namespace {

constexpr uint64_t kDeletionMagic = 0x314c45445846424fULL;  // "OBFXDEL1"
constexpr uint32_t kDeletionVersion = 1;
constexpr size_t kHeaderWords = 5;  // magic, version+zero, segment id, n_docs, n_deleted

void put64(std::string& out, uint64_t v) { out.append(reinterpret_cast<const char*>(&v), 8); }
uint64_t get64(const char* p) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    return v;
}

}  // namespace

std::string DeletionBitmap::encode(uint64_t segment_id) const {
    std::string out;
    out.reserve((kHeaderWords + words_.size() + 1) * 8);
    put64(out, kDeletionMagic);
    put64(out, kDeletionVersion);
    put64(out, segment_id);
    put64(out, n_docs_);
    put64(out, count_);
    out.append(reinterpret_cast<const char*>(words_.data()), words_.size() * 8);
    put64(out, checksum64(out.data(), out.size()));
    return out;
}

Result<DeletionBitmap> DeletionBitmap::decode(std::string_view bytes, const std::string& name,
                                              uint64_t segment_id, uint32_t n_docs) {
    auto corrupt = [&](const char* why) { return Status::corrupt(name + ": " + why); };
    size_t n_words = (static_cast<size_t>(n_docs) + 63) / 64;
    if (bytes.size() != (kHeaderWords + n_words + 1) * 8) return corrupt("bad deletion file size");
    const char* p = bytes.data();
    if (get64(p) != kDeletionMagic) return corrupt("not a deletion bitmap (bad magic)");
    if (get64(p + bytes.size() - 8) != checksum64(p, bytes.size() - 8)) {
        return corrupt("checksum mismatch");
    }
    if (get64(p + 8) != kDeletionVersion) return corrupt("unsupported deletion file version");
    if (get64(p + 16) != segment_id || get64(p + 24) != n_docs) {
        return corrupt("deletion bitmap belongs to another segment");
    }
    DeletionBitmap bitmap(n_docs);
    std::memcpy(bitmap.words_.data(), p + kHeaderWords * 8, n_words * 8);
    uint64_t count = 0;
    for (size_t i = 0; i < n_words; ++i) count += std::popcount(bitmap.words_[i]);
    if (n_docs % 64 != 0 && n_words > 0 && (bitmap.words_.back() >> (n_docs % 64)) != 0) {
        return corrupt("deletion bit past the last doc");
    }
    if (count != get64(p + 32)) return corrupt("deleted count mismatch");
    bitmap.count_ = static_cast<uint32_t>(count);
    return bitmap;
}

Status write_deletions(const std::filesystem::path& path, const DeletionBitmap& bitmap,
                       uint64_t segment_id) {
    return core::write_file_atomic(path, bitmap.encode(segment_id));
}

Result<std::shared_ptr<const DeletionBitmap>> read_deletions(const std::filesystem::path& path,
                                                             uint64_t segment_id,
                                                             uint32_t n_docs) {
    auto bytes = core::read_file(path);
    if (!bytes.has_value()) {
        if (bytes.error().code() == StatusCode::kNotFound) {
            return Status::corrupt(path.string() + ": deletion bitmap listed in MANIFEST is missing");
        }
        return bytes.error();
    }
    OPENBOOK_ASSIGN_OR_RETURN(auto bitmap,
                              DeletionBitmap::decode(*bytes, path.string(), segment_id, n_docs));
    return std::make_shared<const DeletionBitmap>(std::move(bitmap));
}

}  // namespace openbook::index
