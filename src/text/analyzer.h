// The lexical analyzer: turns text into the terms the BM25 index stores and queries look up.
// Index and query text go through the same analyzer, so both sides agree on every term.
//
// Pipeline per code point run:
// 1. Normalization: NFKC + case folding (utf8proc), so full-width ＡＢＣ, ligatures and case
//    variants meet.
// 2. Chinese script folding: every Han run is converted to Simplified Chinese with mainland
//    vocabulary (OpenCC's Taiwan→Simplified phrase conversion, after openbook's own
//    cross-strait term table for vocabulary OpenCC maps differently, e.g. 正規化 → 正则化), so a
//    Traditional (zh-TW) question finds Simplified text and the reverse: 資料 meets 数据.
// 3. Tokens: runs of letters/digits of space-separated scripts (Latin, Cyrillic, Greek, ...) are
//    one word each, stemmed with Snowball (libstemmer; English by default, configurable); numbers
//    are kept as they are. Han, Kana and Hangul runs become overlapping character bigrams, and a
//    run of a single character becomes a unigram (Lucene's CJKBigramFilter behaviour), so 檢索
//    finds 檢索增強生成系統. Punctuation, symbols and emoji produce no terms.
// 4. Optional stopword removal for the stemmer's language (off by default: BM25's idf already
//    discounts them, and a query made only of stopwords must still find something).
//
// Thread-safety: an Analyzer is NOT thread-safe (the stemmer keeps state); use one per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "openbook/status.h"

namespace openbook::text {

struct AnalyzerOptions {
    std::string stem_language = "english";  // any libstemmer algorithm name, or "none"
    bool fold_chinese_script = true;         // Traditional/Simplified folding (step 2)
    bool remove_stopwords = false;
};

struct Token {
    std::string term;
    uint32_t begin = 0;  // byte span in the analyzed (original, unnormalized) text
    uint32_t end = 0;
};

class Analyzer {
public:
    // Fails with kInvalidArgument for an unknown stemmer language (the message lists the
    // known ones) and kUnsupported when OpenCC's data files cannot be loaded.
    static Result<std::unique_ptr<Analyzer>> create(const AnalyzerOptions& options = {});
    ~Analyzer();
    Analyzer(const Analyzer&) = delete;
    Analyzer& operator=(const Analyzer&) = delete;

    // Appends the terms of text in order (repeats kept: callers count term frequencies).
    // Invalid UTF-8 is treated as U+FFFD and produces no terms; never fails.
    void analyze(std::string_view text, std::vector<std::string>& terms) const;

    // Like analyze, with each term's byte span in `text` (for highlighting). Where script
    // folding changed a run's length, a term's span covers the source characters it came from
    // as closely as can be told (at worst the whole run).
    void tokenize(std::string_view text, std::vector<Token>& tokens) const;

    const AnalyzerOptions& options() const;

private:
    struct Impl;
    explicit Analyzer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace openbook::text
