#include "collection/lexical_sync.h"

#include "core/fs.h"

namespace openbook::collection {

namespace {

constexpr const char* kAnalyzerFile = "ANALYZER";
// Bump when the analyzer's output changes for the same options (new normalization, new term
// table entries): every index built before is then rebuilt on the next write.
constexpr int kAnalyzerRevision = 1;

std::string read_signature(const std::filesystem::path& dir) {
    auto s = core::read_file(dir / kAnalyzerFile);
    return s.has_value() ? *s : std::string();
}

}  // namespace

Result<text::AnalyzerOptions> analyzer_options(store::Catalog& catalog) {
    text::AnalyzerOptions options;
    OPENBOOK_ASSIGN_OR_RETURN(std::string language, catalog.get_meta(kStemLanguageKey));
    if (!language.empty()) options.stem_language = language;
    return options;
}

std::string analyzer_signature(const text::AnalyzerOptions& o) {
    return "openbook-analyzer/" + std::to_string(kAnalyzerRevision) + " stem=" + o.stem_language +
           " fold-chinese=" + (o.fold_chinese_script ? "1" : "0") +
           " stopwords=" + (o.remove_stopwords ? "1" : "0") + "\n";
}

void chunk_terms(const text::Analyzer& analyzer, const std::string& title,
                 const std::vector<std::string>& heading_path, const std::string& text,
                 std::vector<std::string>& terms) {
    terms.clear();
    analyzer.analyze(title, terms);
    for (const auto& heading : heading_path) {
        if (heading != title) analyzer.analyze(heading, terms);
    }
    analyzer.analyze(text, terms);
}

std::unique_ptr<index::LexicalIndexReader> open_current_lexical_index(
    const std::filesystem::path& collection_dir, uint64_t catalog_generation,
    const text::AnalyzerOptions& options) {
    const auto dir = collection_dir / kLexicalDir;
    if (read_signature(dir) != analyzer_signature(options)) return nullptr;
    auto reader = index::LexicalIndexReader::open(dir);
    if (!reader.has_value() || (*reader)->catalog_generation() != catalog_generation) {
        return nullptr;
    }
    return std::move(reader).value();
}

Status rebuild_lexical_index(const std::filesystem::path& collection_dir,
                             store::Catalog& catalog, const text::AnalyzerOptions& options) {
    const auto dir = collection_dir / kLexicalDir;
    // Start from nothing: whatever is there may be damaged. Readers that still map old segment
    // files keep their mappings (unlinked files live on until unmapped).
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    std::filesystem::create_directories(dir, ec);
    if (ec) return Status::io_error(dir.string() + ": " + ec.message());
    OPENBOOK_ASSIGN_OR_RETURN(auto analyzer, text::Analyzer::create(options));
    OPENBOOK_ASSIGN_OR_RETURN(auto writer, index::LexicalIndexWriter::open(dir));
    OPENBOOK_ASSIGN_OR_RETURN(uint64_t generation, catalog.generation());
    std::vector<std::string> terms;
    OPENBOOK_RETURN_IF_ERROR(catalog.for_each_chunk(
        [&](const store::DocumentRecord& d, const store::ChunkRecord& c) -> Status {
            chunk_terms(*analyzer, d.title, c.heading_path, c.text, terms);
            writer->add({c.id, d.id, terms});
            return {};
        }));
    OPENBOOK_RETURN_IF_ERROR(writer->flush());
    OPENBOOK_RETURN_IF_ERROR(writer->publish(generation));
    return core::write_file_atomic(dir / kAnalyzerFile, analyzer_signature(options));
}

Result<std::unique_ptr<LexicalSync>> LexicalSync::open(const std::filesystem::path& collection_dir,
                                                       store::Catalog& catalog) {
    OPENBOOK_ASSIGN_OR_RETURN(uint64_t generation, catalog.generation());
    OPENBOOK_ASSIGN_OR_RETURN(auto options, analyzer_options(catalog));
    if (!open_current_lexical_index(collection_dir, generation, options)) {
        OPENBOOK_RETURN_IF_ERROR(rebuild_lexical_index(collection_dir, catalog, options));
    }
    OPENBOOK_ASSIGN_OR_RETURN(auto analyzer, text::Analyzer::create(options));
    OPENBOOK_ASSIGN_OR_RETURN(auto writer,
                              index::LexicalIndexWriter::open(collection_dir / kLexicalDir));
    return std::unique_ptr<LexicalSync>(new LexicalSync(std::move(writer), std::move(analyzer)));
}

void LexicalSync::remove_document(int64_t document_id) { writer_->remove_document(document_id); }

void LexicalSync::add_document(const store::DocumentRecord& document,
                               const std::vector<store::ChunkRecord>& chunks) {
    for (const auto& c : chunks) {
        chunk_terms(*analyzer_, document.title, c.heading_path, c.text, scratch_terms_);
        writer_->add({c.id, document.id, scratch_terms_});
    }
}

Status LexicalSync::commit(store::Catalog& catalog) {
    OPENBOOK_RETURN_IF_ERROR(writer_->flush());
    OPENBOOK_ASSIGN_OR_RETURN(uint64_t generation, catalog.bump_generation());
    OPENBOOK_RETURN_IF_ERROR(catalog.commit());
    return writer_->publish(generation);
}

}  // namespace openbook::collection
