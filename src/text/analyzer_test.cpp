#include "text/analyzer.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

// OpenCC's headers use std::iterator, deprecated since C++17.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
#include <opencc/SimpleConverter.hpp>
#pragma GCC diagnostic pop

#include "support/test_support.h"
#include "text/cross_strait_terms.h"
#include "text/script_folding.h"
#include "text/utf8.h"

namespace openbook::text {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::unique_ptr<Analyzer> make(const AnalyzerOptions& options = {}) {
    auto analyzer = Analyzer::create(options);
    EXPECT_TRUE(analyzer.has_value()) << analyzer.error().to_string();
    return analyzer ? std::move(*analyzer) : nullptr;
}

std::unique_ptr<Analyzer> make_unstemmed() {
    AnalyzerOptions options;
    options.stem_language = "none";
    return make(options);
}

std::vector<std::string> terms(const Analyzer& analyzer, std::string_view text) {
    std::vector<std::string> out;
    analyzer.analyze(text, out);
    return out;
}

std::string to_utf8(const std::vector<char32_t>& cps) {
    std::string out;
    for (char32_t cp : cps) append_utf8(out, cp);
    return out;
}

bool is_basic_han(char32_t cp) {
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF);
}

// The "context" strings of a SQuAD-format JSON file (DRCD, CMRC), without a JSON library: the
// text module does not link one, and these files only need string unescaping.
std::vector<std::string> squad_contexts(const std::string& json) {
    std::vector<std::string> out;
    const std::string key = "\"context\": \"";
    for (size_t pos = json.find(key); pos != std::string::npos; pos = json.find(key, pos)) {
        pos += key.size();
        std::string value;
        while (pos < json.size() && json[pos] != '"') {
            if (json[pos] != '\\' || pos + 1 >= json.size()) {
                value.push_back(json[pos++]);
                continue;
            }
            const char escaped = json[pos + 1];
            pos += 2;
            switch (escaped) {
                case 'n': value.push_back('\n'); break;
                case 't': value.push_back('\t'); break;
                case 'r': value.push_back('\r'); break;
                case 'b':
                case 'f': value.push_back(' '); break;
                case 'u': {
                    char32_t cp =
                        static_cast<char32_t>(std::stoul(json.substr(pos, 4), nullptr, 16));
                    pos += 4;
                    if (cp >= 0xD800 && cp <= 0xDBFF && json.compare(pos, 2, "\\u") == 0) {
                        const auto low = std::stoul(json.substr(pos + 2, 4), nullptr, 16);
                        cp =
                            0x10000 + ((cp - 0xD800) << 10) + (static_cast<char32_t>(low) - 0xDC00);
                        pos += 6;
                    }
                    append_utf8(value, cp);
                    break;
                }
                default: value.push_back(escaped); break;
            }
        }
        out.push_back(std::move(value));
    }
    return out;
}

std::vector<std::string> drcd_paragraphs() {
    auto paragraphs =
        squad_contexts(testing::read_file(testing::shared_data("drcd/DRCD_dev.json")));
    EXPECT_GE(paragraphs.size(), 1000u);
    return paragraphs;
}

std::vector<std::string> cmrc_paragraphs() {
    auto paragraphs = squad_contexts(
        testing::read_file(testing::shared_data("cmrc2018/cmrc2018_dev.squad.json")));
    EXPECT_GE(paragraphs.size(), 100u);
    return paragraphs;
}

// The Chinese chapters of d2l-zh (not the English *_origin.md twins), in a stable order.
std::vector<std::filesystem::path> d2l_zh_files() {
    std::vector<std::filesystem::path> files;
    for (const auto& entry :
         std::filesystem::recursive_directory_iterator(testing::shared_data("d2l-zh"))) {
        const auto name = entry.path().filename().string();
        const auto chapter = entry.path().parent_path().filename().string();
        if (entry.is_regular_file() && entry.path().extension() == ".md" &&
            chapter.rfind("chapter_", 0) == 0 && name.find("_origin") == std::string::npos) {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    EXPECT_GE(files.size(), 100u);
    return files;
}

// ---------------------------------------------------------------------------------------------
// English and other space-separated scripts

TEST(AnalyzerEnglish, ExactTermsStemmed) {
    auto analyzer = make();
    EXPECT_THAT(
        terms(*analyzer, "The quick brown foxes were running; they've regularized models."),
        ElementsAre("the", "quick", "brown", "fox", "were", "run", "they'v", "regular", "model"));
}

TEST(AnalyzerEnglish, InflectionsMeet) {
    auto analyzer = make();
    for (const char* variant : {"regularize", "regularized", "regularizing", "Regularization"}) {
        EXPECT_THAT(terms(*analyzer, variant), ElementsAre("regular")) << variant;
    }
    EXPECT_THAT(terms(*analyzer, "run running runs"), ElementsAre("run", "run", "run"));
}

TEST(AnalyzerEnglish, NumbersAndMixedWordsStayWhole) {
    auto analyzer = make();
    // Digits keep a word out of the stemmer; '.' joins digits only; ',' and '-' split.
    EXPECT_THAT(terms(*analyzer, "GPT4 x86 2018 3.14 v1.2.0 1,000 GPT-4 e.g. end. 3. running2"),
                ElementsAre("gpt4", "x86", "2018", "3.14", "v1.2.0", "1", "000", "gpt", "4", "e",
                            "g", "end", "3", "running2"));
}

TEST(AnalyzerEnglish, ApostrophesJoinLetters) {
    auto analyzer = make();
    EXPECT_THAT(terms(*analyzer, "don't John's dogs' O'Neil"),
                ElementsAre("don't", "john", "dog", "o'neil"));
    // The typographic apostrophe is the same as the ASCII one.
    EXPECT_EQ(terms(*analyzer, "don\u2019t John\u2019s"), terms(*analyzer, "don't John's"));
    auto plain = make_unstemmed();
    // Quotes around a word and doubled apostrophes are not part of it.
    EXPECT_THAT(terms(*plain, "'quoted' rock'n'roll a''b '90s"),
                ElementsAre("quoted", "rock'n'roll", "a", "b", "90s"));
}

TEST(AnalyzerEnglish, OtherStemmerLanguages) {
    AnalyzerOptions options;
    options.stem_language = "german";
    auto german = make(options);
    EXPECT_THAT(terms(*german, "Häuser HÄUSER"), ElementsAre("haus", "haus"));
    EXPECT_EQ(german->options().stem_language, "german");
    // Non-Latin alphabets are words too.
    auto plain = make_unstemmed();
    EXPECT_THAT(terms(*plain, "Привет, мир! Ελληνικά ΣΟΦΟΣ"),
                ElementsAre("привет", "мир", "ελληνικά", "σοφοσ"));
}

TEST(AnalyzerEnglish, OverlongWordsProduceNoTerm) {
    auto analyzer = make_unstemmed();
    const std::string blob(200, 'x');
    EXPECT_THAT(terms(*analyzer, "before " + blob + " after"), ElementsAre("before", "after"));
    const std::string longest(128, 'y');
    EXPECT_THAT(terms(*analyzer, longest), ElementsAre(longest));
}

TEST(AnalyzerStopwords, OffByDefaultOnOnRequest) {
    auto keep = make();
    EXPECT_THAT(terms(*keep, "the cat and the hat"),
                ElementsAre("the", "cat", "and", "the", "hat"));
    AnalyzerOptions options;
    options.remove_stopwords = true;
    auto drop = make(options);
    EXPECT_THAT(terms(*drop, "The cat and the hat"), ElementsAre("cat", "hat"));
    EXPECT_THAT(terms(*drop, "to be or not to be"), IsEmpty());
    // Chinese is untouched by the English list.
    EXPECT_THAT(terms(*drop, "the 的"), ElementsAre("的"));
    // The list is English: another language's stemmer keeps every word.
    options.stem_language = "french";
    auto french = make(options);
    EXPECT_THAT(terms(*french, "the cat"), ElementsAre("the", "cat"));
}

// ---------------------------------------------------------------------------------------------
// Normalization

TEST(AnalyzerNormalization, FullWidthLigaturesAndCase) {
    auto analyzer = make_unstemmed();
    EXPECT_THAT(terms(*analyzer, "ＡＢＣ１２３ Ｈｅｌｌｏ"), ElementsAre("abc123", "hello"));
    EXPECT_THAT(terms(*analyzer, "ﬁnance ﬂow"), ElementsAre("finance", "flow"));
    EXPECT_THAT(terms(*analyzer, "HELLO Hello hello"), ElementsAre("hello", "hello", "hello"));
    EXPECT_THAT(terms(*analyzer, "Straße"), ElementsAre("strasse"));
    EXPECT_THAT(terms(*analyzer, "x² ①"), ElementsAre("x2", "1"));
    // Composed and decomposed accents meet, also right after ASCII (the slow path).
    EXPECT_EQ(terms(*analyzer, "caf\u00E9 na\u00EFve"), terms(*analyzer, "cafe\u0301 nai\u0308ve"));
    EXPECT_THAT(terms(*analyzer, "cafe\u0301"), ElementsAre("caf\u00E9"));
    // A soft hyphen inside a word does not split it.
    EXPECT_THAT(terms(*analyzer, "hy\u00ADphen"), ElementsAre("hyphen"));
    // The stemmed pipeline sees the normalized word.
    auto stemmed = make();
    EXPECT_EQ(terms(*stemmed, "ﬁnance"), terms(*stemmed, "finance"));
}

TEST(AnalyzerNormalization, KanaAndHangulForms) {
    auto analyzer = make();
    // Half-width katakana, and its separate voicing mark, meet the full-width forms.
    EXPECT_EQ(terms(*analyzer, "ｶﾀｶﾅ"), terms(*analyzer, "カタカナ"));
    EXPECT_EQ(terms(*analyzer, "ｶﾞｲﾄﾞ"), terms(*analyzer, "ガイド"));
    EXPECT_EQ(terms(*analyzer, "か\u3099"), terms(*analyzer, "が"));
    // Decomposed Hangul (NFD jamo) meets the syllables.
    EXPECT_EQ(terms(*analyzer, "\u1112\u1161\u11AB\u1100\u116E\u11A8"), terms(*analyzer, "한국"));
    // Full-width Han punctuation separates; full-width Latin inside Chinese is a word.
    EXPECT_THAT(terms(*analyzer, "模型（ＧＰＴ）。"), ElementsAre("模型", "gpt"));
}

// ---------------------------------------------------------------------------------------------
// Chinese, Japanese, Korean

TEST(AnalyzerChinese, OverlappingBigrams) {
    auto analyzer = make();
    const auto system = terms(*analyzer, "檢索增強生成系統");
    EXPECT_THAT(system, ElementsAre("检索", "索增", "增强", "强生", "生成", "成系", "系统"));
    // Every term of the query 檢索 is a term of the document.
    for (const auto& term : terms(*analyzer, "檢索")) {
        EXPECT_NE(std::find(system.begin(), system.end(), term), system.end()) << term;
    }
    EXPECT_THAT(terms(*analyzer, "的"), ElementsAre("的"));
    EXPECT_THAT(terms(*analyzer, "你好，世界。我"), ElementsAre("你好", "世界", "我"));
}

TEST(AnalyzerChinese, MixedWithLatin) {
    auto analyzer = make();
    EXPECT_THAT(terms(*analyzer, "使用GPT4模型"), ElementsAre("使用", "gpt4", "模型"));
    EXPECT_THAT(terms(*analyzer, "用PyTorch训练神经网络"),
                ElementsAre("用", "pytorch", "训练", "练神", "神经", "经网", "网络"));
}

TEST(AnalyzerChinese, TraditionalMeetsSimplified) {
    auto analyzer = make();
    const std::pair<const char*, const char*> pairs[] = {
        {"正規化", "正则化"},     {"資料", "数据"},
        {"軟體", "软件"},         {"記憶體", "内存"},
        {"檢索", "检索"},         {"類神經網路", "神经网络"},
        {"演算法", "算法"},       {"向量", "向量"},
        {"機器學習", "机器学习"}, {"資料集的正規化", "数据集的正则化"},
    };
    for (const auto& [traditional, simplified] : pairs) {
        const auto folded = terms(*analyzer, traditional);
        EXPECT_FALSE(folded.empty()) << traditional;
        EXPECT_EQ(folded, terms(*analyzer, simplified)) << traditional << " vs " << simplified;
    }
    // The cross-strait table wins over OpenCC's general-purpose choice (范式 for 正規化).
    EXPECT_THAT(terms(*analyzer, "正規化"), ElementsAre("正则", "则化"));
    // ... but only where it matches: 方程式 is not 方 + 程式 (a program).
    EXPECT_THAT(terms(*analyzer, "方程式"), ElementsAre("方程", "程式"));
    EXPECT_THAT(terms(*analyzer, "程式"), ElementsAre("程序"));
}

TEST(AnalyzerChinese, EveryCrossStraitTermMeetsItsMainlandForm) {
    auto analyzer = make();
    ASSERT_GE(cross_strait_terms().size(), 100u);
    std::map<std::string_view, int> seen;
    for (const auto& term : cross_strait_terms()) {
        EXPECT_EQ(++seen[term.taiwan], 1) << "duplicate key " << term.taiwan;
        const auto taiwan = terms(*analyzer, term.taiwan);
        EXPECT_FALSE(taiwan.empty()) << term.taiwan;
        EXPECT_EQ(taiwan, terms(*analyzer, term.mainland)) << term.taiwan << " → " << term.mainland;
    }
}

TEST(AnalyzerChinese, FoldingCanBeTurnedOff) {
    AnalyzerOptions options;
    options.fold_chinese_script = false;
    auto analyzer = make(options);
    EXPECT_THAT(terms(*analyzer, "資料"), ElementsAre("資料"));
    EXPECT_THAT(terms(*analyzer, "正規化"), ElementsAre("正規", "規化"));
    EXPECT_FALSE(analyzer->options().fold_chinese_script);
}

// Runs of Han characters in texts, each converted by the folder in `script` mode and by OpenCC
// with `config`; returns how many runs OpenCC changed and fails on any difference.
size_t expect_folder_equals_opencc(const std::vector<std::string>& texts, ChineseScript script,
                                   const std::string& config) {
    auto folder = ChineseScriptFolder::shared();
    EXPECT_TRUE(folder.has_value()) << folder.error().to_string();
    if (!folder) return 0;
    const opencc::SimpleConverter opencc(config);
    FoldBuffers buffers;
    size_t runs = 0;
    size_t changed = 0;
    size_t mismatches = 0;
    std::vector<char32_t> run;
    auto check = [&] {
        if (run.empty()) return;
        const std::string input = to_utf8(run);
        const std::string expected = opencc.Convert(input);
        (*folder)->fold_opencc_only(run, script, buffers);
        const std::string actual = to_utf8(buffers.cps);
        ++runs;
        changed += expected != input;
        if (actual != expected && ++mismatches <= 10) {
            ADD_FAILURE() << config << ": " << input << ": OpenCC " << expected << ", folder "
                          << actual;
        }
        run.clear();
    };
    for (const auto& text : texts) {
        for (size_t pos = 0; pos < text.size();) {
            const char32_t cp = decode_utf8(text, pos);
            if (is_basic_han(cp)) {
                run.push_back(cp);
            } else {
                check();
            }
        }
        check();
    }
    EXPECT_EQ(mismatches, 0u) << config;
    EXPECT_GT(runs, 100000u) << config;
    std::printf("%s: folder == OpenCC on %zu Han runs (%zu changed by the conversion)\n",
                config.c_str(), runs, changed);
    return changed;
}

TEST(AnalyzerChinese, FolderReplaysOpenCCExactly) {
    std::vector<std::string> texts = drcd_paragraphs();
    for (auto& p : cmrc_paragraphs()) texts.push_back(std::move(p));
    for (const auto& file : d2l_zh_files()) texts.push_back(testing::read_file(file));
    // Both configurations on Traditional and Simplified text; the comparisons must exercise real
    // conversions (DRCD is Traditional).
    EXPECT_GT(expect_folder_equals_opencc(texts, ChineseScript::kTraditional, "tw2sp.json"),
              20000u);
    EXPECT_GT(expect_folder_equals_opencc(texts, ChineseScript::kSimplified, "t2s.json"), 10000u);
}

TEST(AnalyzerChinese, ScriptEvidence) {
    auto folder = ChineseScriptFolder::shared();
    ASSERT_TRUE(folder.has_value()) << folder.error().to_string();
    for (char32_t cp : {U'資', U'體', U'們', U'記', U'劃'}) EXPECT_EQ((*folder)->evidence(cp), 1);
    for (char32_t cp : {U'资', U'体', U'们', U'记', U'这'}) {
        EXPECT_EQ((*folder)->evidence(cp), -1) << static_cast<uint32_t>(cp);
    }
    for (char32_t cp : {U'的', U'程', U'序', U'文', U'件', U'干', U'后', U'划', U'a'}) {
        EXPECT_EQ((*folder)->evidence(cp), 0);
    }
}

// Simplified text keeps mainland words that OpenCC's Taiwan tables would rewrite; Traditional
// text gets them (程序 in Taiwan means a process: 进程).
TEST(AnalyzerChinese, VocabularyConversionOnlyForTraditionalText) {
    auto analyzer = make();
    EXPECT_THAT(terms(*analyzer, "程序"), ElementsAre("程序"));
    EXPECT_THAT(terms(*analyzer, "什么文件"), ElementsAre("什么", "么文", "文件"));
    EXPECT_THAT(terms(*analyzer, "显著"), ElementsAre("显著"));
    EXPECT_THAT(terms(*analyzer, "執行緒與程序"), ElementsAre("线程", "程与", "与进", "进程"));
    // A stretch without telling characters follows the rest of the text.
    EXPECT_THAT(terms(*analyzer, "這個，程序"), ElementsAre("这个", "进程"));
    EXPECT_THAT(terms(*analyzer, "这个，程序"), ElementsAre("这个", "程序"));
    // Table words fold in either script: a Taiwan query 程式 finds a mainland 程序.
    EXPECT_EQ(terms(*analyzer, "程式"), terms(*analyzer, "程序"));
}

TEST(AnalyzerChinese, FoldedSourcesCoverTheInput) {
    auto folder = ChineseScriptFolder::shared();
    ASSERT_TRUE(folder.has_value()) << folder.error().to_string();
    FoldBuffers buffers;
    const std::u32string text = U"電腦的記憶體很大";
    (*folder)->fold(std::vector<char32_t>(text.begin(), text.end()), ChineseScript::kTraditional,
                    buffers);
    EXPECT_EQ(to_utf8(buffers.cps), "电脑的内存很大");
    ASSERT_EQ(buffers.src.size(), 7u);
    // 内存 came from the whole of 記憶體 (characters 3..5); the rest map one to one.
    EXPECT_EQ(buffers.src[3].first, 3u);
    EXPECT_EQ(buffers.src[3].last, 5u);
    EXPECT_EQ(buffers.src[4].first, 3u);
    EXPECT_EQ(buffers.src[4].last, 5u);
    EXPECT_EQ(buffers.src[5].first, 6u);
    EXPECT_EQ(buffers.src[5].last, 6u);
}

// Simplified text must mean the same after folding: analyzing d2l-zh directly and analyzing it
// after OpenCC's s2twp (Simplified → Taiwan phrases) should give (nearly) the same terms.
TEST(AnalyzerChinese, SimplifiedSurvivesRoundTripThroughTaiwanForm) {
    auto analyzer = make();
    const opencc::SimpleConverter to_taiwan("s2twp.json");
    size_t total = 0;
    size_t agreed = 0;
    std::map<std::string, size_t> lost;
    for (const auto& file : d2l_zh_files()) {
        const std::string simplified = testing::read_file(file);
        std::map<std::string, long> counts;
        for (const auto& term : terms(*analyzer, simplified)) {
            if (static_cast<unsigned char>(term[0]) >= 0x80) ++counts[term];
        }
        std::map<std::string, long> taiwan;
        for (const auto& term : terms(*analyzer, to_taiwan.Convert(simplified))) {
            if (static_cast<unsigned char>(term[0]) >= 0x80) ++taiwan[term];
        }
        for (const auto& [term, count] : counts) {
            total += static_cast<size_t>(count);
            const long matched = std::min(count, taiwan[term]);
            agreed += static_cast<size_t>(matched);
            if (matched < count) lost[term] += static_cast<size_t>(count - matched);
        }
    }
    ASSERT_GT(total, 100000u);
    const double rate = static_cast<double>(agreed) / static_cast<double>(total);
    std::vector<std::pair<size_t, std::string>> worst;
    for (const auto& [term, count] : lost) worst.emplace_back(count, term);
    std::sort(worst.rbegin(), worst.rend());
    std::string examples;
    for (size_t i = 0; i < std::min<size_t>(12, worst.size()); ++i) {
        examples += worst[i].second + "×" + std::to_string(worst[i].first) + " ";
    }
    std::printf("d2l-zh CJK terms equal after s2twp round trip: %.2f%% of %zu; most lost: %s\n",
                100 * rate, total, examples.c_str());
    EXPECT_GE(rate, 0.98);
}

// And the other way: a Taiwan text (DRCD) and OpenCC's mainland rendering of it (tw2sp) should
// give the same terms; they differ only where openbook's table overrides OpenCC.
TEST(AnalyzerChinese, TraditionalMeetsItsMainlandRendering) {
    auto analyzer = make();
    const opencc::SimpleConverter to_mainland("tw2sp.json");
    size_t total = 0;
    size_t agreed = 0;
    for (const auto& paragraph : drcd_paragraphs()) {
        std::map<std::string, long> counts;
        for (auto& term : terms(*analyzer, paragraph)) ++counts[term];
        for (auto& term : terms(*analyzer, to_mainland.Convert(paragraph))) {
            auto it = counts.find(term);
            if (it != counts.end() && it->second > 0) {
                --it->second;
                ++agreed;
            }
            ++total;
        }
    }
    ASSERT_GT(total, 300000u);
    const double rate = static_cast<double>(agreed) / static_cast<double>(total);
    std::printf("DRCD terms equal to those of its tw2sp rendering: %.2f%% of %zu\n", 100 * rate,
                total);
    EXPECT_GE(rate, 0.99);
}

TEST(AnalyzerCjk, KanaBigramsWithoutFolding) {
    auto analyzer = make();
    EXPECT_THAT(terms(*analyzer, "カタカナ"), ElementsAre("カタ", "タカ", "カナ"));
    EXPECT_THAT(terms(*analyzer, "ひらがな"), ElementsAre("ひら", "らが", "がな"));
    // One run across kanji and kana; the kanji are folded like Chinese (語 → 语).
    EXPECT_THAT(terms(*analyzer, "日本語のテキスト"),
                ElementsAre("日本", "本语", "语の", "のテ", "テキ", "キス", "スト"));
    EXPECT_THAT(terms(*analyzer, "ー"), ElementsAre("ー"));
}

TEST(AnalyzerCjk, HangulBigrams) {
    auto analyzer = make();
    EXPECT_THAT(terms(*analyzer, "한국어 텍스트 검색"),
                ElementsAre("한국", "국어", "텍스", "스트", "검색"));
}

// ---------------------------------------------------------------------------------------------
// What produces no terms, and bad input

TEST(AnalyzerDrops, EmojiPunctuationAndSymbols) {
    auto analyzer = make();
    EXPECT_THAT(
        terms(*analyzer,
              "👍🏽 hello 😀→© ★ ∑ 🇹🇼 👨‍👩‍👧 world!!! ... --- ___"),
        ElementsAre("hello", "world"));
    EXPECT_THAT(terms(*analyzer, "「」『』（）【】《》，。、；：？！…—"), IsEmpty());
    EXPECT_THAT(terms(*analyzer, "😀中😀"), ElementsAre("中"));
}

TEST(AnalyzerRobustness, EmptyAndBlank) {
    auto analyzer = make();
    EXPECT_THAT(terms(*analyzer, ""), IsEmpty());
    EXPECT_THAT(terms(*analyzer, " \t\n\r\u3000 "), IsEmpty());
    std::vector<Token> tokens;
    analyzer->tokenize("", tokens);
    EXPECT_THAT(tokens, IsEmpty());
}

TEST(AnalyzerRobustness, InvalidUtf8ProducesNoTermsAndNoGarbage) {
    auto analyzer = make();
    EXPECT_THAT(terms(*analyzer,
                      "abc\xFF\xFE"
                      "def"),
                ElementsAre("abc", "def"));
    // A truncated 中 (E4 B8 AD) between words, a stray continuation byte, an overlong '/'.
    EXPECT_THAT(terms(*analyzer,
                      "模型\xE4\xB8"
                      "gpt\x80x\xC0\xAF"
                      "y"),
                ElementsAre("模型", "gpt", "x", "y"));
    EXPECT_THAT(terms(*analyzer, std::string("a\0b", 3)), ElementsAre("a", "b"));
    // Random bytes: whatever comes out is valid UTF-8 and non-empty.
    std::mt19937 rng(42);
    std::string noise(64 * 1024, '\0');
    for (auto& c : noise) c = static_cast<char>(rng());
    std::vector<Token> tokens;
    analyzer->tokenize(noise, tokens);
    for (const auto& token : tokens) {
        EXPECT_TRUE(is_valid_utf8(token.term));
        EXPECT_FALSE(token.term.empty());
        EXPECT_LT(token.begin, token.end);
        EXPECT_LE(token.end, noise.size());
    }
}

TEST(AnalyzerRobustness, OneMegabyteInputs) {
    auto analyzer = make();
    std::vector<std::string> out;
    // One enormous word, one enormous Han run, and 1 MB of mixed real text repeated.
    analyzer->analyze(std::string(1 << 20, 'a'), out);
    EXPECT_THAT(out, IsEmpty());
    std::string han;
    while (han.size() < (1u << 20)) han += "檢索增強生成系統記憶體正規化";
    out.clear();
    analyzer->analyze(han, out);
    // 14 characters a repeat, 13 once 記憶體 is 内存; bigrams are one fewer than characters.
    const size_t repeats = han.size() / std::string_view("檢索增強生成系統記憶體正規化").size();
    EXPECT_EQ(out.size(), 13 * repeats - 1);
    std::string mixed;
    while (mixed.size() < (1u << 20))
        mixed += "Mixed 文本 with ＦＵＬＬ width, emoji 😀 and 數字 3.14; ";
    out.clear();
    analyzer->analyze(mixed, out);
    EXPECT_GT(out.size(), 100000u);
}

// ---------------------------------------------------------------------------------------------
// Options

TEST(AnalyzerOptions, UnknownStemmerLanguageIsAnError) {
    AnalyzerOptions options;
    options.stem_language = "klingon";
    auto analyzer = Analyzer::create(options);
    ASSERT_FALSE(analyzer.has_value());
    EXPECT_EQ(analyzer.error().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(analyzer.error().message(), ::testing::HasSubstr("'klingon'"));
    EXPECT_THAT(analyzer.error().message(), ::testing::HasSubstr("english"));
    EXPECT_THAT(analyzer.error().message(), ::testing::HasSubstr("none"));
    options.stem_language = "";
    EXPECT_FALSE(Analyzer::create(options).has_value());
}

TEST(AnalyzerOptions, NoneMeansNoStemming) {
    auto analyzer = make_unstemmed();
    EXPECT_THAT(terms(*analyzer, "Running models"), ElementsAre("running", "models"));
    EXPECT_EQ(analyzer->options().stem_language, "none");
    EXPECT_TRUE(analyzer->options().fold_chinese_script);
}

// ---------------------------------------------------------------------------------------------
// Token spans on real text

struct SpanReport {
    size_t tokens = 0;
    size_t not_reproduced = 0;
};

// Checks every token of text: its span lies in the text on code point boundaries, spans begin in
// order, analyze() gives the same terms, and analyzing the text under a span yields the term.
SpanReport check_spans(const Analyzer& analyzer, std::string_view text, std::string_view name) {
    SpanReport report;
    std::vector<Token> tokens;
    analyzer.tokenize(text, tokens);
    std::vector<std::string> analyzed;
    analyzer.analyze(text, analyzed);
    EXPECT_EQ(tokens.size(), analyzed.size()) << name;
    auto folder = ChineseScriptFolder::shared();
    int balance = 0;
    for (size_t pos = 0; folder && pos < text.size();)
        balance += (*folder)->evidence(decode_utf8(text, pos));
    const std::string marker = balance > 0 ? "，資" : balance < 0 ? "，资" : "";
    uint32_t previous_begin = 0;
    for (size_t i = 0; i < tokens.size(); ++i) {
        const auto& token = tokens[i];
        if (i < analyzed.size()) {
            EXPECT_EQ(token.term, analyzed[i]) << name;
        }
        EXPECT_LT(token.begin, token.end) << name;
        EXPECT_LE(token.end, text.size()) << name;
        EXPECT_LE(previous_begin, token.begin) << name << " " << token.term;
        EXPECT_TRUE(is_code_point_boundary(text, token.begin)) << name;
        EXPECT_TRUE(is_code_point_boundary(text, token.end)) << name;
        previous_begin = token.begin;
        // The span alone may lack the characters that told its script; a marker run of the
        // text's script (after a comma, so it forms its own terms) restores that context.
        const auto source = text.substr(token.begin, token.end - token.begin);
        const auto again = terms(analyzer, std::string(source) + marker);
        ++report.tokens;
        if (std::find(again.begin(), again.end(), token.term) == again.end()) {
            if (++report.not_reproduced <= 5) {
                std::printf("%.*s: '%.*s' does not analyze to %s\n", static_cast<int>(name.size()),
                            name.data(), static_cast<int>(source.size()), source.data(),
                            token.term.c_str());
            }
        }
    }
    return report;
}

TEST(AnalyzerTokenize, SpansOnD2lZh) {
    auto analyzer = make();
    SpanReport total;
    const auto files = d2l_zh_files();
    for (size_t i = 0; i < files.size(); i += 8) {
        const auto report =
            check_spans(*analyzer, testing::read_file(files[i]), files[i].filename().string());
        total.tokens += report.tokens;
        total.not_reproduced += report.not_reproduced;
    }
    EXPECT_GT(total.tokens, 50000u);
    EXPECT_EQ(total.not_reproduced, 0u);
}

TEST(AnalyzerTokenize, SpansOnDrcdTraditional) {
    auto analyzer = make();
    SpanReport total;
    const auto paragraphs = drcd_paragraphs();
    for (size_t i = 0; i < paragraphs.size(); i += 4) {
        const auto report = check_spans(*analyzer, paragraphs[i], "DRCD #" + std::to_string(i));
        total.tokens += report.tokens;
        total.not_reproduced += report.not_reproduced;
    }
    std::printf("DRCD: %zu of %zu token spans do not analyze back to their term\n",
                total.not_reproduced, total.tokens);
    EXPECT_GT(total.tokens, 50000u);
    // Phrase matching can depend on the characters around a span; allow a few in 10,000.
    EXPECT_LE(total.not_reproduced * 2000, total.tokens);
}

TEST(AnalyzerTokenize, SpansOnWarAndPeace) {
    auto analyzer = make();
    const std::string book =
        testing::read_file(testing::shared_data("ollama-testdata/war-and-peace.txt"));
    ASSERT_GT(book.size(), 3000000u);
    const auto report = check_spans(*analyzer, std::string_view(book).substr(0, 400000), "W&P");
    EXPECT_GT(report.tokens, 60000u);
    EXPECT_EQ(report.not_reproduced, 0u);
}

TEST(AnalyzerTokenize, SpansOfNormalizedAndFoldedText) {
    auto analyzer = make();
    const std::string text = "ＧＰＴ４ caf\u00E9 cafe\u0301 記憶體很大 ｶﾞｲﾄﾞ";
    std::vector<Token> tokens;
    analyzer->tokenize(text, tokens);
    std::vector<std::string> sources;
    std::vector<std::string> got;
    for (const auto& token : tokens) {
        got.push_back(token.term);
        sources.push_back(text.substr(token.begin, token.end - token.begin));
    }
    EXPECT_THAT(
        got, ElementsAre("gpt4", "caf\u00E9", "caf\u00E9", "内存", "存很", "很大", "ガイ", "イド"));
    EXPECT_THAT(sources, ElementsAre("ＧＰＴ４", "caf\u00E9", "cafe\u0301", "記憶體", "記憶體很",
                                     "很大", "ｶﾞｲ", "ｲﾄﾞ"));
}

}  // namespace
}  // namespace openbook::text
