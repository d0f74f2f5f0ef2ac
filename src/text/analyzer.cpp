#include "text/analyzer.h"

#include <libstemmer.h>
#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <span>

#include "text/script_folding.h"
#include "text/unicode.h"
#include "text/utf8.h"

namespace openbook::text {

namespace {

// Longer "words" are base64, hashes or minified code: nobody types them into a query, and each
// would be a posting list of its own. They produce no term.
constexpr size_t kMaxWordBytes = 128;

// Stems of recent words. Word frequencies are Zipfian, so a small direct-mapped cache, short
// words stored inline, answers most lookups with one cache line; a std::unordered_map of stems
// took 40% of the time on English text, and the stemmer itself more.
class StemCache {
public:
    static constexpr size_t kMaxBytes = 22;  // longer words (rare) go to the stemmer directly

    // Sets *stem (valid until the next put) and returns true when word's stem is cached.
    bool find(std::string_view word, std::string_view* stem) const {
        if (word.size() > kMaxBytes || slots_.empty()) return false;
        const Slot& slot = slots_[hash(word) & (kSlots - 1)];
        if (slot.word_length != word.size() + 1 ||
            std::memcmp(slot.word, word.data(), word.size()) != 0) {
            return false;
        }
        *stem = std::string_view(slot.stem, slot.stem_length);
        return true;
    }

    void put(std::string_view word, std::string_view stem) {
        if (word.size() > kMaxBytes || stem.size() > kMaxBytes) return;
        // Allocated on first use: an analyzer made for one short query never pays for it.
        if (slots_.empty()) slots_.resize(kSlots);
        Slot& slot = slots_[hash(word) & (kSlots - 1)];
        std::memcpy(slot.word, word.data(), word.size());
        slot.word_length = static_cast<uint8_t>(word.size() + 1);
        std::memcpy(slot.stem, stem.data(), stem.size());
        slot.stem_length = static_cast<uint8_t>(stem.size());
    }

private:
    static constexpr size_t kSlots = 1 << 14;  // 16,384 × 48 bytes: 768 KB per analyzer
    struct Slot {
        char word[kMaxBytes] = {};
        uint8_t word_length = 0;  // length + 1; 0 marks an empty slot
        uint8_t stem_length = 0;
        char stem[kMaxBytes] = {};
        char padding[2] = {};
    };
    static_assert(sizeof(Slot) == 48);

    static uint64_t hash(std::string_view word) {
        uint64_t lanes[3] = {0, 0, 0};
        std::memcpy(lanes, word.data(), word.size());
        uint64_t h = (lanes[0] * 0x9E3779B97F4A7C15ull) ^ (lanes[1] * 0xC2B2AE3D27D4EB4Full) ^
                     (lanes[2] * 0x165667B19E3779F9ull) ^ word.size();
        h ^= h >> 31;
        h *= 0xD6E8FEB86659FD93ull;
        return h ^ (h >> 32);
    }

    std::vector<Slot> slots_;
};

constexpr auto kNormalization = static_cast<utf8proc_option_t>(UTF8PROC_COMPOSE | UTF8PROC_COMPAT |
                                                               UTF8PROC_CASEFOLD | UTF8PROC_STABLE);

// openbook's English stopwords: the function words that carry no topic. Sorted (binary search).
constexpr std::array<std::string_view, 58> kEnglishStopwords = {
    "a",    "an",    "and",   "are",  "as",   "at",    "be",    "been", "but",   "by",
    "can",  "do",    "does",  "for",  "from", "had",   "has",   "have", "he",    "her",
    "his",  "i",     "if",    "in",   "into", "is",    "it",    "its",  "not",   "of",
    "on",   "or",    "our",   "she",  "so",   "than",  "that",  "the",  "their", "them",
    "then", "there", "these", "they", "this", "those", "to",    "was",  "we",    "were",
    "what", "when",  "which", "who",  "will", "with",  "would", "you",
};
static_assert(std::is_sorted(kEnglishStopwords.begin(), kEnglishStopwords.end()));

bool is_english(std::string_view language) {
    return language == "english" || language == "porter" || language == "en" || language == "eng";
}

bool is_han(char32_t cp) {
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x20000 && cp <= 0x3134F) || (cp >= 0xF900 && cp <= 0xFAFF) ||
           (cp >= 0x2E80 && cp <= 0x2FDF) || (cp >= 0x3005 && cp <= 0x3007) ||
           (cp >= 0x3021 && cp <= 0x3029);
}

// Code points NFKC may compose with the character before them: combining marks, Hangul medial
// vowels and final consonants, half-width kana voicing marks. They are normalized together with
// that character (a "cluster"), so e + U+0301 meets é and ｶﾞ meets ガ.
bool combines_with_previous(char32_t cp) {
    if (cp < 0x300) return false;
    if ((cp >= 0x1160 && cp <= 0x11FF) || (cp >= 0xD7B0 && cp <= 0xD7FF) || cp == 0xFF9E ||
        cp == 0xFF9F) {
        return true;
    }
    const auto* property = utf8proc_get_property(static_cast<utf8proc_int32_t>(cp));
    return property->combining_class != 0 || property->category == UTF8PROC_CATEGORY_MN ||
           property->category == UTF8PROC_CATEGORY_MC || property->category == UTF8PROC_CATEGORY_ME;
}

// No compatibility or canonical decomposition and no case folding: NFKC + casefold leaves the
// code point alone (when nothing combines with it), so utf8proc need not run.
bool maps_to_itself(char32_t cp) {
    const auto* property = utf8proc_get_property(static_cast<utf8proc_int32_t>(cp));
    return property->decomp_seqindex == std::numeric_limits<utf8proc_uint16_t>::max() &&
           property->casefold_seqindex == std::numeric_limits<utf8proc_uint16_t>::max();
}

// Invisible characters that must not split a word: the soft hyphen PDFs and HTML leave inside
// words, and variation selectors.
bool is_ignorable(char32_t cp) {
    return cp == 0x00AD || (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF);
}

enum class CharKind : uint8_t { kLetter, kDigit, kMark };

struct ByteRange {
    uint32_t begin = 0;
    uint32_t end = 0;
};

std::string known_languages() {
    std::string out;
    for (const char** name = sb_stemmer_list(); *name != nullptr; ++name) {
        out += *name;
        out += ", ";
    }
    return out + "none";
}

}  // namespace

struct Analyzer::Impl {
    AnalyzerOptions options;
    std::shared_ptr<const ChineseScriptFolder> folder;  // null when folding is off
    sb_stemmer* stemmer = nullptr;                      // null for "none"
    bool stopwords = false;

    // Where the current call puts its output (exactly one is set).
    std::vector<std::string>* terms_out = nullptr;
    std::vector<Token>* tokens_out = nullptr;

    // The word being built: normalized bytes, source span, what it is made of.
    std::string word;
    bool in_word = false;
    bool word_has_digit = false;
    CharKind last_kind = CharKind::kLetter;  // of the last letter or digit in the word
    char pending_joiner = 0;  // an apostrophe or '.' seen after the word, joined if a match follows
    ByteRange word_span;

    // The CJK run being built, normalized, with each character's source span.
    std::vector<char32_t> run_cps;
    std::vector<ByteRange> run_spans;
    // The run after script folding.
    std::vector<char32_t> folded_cps;
    std::vector<ByteRange> folded_spans;
    FoldBuffers fold;

    // The text of the current call, and its script evidence (see text_script_balance).
    std::string_view text;
    int text_balance = 0;
    bool text_balance_known = false;

    std::vector<utf8proc_int32_t> normalized{std::vector<utf8proc_int32_t>(16)};
    std::string term;
    StemCache stem_cache;
    std::string stemmed;

    ~Impl() { sb_stemmer_delete(stemmer); }

    void run(std::string_view input);

    void emit(std::string_view t, ByteRange span) {
        if (tokens_out != nullptr) {
            tokens_out->push_back(Token{std::string(t), span.begin, span.end});
        } else {
            terms_out->emplace_back(t);
        }
    }

    void feed_separator() {
        finish_word();
        finish_run();
    }

    void feed_ascii(unsigned char c, ByteRange span) {
        if (c >= 'a' && c <= 'z') {
            add_to_word(static_cast<char>(c), CharKind::kLetter, span);
        } else if (c >= 'A' && c <= 'Z') {
            add_to_word(static_cast<char>(c + ('a' - 'A')), CharKind::kLetter, span);
        } else if (c >= '0' && c <= '9') {
            add_to_word(static_cast<char>(c), CharKind::kDigit, span);
        } else if (c == '\'' || c == '.') {
            feed_joiner(static_cast<char>(c));
        } else {
            feed_separator();
        }
    }

    // An apostrophe joins letters (don't, o'neil); a period joins digits (3.14, v1.2.0). Anything
    // else about them ends the word.
    void feed_joiner(char joiner) {
        if (!in_word || pending_joiner != 0) {
            feed_separator();
            return;
        }
        pending_joiner = joiner;
    }

    // Starts the word if needed; `bytes` is the normalized UTF-8 of one code point.
    template <class Bytes>
    void add_to_word(const Bytes& bytes, CharKind kind, ByteRange span) {
        if (!run_cps.empty()) finish_run();
        if (in_word && pending_joiner != 0) {
            const bool joins = pending_joiner == '\''
                                   ? last_kind == CharKind::kLetter && kind == CharKind::kLetter
                                   : last_kind == CharKind::kDigit && kind == CharKind::kDigit;
            if (joins) {
                word.push_back(pending_joiner);
                pending_joiner = 0;
            } else {
                finish_word();
            }
        }
        if (!in_word) {
            if (kind == CharKind::kMark) return;  // a mark with no letter to sit on
            in_word = true;
            word.clear();
            word_has_digit = false;
            word_span.begin = span.begin;
        }
        if (word.size() <= kMaxWordBytes) word += bytes;  // past that, only the length matters
        word_span.end = span.end;
        if (kind != CharKind::kMark) last_kind = kind;
        if (kind == CharKind::kDigit) word_has_digit = true;
    }

    void add_to_run(char32_t cp, ByteRange span) {
        if (in_word) finish_word();
        run_cps.push_back(cp);
        run_spans.push_back(span);
    }

    // One code point of normalized text, from source bytes `span`.
    void feed_normalized(char32_t cp, ByteRange span) {
        if (cp < 0x80) {
            feed_ascii(static_cast<unsigned char>(cp), span);
            return;
        }
        if (is_cjk(cp)) {
            add_to_run(cp, span);
            return;
        }
        if (cp == 0x2019) {  // ’, the apostrophe of typeset English
            feed_joiner('\'');
            return;
        }
        if (is_ignorable(cp)) return;
        CharKind kind;
        switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
            case UTF8PROC_CATEGORY_LU:
            case UTF8PROC_CATEGORY_LL:
            case UTF8PROC_CATEGORY_LT:
            case UTF8PROC_CATEGORY_LM:
            case UTF8PROC_CATEGORY_LO: kind = CharKind::kLetter; break;
            case UTF8PROC_CATEGORY_ND:
            case UTF8PROC_CATEGORY_NL:
            case UTF8PROC_CATEGORY_NO: kind = CharKind::kDigit; break;
            case UTF8PROC_CATEGORY_MN:
            case UTF8PROC_CATEGORY_MC: kind = CharKind::kMark; break;
            default: feed_separator(); return;
        }
        char bytes[5] = {};
        utf8proc_encode_char(static_cast<utf8proc_int32_t>(cp),
                             reinterpret_cast<utf8proc_uint8_t*>(bytes));
        add_to_word(static_cast<const char*>(bytes), kind, span);
    }

    // The cluster starting at text[pos] (a non-ASCII code point, or an ASCII one followed by
    // non-ASCII bytes): a code point and whatever combines with it. Returns where it ends.
    // (text is the member: the text of the current call.)
    size_t feed_cluster(size_t pos) {
        size_t end = pos;
        const char32_t first = decode_utf8(text, end);
        if (first == kReplacementChar) {  // invalid UTF-8 (or a real U+FFFD): no term
            feed_separator();
            return end;
        }
        bool single = true;
        while (end < text.size()) {
            const auto lead = static_cast<unsigned char>(text[end]);
            // ASCII and U+4000..U+9FFF (most Han) never combine: skip decoding them twice.
            if (lead < 0x80 || (lead >= 0xE4 && lead <= 0xE9)) break;
            size_t next_end = end;
            const char32_t next = decode_utf8(text, next_end);
            if (next == kReplacementChar || !combines_with_previous(next)) break;
            end = next_end;
            single = false;
        }
        const ByteRange span{static_cast<uint32_t>(pos), static_cast<uint32_t>(end)};
        if (single && maps_to_itself(first)) {
            feed_normalized(first, span);
            return end;
        }
        const auto* bytes = reinterpret_cast<const utf8proc_uint8_t*>(text.data() + pos);
        const auto length = static_cast<utf8proc_ssize_t>(end - pos);
        auto count =
            utf8proc_decompose(bytes, length, normalized.data(),
                               static_cast<utf8proc_ssize_t>(normalized.size()), kNormalization);
        if (count > static_cast<utf8proc_ssize_t>(normalized.size())) {
            normalized.resize(static_cast<size_t>(count));
            count = utf8proc_decompose(bytes, length, normalized.data(), count, kNormalization);
        }
        if (count >= 0) count = utf8proc_normalize_utf32(normalized.data(), count, kNormalization);
        if (count < 0) {  // cannot happen for valid UTF-8; treat like invalid input
            feed_separator();
            return end;
        }
        for (utf8proc_ssize_t i = 0; i < count; ++i) {
            feed_normalized(static_cast<char32_t>(normalized[static_cast<size_t>(i)]), span);
        }
        return end;
    }

    void finish_word() {
        if (!in_word) return;
        in_word = false;
        pending_joiner = 0;
        if (word.size() > kMaxWordBytes) return;
        if (stopwords &&
            std::binary_search(kEnglishStopwords.begin(), kEnglishStopwords.end(), word)) {
            return;
        }
        // Numbers, and words with digits in them (gpt4, x86, 1990s), are kept as written.
        if (stemmer == nullptr || word_has_digit) {
            emit(word, word_span);
            return;
        }
        emit(stem(), word_span);
    }

    std::string_view stem() {
        if (std::string_view cached; stem_cache.find(word, &cached)) return cached;
        const sb_symbol* result =
            sb_stemmer_stem(stemmer, reinterpret_cast<const sb_symbol*>(word.data()),
                            static_cast<int>(word.size()));
        if (result == nullptr) return word;  // out of memory in the stemmer: keep the word
        stemmed.assign(reinterpret_cast<const char*>(result),
                       static_cast<size_t>(sb_stemmer_length(stemmer)));
        stem_cache.put(word, stemmed);
        return stemmed;
    }

    void finish_run() {
        if (run_cps.empty()) return;
        std::span<const char32_t> cps = run_cps;
        std::span<const ByteRange> spans = run_spans;
        if (folder != nullptr) {
            fold_run();
            cps = folded_cps;
            spans = folded_spans;
        }
        if (cps.size() == 1) {
            term.clear();
            append_utf8(term, cps[0]);
            emit(term, spans[0]);
        } else {
            for (size_t i = 0; i + 1 < cps.size(); ++i) {
                term.clear();
                append_utf8(term, cps[i]);
                append_utf8(term, cps[i + 1]);
                emit(term, {std::min(spans[i].begin, spans[i + 1].begin),
                            std::max(spans[i].end, spans[i + 1].end)});
            }
        }
        run_cps.clear();
        run_spans.clear();
    }

    // Traditional-only minus Simplified-only characters in the whole text being analyzed;
    // computed on first need, once per call.
    int text_script_balance() {
        if (!text_balance_known) {
            text_balance = 0;
            for (size_t pos = 0; pos < text.size();) {
                if (static_cast<unsigned char>(text[pos]) < 0x80) {
                    ++pos;
                    continue;
                }
                text_balance += folder->evidence(decode_utf8(text, pos));
            }
            text_balance_known = true;
        }
        return text_balance;
    }

    // Folds each Han stretch of the run; kana, hangul and the rest pass through.
    void fold_run() {
        folded_cps.clear();
        folded_spans.clear();
        const size_t n = run_cps.size();
        size_t i = 0;
        while (i < n) {
            if (!is_han(run_cps[i])) {
                folded_cps.push_back(run_cps[i]);
                folded_spans.push_back(run_spans[i]);
                ++i;
                continue;
            }
            size_t j = i + 1;
            int balance = folder->evidence(run_cps[i]);
            for (; j < n && is_han(run_cps[j]); ++j) balance += folder->evidence(run_cps[j]);
            // A stretch with no telling character (我的程序) is taken to be written like the text
            // around it; a text with none either (a short query) is taken as Simplified.
            if (balance == 0) balance = text_script_balance();
            const auto script =
                balance > 0 ? ChineseScript::kTraditional : ChineseScript::kSimplified;
            folder->fold(std::span<const char32_t>(run_cps).subspan(i, j - i), script, fold);
            for (size_t k = 0; k < fold.cps.size(); ++k) {
                folded_cps.push_back(fold.cps[k]);
                folded_spans.push_back(
                    {run_spans[i + fold.src[k].first].begin, run_spans[i + fold.src[k].last].end});
            }
            i = j;
        }
    }
};

void Analyzer::Impl::run(std::string_view input) {
    // Spans are 32-bit; nobody analyzes a 4 GiB string at once, but never misbehave if they do.
    text = input.substr(0, std::numeric_limits<uint32_t>::max());
    text_balance_known = false;
    in_word = false;
    pending_joiner = 0;
    run_cps.clear();
    run_spans.clear();
    const size_t n = text.size();
    size_t pos = 0;
    while (pos < n) {
        const auto c = static_cast<unsigned char>(text[pos]);
        // The fast path: ASCII not followed by something that could combine with it.
        if (c < 0x80 && (pos + 1 == n || static_cast<unsigned char>(text[pos + 1]) < 0x80)) {
            feed_ascii(c, {static_cast<uint32_t>(pos), static_cast<uint32_t>(pos + 1)});
            ++pos;
            continue;
        }
        pos = feed_cluster(pos);
    }
    feed_separator();
}

Result<std::unique_ptr<Analyzer>> Analyzer::create(const AnalyzerOptions& options) {
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    if (options.stem_language != "none") {
        impl->stemmer = sb_stemmer_new(options.stem_language.c_str(), "UTF_8");
        if (impl->stemmer == nullptr) {
            return Status::invalid_argument("unknown stemmer language '" + options.stem_language +
                                            "' (known: " + known_languages() + ")");
        }
    }
    if (options.fold_chinese_script) {
        auto folder = ChineseScriptFolder::shared();
        if (!folder) return folder.error();
        impl->folder = *folder;
    }
    impl->stopwords = options.remove_stopwords && is_english(options.stem_language);
    return std::unique_ptr<Analyzer>(new Analyzer(std::move(impl)));
}

Analyzer::Analyzer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Analyzer::~Analyzer() = default;

void Analyzer::analyze(std::string_view text, std::vector<std::string>& terms) const {
    impl_->terms_out = &terms;
    impl_->tokens_out = nullptr;
    impl_->run(text);
}

void Analyzer::tokenize(std::string_view text, std::vector<Token>& tokens) const {
    impl_->terms_out = nullptr;
    impl_->tokens_out = &tokens;
    impl_->run(text);
}

const AnalyzerOptions& Analyzer::options() const { return impl_->options; }

}  // namespace openbook::text
