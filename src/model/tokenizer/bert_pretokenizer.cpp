#include "model/tokenizer/bert_pretokenizer.h"

#include <utf8proc.h>

#include "model/tokenizer/lax_utf8.h"
#include "text/utf8.h"

namespace openbook::tokenizer {

namespace {

// Unicode's White_Space property. utf8proc has no accessor for it, and the general category
// alone is not it (tab and newline are Cc, U+0085 is Cc).
bool is_white_space(char32_t cp) {
    return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
           (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
           cp == 0x205F || cp == 0x3000;
}

// The CJK ideograph blocks of BERT's _is_chinese_char. The range starting at U+2B920 (instead
// of U+2B820) is how Hugging Face's Rust tokenizer writes it, and llama.cpp follows it.
bool is_cjk_ideograph(char32_t cp) {
    return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
           (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
           (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B920 && cp <= 0x2CEAF) ||
           (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

bool is_scalar(char32_t cp) { return cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF); }

char32_t first_of_canonical_decomposition(char32_t cp) {
    if (!is_scalar(cp)) return cp;
    utf8proc_int32_t buffer[32];
    int boundclass = UTF8PROC_BOUNDCLASS_START;
    const utf8proc_ssize_t n = utf8proc_decompose_char(static_cast<utf8proc_int32_t>(cp), buffer,
                                                       32, UTF8PROC_DECOMPOSE, &boundclass);
    return n >= 1 ? static_cast<char32_t>(buffer[0]) : cp;
}

}  // namespace

BertChar bert_classify(char32_t cp) {
    if (cp > 0x10FFFF) return {BertCharKind::kDrop, cp};
    cp = first_of_canonical_decomposition(cp);
    if (is_white_space(cp)) return {BertCharKind::kSpace, cp};
    const utf8proc_category_t category = utf8proc_category(static_cast<utf8proc_int32_t>(cp));
    switch (category) {
        case UTF8PROC_CATEGORY_CC:
        case UTF8PROC_CATEGORY_CF:
        case UTF8PROC_CATEGORY_CO:
        case UTF8PROC_CATEGORY_CS: return {BertCharKind::kDrop, cp};
        default: break;
    }
    if (cp == 0 || cp == text::kReplacementChar) return {BertCharKind::kDrop, cp};

    bool isolated = is_cjk_ideograph(cp);
    switch (category) {
        case UTF8PROC_CATEGORY_PC:
        case UTF8PROC_CATEGORY_PD:
        case UTF8PROC_CATEGORY_PS:
        case UTF8PROC_CATEGORY_PE:
        case UTF8PROC_CATEGORY_PI:
        case UTF8PROC_CATEGORY_PF:
        case UTF8PROC_CATEGORY_PO: isolated = true; break;
        case UTF8PROC_CATEGORY_SM:
        case UTF8PROC_CATEGORY_SC:
        case UTF8PROC_CATEGORY_SK:
        case UTF8PROC_CATEGORY_SO:
            // Only ASCII symbols ($ + < = > ^ ` | ~) split words; "©" or "€" stays inside one.
            if (cp < 0x7F) isolated = true;
            break;
        default: break;
    }
    const auto lower = static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(cp)));
    return {isolated ? BertCharKind::kIsolated : BertCharKind::kWord, lower};
}

BertWords bert_split_words(std::string_view text) {
    BertWords words;
    words.bytes.reserve(text.size());
    auto end_word = [&] {
        const size_t last = words.ends.empty() ? 0 : words.ends.back();
        if (words.bytes.size() > last) words.ends.push_back(words.bytes.size());
    };
    for (size_t pos = 0; pos < text.size();) {
        char32_t cp;
        if (!lax_utf8_decode(text, pos, &cp)) {
            ++pos;  // U+FFFD, which is dropped
            continue;
        }
        const BertChar c = bert_classify(cp);
        switch (c.kind) {
            case BertCharKind::kDrop: break;
            case BertCharKind::kSpace: end_word(); break;
            case BertCharKind::kIsolated:
                end_word();
                text::append_utf8(words.bytes, c.cp);
                end_word();
                break;
            case BertCharKind::kWord: text::append_utf8(words.bytes, c.cp); break;
        }
    }
    end_word();
    return words;
}

}  // namespace openbook::tokenizer
