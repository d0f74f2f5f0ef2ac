#include "hub/file_selection.h"

#include <gtest/gtest.h>

namespace openbook::hub {
namespace {

using Files = std::vector<std::string>;

Result<Files> pick(const Files& names, const std::string& selector, ModelErrorKind* kind = nullptr) {
    return select_gguf_files(names, selector, "ORG/REPO", kind);
}

TEST(QuantMatch, WholeTokenIgnoringCase) {
    EXPECT_TRUE(quant_matches("qwen2.5-0.5b-instruct-q4_k_m.gguf", "q4_k_m"));
    EXPECT_TRUE(quant_matches("qwen2.5-0.5b-instruct-q4_k_m.gguf", "Q4_K_M"));
    EXPECT_TRUE(quant_matches("Llama-3.2-1B-Instruct-Q4_K_M.gguf", "q4_k_m"));
    EXPECT_TRUE(quant_matches("Breeze-7B-Instruct-v1_0.Q4_K_M.gguf", "q4_k_m"));
    EXPECT_TRUE(quant_matches("qwen2.5-7b-instruct-q4_k_m-00001-of-00002.gguf", "q4_k_m"));
    EXPECT_TRUE(quant_matches("Q4_K_M/Model-Q4_K_M-00001-of-00002.gguf", "q4_k_m"));
    EXPECT_FALSE(quant_matches("qwen2.5-0.5b-instruct-q4_k_m.gguf", "q4_k"));
    EXPECT_FALSE(quant_matches("qwen2.5-0.5b-instruct-q4_k_m.gguf", "k_m.gguf_x"));
    EXPECT_FALSE(quant_matches("model-iq4_k_m.gguf", "q4_k_m"));
    EXPECT_FALSE(quant_matches("anything.gguf", ""));
}

TEST(SplitNames, ParsesPartsAndCount) {
    std::string prefix;
    int index = 0, count = 0;
    ASSERT_TRUE(parse_split_name("a/qwen-q4_k_m-00002-of-00003.gguf", &prefix, &index, &count));
    EXPECT_EQ(prefix, "a/qwen-q4_k_m");
    EXPECT_EQ(index, 2);
    EXPECT_EQ(count, 3);
    EXPECT_FALSE(parse_split_name("qwen-q4_k_m.gguf", &prefix, &index, &count));
    EXPECT_FALSE(parse_split_name("x-00004-of-00003.gguf", &prefix, &index, &count));
    EXPECT_FALSE(parse_split_name("x-0001-of-00003.gguf", &prefix, &index, &count));
}

TEST(SelectFiles, ExactNameWins) {
    Files names = {"README.md", "m-q4_k_m.gguf", "m-q8_0.gguf"};
    auto r = pick(names, "m-q8_0.gguf");
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(*r, Files{"m-q8_0.gguf"});
    auto upper = pick(names, "M-Q8_0.GGUF");
    ASSERT_TRUE(upper.has_value());
    EXPECT_EQ(*upper, Files{"m-q8_0.gguf"});
}

TEST(SelectFiles, ExactNameThatIsNotAGgufIsRefused) {
    Files names = {"README.md", "config.json", "m-q4_k_m.gguf"};
    for (const char* selector : {"README.md", "readme.MD", "config.json"}) {
        ModelErrorKind kind = ModelErrorKind::kNone;
        auto r = pick(names, selector, &kind);
        ASSERT_FALSE(r.has_value()) << selector;
        EXPECT_EQ(kind, ModelErrorKind::kInvalidReference) << selector;
        EXPECT_EQ(r.error().code(), StatusCode::kInvalidArgument);
        EXPECT_NE(r.error().message().find("not a GGUF"), std::string::npos);
        EXPECT_NE(r.error().message().find("m-q4_k_m.gguf"), std::string::npos);  // what to use
    }
}

TEST(SelectFiles, AmbiguityIsNotAUsageError) {
    ModelErrorKind kind = ModelErrorKind::kNone;
    auto quant = pick({"a-q4_k_m.gguf", "b-q4_k_m.gguf"}, "q4_k_m", &kind);
    ASSERT_FALSE(quant.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kAmbiguous);
    EXPECT_EQ(quant.error().code(), StatusCode::kNotFound);
    auto none = pick({"m-q8_0.gguf", "m-f16.gguf"}, "", &kind);
    ASSERT_FALSE(none.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kAmbiguous);
    EXPECT_EQ(none.error().code(), StatusCode::kNotFound);
}

TEST(SelectFiles, QuantMatchesOneFile) {
    Files names = {"qwen2.5-0.5b-instruct-q4_k_m.gguf", "qwen2.5-0.5b-instruct-q8_0.gguf",
                   "qwen2.5-0.5b-instruct-q4_k_s.gguf", "mmproj-q4_k_m.gguf"};
    auto r = pick(names, "Q4_K_M");
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(*r, Files{"qwen2.5-0.5b-instruct-q4_k_m.gguf"});
}

TEST(SelectFiles, AmbiguityListsCandidates) {
    Files names = {"a/model-q4_k_m.gguf", "b/model-q4_k_m.gguf", "model-q8_0.gguf"};
    ModelErrorKind kind = ModelErrorKind::kNone;
    auto r = pick(names, "q4_k_m", &kind);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kAmbiguous);
    EXPECT_NE(r.error().message().find("a/model-q4_k_m.gguf"), std::string::npos);
    EXPECT_NE(r.error().message().find("b/model-q4_k_m.gguf"), std::string::npos);
}

TEST(SelectFiles, NoMatchListsWhatThereIs) {
    Files names = {"model-q8_0.gguf"};
    ModelErrorKind kind = ModelErrorKind::kNone;
    auto r = pick(names, "q2_k", &kind);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kNotFound);
    EXPECT_NE(r.error().message().find("model-q8_0.gguf"), std::string::npos);
    auto missing = pick(names, "other.gguf", &kind);
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(kind, ModelErrorKind::kNotFound);
}

TEST(SelectFiles, SplitModelIsAllPartsInOrder) {
    Files names = {"m-q4_k_m-00002-of-00002.gguf", "m-q4_k_m-00001-of-00002.gguf",
                   "m-q8_0-00001-of-00003.gguf", "m-q8_0-00002-of-00003.gguf",
                   "m-q8_0-00003-of-00003.gguf"};
    auto r = pick(names, "q4_k_m");
    ASSERT_TRUE(r.has_value()) << r.error().to_string();
    EXPECT_EQ(*r, (Files{"m-q4_k_m-00001-of-00002.gguf", "m-q4_k_m-00002-of-00002.gguf"}));
    // Naming any part chooses the set.
    auto by_part = pick(names, "m-q8_0-00002-of-00003.gguf");
    ASSERT_TRUE(by_part.has_value());
    EXPECT_EQ(by_part->size(), 3u);
    EXPECT_EQ(by_part->front(), "m-q8_0-00001-of-00003.gguf");
}

TEST(SelectFiles, IncompleteSplitSetIsNotFound) {
    Files names = {"m-q4_k_m-00001-of-00002.gguf"};
    ModelErrorKind kind = ModelErrorKind::kNone;
    EXPECT_FALSE(pick(names, "q4_k_m", &kind).has_value());
    EXPECT_EQ(kind, ModelErrorKind::kNotFound);
    EXPECT_FALSE(pick(names, "m-q4_k_m-00001-of-00002.gguf", &kind).has_value());
    EXPECT_EQ(kind, ModelErrorKind::kNotFound);
}

TEST(SelectFiles, NoSelectorTakesTheOnlyModelElseQ4KM) {
    auto only = pick({"README.md", "tiny-f16.gguf"}, "");
    ASSERT_TRUE(only.has_value());
    EXPECT_EQ(*only, Files{"tiny-f16.gguf"});
    auto q4 = pick({"m-q8_0.gguf", "m-Q4_K_M.gguf"}, "");
    ASSERT_TRUE(q4.has_value());
    EXPECT_EQ(*q4, Files{"m-Q4_K_M.gguf"});
    ModelErrorKind kind = ModelErrorKind::kNone;
    EXPECT_FALSE(pick({"m-q8_0.gguf", "m-f16.gguf"}, "", &kind).has_value());
    EXPECT_EQ(kind, ModelErrorKind::kAmbiguous);
    EXPECT_FALSE(pick({"README.md"}, "", &kind).has_value());
    EXPECT_EQ(kind, ModelErrorKind::kNotFound);
}

}  // namespace
}  // namespace openbook::hub
