#include "rag/question_language.h"

#include <gtest/gtest.h>

namespace openbook::rag {
namespace {

AnswerLanguage lang(std::string_view q) { return detect_question_language(q).language; }

TEST(QuestionLanguage, EnglishAndChinese) {
    EXPECT_EQ(lang("Why does machine learning need regularization?"), AnswerLanguage::kEnglish);
    EXPECT_EQ(lang("What does 正規化 mean in machine learning?"), AnswerLanguage::kEnglish);
    EXPECT_EQ(lang("為什麼 ML 需要正規化?"), AnswerLanguage::kTraditionalChinese);
    EXPECT_EQ(lang("为什么机器学习需要正则化？"), AnswerLanguage::kSimplifiedChinese);
    EXPECT_EQ(lang(""), AnswerLanguage::kEnglish);
    EXPECT_EQ(lang("?!"), AnswerLanguage::kEnglish);
}

TEST(QuestionLanguage, ScriptFromDifferingCharacters) {
    auto q = detect_question_language("這個模型們說的對嗎");
    EXPECT_EQ(q.language, AnswerLanguage::kTraditionalChinese);
    EXPECT_GE(q.traditional, 5);
    EXPECT_EQ(q.simplified, 0);
    q = detect_question_language("这个模型们说的对吗");
    EXPECT_EQ(q.language, AnswerLanguage::kSimplifiedChinese);
    EXPECT_GE(q.simplified, 5);
    EXPECT_EQ(q.traditional, 0);
}

TEST(QuestionLanguage, ChineseWithoutEvidenceIsNotGuessed) {
    // 什 / 是 / 的 / 人 / 工 / 智 / 能 are written the same in both scripts.
    EXPECT_EQ(lang("人工智能是什"), AnswerLanguage::kChinese);
    EXPECT_EQ(language_tag(AnswerLanguage::kChinese), std::string("zh"));
}

TEST(QuestionLanguage, BuiltinTableIsOneSided) {
    EXPECT_EQ(builtin_script_evidence(U'為'), 1);
    EXPECT_EQ(builtin_script_evidence(U'为'), -1);
    EXPECT_EQ(builtin_script_evidence(U'的'), 0);
    EXPECT_EQ(builtin_script_evidence(U'后'), 0);  // also a Traditional word (queen)
    EXPECT_EQ(builtin_script_evidence(U'a'), 0);
}

TEST(QuestionLanguage, OpenccEvidenceAgreesOnClearCases) {
    ScriptEvidence evidence = opencc_script_evidence();
    EXPECT_EQ(detect_question_language("為什麼 ML 需要正規化?", evidence).language,
              AnswerLanguage::kTraditionalChinese);
    EXPECT_EQ(detect_question_language("为什么机器学习需要正则化？", evidence).language,
              AnswerLanguage::kSimplifiedChinese);
}

TEST(QuestionLanguage, InstructionIsInTheAnswersLanguage) {
    EXPECT_NE(answer_language_instruction(AnswerLanguage::kTraditionalChinese).find("繁體中文"),
              std::string_view::npos);
    EXPECT_NE(answer_language_instruction(AnswerLanguage::kSimplifiedChinese).find("简体中文"),
              std::string_view::npos);
    EXPECT_NE(answer_language_instruction(AnswerLanguage::kEnglish).find("English"),
              std::string_view::npos);
    EXPECT_EQ(language_tag(AnswerLanguage::kTraditionalChinese), std::string("zh-Hant"));
    EXPECT_EQ(language_tag(AnswerLanguage::kSimplifiedChinese), std::string("zh-Hans"));
}

}  // namespace
}  // namespace openbook::rag
