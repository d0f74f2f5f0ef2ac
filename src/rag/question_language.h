// The language and script a question is written in, and the instruction that makes the model
// answer in it: a Traditional Chinese question gets a Traditional answer even when every source
// is Simplified (and the other way round), an English question an English answer.
//
// Chinese vs English: Han characters against Latin-script words (each Han character weighs as
// much as a word, as in the token estimate), so 為什麼 ML 需要正規化? is Chinese and
// "what does 正規化 mean in machine learning?" is English. Any other question counts as English.
// Traditional vs Simplified: characters that exist in only one of the scripts vote (為/为, 麼/么,
// 說/说, 體/体 ...); characters both scripts share (的, 是, 器) say nothing.
// A Chinese question without a single script-specific character gets kChinese: "answer in the
// script of the question", rather than a guess.
//
// Thread-safety: pure functions.
#pragma once

#include <functional>
#include <string_view>

namespace openbook::rag {

enum class AnswerLanguage {
    kEnglish,
    kTraditionalChinese,  // zh-Hant
    kSimplifiedChinese,   // zh-Hans
    kChinese,             // Chinese, script undetermined
};

// "en", "zh-Hant", "zh-Hans", "zh" (BCP 47), for reports and JSON.
const char* language_tag(AnswerLanguage language);

// What one character says about the script of its text: +1 Traditional only, -1 Simplified only,
// 0 shared or not Han.
using ScriptEvidence = std::function<int(char32_t)>;

// A built-in table of frequent characters that differ between the scripts (about 180 of each,
// each checked against OpenCC: only one direction of conversion changes it).
// Always available and the same everywhere, so detection with it is deterministic.
int builtin_script_evidence(char32_t cp);

// OpenCC's full character tables (text::ChineseScriptFolder::evidence) when OpenCC's data loads,
// otherwise builtin_script_evidence. Loading costs what the analyzer's first use costs.
ScriptEvidence opencc_script_evidence();

struct QuestionLanguage {
    AnswerLanguage language = AnswerLanguage::kEnglish;
    int han_chars = 0;    // Han characters in the question
    int latin_words = 0;  // runs of letters/digits outside CJK scripts
    int traditional = 0;  // Traditional-only characters
    int simplified = 0;   // Simplified-only characters
};

QuestionLanguage detect_question_language(std::string_view question,
                                          const ScriptEvidence& evidence = builtin_script_evidence);

// One line telling the model which language and script to answer in, written in that language
// (請用繁體中文回答… for zh-Hant). It belongs with the question, not in the system prompt, which
// must be the same for every question.
std::string_view answer_language_instruction(AnswerLanguage language);

}  // namespace openbook::rag
