#include "ingest/chunker.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "support/test_support.h"
#include "text/token_estimate.h"
#include "text/unicode.h"
#include "text/utf8.h"

namespace openbook::ingest {
namespace {

using text::count_code_points;
using text::estimate_tokens;

std::string chunk_text(const Document& doc, const Chunk& c) {
    return doc.text.substr(c.byte_start, c.byte_end - c.byte_start);
}

std::vector<std::string> chunk_texts(const Document& doc, const std::vector<Chunk>& chunks) {
    std::vector<std::string> out;
    for (const Chunk& c : chunks) out.push_back(chunk_text(doc, c));
    return out;
}

char32_t first_code_point(std::string_view s) {
    size_t pos = 0;
    return text::decode_utf8(s, pos);
}

char32_t last_code_point(std::string_view s) {
    size_t p = s.size() - 1;
    while (p > 0 && !text::is_code_point_boundary(s, p)) --p;
    return text::decode_utf8(s, p);
}

// One section of a hand-made document: an optional heading line, then the body.
struct Part {
    int level = 0;  // 0: no heading line
    std::string heading;
    std::string body;
    int page = 0;
};

// Joins parts with blank lines the way loaders do; heading paths follow the heading levels.
Document make_document(const std::vector<Part>& parts) {
    Document doc;
    std::vector<std::pair<int, std::string>> stack;
    for (const Part& p : parts) {
        if (!doc.text.empty()) doc.text += "\n\n";
        Section s;
        s.byte_start = doc.text.size();
        s.heading_level = p.level;
        s.page = p.page;
        if (p.level > 0) {
            while (!stack.empty() && stack.back().first >= p.level) stack.pop_back();
            stack.emplace_back(p.level, p.heading);
            s.heading_bytes = p.heading.size();
            doc.text += p.heading;
            if (!p.body.empty()) doc.text += "\n\n";
        }
        for (const auto& entry : stack) s.heading_path.push_back(entry.second);
        doc.text += p.body;
        doc.sections.push_back(s);
    }
    for (size_t i = 0; i < doc.sections.size(); ++i) {
        doc.sections[i].byte_end =
            i + 1 < doc.sections.size() ? doc.sections[i + 1].byte_start : doc.text.size();
    }
    if (!doc.sections.empty()) doc.sections.front().byte_start = 0;
    return doc;
}

Document plain_document(const std::string& text) {
    Document doc;
    doc.text = text;
    doc.sections = single_section(doc.text);
    return doc;
}

// Sections at Markdown heading lines ("#".."######" then a space) outside ``` fences.
Document markdown_document(std::string content) {
    Document doc;
    doc.text = std::move(content);
    const std::string& t = doc.text;
    std::vector<std::pair<int, std::string>> stack;
    bool in_fence = false;
    size_t pos = 0;
    while (pos < t.size()) {
        size_t line_end = t.find('\n', pos);
        if (line_end == std::string::npos) line_end = t.size();
        std::string_view line(t.data() + pos, line_end - pos);
        if (line.substr(0, 3) == "```") {
            in_fence = !in_fence;
        } else if (!in_fence && !line.empty() && line[0] == '#') {
            size_t level = line.find_first_not_of('#');
            if (level == std::string_view::npos) level = line.size();
            if (level <= 6 && level < line.size() && line[level] == ' ') {
                std::string title(line.substr(level + 1));
                while (!title.empty() && (title.back() == '\r' || title.back() == ' ')) {
                    title.pop_back();
                }
                if (!title.empty()) {
                    if (doc.sections.empty() && pos > 0) {
                        doc.sections.push_back(Section{0, pos, {}, 0, 0, 0});
                    }
                    while (!stack.empty() && stack.back().first >= static_cast<int>(level)) {
                        stack.pop_back();
                    }
                    stack.emplace_back(static_cast<int>(level), title);
                    Section s;
                    s.byte_start = pos;
                    s.heading_level = static_cast<int>(level);
                    s.heading_bytes = line.size();
                    for (const auto& entry : stack) s.heading_path.push_back(entry.second);
                    doc.sections.push_back(s);
                }
            }
        }
        pos = line_end + 1;
    }
    if (doc.sections.empty()) return plain_document(doc.text);
    for (size_t i = 0; i + 1 < doc.sections.size(); ++i) {
        doc.sections[i].byte_end = doc.sections[i + 1].byte_start;
    }
    doc.sections.back().byte_end = t.size();
    return doc;
}

bool is_space_or_trailing(char32_t cp) {
    return text::is_space(cp) || text::is_trailing_punctuation(cp);
}

std::string describe(const ChunkerOptions& o) {
    std::ostringstream s;
    s << "{target " << o.target_tokens << ", max " << o.max_tokens << ", overlap "
      << o.overlap_tokens << ", min " << o.min_tokens << "}";
    return s.str();
}

// Every rule of the contract, checked on the output for a well-formed document (sections in
// order, covering the text). Independent of the implementation: boundaries, paths and code-point
// offsets are recomputed here from the document.
::testing::AssertionResult follows_contract(const Document& doc, const ChunkerOptions& opt,
                                            const std::vector<Chunk>& chunks) {
    const std::string& t = doc.text;
    const size_t size = t.size();
    std::vector<Section> sections = doc.sections;
    if (sections.empty()) sections = single_section(t);

    // Segment (between any boundaries) and run (between hard boundaries) of each section.
    std::vector<size_t> segment(sections.size()), run(sections.size());
    std::vector<size_t> hard_boundaries, soft_boundaries;
    for (size_t i = 0; i < sections.size(); ++i) {
        segment[i] = i == 0 ? 0 : segment[i - 1];
        run[i] = i == 0 ? 0 : run[i - 1];
        if (i == 0) continue;
        const bool page_change = sections[i].page != sections[i - 1].page;
        if (sections[i].heading_level == 1 || page_change) {
            ++segment[i];
            ++run[i];
            hard_boundaries.push_back(sections[i].byte_start);
        } else if (sections[i].heading_level >= 2) {
            ++segment[i];
            soft_boundaries.push_back(sections[i].byte_start);
        }
    }
    auto section_at = [&](size_t byte) {
        auto it = std::upper_bound(sections.begin(), sections.end(), byte,
                                   [](size_t b, const Section& s) { return b < s.byte_start; });
        return static_cast<size_t>(it - sections.begin()) - (it == sections.begin() ? 0 : 1);
    };
    auto in_heading = [&](size_t byte) {
        const Section& s = sections[section_at(byte)];
        return byte < s.byte_start + s.heading_bytes;
    };

    std::vector<size_t> prefix_chars(size + 1, 0);
    for (size_t i = 0; i < size; ++i) {
        prefix_chars[i + 1] = prefix_chars[i] + ((static_cast<unsigned char>(t[i]) & 0xC0) != 0x80);
    }
    std::vector<int> coverage(size + 1, 0);

    for (size_t k = 0; k < chunks.size(); ++k) {
        const Chunk& c = chunks[k];
        auto fail = [&]() {
            return ::testing::AssertionFailure()
                   << "options " << describe(opt) << ", chunk " << k << " of " << chunks.size()
                   << " [" << c.byte_start << ", " << c.byte_end << "): ";
        };
        if (!(c.byte_start < c.byte_end && c.byte_end <= size)) return fail() << "bad span";
        if (!text::is_code_point_boundary(t, c.byte_start) ||
            !text::is_code_point_boundary(t, c.byte_end)) {
            return fail() << "span not on code points";
        }
        const std::string_view body(t.data() + c.byte_start, c.byte_end - c.byte_start);
        if (is_space_or_trailing(first_code_point(body))) {
            return fail() << "starts with space or trailing punctuation: "
                          << std::string(body.substr(0, 40));
        }
        if (text::is_space(last_code_point(body))) return fail() << "ends with white space";
        if (c.char_start != prefix_chars[c.byte_start] || c.char_end != prefix_chars[c.byte_end]) {
            return fail() << "code-point span [" << c.char_start << ", " << c.char_end
                          << ") expected [" << prefix_chars[c.byte_start] << ", "
                          << prefix_chars[c.byte_end] << ")";
        }
        if (c.token_estimate != estimate_tokens(body)) {
            return fail() << "token_estimate " << c.token_estimate << " but text has "
                          << estimate_tokens(body);
        }
        if (c.token_estimate > opt.max_tokens) {
            return fail() << c.token_estimate << " tokens > max_tokens";
        }
        auto inside = [&](const std::vector<size_t>& boundaries) {
            auto from = std::upper_bound(boundaries.begin(), boundaries.end(), c.byte_start);
            auto to = std::lower_bound(from, boundaries.end(), c.byte_end);
            return std::vector<size_t>(from, to);
        };
        for (size_t b : inside(hard_boundaries)) return fail() << "crosses hard boundary " << b;
        for (size_t b : inside(soft_boundaries)) {
            const size_t before = estimate_tokens(body.substr(0, b - c.byte_start));
            if (before >= opt.min_tokens) {
                return fail() << "runs past soft boundary " << b << " with " << before
                              << " tokens already";
            }
        }
        const size_t first_section = section_at(c.byte_start);
        if (c.page != sections[first_section].page) return fail() << "page " << c.page;

        // heading_path: the section of the first body (non-heading) sentence; else the innermost.
        size_t path_section = section_at(c.byte_end - 1);
        for (size_t p = c.byte_start; p < c.byte_end;) {
            size_t q = p;
            const char32_t cp = text::decode_utf8(t, q);
            if (!in_heading(p) && !is_space_or_trailing(cp)) {
                path_section = section_at(p);
                break;
            }
            p = q;
        }
        if (c.heading_path != sections[path_section].heading_path) {
            return fail() << "heading_path not that of section " << path_section;
        }

        if (k > 0) {
            const Chunk& prev = chunks[k - 1];
            if (c.byte_start <= prev.byte_start || c.byte_end <= prev.byte_end) {
                return fail() << "not after the previous chunk";
            }
            if (c.byte_start < prev.byte_end) {
                if (opt.overlap_tokens == 0) return fail() << "overlaps although overlap is 0";
                const std::string_view repeated(t.data() + c.byte_start,
                                                prev.byte_end - c.byte_start);
                if (estimate_tokens(repeated) > opt.overlap_tokens) {
                    return fail() << "overlap of " << estimate_tokens(repeated) << " tokens";
                }
                size_t fresh = prev.byte_end;  // first byte of the chunk's new content
                while (fresh < c.byte_end) {
                    size_t q = fresh;
                    if (!text::is_space(text::decode_utf8(t, q))) break;
                    fresh = q;
                }
                if (segment[section_at(c.byte_start)] != segment[section_at(fresh)]) {
                    return fail() << "overlap repeats text across a heading or page boundary";
                }
            }
        }
        ++coverage[c.byte_start];
        --coverage[c.byte_end];
    }

    // Every non-space byte is in some chunk, except white space and trailing punctuation at the
    // start of a stretch between boundaries (no chunk may start with it, nothing precedes it).
    std::vector<char> exempt(size, 0);
    for (size_t i = 0; i < sections.size(); ++i) {
        if (i > 0 && segment[i] == segment[i - 1]) continue;
        for (size_t p = sections[i].byte_start; p < sections[i].byte_end;) {
            size_t q = p;
            if (!is_space_or_trailing(text::decode_utf8(t, q))) break;
            std::fill(exempt.begin() + p, exempt.begin() + q, 1);
            p = q;
        }
    }
    int depth = 0;
    for (size_t p = 0; p < size;) {
        size_t q = p;
        const char32_t cp = text::decode_utf8(t, q);
        for (size_t i = p; i < q; ++i) depth += coverage[i];
        if (depth == 0 && !text::is_space(cp) && !exempt[p]) {
            return ::testing::AssertionFailure() << "options " << describe(opt) << ": byte " << p
                                                 << " is in no chunk: " << t.substr(p, 40);
        }
        p = q;
    }
    return ::testing::AssertionSuccess();
}

// --- options -----------------------------------------------------------------------------------

TEST(ChunkerOptions, DefaultsAreValid) {
    EXPECT_EQ(validate_chunker_options(ChunkerOptions{}), "");
    EXPECT_EQ(validate_chunker_options({1, 1, 0, 0}), "");
    EXPECT_EQ(validate_chunker_options({100, 100, 99, 100}), "");
}

TEST(ChunkerOptions, EachBadOptionIsNamed) {
    EXPECT_NE(validate_chunker_options({0, 384, 0, 0}).find("target_tokens"), std::string::npos);
    const std::string too_big = validate_chunker_options({500, 384, 32, 64});
    EXPECT_NE(too_big.find("max_tokens"), std::string::npos) << too_big;
    const std::string overlap = validate_chunker_options({256, 384, 256, 64});
    EXPECT_NE(overlap.find("overlap_tokens"), std::string::npos) << overlap;
    EXPECT_NE(validate_chunker_options({256, 384, 300, 64}).find("overlap_tokens"),
              std::string::npos);
    const std::string min = validate_chunker_options({256, 384, 32, 257});
    EXPECT_NE(min.find("min_tokens"), std::string::npos) << min;
}

TEST(ChunkerOptions, InvalidOptionsDoNotCrashTheChunker) {
    const Document doc = plain_document("One two three. Four five six. Seven eight nine.");
    for (ChunkerOptions opt :
         {ChunkerOptions{0, 0, 0, 0}, ChunkerOptions{10, 2, 50, 99}, ChunkerOptions{3, 3, 3, 3}}) {
        std::vector<Chunk> chunks = chunk_document(doc, opt);
        ASSERT_FALSE(chunks.empty());
        for (const Chunk& c : chunks) {
            EXPECT_LE(c.token_estimate, std::max<size_t>(opt.max_tokens, 1)) << describe(opt);
        }
    }
}

// --- degenerate input --------------------------------------------------------------------------

TEST(ChunkerEdgeCases, NothingToChunkGivesNoChunks) {
    EXPECT_TRUE(chunk_document(Document{}, {}).empty());
    EXPECT_TRUE(chunk_document(plain_document(" \n\t\n  \u3000 "), {}).empty());
    // Nothing but punctuation that may not start a chunk.
    EXPECT_TRUE(chunk_document(plain_document("。，」…!?.)"), {}).empty());
}

TEST(ChunkerEdgeCases, OneShortSentenceIsOneExactChunk) {
    const Document doc = plain_document("\n  Hello, wörld 你好.  \n");
    const std::vector<Chunk> chunks = chunk_document(doc, {});
    ASSERT_EQ(chunks.size(), 1u);
    EXPECT_EQ(chunk_text(doc, chunks[0]), "Hello, wörld 你好.");
    EXPECT_EQ(chunks[0].char_start, 3u);
    EXPECT_EQ(chunks[0].char_end, 3u + count_code_points("Hello, wörld 你好."));
    EXPECT_EQ(chunks[0].token_estimate, 4u);
    EXPECT_TRUE(chunks[0].heading_path.empty());
    EXPECT_EQ(chunks[0].page, 0);
}

TEST(ChunkerEdgeCases, DocumentWithoutSectionsIsOneSection) {
    Document doc;
    doc.text = "First sentence here. Second one follows.";
    const std::vector<Chunk> chunks = chunk_document(doc, {});
    ASSERT_EQ(chunks.size(), 1u);
    EXPECT_EQ(chunk_text(doc, chunks[0]), doc.text);
}

TEST(ChunkerEdgeCases, EmptySectionsAndHeadingOnlySections) {
    Document doc = make_document({{1, "Book", ""}, {2, "Empty chapter", ""}, {1, "Next", "Body."}});
    // An extra empty section in the middle, as a loader might leave.
    Section empty = doc.sections[1];
    empty.byte_start = empty.byte_end = doc.sections[2].byte_start;
    empty.heading_bytes = 0;
    empty.heading_level = 2;
    doc.sections.insert(doc.sections.begin() + 2, empty);
    const ChunkerOptions opt{};
    const std::vector<Chunk> chunks = chunk_document(doc, opt);
    EXPECT_TRUE(follows_contract(doc, opt, chunks));
    ASSERT_EQ(chunks.size(), 2u);
    EXPECT_EQ(chunk_text(doc, chunks[0]), "Book\n\nEmpty chapter");
    // No body: the chunk takes the innermost heading's path.
    EXPECT_EQ(chunks[0].heading_path, (std::vector<std::string>{"Book", "Empty chapter"}));
    EXPECT_EQ(chunk_text(doc, chunks[1]), "Next\n\nBody.");
}

TEST(ChunkerEdgeCases, MalformedSectionsNeverReadOutOfRange) {
    Document doc;
    doc.text = "Première phrase ici. 第二句在这里。 Third sentence, at last.";
    const size_t size = doc.text.size();
    // Out of range, overlapping, backwards, inside a code point, heading longer than the text.
    const size_t mid = doc.text.find("第") + 1;  // inside a code point
    doc.sections = {Section{5, 2, {"a"}, 2, 1000, 0}, Section{1, size + 50, {"b"}, 1, 3, 1},
                    Section{mid, mid + 1, {"m"}, 2, 2, 1},
                    Section{size + 10, size + 20, {"c"}, 2, 0, 1},
                    Section{2, 3, {"d"}, 0, static_cast<size_t>(-1), 2}};
    for (ChunkerOptions opt : {ChunkerOptions{}, ChunkerOptions{2, 3, 1, 0}}) {
        const std::vector<Chunk> chunks = chunk_document(doc, opt);
        ASSERT_FALSE(chunks.empty());
        for (const Chunk& c : chunks) {
            ASSERT_LT(c.byte_start, c.byte_end);
            ASSERT_LE(c.byte_end, size);
            EXPECT_LE(c.token_estimate, opt.max_tokens);
            EXPECT_EQ(c.char_start, count_code_points(doc.text.substr(0, c.byte_start)));
            EXPECT_EQ(c.char_end, count_code_points(doc.text.substr(0, c.byte_end)));
        }
        // Every letter and CJK character is still in some chunk.
        std::vector<char> covered(size, 0);
        for (const Chunk& c : chunks) {
            std::fill(covered.begin() + c.byte_start, covered.begin() + c.byte_end, 1);
        }
        for (size_t p = 0; p < size;) {
            const size_t at = p;
            const char32_t cp = text::decode_utf8(doc.text, p);
            if (text::is_word_char(cp) || text::is_cjk(cp)) {
                EXPECT_TRUE(covered[at]) << "byte " << at << " lost with " << describe(opt);
            }
        }
    }
}

TEST(ChunkerEdgeCases, InvalidUtf8DoesNotCrash) {
    Document doc = plain_document(std::string("abc \xE4\xBD def\x80\x80 \xF0\x9F ghi. \xFF"));
    const std::vector<Chunk> chunks = chunk_document(doc, {1, 1, 0, 0});
    EXPECT_FALSE(chunks.empty());
    for (const Chunk& c : chunks) EXPECT_LE(c.token_estimate, 1u);
}

// --- structure -----------------------------------------------------------------------------------

TEST(ChunkerStructure, HeadingPathIsThatOfTheFirstBodySentence) {
    const Document doc = make_document({{1, "Title", ""}, {2, "Part", "Body text of the part."}});
    const ChunkerOptions opt{};
    const std::vector<Chunk> chunks = chunk_document(doc, opt);
    EXPECT_TRUE(follows_contract(doc, opt, chunks));
    ASSERT_EQ(chunks.size(), 1u);
    EXPECT_EQ(chunk_text(doc, chunks[0]), "Title\n\nPart\n\nBody text of the part.");
    EXPECT_EQ(chunks[0].heading_path, (std::vector<std::string>{"Title", "Part"}));
}

TEST(ChunkerStructure, TextBeforeTheFirstHeadingHasNoPath) {
    const Document doc = make_document({{0, "", "Preface words."}, {1, "One", "Body one."}});
    const std::vector<Chunk> chunks = chunk_document(doc, {});
    ASSERT_EQ(chunks.size(), 2u);
    EXPECT_EQ(chunk_text(doc, chunks[0]), "Preface words.");
    EXPECT_TRUE(chunks[0].heading_path.empty());
    EXPECT_EQ(chunks[1].heading_path, (std::vector<std::string>{"One"}));
}

TEST(ChunkerStructure, TopLevelHeadingIsAHardBoundaryEvenForTinySections) {
    const Document doc = make_document(
        {{1, "Alpha", "Tiny."}, {1, "Beta", "Also tiny."}, {2, "Gamma", "Merged with Beta."}});
    const ChunkerOptions opt{256, 384, 32, 64};
    const std::vector<Chunk> chunks = chunk_document(doc, opt);
    EXPECT_TRUE(follows_contract(doc, opt, chunks));
    EXPECT_EQ(chunk_texts(doc, chunks),
              (std::vector<std::string>{"Alpha\n\nTiny.",
                                        "Beta\n\nAlso tiny.\n\nGamma\n\nMerged with Beta."}));
    EXPECT_EQ(chunks[0].heading_path, (std::vector<std::string>{"Alpha"}));
    EXPECT_EQ(chunks[1].heading_path, (std::vector<std::string>{"Beta"}));
}

TEST(ChunkerStructure, TinySoftSectionsMergeUntilMinTokens) {
    // Each section is 4 tokens (heading 1 + body 3); min 10 -> three sections per chunk.
    std::vector<Part> parts;
    for (int i = 0; i < 6; ++i) {
        parts.push_back({2, "H" + std::to_string(i), "word word word."});
    }
    const Document doc = make_document(parts);
    const ChunkerOptions opt{50, 60, 0, 10};
    const std::vector<Chunk> chunks = chunk_document(doc, opt);
    EXPECT_TRUE(follows_contract(doc, opt, chunks));
    ASSERT_EQ(chunks.size(), 2u);
    EXPECT_EQ(chunk_text(doc, chunks[0]),
              "H0\n\nword word word.\n\nH1\n\nword word word.\n\nH2\n\nword word word.");
    EXPECT_EQ(chunks[0].token_estimate, 12u);
    EXPECT_EQ(chunks[0].heading_path, (std::vector<std::string>{"H0"}));
    EXPECT_EQ(chunks[1].heading_path, (std::vector<std::string>{"H3"}));
}

TEST(ChunkerStructure, SoftBoundaryEndsAChunkThatIsBigEnough) {
    const Document doc = make_document({{2, "First", "One two three four five six seven."},
                                        {2, "Second", "Eight nine ten eleven twelve."}});
    const ChunkerOptions opt{100, 100, 0, 5};
    const std::vector<Chunk> chunks = chunk_document(doc, opt);
    EXPECT_TRUE(follows_contract(doc, opt, chunks));
    EXPECT_EQ(chunk_texts(doc, chunks),
              (std::vector<std::string>{"First\n\nOne two three four five six seven.",
                                        "Second\n\nEight nine ten eleven twelve."}));
}

TEST(ChunkerStructure, HeadingWhoseBodyDoesNotFitStartsTheNextChunk) {
    // "Short." is below min_tokens, so the chunk runs on into "Next"; its first body sentence
    // does not fit the target, and the heading must not dangle at the end of the first chunk.
    const Document doc = make_document(
        {{2, "Intro", "Short."}, {2, "Next", "a b c d e f g h i j k l m n o p q r s t."}});
    const ChunkerOptions opt{12, 30, 0, 5};
    const std::vector<Chunk> chunks = chunk_document(doc, opt);
    EXPECT_TRUE(follows_contract(doc, opt, chunks));
    ASSERT_EQ(chunks.size(), 2u);
    EXPECT_EQ(chunk_text(doc, chunks[0]), "Intro\n\nShort.");
    EXPECT_EQ(chunk_text(doc, chunks[1]), "Next\n\na b c d e f g h i j k l m n o p q r s t.");
    EXPECT_EQ(chunks[1].heading_path, (std::vector<std::string>{"Next"}));
}

TEST(ChunkerStructure, PageChangeIsAHardBoundary) {
    const Document doc = make_document({{1, "Report", "Page one text.", 1},
                                        {0, "", "Page two continues.", 2},
                                        {0, "", "Page three.", 3}});
    const ChunkerOptions opt{};
    const std::vector<Chunk> chunks = chunk_document(doc, opt);
    EXPECT_TRUE(follows_contract(doc, opt, chunks));
    EXPECT_EQ(chunk_texts(doc, chunks),
              (std::vector<std::string>{"Report\n\nPage one text.", "Page two continues.",
                                        "Page three."}));
    ASSERT_EQ(chunks.size(), 3u);
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(chunks[i].page, i + 1);
        EXPECT_EQ(chunks[i].heading_path, (std::vector<std::string>{"Report"}));
    }
}

TEST(ChunkerStructure, LeadingPunctuationOfASectionJoinsTheSentenceBefore) {
    // A level-0 section (no heading) that begins with a closing bracket.
    const Document doc = make_document(
        {{1, "T", "Alpha beta gamma (see note"}, {0, "", ") delta epsilon zeta. Eta theta iota."}});
    const ChunkerOptions opt{4, 4, 0, 0};
    const std::vector<Chunk> chunks = chunk_document(doc, opt);
    EXPECT_TRUE(follows_contract(doc, opt, chunks));
    for (const Chunk& c : chunks) EXPECT_NE(chunk_text(doc, c)[0], ')');
}

// --- sizes and overlap ---------------------------------------------------------------------------

// n sentences of five tokens each: "Sa one two three four." ...
std::string five_token_sentences(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) {
        if (i > 0) s += ' ';
        s += "S" + std::to_string(i) + " one two three four.";
    }
    return s;
}

TEST(ChunkerSize, ChunksFillTheTargetWithWholeSentences) {
    const Document doc = plain_document(five_token_sentences(10));
    const ChunkerOptions opt{12, 20, 0, 0};
    const std::vector<Chunk> chunks = chunk_document(doc, opt);
    EXPECT_TRUE(follows_contract(doc, opt, chunks));
    ASSERT_EQ(chunks.size(), 5u);
    for (const Chunk& c : chunks) EXPECT_EQ(c.token_estimate, 10u);
    EXPECT_EQ(chunk_text(doc, chunks[1]), "S2 one two three four. S3 one two three four.");
}

TEST(ChunkerSize, OverlapRepeatsWholeTrailingSentences) {
    const Document doc = plain_document(five_token_sentences(10));
    const ChunkerOptions opt{20, 30, 10, 0};
    const std::vector<Chunk> chunks = chunk_document(doc, opt);
    EXPECT_TRUE(follows_contract(doc, opt, chunks));
    // 4 sentences a chunk, the last two repeated: S0-S3, S2-S5, S4-S7, S6-S9.
    ASSERT_EQ(chunks.size(), 4u);
    for (size_t k = 0; k < chunks.size(); ++k) {
        const std::string t = chunk_text(doc, chunks[k]);
        EXPECT_EQ(t.substr(0, 3), "S" + std::to_string(2 * k) + " ") << t;
        EXPECT_EQ(chunks[k].token_estimate, 20u);
    }
    const Chunk& a = chunks[0];
    const Chunk& b = chunks[1];
    EXPECT_EQ(doc.text.substr(b.byte_start, a.byte_end - b.byte_start),
              "S2 one two three four. S3 one two three four.");

    // Smaller overlap budget: only one sentence fits.
    const ChunkerOptions one{20, 30, 7, 0};
    const std::vector<Chunk> c1 = chunk_document(doc, one);
    EXPECT_TRUE(follows_contract(doc, one, c1));
    ASSERT_GE(c1.size(), 2u);
    EXPECT_EQ(chunk_text(doc, c1[1]).substr(0, 3), "S3 ");
}

TEST(ChunkerSize, NoOverlapAcrossASoftBoundary) {
    const Document doc =
        make_document({{2, "A", five_token_sentences(6)}, {2, "B", five_token_sentences(6)}});
    const ChunkerOptions opt{15, 20, 10, 5};
    const std::vector<Chunk> chunks = chunk_document(doc, opt);
    EXPECT_TRUE(follows_contract(doc, opt, chunks));
    const size_t b_start = doc.sections[1].byte_start;
    bool found_b = false;
    for (const Chunk& c : chunks) {
        EXPECT_FALSE(c.byte_start < b_start && c.byte_end > b_start);
        if (c.byte_start >= b_start && !found_b) {
            found_b = true;
            EXPECT_EQ(c.byte_start, b_start) << "B's first chunk must start at its heading";
        }
    }
    EXPECT_TRUE(found_b);
}

TEST(ChunkerSize, LongLatinSentenceIsCutBetweenWords) {
    std::string s;
    for (int i = 0; i < 1000; ++i) s += "word" + std::to_string(i) + (i % 7 == 6 ? ", " : " ");
    s += "end.";
    const Document doc = plain_document(s);
    const ChunkerOptions opt{40, 50, 0, 0};
    const std::vector<Chunk> chunks = chunk_document(doc, opt);
    EXPECT_TRUE(follows_contract(doc, opt, chunks));
    ASSERT_EQ(chunks.size(), 21u);  // 1001 tokens, 50 a piece
    for (size_t k = 0; k + 1 < chunks.size(); ++k) {
        const std::string t = chunk_text(doc, chunks[k]);
        EXPECT_EQ(chunks[k].token_estimate, 50u);
        EXPECT_EQ(t.substr(0, 4), "word");
        EXPECT_EQ(t.rfind("word" + std::to_string(50 * k), 0), 0u) << t.substr(0, 20);
        // A comma after the last word stays with it.
        const size_t after = chunks[k].byte_end;
        EXPECT_NE(doc.text[after], ',');
    }
}

TEST(ChunkerSize, GiantCjkRunIsCutBetweenCharacters) {
    std::string s;
    for (int i = 0; i < 200000; ++i) s += (i % 2 == 0) ? "字" : "文";
    const Document doc = plain_document(s);
    const ChunkerOptions opt{};
    const std::vector<Chunk> chunks = chunk_document(doc, opt);
    EXPECT_TRUE(follows_contract(doc, opt, chunks));
    ASSERT_EQ(chunks.size(), (200000 + 383) / 384);
    for (size_t k = 0; k + 1 < chunks.size(); ++k) {
        ASSERT_EQ(chunks[k].token_estimate, 384u);
        ASSERT_EQ(chunks[k].char_start, 384 * k);
        ASSERT_EQ(chunks[k + 1].byte_start, chunks[k].byte_end);
    }
}

TEST(ChunkerSize, GiantLatinRunWithoutSpaces) {
    // A megabyte of one "word" is one token by the estimate: one chunk, within max_tokens.
    const Document one_word = plain_document(std::string(1 << 20, 'x'));
    std::vector<Chunk> chunks = chunk_document(one_word, {});
    ASSERT_EQ(chunks.size(), 1u);
    EXPECT_EQ(chunks[0].token_estimate, 1u);
    EXPECT_EQ(chunks[0].byte_end, one_word.text.size());

    // Words glued by punctuation ("ab,cd.ef;...") are many tokens: cut after the punctuation.
    std::string glued;
    const char* marks = ",.;:!?)";
    for (int i = 0; glued.size() < (1 << 20); ++i) {
        glued += "ab";
        glued += marks[i % 7];
    }
    const Document doc = plain_document(glued);
    const ChunkerOptions opt{};
    chunks = chunk_document(doc, opt);
    EXPECT_TRUE(follows_contract(doc, opt, chunks));
    EXPECT_GT(chunks.size(), 800u);
    for (const Chunk& c : chunks) ASSERT_EQ(doc.text.substr(c.byte_start, 2), "ab");
}

TEST(ChunkerSize, CjkCutsNeverStartWithClosingPunctuation) {
    std::string s;
    for (int i = 0; i < 3000; ++i) s += "他说「好」，我、你；是：";
    const Document doc = plain_document(s);
    for (size_t max : {1, 2, 3, 5, 7}) {
        const ChunkerOptions opt{max, max, 0, 0};
        const std::vector<Chunk> chunks = chunk_document(doc, opt);
        EXPECT_TRUE(follows_contract(doc, opt, chunks));
        for (const Chunk& c : chunks) {
            const std::string t = chunk_text(doc, c);
            for (const char* bad : {"」", "，", "、", "；", "：", "。"}) {
                ASSERT_NE(t.rfind(bad, 0), 0u) << "max " << max << ": " << t;
            }
        }
    }
}

TEST(ChunkerSize, CodePointOffsetsInMixedScripts) {
    std::string s;
    for (int i = 0; i < 200; ++i) s += "Ünïcödé 😀 文字です。 ";
    const Document doc = plain_document(s);
    const ChunkerOptions opt{10, 12, 4, 0};
    const std::vector<Chunk> chunks = chunk_document(doc, opt);
    EXPECT_TRUE(follows_contract(doc, opt, chunks));
    ASSERT_GT(chunks.size(), 50u);
    for (const Chunk& c : chunks) {
        ASSERT_EQ(c.char_start, count_code_points(doc.text.substr(0, c.byte_start)));
        ASSERT_EQ(c.char_end, count_code_points(doc.text.substr(0, c.byte_end)));
    }
}

TEST(ChunkerSize, SeveralMegabytesInLinearTime) {
    // 4 MB of short sentences cut into ~200k chunks: anything quadratic in chunks x bytes (such as
    // re-counting code points from the start) takes minutes here instead of a second or two.
    std::string s;
    while (s.size() < (4u << 20)) s += "Tiny sentence. 短句。";
    const Document doc = plain_document(s);
    const auto start = std::chrono::steady_clock::now();
    const std::vector<Chunk> chunks = chunk_document(doc, {2, 3, 1, 0});
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_GT(chunks.size(), 100000u);
    EXPECT_LT(seconds, 30.0);
    EXPECT_EQ(chunks.back().char_end, count_code_points(doc.text));
}

// --- real text -------------------------------------------------------------------------------

const std::vector<ChunkerOptions>& option_sets() {
    static const std::vector<ChunkerOptions> sets = {
        ChunkerOptions{},  // defaults
        ChunkerOptions{40, 60, 10, 10},
        ChunkerOptions{100, 120, 0, 30},
        ChunkerOptions{8, 8, 4, 0},
        ChunkerOptions{3, 5, 2, 3},
    };
    return sets;
}

void check_markdown_tree(const std::string& folder) {
    const std::filesystem::path root = openbook::testing::shared_data(folder);
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
        if (entry.is_regular_file() && entry.path().extension() == ".md") {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    ASSERT_GT(files.size(), 100u) << root;
    size_t total_chunks = 0;
    for (const auto& path : files) {
        const Document doc = markdown_document(openbook::testing::read_file(path));
        for (const ChunkerOptions& opt : option_sets()) {
            const std::vector<Chunk> chunks = chunk_document(doc, opt);
            ASSERT_TRUE(follows_contract(doc, opt, chunks)) << path;
            total_chunks += chunks.size();
        }
    }
    EXPECT_GT(total_chunks, files.size());
}

TEST(ChunkerRealText, D2lZhMarkdown) { check_markdown_tree("d2l-zh"); }

TEST(ChunkerRealText, D2lEnMarkdown) { check_markdown_tree("d2l-en"); }

std::string war_and_peace() {
    return openbook::testing::read_file(
        openbook::testing::shared_data("ollama-testdata/war-and-peace.txt"));
}

TEST(ChunkerRealText, WarAndPeaceAsOneSection) {
    const Document doc = plain_document(war_and_peace());
    ASSERT_GT(doc.text.size(), 3000000u);
    for (const ChunkerOptions& opt : option_sets()) {
        const std::vector<Chunk> chunks = chunk_document(doc, opt);
        ASSERT_TRUE(follows_contract(doc, opt, chunks));
        ASSERT_GT(chunks.size(), doc.text.size() / 4 / opt.max_tokens / 8);
    }
}

TEST(ChunkerRealText, WarAndPeaceWithChaptersAndPages) {
    // Chapters as top-level headings, and every chapter cut into ~3 KB "pages" at line starts.
    Document doc;
    doc.text = war_and_peace();
    const std::string& t = doc.text;
    std::vector<std::string> path;
    int page = 1;
    size_t page_start = 0;
    for (size_t pos = 0; pos < t.size();) {
        size_t line_end = t.find('\n', pos);
        if (line_end == std::string::npos) line_end = t.size();
        const bool chapter = t.compare(pos, 8, "CHAPTER ") == 0;
        if (chapter || pos == 0 || pos - page_start > 3000) {
            Section s;
            s.byte_start = pos;
            if (chapter) {
                path = {t.substr(pos, line_end - pos)};
                s.heading_level = 1;
                s.heading_bytes = line_end - pos;
            }
            if (pos > 0) ++page;
            s.heading_path = path;
            s.page = page;
            page_start = pos;
            doc.sections.push_back(s);
        }
        pos = line_end + 1;
    }
    ASSERT_GT(doc.sections.size(), 1000u);
    for (size_t i = 0; i + 1 < doc.sections.size(); ++i) {
        doc.sections[i].byte_end = doc.sections[i + 1].byte_start;
    }
    doc.sections.back().byte_end = t.size();
    for (const ChunkerOptions& opt : option_sets()) {
        const std::vector<Chunk> chunks = chunk_document(doc, opt);
        ASSERT_TRUE(follows_contract(doc, opt, chunks));
        ASSERT_GT(chunks.size(), 1000u);
    }
}

}  // namespace
}  // namespace openbook::ingest
