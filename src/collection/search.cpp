// Collection::search: analyze the query, take the top chunks from the lexical index, and dress
// them with what a reader needs (document, headings, page, exact span, highlighted terms).
#include <chrono>
#include <unordered_set>

#include "collection/collection_impl.h"
#include "core/file_lock.h"
#include "core/glob.h"
#include "text/utf8.h"

namespace openbook {

namespace {

constexpr size_t kMaxQueryBytes = 16 * 1024;  // longer queries are cut (at a character boundary)
constexpr size_t kMaxK = 10000;

// Byte spans [begin, end) → merged, sorted spans; also converted to code points of `text`.
void set_highlights(const std::string& text, std::vector<Span> bytes, SearchHit& hit) {
    std::sort(bytes.begin(), bytes.end(),
              [](const Span& a, const Span& b) { return a.start < b.start; });
    std::vector<Span> merged;
    for (const auto& s : bytes) {
        if (!merged.empty() && s.start <= merged.back().end) {
            merged.back().end = std::max(merged.back().end, s.end);
        } else {
            merged.push_back(s);
        }
    }
    hit.highlight_bytes = merged;
    // One forward pass converts every boundary to code points.
    int64_t cp = 0;
    size_t b = 0;
    auto advance_to = [&](int64_t byte) {
        while (b < static_cast<size_t>(byte) && b < text.size()) {
            cp += (static_cast<unsigned char>(text[b]) & 0xC0) != 0x80;
            ++b;
        }
        return cp;
    };
    for (const auto& s : merged) {
        Span c;
        c.start = advance_to(s.start);
        c.end = advance_to(s.end);
        hit.highlights.push_back(c);
    }
}

}  // namespace

Result<SearchResult> Collection::search(const std::string& query, const SearchRequest& request) {
    const auto t0 = std::chrono::steady_clock::now();
    Impl& impl = *impl_;
    store::Catalog& catalog = *impl.catalog;
    SearchResult result;
    if (request.k == 0 || request.k > kMaxK) {
        return Status::invalid_argument("-k must be between 1 and " + std::to_string(kMaxK));
    }
    OPENBOOK_ASSIGN_OR_RETURN(auto analyzer_options, collection::analyzer_options(catalog));
    if (!impl.analyzer || impl.analyzer->options().stem_language != analyzer_options.stem_language) {
        OPENBOOK_ASSIGN_OR_RETURN(impl.analyzer, text::Analyzer::create(analyzer_options));
    }

    // (Re)open the index snapshot when the catalog moved on; repair it if it is unusable.
    OPENBOOK_ASSIGN_OR_RETURN(uint64_t generation, catalog.generation());
    if (!impl.reader || impl.reader_generation != generation) {
        impl.reader = collection::open_current_lexical_index(impl.dir, generation, analyzer_options);
    }
    if (!impl.reader) {
        // Repair needs the writer lock (ours, or a free one); with another writer at work, use
        // what it last published.
        std::optional<core::FileLock> lock;
        if (!impl.writer_lock) {
            auto taken = core::FileLock::try_acquire(impl.dir / collection::kLockFile);
            if (taken.has_value()) lock.emplace(std::move(taken).value());
        }
        if (impl.writer_lock || lock) {
            OPENBOOK_RETURN_IF_ERROR(
                collection::rebuild_lexical_index(impl.dir, catalog, analyzer_options));
            result.notes.push_back("the lexical index was rebuilt from the catalog");
        }
        const auto dir = impl.dir / collection::kLexicalDir;
        // Rebuilt, or left as published while a writer works (stale but consistent).
        auto reader = index::LexicalIndexReader::open(dir);
        if (!reader.has_value()) {
            return reader.error().with_context(
                "the lexical index is unusable and another openbook process is writing to the "
                "collection; try again when it is done");
        }
        impl.reader = std::move(reader).value();
    }
    impl.reader_generation = generation;
    if (impl.documents_generation != generation) {
        OPENBOOK_ASSIGN_OR_RETURN(auto docs, catalog.list_documents(false));
        impl.documents.clear();
        for (const auto& d : docs) {
            impl.documents[d.id] = {d.uri, d.display_path, d.title, d.external_id};
        }
        impl.documents_generation = generation;
    }

    std::string q = query;
    if (q.size() > kMaxQueryBytes) {
        size_t cut = kMaxQueryBytes;
        while (cut > 0 && !text::is_code_point_boundary(q, cut)) --cut;
        q.resize(cut);
        result.notes.push_back("the query was cut to its first 16 KB");
    }
    impl.analyzer->analyze(q, result.terms);
    if (result.terms.empty()) {
        result.notes.push_back("the query has no searchable words");
        return result;
    }
    {
        std::unordered_set<std::string> seen;
        for (const auto& t : result.terms) {
            if (seen.insert(t).second) {
                result.term_stats.push_back({t, impl.reader->document_frequency(t), impl.reader->idf(t)});
            }
        }
    }

    index::SearchOptions options;
    options.k = request.k;
    options.bm25.k1 = request.k1;
    options.bm25.b = request.b;
    options.exhaustive = request.exhaustive;
    std::unordered_set<int64_t> allowed;
    if (!request.filter.empty()) {
        for (const auto& [id, d] : impl.documents) {
            if (core::glob_match(request.filter, d.path) || core::glob_match(request.filter, d.uri)) {
                allowed.insert(id);
            }
        }
        options.document_filter = [&allowed](int64_t id) { return allowed.count(id) > 0; };
    }
    OPENBOOK_ASSIGN_OR_RETURN(auto scored, impl.reader->search(result.terms, options));

    std::unordered_set<std::string> term_set(result.terms.begin(), result.terms.end());
    std::vector<text::Token> tokens;
    for (const auto& s : scored) {
        auto doc = impl.documents.find(s.document_id);
        if (doc == impl.documents.end()) continue;  // removed since the index was published
        SearchHit hit;
        hit.score = s.score;
        hit.chunk_id = s.chunk_id;
        hit.document_id = s.document_id;
        hit.uri = doc->second.uri;
        hit.path = doc->second.path;
        hit.title = doc->second.title;
        hit.external_id = doc->second.external_id;
        if (request.with_text) {
            OPENBOOK_ASSIGN_OR_RETURN(auto chunk, catalog.find_chunk(s.chunk_id));
            if (!chunk) continue;
            hit.heading_path = std::move(chunk->heading_path);
            hit.page = chunk->page;
            hit.ordinal = chunk->ordinal;
            hit.char_start = chunk->char_start;
            hit.char_end = chunk->char_end;
            hit.text = std::move(chunk->text);
            tokens.clear();
            impl.analyzer->tokenize(hit.text, tokens);
            std::vector<Span> spans;
            for (const auto& t : tokens) {
                if (term_set.count(t.term)) spans.push_back({t.begin, t.end});
            }
            set_highlights(hit.text, std::move(spans), hit);
        }
        result.hits.push_back(std::move(hit));
    }
    result.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return result;
}

}  // namespace openbook
