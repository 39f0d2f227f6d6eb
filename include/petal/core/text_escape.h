// Bytes from files made safe for messages and for JSON: whatever is not printable
// becomes \xNN, so no file can send control bytes to a terminal or break a writer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace petal {

inline constexpr size_t kNoLimit = static_cast<size_t>(-1);

// Printable ASCII kept; every other byte, and '\' and '\'', as \xNN (lowercase hex).
// At most `limit` input bytes, then "...". For binary data (file signatures).
std::string escape_bytes(std::string_view bytes, size_t limit = kNoLimit);

// "'" + escape_bytes of the first `max_bytes` + "'" (then "..." when cut).
std::string quote_bytes(std::span<const uint8_t> bytes, size_t max_bytes = 8);

// For text such as file and class names: valid UTF-8 kept as it is (names in any
// script read as they are), except control characters (C0, DEL, C1) and bytes that
// are not valid UTF-8, written as \xNN, and '\' written as "\\". The result is
// valid UTF-8 without control characters, and unescape_text restores the exact
// bytes (when no limit cut it). At most `limit` input bytes, then "...".
std::string escape_text(std::string_view text, size_t limit = kNoLimit, bool escape_backslash = true);
std::string unescape_text(std::string_view escaped);

// True when `text` is well-formed UTF-8 (no overlong forms or surrogates).
bool is_valid_utf8(std::string_view text);

// A message for the terminal: each line through escape_text, except that '\' is
// kept (messages already quote bytes as \xNN) and line breaks stay.
std::string sanitize_message(std::string_view message);

}  // namespace petal
