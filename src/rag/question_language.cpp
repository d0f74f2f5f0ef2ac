#include "rag/question_language.h"

#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "text/script_folding.h"
#include "text/unicode.h"
#include "text/utf8.h"

namespace openbook::rag {
namespace {

// Frequent characters of one script only. A character that the other script also writes (准, 后,
// 里, 于, 著, 干: each also a word of its own in the other script) is left out on purpose, so
// every vote is real evidence.
constexpr std::string_view kTraditionalOnly =
    "為麼說這個們體會學習過時樣對還經發來國動種開關問題與從無現應當實點長門間車東語讀寫話認識"
    "試誤請謝議論設計記許證義譯調談變總統濟結構網絡線級紅約紀給絕維續練組織細終編鐵錢銀錯鏡陽"
    "際陳隊隨雙離難電頁項順須領頭顯風飛飯養馬驗魚鳥黃齊龍資數據庫機腦軟處區塊鏈圖書館號碼選擇"
    "舉歡樂愛氣壓熱燈畫價買賣貨錄頻訊標準後裡臺隻髮製係範鬆穀於別沒讓親觀視覺聽見規則嗎產業專"
    "業術傳輸優勢戰鬥爭歷廣場華醫師藥療雜誌報導條單雖習慣適當擁護誰邊達遠運進連邏輯類"
    "顏頻頂預務動態參數歲錶獨環療葉藝螢衛複";

constexpr std::string_view kSimplifiedOnly =
    "为么说这个们体会学习过时样对还经发来国动种开关问题与从无现应当实点长门间车东语读写话认识"
    "试误请谢议论设计记许证义译调谈变总统济结构网络线级红约纪给绝维续练组织细终编铁钱银错镜阳"
    "际陈队随双离难电页项顺须领头显风飞饭养马验鱼鸟黄齐龙资数据库机脑软处区块链图书馆号码选择"
    "举欢乐爱气压热灯画价买卖货录频讯标这别没让亲观视觉听见规则吗产业专术传输优势战斗争历广"
    "场华医师药疗杂报导条单虽惯适拥护谁边达远运进连逻辑类颜顶预务态参岁独环叶艺萤卫复";

std::vector<char32_t> decode_set(std::string_view utf8) {
    std::vector<char32_t> out;
    for (size_t pos = 0; pos < utf8.size();) out.push_back(text::decode_utf8(utf8, pos));
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

struct BuiltinTables {
    std::vector<char32_t> traditional = decode_set(kTraditionalOnly);
    std::vector<char32_t> simplified = decode_set(kSimplifiedOnly);
};

const BuiltinTables& builtin_tables() {
    static const BuiltinTables tables;
    return tables;
}

bool is_han(char32_t cp) {
    return (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x20000 && cp <= 0x3134F);
}

}  // namespace

const char* language_tag(AnswerLanguage language) {
    switch (language) {
        case AnswerLanguage::kEnglish: return "en";
        case AnswerLanguage::kTraditionalChinese: return "zh-Hant";
        case AnswerLanguage::kSimplifiedChinese: return "zh-Hans";
        case AnswerLanguage::kChinese: return "zh";
    }
    return "en";
}

int builtin_script_evidence(char32_t cp) {
    const auto& t = builtin_tables();
    if (std::binary_search(t.traditional.begin(), t.traditional.end(), cp)) return 1;
    if (std::binary_search(t.simplified.begin(), t.simplified.end(), cp)) return -1;
    return 0;
}

ScriptEvidence opencc_script_evidence() {
    auto folder = text::ChineseScriptFolder::shared();
    if (!folder.has_value()) return builtin_script_evidence;
    std::shared_ptr<const text::ChineseScriptFolder> shared = *folder;
    return [shared](char32_t cp) { return shared->evidence(cp); };
}

QuestionLanguage detect_question_language(std::string_view question,
                                          const ScriptEvidence& evidence) {
    QuestionLanguage out;
    bool in_word = false;
    for (size_t pos = 0; pos < question.size();) {
        char32_t cp = text::decode_utf8(question, pos);
        if (is_han(cp)) {
            ++out.han_chars;
            int vote = evidence ? evidence(cp) : 0;
            if (vote > 0) ++out.traditional;
            if (vote < 0) ++out.simplified;
        }
        bool word = text::is_word_char(cp);
        if (word && !in_word) ++out.latin_words;
        in_word = word;
    }
    // Ties go to Chinese: a question of two Han characters and two words ("GPU 是什麼 model")
    // is more likely a Chinese question about English terms than the other way round.
    if (out.han_chars == 0 || out.han_chars < out.latin_words) {
        out.language = AnswerLanguage::kEnglish;
    } else if (out.traditional > out.simplified) {
        out.language = AnswerLanguage::kTraditionalChinese;
    } else if (out.simplified > out.traditional) {
        out.language = AnswerLanguage::kSimplifiedChinese;
    } else {
        out.language = AnswerLanguage::kChinese;
    }
    return out;
}

std::string_view answer_language_instruction(AnswerLanguage language) {
    switch (language) {
        case AnswerLanguage::kEnglish:
            return "Answer in English, even if the sources are in another language.";
        case AnswerLanguage::kTraditionalChinese:
            return "請用繁體中文回答，即使來源是簡體中文或其他語言。";
        case AnswerLanguage::kSimplifiedChinese:
            return "请用简体中文回答，即使来源是繁体中文或其他语言。";
        case AnswerLanguage::kChinese:
            return "请用中文回答，并使用与问题相同的字体（繁体或简体）。";
    }
    return "";
}

}  // namespace openbook::rag
