// GPT-2's byte-level alphabet: every byte 0..255 is given a printable code point (printable
// ASCII and Latin-1 map to themselves, the rest to U+0100 and up), so byte-level BPE vocabularies
// store arbitrary bytes as ordinary UTF-8 text.
// Thread-safety: pure functions over constant tables.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace openbook::tokenizer {

// Appends the UTF-8 of each byte's code point (encoding raw text for BPE lookup).
void bytes_to_byte_level(std::string_view bytes, std::string& out);

// Maps a token text back to the bytes it stands for; nullopt if some code point is not in the
// alphabet (e.g. an added token stored verbatim that contains a plain space or a CJK character).
std::optional<std::string> byte_level_to_bytes(std::string_view token_text);

}  // namespace openbook::tokenizer
