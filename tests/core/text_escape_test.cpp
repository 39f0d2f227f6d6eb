// The one \xNN escaper: binary bytes for messages, and names that round-trip
// through JSON exactly whatever their bytes.
#include <gtest/gtest.h>

#include "petal/core/rng.h"
#include "petal/core/text_escape.h"

namespace petal {
namespace {

TEST(TextEscape, BytesKeepPrintableAsciiOnly) {
  EXPECT_EQ(escape_bytes("PK\x03\x04"), "PK\\x03\\x04");
  EXPECT_EQ(escape_bytes("a'b\\c\x1b[31m"), "a\\x27b\\x5cc\\x1b[31m");
  EXPECT_EQ(escape_bytes("abcdef", 3), "abc...");
}

TEST(TextEscape, TextKeepsUtf8AndEscapesControlsAndInvalidBytes) {
  EXPECT_EQ(escape_text("tulip"), "tulip");
  EXPECT_EQ(escape_text("fleur_\xc3\xa9t\xc3\xa9"), "fleur_\xc3\xa9t\xc3\xa9");       // été stays
  EXPECT_EQ(escape_text("caf\xe9"), "caf\\xe9");                                        // Latin-1 byte
  EXPECT_EQ(escape_text("a\x1b[2Jb\x7f"), "a\\x1b[2Jb\\x7f");                          // ESC, DEL
  EXPECT_EQ(escape_text("x\xc2\x9by"), "x\\xc2\\x9by");                                // C1 CSI
  EXPECT_EQ(escape_text("back\\slash"), "back\\\\slash");
  EXPECT_EQ(escape_text("\xed\xa0\x80"), "\\xed\\xa0\\x80");                           // a surrogate
  EXPECT_EQ(escape_text("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");                           // overlong '/'
  EXPECT_TRUE(is_valid_utf8(escape_text("caf\xe9\xff\xfe")));
  EXPECT_FALSE(is_valid_utf8("caf\xe9"));
}

TEST(TextEscape, EveryByteStringRoundTrips) {
  Rng rng(5);
  for (int trial = 0; trial < 2000; ++trial) {
    std::string s(rng.below(12), '\0');
    for (char& c : s) c = static_cast<char>(rng.below(256));
    if (trial % 3 == 0 && !s.empty()) s[0] = '\\';  // backslashes next to hex digits
    const std::string e = escape_text(s);
    EXPECT_TRUE(is_valid_utf8(e));
    EXPECT_EQ(unescape_text(e), s) << e;
  }
}

TEST(TextEscape, MessagesKeepLineBreaksAndBackslashes) {
  EXPECT_EQ(sanitize_message("bad row \x1b[31m\nHint: 'PK\\x03'"), "bad row \\x1b[31m\nHint: 'PK\\x03'");
}

}  // namespace
}  // namespace petal
