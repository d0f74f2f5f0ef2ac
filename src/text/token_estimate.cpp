#include "text/token_estimate.h"

#include "text/unicode.h"
#include "text/utf8.h"

namespace openbook::text {

size_t estimate_tokens(std::string_view utf8) {
    size_t tokens = 0;
    bool in_word = false;
    size_t pos = 0;
    while (pos < utf8.size()) {
        const unsigned char b = static_cast<unsigned char>(utf8[pos]);
        char32_t cp;
        if (b < 0x80) {
            cp = b;
            ++pos;
        } else {
            cp = decode_utf8(utf8, pos);
        }
        if (cp >= 0x80 && is_cjk(cp)) {
            ++tokens;
            in_word = false;
        } else if (is_word_char(cp)) {
            if (!in_word) ++tokens;
            in_word = true;
        } else {
            in_word = false;
        }
    }
    return tokens;
}

}  // namespace openbook::text
