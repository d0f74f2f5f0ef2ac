#include "index/lexical/lexical_index.h"

#include <algorithm>
#include <cmath>
#include <system_error>
#include <unordered_set>

#include "index/lexical/bm25_search.h"
#include "index/lexical/deletions.h"
#include "index/lexical/file_io.h"
#include "index/lexical/manifest.h"
#include "index/lexical/memory_segment.h"
#include "index/lexical/merge.h"
#include "index/lexical/segment_reader.h"

namespace openbook::index {

namespace {

namespace fs = std::filesystem;

struct LoadedSegment {
    ManifestSegment info{};
    std::shared_ptr<const SegmentReader> reader;
    std::shared_ptr<const DeletionBitmap> deletions;  // null: none
};

uint64_t deletion_file_bytes(uint32_t n_docs) { return (5 + (uint64_t{n_docs} + 63) / 64 + 1) * 8; }

// Maps every segment the manifest lists; kCorrupt naming the file for anything missing or damaged.
Result<std::vector<LoadedSegment>> load_segments(const fs::path& dir, const Manifest& m) {
    std::vector<LoadedSegment> out;
    out.reserve(m.segments.size());
    for (const ManifestSegment& info : m.segments) {
        LoadedSegment s;
        s.info = info;
        fs::path path = dir / segment_file_name(info.id);
        auto reader = SegmentReader::open(path, info.file_size);
        if (!reader.has_value()) {
            if (reader.error().code() == StatusCode::kNotFound) {
                return Status::corrupt(path.string() + ": segment listed in MANIFEST is missing");
            }
            return reader.error();
        }
        s.reader = std::move(reader).value();
        if (s.reader->n_docs() != info.n_docs || s.reader->sum_doc_len() != info.sum_doc_len ||
            s.reader->n_postings() != info.n_postings) {
            return Status::corrupt(path.string() + ": does not match its MANIFEST entry");
        }
        if (info.deletion_generation != 0) {
            OPENBOOK_ASSIGN_OR_RETURN(
                s.deletions,
                read_deletions(dir / deletion_file_name(info.id, info.deletion_generation), info.id,
                               info.n_docs));
            if (s.deletions->count() != info.n_deleted) {
                return Status::corrupt(
                    (dir / deletion_file_name(info.id, info.deletion_generation)).string() +
                    ": deleted count does not match MANIFEST");
            }
        }
        out.push_back(std::move(s));
    }
    return out;
}

// --------------------------------------------------------------------------------------------
class ReaderImpl final : public LexicalIndexReader {
public:
    ReaderImpl(Manifest manifest, std::vector<LoadedSegment> segments, uint64_t manifest_bytes)
        : manifest_(std::move(manifest)), segments_(std::move(segments)) {
        stats_.segments = segments_.size();
        stats_.catalog_generation = manifest_.catalog_generation;
        stats_.bytes = manifest_bytes;
        for (const LoadedSegment& s : segments_) {
            views_.push_back({s.reader.get(), s.deletions.get()});
            stats_.documents += s.info.n_docs - s.info.n_deleted;
            stats_.deleted += s.info.n_deleted;
            stats_.terms += s.reader->n_terms();
            stats_.postings += s.reader->n_postings();
            stats_.bytes += s.reader->file_size();
            if (s.deletions) stats_.bytes += deletion_file_bytes(s.info.n_docs);
        }
    }

    Result<std::vector<ScoredChunk>> search(std::span<const std::string> query_terms,
                                            const SearchOptions& options) const override {
        return bm25_search(views_, query_terms, options);
    }
    double idf(std::string_view term) const override {
        uint64_t n = 0;
        for (const SegmentView& v : views_) n += v.segment->n_docs();
        const double d = static_cast<double>(document_frequency(term));
        return std::log(1.0 + (static_cast<double>(n) - d + 0.5) / (d + 0.5));
    }
    uint64_t document_frequency(std::string_view term) const override {
        uint64_t df = 0;
        for (const SegmentView& v : views_) {
            int64_t idx = v.segment->find_term(term);
            if (idx >= 0) df += v.segment->term_entry(static_cast<uint64_t>(idx)).df;
        }
        return df;
    }
    IndexStats stats() const override { return stats_; }
    uint64_t catalog_generation() const override { return manifest_.catalog_generation; }

private:
    Manifest manifest_;
    std::vector<LoadedSegment> segments_;
    std::vector<SegmentView> views_;
    IndexStats stats_;
};

}  // namespace

Result<std::unique_ptr<LexicalIndexReader>> LexicalIndexReader::open(const fs::path& dir) {
    // A writer may publish (and delete the files of the old state) between our reading MANIFEST
    // and mapping its segments: when something is missing and MANIFEST has changed, start over.
    constexpr int kAttempts = 16;
    Status last;
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        OPENBOOK_ASSIGN_OR_RETURN(Manifest m, read_manifest(dir));
        auto loaded = load_segments(dir, m);
        if (loaded.has_value()) {
            uint64_t manifest_bytes = sizeof(ManifestHeader) +
                                      m.segments.size() * sizeof(ManifestSegment) + 8;
            return std::unique_ptr<LexicalIndexReader>(
                new ReaderImpl(std::move(m), std::move(loaded).value(), manifest_bytes));
        }
        last = loaded.error();
        auto again = read_manifest(dir);
        if (!again.has_value() || *again == m) return last;
    }
    return last;
}

// --------------------------------------------------------------------------------------------
namespace {

class WriterImpl final : public LexicalIndexWriter {
public:
    explicit WriterImpl(fs::path dir) : dir_(std::move(dir)) {}

    Status init() {
        std::error_code ec;
        fs::create_directories(dir_, ec);
        if (ec) return Status::io_error(dir_.string() + ": " + ec.message());
        auto m = read_manifest(dir_);
        if (!m.has_value()) {
            if (m.error().code() != StatusCode::kNotFound) return m.error();
            published_ = Manifest{};
            OPENBOOK_RETURN_IF_ERROR(write_manifest(dir_, published_));
        } else {
            published_ = std::move(m).value();
        }
        OPENBOOK_ASSIGN_OR_RETURN(segments_, load_segments(dir_, published_));
        next_segment_id_ = published_.next_segment_id;
        next_deletion_generation_ = published_.next_deletion_generation;
        // Files left by a crash before a publish are not referenced: remove them.
        return collect_garbage();
    }

    void add(IndexableChunk chunk) override { buffer_.add(chunk); }

    void remove_document(int64_t document_id) override {
        buffer_.remove_document(document_id);
        pending_deletes_.insert(document_id);
    }

    Status flush() override {
        bool wrote = false;
        if (!pending_deletes_.empty()) {
            OPENBOOK_ASSIGN_OR_RETURN(wrote, apply_deletes());
            pending_deletes_.clear();
        }
        if (buffer_.live_docs() > 0) {
            uint64_t id = next_segment_id_++;
            fs::path path = dir_ / segment_file_name(id);
            OPENBOOK_ASSIGN_OR_RETURN(WrittenSegment w, buffer_.write(path));
            if (w.file_size != 0) {
                OPENBOOK_ASSIGN_OR_RETURN(LoadedSegment s, open_written(id, w));
                segments_.push_back(std::move(s));
                wrote = true;
            }
        }
        buffer_.clear();
        if (wrote) OPENBOOK_RETURN_IF_ERROR(fsync_directory(dir_));
        return {};
    }

    Status publish(uint64_t catalog_generation) override {
        OPENBOOK_RETURN_IF_ERROR(write_state(catalog_generation));
        OPENBOOK_RETURN_IF_ERROR(collect_garbage());
        return merge_if_needed();
    }

    Status reset() override {
        buffer_.clear();
        pending_deletes_.clear();
        segments_.clear();
        return {};
    }

    uint64_t catalog_generation() const override { return published_.catalog_generation; }

private:
    Result<LoadedSegment> open_written(uint64_t id, const WrittenSegment& w) {
        LoadedSegment s;
        s.info.id = id;
        s.info.file_size = w.file_size;
        s.info.n_docs = w.n_docs;
        s.info.sum_doc_len = w.sum_doc_len;
        s.info.n_postings = w.n_postings;
        OPENBOOK_ASSIGN_OR_RETURN(s.reader,
                                  SegmentReader::open(dir_ / segment_file_name(id), w.file_size));
        return s;
    }

    // Marks the chunks of pending documents deleted in every segment; writes new bitmaps.
    Result<bool> apply_deletes() {
        bool wrote = false;
        for (LoadedSegment& s : segments_) {
            std::unique_ptr<DeletionBitmap> bitmap;
            const DocEntry* docs = s.reader->docs();
            for (uint32_t d = 0; d < s.info.n_docs; ++d) {
                if (!pending_deletes_.count(docs[d].document_id)) continue;
                if (s.deletions && s.deletions->test(d)) continue;
                if (!bitmap) {
                    bitmap = s.deletions ? std::make_unique<DeletionBitmap>(*s.deletions)
                                         : std::make_unique<DeletionBitmap>(s.info.n_docs);
                }
                bitmap->set(d);
            }
            if (!bitmap) continue;
            uint64_t gen = next_deletion_generation_++;
            OPENBOOK_RETURN_IF_ERROR(
                write_deletions(dir_ / deletion_file_name(s.info.id, gen), *bitmap, s.info.id));
            s.info.deletion_generation = gen;
            s.info.n_deleted = bitmap->count();
            s.deletions = std::shared_ptr<const DeletionBitmap>(std::move(bitmap));
            wrote = true;
        }
        return wrote;
    }

    // Publishes segments_ (minus fully deleted segments) as the new MANIFEST.
    Status write_state(uint64_t catalog_generation) {
        std::erase_if(segments_,
                      [](const LoadedSegment& s) { return s.info.n_deleted == s.info.n_docs; });
        Manifest m;
        m.generation = published_.generation + 1;
        m.catalog_generation = catalog_generation;
        m.next_segment_id = next_segment_id_;
        m.next_deletion_generation = next_deletion_generation_;
        for (const LoadedSegment& s : segments_) m.segments.push_back(s.info);
        OPENBOOK_RETURN_IF_ERROR(write_manifest(dir_, m));
        published_ = std::move(m);
        return {};
    }

    // Removes our files that the published MANIFEST does not reference. Readers that mapped them
    // keep their mappings; a reader between reading MANIFEST and mapping retries (see open()).
    Status collect_garbage() {
        std::unordered_set<std::string> keep;
        for (const ManifestSegment& s : published_.segments) {
            keep.insert(segment_file_name(s.id));
            if (s.deletion_generation != 0) {
                keep.insert(deletion_file_name(s.id, s.deletion_generation));
            }
        }
        // Flushed but unpublished files stay too.
        for (const LoadedSegment& s : segments_) {
            keep.insert(segment_file_name(s.info.id));
            if (s.info.deletion_generation != 0) {
                keep.insert(deletion_file_name(s.info.id, s.info.deletion_generation));
            }
        }
        std::error_code ec;
        std::vector<fs::path> doomed;
        for (fs::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
            std::string name = it->path().filename().string();
            bool ours = name.rfind("seg-", 0) == 0 || name.rfind("MANIFEST.tmp", 0) == 0;
            if (ours && !keep.count(name)) doomed.push_back(it->path());
        }
        if (ec) return Status::io_error(dir_.string() + ": " + ec.message());
        for (const fs::path& p : doomed) fs::remove(p, ec);  // best effort
        return {};
    }

    Status merge_if_needed() {
        for (;;) {
            std::vector<uint64_t> live;
            for (const LoadedSegment& s : segments_) live.push_back(s.info.n_docs - s.info.n_deleted);
            std::vector<size_t> pick = pick_merge(live);
            if (pick.empty()) return {};
            std::sort(pick.begin(), pick.end());  // keep the docs in age order
            std::vector<MergeInput> inputs;
            for (size_t i : pick) {
                inputs.push_back({segments_[i].reader.get(), segments_[i].deletions.get()});
            }
            uint64_t id = next_segment_id_++;
            OPENBOOK_ASSIGN_OR_RETURN(WrittenSegment w,
                                      merge_segments(inputs, dir_ / segment_file_name(id)));
            OPENBOOK_RETURN_IF_ERROR(fsync_directory(dir_));
            // The merged segment takes the place of the first input.
            std::vector<LoadedSegment> next;
            for (size_t i = 0; i < segments_.size(); ++i) {
                if (i == pick.front() && w.file_size != 0) {
                    OPENBOOK_ASSIGN_OR_RETURN(LoadedSegment merged, open_written(id, w));
                    next.push_back(std::move(merged));
                }
                if (std::find(pick.begin(), pick.end(), i) != pick.end()) continue;
                next.push_back(segments_[i]);
            }
            segments_ = std::move(next);
            OPENBOOK_RETURN_IF_ERROR(write_state(published_.catalog_generation));
            OPENBOOK_RETURN_IF_ERROR(collect_garbage());
        }
    }

    fs::path dir_;
    Manifest published_;
    std::vector<LoadedSegment> segments_;
    uint64_t next_segment_id_ = 1;
    uint64_t next_deletion_generation_ = 1;
    MemorySegment buffer_;
    std::unordered_set<int64_t> pending_deletes_;
};

}  // namespace

Result<std::unique_ptr<LexicalIndexWriter>> LexicalIndexWriter::open(const fs::path& dir) {
    auto writer = std::make_unique<WriterImpl>(dir);
    OPENBOOK_RETURN_IF_ERROR(writer->init());
    return std::unique_ptr<LexicalIndexWriter>(std::move(writer));
}

}  // namespace openbook::index
