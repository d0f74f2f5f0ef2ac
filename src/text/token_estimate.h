// A tokenizer-free estimate of how many model tokens a text takes: each CJK character counts one,
// each run of word characters (letters/digits, see is_word_char) counts one; punctuation, symbols
// and spaces count nothing. Used for chunk sizing until a real tokenizer is plugged in.
// Thread-safety: pure function.
#pragma once

#include <cstddef>
#include <string_view>

namespace openbook::text {

size_t estimate_tokens(std::string_view utf8);

}  // namespace openbook::text
