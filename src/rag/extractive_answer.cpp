// answer_extractive: retrieval, then the sentences that carry most of the question's weight.
//
// A question's terms are weighted by idf, so "what is the" weighs little and "encrypted PDF"
// much. A passage's coverage is the share of that weight it contains; the best passage must
// reach AskOptions::min_coverage or the answer says plainly that the documents do not cover the
// question. Sentences are scored the same way and the best few are quoted, each citing its
// passage as [n] with the sentence's exact character span in the document.
#include <algorithm>
#include <chrono>
#include <map>
#include <unordered_map>
#include <unordered_set>

#include "openbook/answer.h"
#include "text/analyzer.h"
#include "text/sentence.h"
#include "text/token_estimate.h"
#include "text/unicode.h"
#include "text/utf8.h"

namespace openbook {

namespace {

constexpr size_t kMinSentenceTokens = 4;  // shorter "sentences" are headings or fragments

struct Candidate {
    AnswerSentence sentence;
    size_t source_index = 0;
    size_t byte_start = 0;
};

double coverage(const std::unordered_set<std::string>& present,
                const std::unordered_map<std::string, double>& weights, double total) {
    double got = 0;
    for (const auto& [term, w] : weights) {
        if (present.count(term)) got += w;
    }
    return total > 0 ? got / total : 0;
}

}  // namespace

Result<Answer> answer_extractive(Collection& collection, const std::string& question,
                                 const AskOptions& options) {
    const auto t0 = std::chrono::steady_clock::now();
    Answer answer;
    answer.question = question;
    SearchRequest request;
    request.k = std::max<size_t>(options.k, 1);
    request.filter = options.filter;
    OPENBOOK_ASSIGN_OR_RETURN(auto result, collection.search(question, request));
    answer.notes = result.notes;

    // A CJK bigram that occurs in no chunk is often an artifact of bigramming across a word
    // boundary (加密的 → 密的), but may be the very word the documents lack (總統): it counts at
    // half weight. A missing word of a spaced script (a name, a topic) counts fully.
    constexpr double kUnseenCjkBigramWeight = 0.5;
    std::unordered_map<std::string, double> weights;
    for (const auto& t : result.term_stats) {
        size_t pos = 0;
        const bool cjk = !t.term.empty() && text::is_cjk(text::decode_utf8(t.term, pos));
        weights[t.term] = t.chunks == 0 && cjk ? kUnseenCjkBigramWeight * t.idf : t.idf;
    }
    double total = 0;
    for (const auto& [term, w] : weights) total += w;

    // The collection's own analyzer settings, so sentence terms match the indexed terms.
    text::AnalyzerOptions analyzer_options;
    OPENBOOK_ASSIGN_OR_RETURN(analyzer_options.stem_language, collection.language());
    OPENBOOK_ASSIGN_OR_RETURN(auto analyzer, text::Analyzer::create(analyzer_options));
    std::vector<text::Token> tokens;
    auto terms_in = [&](std::string_view s) {
        tokens.clear();
        analyzer->tokenize(s, tokens);
        std::unordered_set<std::string> present;
        for (const auto& t : tokens) {
            if (weights.count(t.term)) present.insert(t.term);
        }
        return present;
    };

    std::vector<Candidate> candidates;
    for (size_t i = 0; i < result.hits.size(); ++i) {
        AnswerSource source;
        source.number = static_cast<int>(i + 1);
        source.hit = std::move(result.hits[i]);
        source.coverage = coverage(terms_in(source.hit.text), weights, total);
        const std::string& text = source.hit.text;
        // Code-point offsets of each sentence, counted in one forward pass.
        int64_t cp = 0;
        size_t b = 0;
        auto cp_at = [&](size_t byte) {
            for (; b < byte && b < text.size(); ++b) {
                cp += (static_cast<unsigned char>(text[b]) & 0xC0) != 0x80;
            }
            return cp;
        };
        for (auto span : text::split_sentences(text)) {
            // Markdown headings are labels, not statements; list and quote markers are layout.
            if (text[span.begin] == '#') continue;
            while (span.size() > 2 && (text[span.begin] == '-' || text[span.begin] == '*' ||
                                       text[span.begin] == '>') && text[span.begin + 1] == ' ') {
                span.begin += 2;
            }
            std::string_view s(text.data() + span.begin, span.size());
            if (text::estimate_tokens(s) < kMinSentenceTokens) continue;
            Candidate c;
            c.sentence.text = std::string(s);
            c.sentence.source = source.number;
            c.sentence.score = coverage(terms_in(s), weights, total);
            c.sentence.char_start = source.hit.char_start + cp_at(span.begin);
            c.sentence.char_end = source.hit.char_start + cp_at(span.end);
            c.source_index = i;
            c.byte_start = span.begin;
            if (c.sentence.score > 0) candidates.push_back(std::move(c));
        }
        answer.sources.push_back(std::move(source));
    }

    const double best = answer.sources.empty()
                            ? 0
                            : std::max_element(answer.sources.begin(), answer.sources.end(),
                                               [](const AnswerSource& a, const AnswerSource& b) {
                                                   return a.coverage < b.coverage;
                                               })->coverage;
    if (answer.sources.empty() || best < options.min_coverage || candidates.empty()) {
        answer.found = false;
        answer.message = answer.sources.empty()
                             ? "Nothing in the collection matches the question."
                             : "The documents do not seem to answer this: the closest passages "
                               "share only some of the question's words.";
        answer.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        return answer;
    }

    // Best sentences first (ties: better-ranked passage, earlier in it), then shown in reading
    // order: by passage rank, then position.
    std::stable_sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
        if (a.sentence.score != b.sentence.score) return a.sentence.score > b.sentence.score;
        if (a.source_index != b.source_index) return a.source_index < b.source_index;
        return a.byte_start < b.byte_start;
    });
    std::vector<Candidate> chosen;
    std::unordered_set<std::string> seen_text;
    for (auto& c : candidates) {
        if (chosen.size() >= options.max_sentences) break;
        if (!seen_text.insert(c.sentence.text).second) continue;  // overlapping chunks repeat
        chosen.push_back(std::move(c));
    }
    std::sort(chosen.begin(), chosen.end(), [](const Candidate& a, const Candidate& b) {
        if (a.source_index != b.source_index) return a.source_index < b.source_index;
        return a.byte_start < b.byte_start;
    });
    for (auto& c : chosen) answer.sentences.push_back(std::move(c.sentence));
    answer.found = true;
    answer.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return answer;
}

}  // namespace openbook
