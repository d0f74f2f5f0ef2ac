// Chinese script folding for the analyzer (its step 2): converts a run of Han characters to
// Simplified characters with mainland vocabulary, and says which input characters each output
// character came from, so token spans can point at the original text.
//
// Two stages, in this order:
// 1. openbook's cross-strait term table (cross_strait_terms.h), leftmost-longest; its matches are
//    final and never seen by stage 2.
// 2. An OpenCC conversion of the text between matches, chosen by the script of the run:
//    - Traditional text gets "tw2sp" (Taiwan Traditional → Simplified with mainland phrases:
//      資料 → 数据, 記憶體 → 内存).
//    - Simplified text gets plain "t2s" (characters only). tw2sp must not see it: its Taiwan
//      vocabulary tables also rewrite words mainland text uses with another meaning (程序 →
//      进程, 文件 → 文档, 什么 → 什幺), so the same Simplified word would fold one way in a
//      mainland book and another way in the Taiwan query that means it.
//    The caller picks the script (see evidence()).
//
// OpenCC's own converter runs at about 1 MB/s, far too slow for ingest, so the folder reads the
// two configurations' dictionaries through OpenCC once and replays OpenCC's algorithm over hash
// tables: maximum-match segmentation with the segmentation dictionary, then each conversion of
// the chain as a maximum match inside each segment, the dictionaries of a group tried in order
// and the first that matches winning (OpenCC 1.1's semantics). The tests check the result
// equals OpenCC's own output on real Traditional and Simplified text.
//
// Thread-safety: a folder is immutable after loading; share it between threads. FoldBuffers are
// per caller.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "openbook/status.h"

namespace openbook::text {

enum class ChineseScript { kTraditional, kSimplified };

// Inclusive range of input character indexes an output character came from.
struct SourceRange {
    uint32_t first = 0;
    uint32_t last = 0;
};

// The result of a fold (cps[i] came from src[i]) and scratch space the folder reuses.
struct FoldBuffers {
    std::vector<char32_t> cps;
    std::vector<SourceRange> src;

    // Scratch, owned here so a shared folder needs no locking and no allocations in steady state.
    std::vector<char32_t> stage_cps, scratch_cps;
    std::vector<SourceRange> stage_src, scratch_src;
    std::vector<uint32_t> segment_ends;
};

class ChineseScriptFolder {
public:
    // The process-wide folder, loaded on first use from OpenCC's tw2sp.json, t2s.json and
    // s2t.json (searched where OpenCC searches: the working directory, then its data directory).
    // kUnsupported when OpenCC cannot load them or a configuration has a shape this code does
    // not replay.
    static Result<std::shared_ptr<const ChineseScriptFolder>> shared();

    // Loads a folder from OpenCC configuration files (for tests and odd installations): the
    // conversions for Traditional and for Simplified text, and a Simplified → Traditional one
    // whose character table tells Simplified-only characters (see evidence()).
    static Result<std::shared_ptr<const ChineseScriptFolder>> load(
        const std::string& traditional_config, const std::string& simplified_config,
        const std::string& evidence_config);

    ~ChineseScriptFolder();
    ChineseScriptFolder(const ChineseScriptFolder&) = delete;
    ChineseScriptFolder& operator=(const ChineseScriptFolder&) = delete;

    // What one character says about the script of its text: +1 for a character only Traditional
    // text uses (資, 體, 們), -1 for one only Simplified text uses (资, 体, 们), 0 for the many
    // both share (的, 程, 序, 干). Taken from OpenCC's character tables in both directions.
    int evidence(char32_t cp) const;

    // Replaces out.cps/out.src with the fold of `han` (both stages). `han` should hold Han
    // characters only; anything else passes through unless a dictionary lists it. Every output
    // character of a dictionary match comes from the whole matched phrase (記憶體 → 内存: both
    // from 記憶體), so analyzing the text under a token's span yields that token again.
    void fold(std::span<const char32_t> han, ChineseScript script, FoldBuffers& out) const;

    // Stage 2 alone: exactly what OpenCC's converter for `script` makes of `han`, for tests.
    void fold_opencc_only(std::span<const char32_t> han, ChineseScript script,
                          FoldBuffers& out) const;

private:
    struct Tables;
    struct Conversion;
    explicit ChineseScriptFolder(std::unique_ptr<const Tables> tables);
    // Appends the conversion of han[begin, end) to out, source indexes offset by begin.
    void convert(const Conversion& conversion, std::span<const char32_t> han, size_t begin,
                 size_t end, FoldBuffers& out) const;
    std::unique_ptr<const Tables> tables_;
};

}  // namespace openbook::text
