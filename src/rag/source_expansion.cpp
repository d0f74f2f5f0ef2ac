// expand_sources (rag/source_expansion.h): widen hits with neighbouring chunks, join chunks by
// their spans, merge touching stretches of one document, drop near-duplicates.
#include "rag/source_expansion.h"

#include <utf8proc.h>

#include <algorithm>
#include <limits>
#include <map>

#include <fmt/format.h>

#include "text/unicode.h"
#include "text/utf8.h"

namespace openbook::rag {

namespace {

struct Piece {
    int64_t chunk_id = 0;
    int64_t char_start = 0;
    int64_t char_end = 0;
    std::string text;
};

// A source being built: the hits it holds and, when expanded, its chunks.
struct Work {
    std::vector<int> ranks;                 // 1-based, ascending; ranks[0] is its best hit
    std::vector<const SearchHit*> members;  // the input hits it holds
    std::map<int64_t, Piece> chunks;        // by ordinal; empty: the hit is kept as it came
    int64_t first = 0;                      // ordinal range of `chunks`
    int64_t last = 0;
};

int64_t saturating_add(int64_t a, int64_t b) {  // b >= 0
    return a > std::numeric_limits<int64_t>::max() - b ? std::numeric_limits<int64_t>::max()
                                                       : a + b;
}
int64_t saturating_sub(int64_t a, int64_t b) {  // b >= 0
    return a < std::numeric_limits<int64_t>::min() + b ? std::numeric_limits<int64_t>::min()
                                                       : a - b;
}

// Byte offset of code point `cp` of text (text.size() when past the end).
size_t byte_offset_of(std::string_view text, int64_t cp) {
    size_t b = 0;
    for (int64_t i = 0; i < cp && b < text.size(); ++i) {
        b += text::utf8_sequence_length(static_cast<unsigned char>(text[b]));
    }
    return std::min(b, text.size());
}

// The chunks joined by their spans (see the header, step 2); sets the joined span.
std::string join_chunks(const std::map<int64_t, Piece>& chunks, int64_t& start, int64_t& end) {
    std::string out;
    bool first = true;
    int64_t cursor = 0;  // document position (code points) where `out` ends
    for (const auto& [ordinal, piece] : chunks) {
        if (first) {
            out = piece.text;
            start = piece.char_start;
            cursor = piece.char_end;
            first = false;
            continue;
        }
        if (piece.char_end <= cursor) continue;  // entirely inside what is joined already
        if (piece.char_start < cursor) {
            // Overlap: skip the code points already joined.
            out.append(piece.text, byte_offset_of(piece.text, cursor - piece.char_start));
        } else {
            // White space between chunks is in no chunk: fill it with as many code points so
            // positions in the joined text still map to the document by adding `start`.
            const int64_t gap = piece.char_start - cursor;
            if (gap == 1) {
                out += ' ';
            } else {
                out.append(static_cast<size_t>(gap), '\n');
            }
            out += piece.text;
        }
        cursor = piece.char_end;
    }
    end = cursor;
    return out;
}

// Byte spans → sorted, merged spans in bytes and code points of `text` (as search.cpp does).
void set_highlights(const std::string& text, std::vector<Span> bytes, SearchHit& hit) {
    std::sort(bytes.begin(), bytes.end(),
              [](const Span& a, const Span& b) { return a.start < b.start; });
    hit.highlight_bytes.clear();
    for (const auto& s : bytes) {
        if (!hit.highlight_bytes.empty() && s.start <= hit.highlight_bytes.back().end) {
            hit.highlight_bytes.back().end = std::max(hit.highlight_bytes.back().end, s.end);
        } else {
            hit.highlight_bytes.push_back(s);
        }
    }
    hit.highlights.clear();
    int64_t cp = 0;
    size_t b = 0;
    auto advance_to = [&](int64_t byte) {
        for (; b < static_cast<size_t>(byte) && b < text.size(); ++b) {
            cp += (static_cast<unsigned char>(text[b]) & 0xC0) != 0x80;
        }
        return cp;
    };
    for (const auto& s : hit.highlight_bytes) {
        Span c;
        c.start = advance_to(s.start);
        c.end = advance_to(s.end);
        hit.highlights.push_back(c);
    }
}

ExpandedSource finish(const Work& w) {
    ExpandedSource out;
    out.ranks = w.ranks;
    const SearchHit& best = *w.members.front();
    if (w.chunks.empty()) {
        out.hit = best;
        out.chunk_ids = {best.chunk_id};
        out.first_ordinal = out.last_ordinal = best.ordinal;
        return out;
    }
    out.hit = best;
    out.hit.text = join_chunks(w.chunks, out.hit.char_start, out.hit.char_end);
    for (const auto& [ordinal, piece] : w.chunks) out.chunk_ids.push_back(piece.chunk_id);
    out.first_ordinal = w.first;
    out.last_ordinal = w.last;
    // Each hit's highlights, moved to where its chunk text sits in the joined text (checked, so
    // a hit whose text differs from the stored chunk contributes none rather than wrong ones).
    std::vector<Span> bytes;
    for (const SearchHit* m : w.members) {
        const int64_t offset = m->char_start - out.hit.char_start;
        if (offset < 0 || m->text.empty()) continue;
        const size_t at = byte_offset_of(out.hit.text, offset);
        if (out.hit.text.compare(at, m->text.size(), m->text) != 0) continue;
        for (const Span& s : m->highlight_bytes) {
            bytes.push_back({s.start + static_cast<int64_t>(at), s.end + static_cast<int64_t>(at)});
        }
    }
    set_highlights(out.hit.text, std::move(bytes), out.hit);
    return out;
}

// Step 1 for one hit: fills w.chunks with the hit's chunk and its nearest neighbours among
// `chunks` (a fetched ordinal range). False when the hit's ordinal now holds another chunk (the
// document was re-ingested since the search).
bool widen(const SearchHit& hit, std::vector<SearchHit> chunks, const ExpansionOptions& options,
           Work& w) {
    std::sort(chunks.begin(), chunks.end(),
              [](const SearchHit& a, const SearchHit& b) { return a.ordinal < b.ordinal; });
    auto centre = std::find_if(chunks.begin(), chunks.end(),
                               [&](const SearchHit& c) { return c.ordinal == hit.ordinal; });
    if (centre == chunks.end() || centre->chunk_id != hit.chunk_id) return false;
    // Nearest first, before then after; a side stops at its first chunk that is missing or does
    // not fit, so the stretch stays contiguous.
    size_t lo = static_cast<size_t>(centre - chunks.begin());
    size_t hi = lo;
    int64_t start = centre->char_start;
    int64_t end = centre->char_end;
    auto take_if_fits = [&](size_t j) {
        const int64_t s = std::min(start, chunks[j].char_start);
        const int64_t e = std::max(end, chunks[j].char_end);
        if (options.max_chars > 0 && e - s > options.max_chars) return false;
        start = s;
        end = e;
        return true;
    };
    bool before = true;
    bool after = true;
    for (int64_t step = 0; step < options.neighbours && (before || after); ++step) {
        if (before) {
            before =
                lo > 0 && chunks[lo - 1].ordinal + 1 == chunks[lo].ordinal && take_if_fits(lo - 1);
            if (before) --lo;
        }
        if (after) {
            after = hi + 1 < chunks.size() && chunks[hi + 1].ordinal == chunks[hi].ordinal + 1 &&
                    take_if_fits(hi + 1);
            if (after) ++hi;
        }
    }
    for (size_t j = lo; j <= hi; ++j) {
        SearchHit& c = chunks[j];
        w.chunks.emplace(c.ordinal, Piece{c.chunk_id, c.char_start, c.char_end, std::move(c.text)});
    }
    w.first = chunks[lo].ordinal;
    w.last = chunks[hi].ordinal;
    return true;
}

void merge_into(Work& into, Work&& from) {
    into.ranks.insert(into.ranks.end(), from.ranks.begin(), from.ranks.end());
    std::sort(into.ranks.begin(), into.ranks.end());
    into.members.insert(into.members.end(), from.members.begin(), from.members.end());
    // Pointers into the ranked input: address order is rank order, so the best stays first.
    std::sort(into.members.begin(), into.members.end());
    for (auto& [ordinal, piece] : from.chunks) into.chunks.emplace(ordinal, std::move(piece));
    into.first = std::min(into.first, from.first);
    into.last = std::max(into.last, from.last);
}

// "1", "1 and 4", "1, 4 and 5".
std::string list_ranks(const std::vector<int>& ranks) {
    std::string out;
    for (size_t i = 0; i < ranks.size(); ++i) {
        if (i > 0) out += i + 1 == ranks.size() ? " and " : ", ";
        out += std::to_string(ranks[i]);
    }
    return out;
}

uint64_t shingle_hash(const char32_t* cps, size_t n) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a over the code points
    for (size_t i = 0; i < n; ++i) {
        h ^= static_cast<uint64_t>(cps[i]);
        h *= 1099511628211ull;
    }
    return h;
}

// Sorted, distinct hashes of the text's kShingleCodePoints-grams (the whole text when shorter).
std::vector<uint64_t> shingles(const std::u32string& s) {
    std::vector<uint64_t> out;
    if (s.empty()) return out;
    if (s.size() <= kShingleCodePoints) {
        out.push_back(shingle_hash(s.data(), s.size()));
        return out;
    }
    out.reserve(s.size() - kShingleCodePoints + 1);
    for (size_t i = 0; i + kShingleCodePoints <= s.size(); ++i) {
        out.push_back(shingle_hash(s.data() + i, kShingleCodePoints));
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

double jaccard(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
    if (a.empty() && b.empty()) return 0;
    size_t common = 0;
    // Branch-free merge: which side advances is unpredictable, so a branch would miss often.
    for (size_t i = 0, j = 0; i < a.size() && j < b.size();) {
        const uint64_t x = a[i];
        const uint64_t y = b[j];
        common += x == y;
        i += x <= y;
        j += y <= x;
    }
    return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

bool ignored_for_dedup(char32_t cp) {
    return text::is_space(cp) || text::is_punctuation_or_symbol(cp);
}

}  // namespace

ChunkFetcher chunk_fetcher(Collection& collection) {
    return [&collection](int64_t document_id, int64_t first, int64_t last) {
        return collection.chunks_of_document(document_id, first, last);
    };
}

std::u32string normalize_for_dedup(std::string_view text) {
    std::u32string out;
    out.reserve(text.size());
    utf8proc_int32_t buf[32];
    for (size_t pos = 0; pos < text.size();) {
        const char32_t cp = text::decode_utf8(text, pos);
        if (cp < 0x80) {  // ASCII, most of English text: no table look-ups needed
            if (cp >= 'A' && cp <= 'Z') {
                out.push_back(cp - 'A' + 'a');
            } else if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
                out.push_back(cp);
            }
            continue;
        }
        if (ignored_for_dedup(cp)) continue;
        // Compatibility decomposition + case folding of this one code point (NFKD_Casefold):
        // full-width and ligature forms and case variants meet; both copies are decomposed
        // alike, so no recomposition is needed.
        int boundclass = 0;
        const auto n =
            utf8proc_decompose_char(static_cast<utf8proc_int32_t>(cp), buf, 32,
                                    static_cast<utf8proc_option_t>(
                                        UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD),
                                    &boundclass);
        if (n < 0 || n > 32) {
            out.push_back(cp);
            continue;
        }
        for (utf8proc_ssize_t i = 0; i < n; ++i) {
            const auto c = static_cast<char32_t>(buf[i]);
            if (!ignored_for_dedup(c)) out.push_back(c);
        }
    }
    return out;
}

double shingle_jaccard(std::string_view a, std::string_view b) {
    return jaccard(shingles(normalize_for_dedup(a)), shingles(normalize_for_dedup(b)));
}

Result<ExpansionResult> expand_sources(const std::vector<SearchHit>& hits,
                                       const ExpansionOptions& options, const ChunkFetcher& fetch) {
    if (options.neighbours < 0) {
        return Status::invalid_argument(
            fmt::format("--neighbours must be 0 or more, not {}", options.neighbours));
    }
    if (options.remove_duplicates &&
        !(options.duplicate_threshold > 0 && options.duplicate_threshold <= 1)) {
        return Status::invalid_argument(fmt::format(
            "the near-duplicate threshold must be in (0, 1], not {}", options.duplicate_threshold));
    }
    const bool expanding = options.neighbours > 0;
    if (expanding && !fetch) {
        return Status::invalid_argument("expanding sources needs a chunk fetcher");
    }
    ExpansionResult result;

    // Steps 1 and 3: widen each hit, then merge it into a better-ranked stretch it touches.
    std::vector<Work> works;
    for (size_t i = 0; i < hits.size(); ++i) {
        const SearchHit& hit = hits[i];
        const int rank = static_cast<int>(i + 1);
        Work w;
        w.ranks = {rank};
        w.members = {&hit};
        if (expanding) {
            auto fetched = fetch(hit.document_id, saturating_sub(hit.ordinal, options.neighbours),
                                 saturating_add(hit.ordinal, options.neighbours));
            if (!fetched.has_value()) {
                if (fetched.error().code() != StatusCode::kNotFound) {
                    return fetched.error().with_context(
                        fmt::format("fetching the chunks around hit {} ({})", rank, hit.path));
                }
                result.notes.push_back(fmt::format(
                    "hit {} ({}) was not expanded: its document is no longer in the collection",
                    rank, hit.path));
            } else if (!widen(hit, std::move(fetched).value(), options, w)) {
                result.notes.push_back(fmt::format(
                    "hit {} ({}) was not expanded: its document changed since the search", rank,
                    hit.path));
            }
        }
        // Better-ranked stretches of the same document this one overlaps or touches. Two
        // stretches already kept apart do not touch each other, so every one found here goes
        // into the best of them.
        std::vector<size_t> touching;
        if (!w.chunks.empty()) {
            for (size_t j = 0; j < works.size(); ++j) {
                const Work& o = works[j];
                if (o.chunks.empty() || o.members.front()->document_id != hit.document_id) continue;
                if (o.first <= saturating_add(w.last, 1) && w.first <= saturating_add(o.last, 1)) {
                    touching.push_back(j);
                }
            }
        }
        if (touching.empty()) {
            works.push_back(std::move(w));
            continue;
        }
        Work& target = works[touching.front()];
        merge_into(target, std::move(w));
        for (size_t t = touching.size(); t-- > 1;) {
            merge_into(target, std::move(works[touching[t]]));
            works.erase(works.begin() + static_cast<std::ptrdiff_t>(touching[t]));
        }
    }

    // Step 2 (joining) and step 4: keep a source unless it duplicates a better-ranked kept one.
    struct Kept {
        std::u32string normalized;
        std::vector<uint64_t> shingles;
    };
    std::vector<Kept> kept;
    for (const Work& w : works) {
        ExpandedSource source = finish(w);
        if (options.remove_duplicates) {
            Kept k{normalize_for_dedup(source.hit.text), {}};
            k.shingles = shingles(k.normalized);
            bool dropped = false;
            for (size_t j = 0; j < kept.size() && !k.normalized.empty(); ++j) {
                // Similar enough first (an identical copy reads better as "100% similar"),
                // then contained. Jaccard is at most the ratio of the set sizes, so pairs of
                // very different sizes skip the merge unless they are to be reported.
                const Kept& other = kept[j];
                const double sa = static_cast<double>(k.shingles.size());
                const double sb = static_cast<double>(other.shingles.size());
                const bool may_be_similar =
                    std::min(sa, sb) >= options.duplicate_threshold * std::max(sa, sb);
                double similarity = may_be_similar ? jaccard(k.shingles, other.shingles) : 0.0;
                bool contained = false;
                if (similarity < options.duplicate_threshold) {
                    contained = k.normalized.size() <= other.normalized.size() &&
                                other.normalized.find(k.normalized) != std::u32string::npos;
                    if (!contained) continue;
                    if (!may_be_similar) similarity = jaccard(k.shingles, other.shingles);
                }
                DroppedDuplicate d;
                d.ranks = source.ranks;
                d.duplicate_of = result.sources[j].ranks.front();
                d.kept_index = j;
                d.similarity = similarity;
                d.contained = contained;
                d.path = source.hit.path;
                result.dropped.push_back(std::move(d));
                dropped = true;
                break;
            }
            if (dropped) continue;
            kept.push_back(std::move(k));
        }
        result.sources.push_back(std::move(source));
    }
    // Step 5: works were created in rank order and merges keep the better position, so sources
    // are already best first; dropped ones came out in rank order too.
    return result;
}

std::vector<std::string> describe_expansion(const ExpansionResult& result) {
    std::vector<std::string> lines;
    for (const ExpandedSource& s : result.sources) {
        if (s.ranks.size() < 2) continue;
        lines.push_back(
            fmt::format("hits {} are neighbouring passages of {}, joined into one source",
                        list_ranks(s.ranks), s.hit.path));
    }
    for (const DroppedDuplicate& d : result.dropped) {
        const char* hit_word = d.ranks.size() > 1 ? "hits" : "hit";
        if (d.contained) {
            lines.push_back(fmt::format("{} {} ({}) left out: its text is already in hit {}",
                                        hit_word, list_ranks(d.ranks), d.path, d.duplicate_of));
        } else {
            lines.push_back(fmt::format(
                "{} {} ({}) left out: a near-duplicate ({:.0f}% similar) of hit {}", hit_word,
                list_ranks(d.ranks), d.path, d.similarity * 100, d.duplicate_of));
        }
    }
    lines.insert(lines.end(), result.notes.begin(), result.notes.end());
    return lines;
}

}  // namespace openbook::rag
