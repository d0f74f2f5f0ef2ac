#include "model/tokenizer/byte_level.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace openbook::tokenizer {
namespace {

std::string encode(std::string_view bytes) {
    std::string out;
    bytes_to_byte_level(bytes, out);
    return out;
}

TEST(ByteLevel, PrintableBytesKeepTheirCodePoint) {
    EXPECT_EQ(encode("Hello!~"), "Hello!~");
    EXPECT_EQ(encode("\xA1\xAC\xAE\xFF"), "\u00A1\u00AC\u00AE\u00FF");  // ¡ ¬ ® ÿ
}

TEST(ByteLevel, OtherBytesMapFromU0100InByteOrder) {
    EXPECT_EQ(encode(std::string(1, '\0')), "\u0100");
    EXPECT_EQ(encode("\n"), "\u010A");  // Ċ
    EXPECT_EQ(encode(" "), "\u0120");   // Ġ: the space every GPT-2 word token starts with
    EXPECT_EQ(encode("\x7F"), "\u0121");
    EXPECT_EQ(encode("\x80"), "\u0122");
    EXPECT_EQ(encode("\xA0"), "\u0142");
    EXPECT_EQ(encode("\xAD"), "\u0143");  // soft hyphen, the last one
    EXPECT_EQ(encode(" hello\n"), "\u0120hello\u010A");
}

TEST(ByteLevel, AppendsToOutput) {
    std::string out = "x";
    bytes_to_byte_level("y z", out);
    EXPECT_EQ(out, "xy\u0120z");
}

TEST(ByteLevel, EveryByteRoundTripsAndCodePointsAreDistinct) {
    std::set<std::string> seen;
    std::string all;
    for (int b = 0; b < 256; ++b) {
        const std::string one(1, static_cast<char>(b));
        const std::string text = encode(one);
        EXPECT_TRUE(seen.insert(text).second) << b;
        EXPECT_LE(text.size(), 2u);
        EXPECT_EQ(byte_level_to_bytes(text), one) << b;
        all += one;
    }
    EXPECT_EQ(byte_level_to_bytes(encode(all)), all);
}

TEST(ByteLevel, DecodesTokenTexts) {
    EXPECT_EQ(byte_level_to_bytes("\u0120world"), " world");
    EXPECT_EQ(byte_level_to_bytes("\u00E6\u012A\u0133"), "\xE6\x88\x91");  // 我 as stored
    EXPECT_EQ(byte_level_to_bytes(""), "");
    // An added token spelled only with alphabet characters reads as itself.
    EXPECT_EQ(byte_level_to_bytes("<|im_start|>"), "<|im_start|>");
}

TEST(ByteLevel, RejectsTextOutsideTheAlphabet) {
    EXPECT_EQ(byte_level_to_bytes("a b"), std::nullopt);  // a plain space is no member
    EXPECT_EQ(byte_level_to_bytes("\n"), std::nullopt);
    EXPECT_EQ(byte_level_to_bytes("\u00AD"), std::nullopt);      // soft hyphen maps elsewhere
    EXPECT_EQ(byte_level_to_bytes("\u0144"), std::nullopt);      // one past the last
    EXPECT_EQ(byte_level_to_bytes("\u6211"), std::nullopt);      // 我 stored verbatim
    EXPECT_EQ(byte_level_to_bytes("\U0001F999"), std::nullopt);  // four bytes
    EXPECT_EQ(byte_level_to_bytes("\xC4"), std::nullopt);        // truncated
    EXPECT_EQ(byte_level_to_bytes("\xC1\x81"), std::nullopt);    // overlong 'A'
    EXPECT_EQ(byte_level_to_bytes("\x80"), std::nullopt);        // stray continuation byte
}

}  // namespace
}  // namespace openbook::tokenizer
