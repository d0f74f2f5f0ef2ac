// Tokenizers against llama.cpp's own test vectors (../shared/data/llamacpp-vocab-tests and
// llamacpp-fixtures/vocab): every case of every vocabulary must encode to exactly the expected
// ids and decode back to its input. Then round trips on real text in both languages.
//
// Vector format: `.inp` holds the cases, each terminated by "\n__ggml_vocab_test__\n"; line i of
// `.out` holds case i's ids, encoded without BOS/EOS and with parse_special off.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "model/gguf/gguf_file.h"
#include "model/tokenizer/tokenizer.h"
#include "support/test_support.h"

namespace openbook::tokenizer {
namespace {

namespace fs = std::filesystem;
using openbook::testing::read_file;
using openbook::testing::shared_data;

struct VectorSet {
    std::string name;       // for the test name
    std::string gguf;       // relative to ../shared/data
    std::string vectors;    // .inp/.out prefix relative to ../shared/data
};

std::vector<VectorSet> vector_sets() {
    const std::string v = "llamacpp-vocab-tests/";
    const std::string f = "llamacpp-fixtures/vocab/";
    std::vector<VectorSet> sets;
    for (const char* name : {"llama-spm", "phi-3", "bert-bge", "gpt-2", "deepseek-coder",
                             "deepseek-llm", "falcon", "mpt", "refact", "starcoder"}) {
        const std::string file = v + "ggml-vocab-" + name + ".gguf";
        sets.push_back({name, file, file});
    }
    for (const char* name : {"qwen2", "llama-bpe", "bert-bge"}) {
        const std::string file = f + "ggml-vocab-" + name + ".gguf";
        sets.push_back({std::string("fixtures-") + name, file, file});
    }
    // Same qwen2 vocabulary, vectors kept under the distilled model's name.
    sets.push_back({"deepseek-r1-qwen", f + "ggml-vocab-qwen2.gguf",
                    v + "ggml-vocab-deepseek-r1-qwen.gguf"});
    sets.push_back({"dbrx", v + "historical/ggml-vocab-dbrx.gguf",
                    v + "historical/ggml-vocab-dbrx.gguf"});
    return sets;
}

struct Case {
    std::string text;
    std::vector<TokenId> ids;
};

std::vector<Case> read_cases(const fs::path& inp, const fs::path& out) {
    const std::string separator = "\n__ggml_vocab_test__\n";
    const std::string inputs = read_file(inp);
    std::vector<std::string> texts;
    for (size_t pos = 0; pos < inputs.size();) {
        size_t end = inputs.find(separator, pos);
        if (end == std::string::npos) break;
        texts.push_back(inputs.substr(pos, end - pos));
        pos = end + separator.size();
    }
    std::istringstream lines(read_file(out));
    std::vector<Case> cases;
    std::string line;
    for (const std::string& text : texts) {
        if (!std::getline(lines, line)) break;
        Case c{text, {}};
        std::istringstream numbers(line);
        for (TokenId id; numbers >> id;) c.ids.push_back(id);
        cases.push_back(std::move(c));
    }
    EXPECT_EQ(cases.size(), texts.size()) << out;
    return cases;
}

std::string show_ids(const std::vector<TokenId>& ids) {
    std::string s;
    for (TokenId id : ids) s += std::to_string(id) + " ";
    return s;
}

// WordPiece lowercases, strips accents and drops spaces, so only the letters survive a round
// trip; compare those (for ASCII input) and skip cases with [UNK].
std::string ascii_letters_lowered(std::string_view s) {
    std::string out;
    for (char c : s) {
        if (static_cast<unsigned char>(c) < 0x80 && !std::isspace(static_cast<unsigned char>(c))) {
            out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        }
    }
    return out;
}

bool is_ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

class TokenizerVectors : public ::testing::TestWithParam<VectorSet> {};

TEST_P(TokenizerVectors, EveryCaseEncodesExactlyAndDecodesBack) {
    const VectorSet& set = GetParam();
    auto file = gguf::File::open(shared_data(set.gguf));
    ASSERT_TRUE(file.has_value()) << file.error().to_string();
    auto tokenizer = Tokenizer::create(*file);
    ASSERT_TRUE(tokenizer.has_value()) << tokenizer.error().to_string();
    const std::vector<Case> cases =
        read_cases(shared_data(set.vectors + ".inp"), shared_data(set.vectors + ".out"));
    ASSERT_GT(cases.size(), 30u);

    const bool wordpiece = tokenizer->vocab().model == TokenizerModel::kWordPiece;
    int exact = 0;
    for (const Case& c : cases) {
        const std::vector<TokenId> got = tokenizer->encode(c.text, false, false);
        EXPECT_EQ(got, c.ids) << set.name << ": '" << c.text << "'\n  expected " << show_ids(c.ids)
                              << "\n  got      " << show_ids(got);
        if (got == c.ids) ++exact;

        const std::string back = tokenizer->decode(got);
        if (!wordpiece) {
            EXPECT_EQ(back, c.text) << set.name << ": decode(encode(x)) != x";
        } else if (is_ascii(c.text) && std::find(got.begin(), got.end(), tokenizer->vocab().unk) ==
                                           got.end()) {
            EXPECT_EQ(ascii_letters_lowered(back), ascii_letters_lowered(c.text)) << set.name;
        }
    }
    RecordProperty("exact", exact);
    RecordProperty("cases", static_cast<int>(cases.size()));
}

INSTANTIATE_TEST_SUITE_P(LlamaCppVocabs, TokenizerVectors, ::testing::ValuesIn(vector_sets()),
                         [](const ::testing::TestParamInfo<VectorSet>& info) {
                             std::string n = info.param.name;
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

// ---- round trips on real text ----

// The book's Markdown chapters (d2l-zh's *_origin.md English originals left out).
std::string d2l_text(const std::string& folder) {
    std::vector<fs::path> files;
    for (const auto& e : fs::recursive_directory_iterator(shared_data(folder))) {
        const std::string name = e.path().filename().string();
        if (!e.is_regular_file() || e.path().extension() != ".md") continue;
        if (name.find("_origin.md") == std::string::npos) files.push_back(e.path());
    }
    std::sort(files.begin(), files.end());
    std::string all;
    for (const auto& f : files) all += read_file(f);
    return all;
}

std::string drcd_text() {
    const auto json = nlohmann::json::parse(read_file(shared_data("drcd/DRCD_dev.json")));
    std::string all;
    for (const auto& article : json["data"]) {
        for (const auto& paragraph : article["paragraphs"]) {
            all += paragraph["context"].get<std::string>();
            all += "\n\n";
        }
    }
    return all;
}

struct Corpus {
    std::string name;
    std::string text;
};

const std::vector<Corpus>& corpora() {
    static const std::vector<Corpus> all = [] {
        std::vector<Corpus> c;
        c.push_back({"d2l-zh", d2l_text("d2l-zh")});
        c.push_back({"d2l-en", d2l_text("d2l-en")});
        c.push_back({"drcd", drcd_text()});
        c.push_back({"war-and-peace", read_file(shared_data("ollama-testdata/war-and-peace.txt"))});
        return c;
    }();
    return all;
}

// Byte-level BPE and SPM with byte fallback can represent any text: decode(encode(x)) == x.
class RoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(RoundTrip, RealTextSurvivesEncodeDecode) {
    auto file = gguf::File::open(shared_data(GetParam()));
    ASSERT_TRUE(file.has_value()) << file.error().to_string();
    auto tokenizer = Tokenizer::create(*file);
    ASSERT_TRUE(tokenizer.has_value()) << tokenizer.error().to_string();
    for (const Corpus& corpus : corpora()) {
        ASSERT_GT(corpus.text.size(), 1'000'000u) << corpus.name;
        const std::vector<TokenId> ids = tokenizer->encode(corpus.text, false, false);
        EXPECT_GT(ids.size(), corpus.text.size() / 16) << corpus.name;
        const std::string back = tokenizer->decode(ids);
        if (back != corpus.text) {
            size_t at = 0;
            while (at < back.size() && at < corpus.text.size() && back[at] == corpus.text[at]) ++at;
            ADD_FAILURE() << GetParam() << " on " << corpus.name << ": first difference at byte "
                          << at << ": expected '" << corpus.text.substr(at, 40) << "' got '"
                          << back.substr(at, 40) << "'";
        }
    }
}

INSTANTIATE_TEST_SUITE_P(
    Vocabs, RoundTrip,
    ::testing::Values("llamacpp-vocab-tests/ggml-vocab-llama-spm.gguf",
                      "llamacpp-vocab-tests/ggml-vocab-phi-3.gguf",
                      "llamacpp-vocab-tests/ggml-vocab-baichuan.gguf",
                      "llamacpp-vocab-tests/ggml-vocab-gpt-2.gguf",
                      "llamacpp-vocab-tests/ggml-vocab-deepseek-coder.gguf",
                      "llamacpp-vocab-tests/ggml-vocab-deepseek-llm.gguf",
                      "llamacpp-vocab-tests/ggml-vocab-falcon.gguf",
                      "llamacpp-vocab-tests/ggml-vocab-gpt-neox.gguf",
                      "llamacpp-vocab-tests/ggml-vocab-mpt.gguf",
                      "llamacpp-vocab-tests/ggml-vocab-refact.gguf",
                      "llamacpp-vocab-tests/ggml-vocab-starcoder.gguf",
                      "llamacpp-vocab-tests/historical/ggml-vocab-dbrx.gguf",
                      "llamacpp-fixtures/vocab/ggml-vocab-qwen2.gguf",
                      "llamacpp-fixtures/vocab/ggml-vocab-llama-bpe.gguf"),
    [](const ::testing::TestParamInfo<std::string>& info) {
        std::string n = fs::path(info.param).stem().string();
        n = n.substr(n.find("vocab-") + 6);
        std::replace(n.begin(), n.end(), '-', '_');
        return n;
    });

}  // namespace
}  // namespace openbook::tokenizer
