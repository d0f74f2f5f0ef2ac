// The lexical analyzer: turns text into the terms the BM25 index stores and queries look up.
// Index and query text go through the same analyzer, so both sides agree on every term.
//
// Pipeline per code point run:
// 1. Normalization: NFKC + case folding (utf8proc), so full-width ＡＢＣ, ligatures and case
//    variants meet. Plain ASCII skips utf8proc; a character is normalized together with the
//    combining marks that follow it (e + U+0301 = é, ｶﾞ = ガ).
// 2. Chinese script folding: every Han run is converted to Simplified Chinese with mainland
//    vocabulary, so a Traditional (zh-TW) question finds Simplified text and the reverse: 資料
//    meets 数据 (script_folding.h). openbook's own cross-strait term table goes first, for
//    vocabulary OpenCC maps differently (正規化 → 正则化, cross_strait_terms.h); then OpenCC's
//    Taiwan→Simplified phrase conversion (tw2sp) for runs written in Traditional characters, and
//    its plain character conversion (t2s) for runs in Simplified ones: tw2sp's Taiwan vocabulary
//    would otherwise rewrite mainland words (程序 → 进程). A run with no character telling the
//    script (我的程序) follows the majority of the text analyzed in the same call, and
//    Simplified when that says nothing either. Japanese kanji are Han and are folded too.
// 3. Tokens: runs of letters/digits of space-separated scripts (Latin, Cyrillic, Greek, ...) are
//    one word each, stemmed with Snowball (libstemmer; English by default, configurable); numbers
//    are kept as they are. Han, Kana and Hangul runs become overlapping character bigrams, and a
//    run of a single character becomes a unigram (Lucene's CJKBigramFilter behaviour), so 檢索
//    finds 檢索增強生成系統. Punctuation, symbols and emoji produce no terms.
//    Details: an apostrophe (' or ’) between two letters stays in the word (don't, o'neil; the
//    English stemmer then drops a possessive 's); a '.' between two digits joins them (3.14,
//    v1.2.0); other punctuation splits (GPT-4 → gpt, 4; 1,000 → 1, 000). A word containing a
//    digit (gpt4, x86, 2018) is never stemmed. Words longer than 128 bytes (hashes, base64)
//    produce no term. Soft hyphens and variation selectors are ignored inside words.
// 4. Optional stopword removal (off by default: BM25's idf already discounts them, and a query
//    made only of stopwords must still find something). openbook's list is English, applied
//    before stemming when the stemmer is English ("english", "porter", "en", "eng"); other
//    languages and "none" keep every word.
//
// Thread-safety: an Analyzer is NOT thread-safe (the stemmer keeps state); use one per thread.
// All analyzers share one immutable script folder, loaded on first use.
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

    // Like analyze (the same terms in the same order), with each term's byte span in `text`
    // (for highlighting). Spans begin in non-decreasing order and lie on code point boundaries.
    // A word's span runs from its first to its last source character; a bigram's covers its two
    // characters, where a character that script folding produced from a dictionary phrase stands
    // for the whole phrase (内存 from 記憶體 spans 記憶體), so the text under any span, analyzed
    // in a text of the same script, yields the term again.
    void tokenize(std::string_view text, std::vector<Token>& tokens) const;

    const AnalyzerOptions& options() const;

private:
    struct Impl;
    explicit Analyzer(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace openbook::text
