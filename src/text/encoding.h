// Detecting a byte stream's text encoding and converting it to UTF-8.
//
// Supported: UTF-8 (with or without BOM), UTF-16LE/BE with BOM, Big5 and GB18030 (the legacy
// Chinese encodings; GB18030 is a superset of GBK and GB2312). Detection order: BOM; valid
// UTF-8; then Big5 vs GB18030 decided by uchardet's statistical model with a strict-conversion
// fallback; anything else is decoded as UTF-8 with invalid sequences repaired (U+FFFD).
// Conversion uses iconv. Thread-safety: pure functions (each call owns its iconv handle).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "openbook/status.h"

namespace openbook::text {

struct DecodedText {
    std::string utf8;       // valid UTF-8, BOM removed
    std::string encoding;   // "UTF-8", "UTF-8 (BOM)", "UTF-16LE", "UTF-16BE", "Big5", "GB18030"
    size_t n_repaired = 0;  // invalid sequences replaced by U+FFFD
};

// Detects the encoding of bytes and converts them to UTF-8. Never fails on arbitrary input: what
// cannot be decoded is repaired. Fails only when a BOM-announced UTF-16 stream cannot be
// converted at all (iconv unavailable).
Result<DecodedText> decode_to_utf8(std::string_view bytes);

// Converts bytes from a named encoding (any name iconv knows, e.g. "BIG5", "GB18030",
// "UTF-16LE") to UTF-8. Invalid input bytes become U+FFFD. Unknown encoding → kUnsupported.
Result<DecodedText> convert_to_utf8(std::string_view bytes, std::string_view encoding);

// Converts UTF-8 to another encoding (tests use this to make Big5/GB18030 files).
Result<std::string> convert_from_utf8(std::string_view utf8, std::string_view encoding);

// True when the first bytes look like binary data rather than text: a NUL byte (outside a
// UTF-16 BOM stream) or a high share of control characters in the first 8 KiB.
bool looks_binary(std::string_view bytes);

}  // namespace openbook::text
