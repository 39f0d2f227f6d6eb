// escape_bytes, escape_text and their inverse: one place for \xNN escapes.
#include "petal/core/text_escape.h"

#include <algorithm>

namespace petal {

namespace {

constexpr const char* kHex = "0123456789abcdef";

void put_hex(std::string& out, unsigned char b) {
  out += "\\x";
  out += kHex[b >> 4];
  out += kHex[b & 15];
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Length of the well-formed UTF-8 sequence starting at text[i] (RFC 3629), or 0.
size_t utf8_length(std::string_view text, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char c = b(0);
  if (c < 0x80) return 1;
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    if (c == 0xE0) lo = 0xA0;  // no overlong forms
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;  // <= U+10FFFF
  } else {
    return 0;
  }
  if (i + n > text.size() || b(1) < lo || b(1) > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if (b(k) < 0x80 || b(k) > 0xBF) return 0;
  }
  return n;
}

}  // namespace

std::string escape_bytes(std::string_view bytes, size_t limit) {
  std::string out;
  for (size_t i = 0; i < bytes.size() && i < limit; ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    if (b >= 0x20 && b < 0x7F && b != '\'' && b != '\\') {
      out += static_cast<char>(b);
    } else {
      put_hex(out, b);
    }
  }
  if (bytes.size() > limit) out += "...";
  return out;
}

std::string quote_bytes(std::span<const uint8_t> bytes, size_t max_bytes) {
  const std::string_view view(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  std::string out = "'" + escape_bytes(view.substr(0, max_bytes)) + "'";
  return bytes.size() > max_bytes ? out + "..." : out;
}

std::string escape_text(std::string_view text, size_t limit, bool escape_backslash) {
  std::string out;
  size_t i = 0;
  while (i < text.size() && i < limit) {
    const auto c = static_cast<unsigned char>(text[i]);
    const size_t n = utf8_length(text, i);
    // C1 controls U+0080..U+009F are C2 80..C2 9F in UTF-8.
    const bool c1 = n == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0;
    const bool control = c < 0x20 || c == 0x7F || c1;
    if (c == '\\' && escape_backslash) {
      out += "\\\\";
      ++i;
    } else if (n == 0 || control) {
      for (size_t k = 0; k < std::max<size_t>(n, 1); ++k) put_hex(out, static_cast<unsigned char>(text[i + k]));
      i += std::max<size_t>(n, 1);
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  if (i < text.size()) out += "...";
  return out;
}

std::string unescape_text(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size() && s[i + 1] == '\\') {
      out += '\\';
      ++i;
    } else if (s[i] == '\\' && i + 3 < s.size() && s[i + 1] == 'x' && hex_value(s[i + 2]) >= 0 &&
               hex_value(s[i + 3]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 2]) * 16 + hex_value(s[i + 3]));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string sanitize_message(std::string_view message) {
  std::string out;
  size_t start = 0;
  while (start <= message.size()) {
    const size_t end = std::min(message.find('\n', start), message.size());
    out += escape_text(message.substr(start, end - start), kNoLimit, false);
    if (end == message.size()) break;
    out += '\n';
    start = end + 1;
  }
  return out;
}

bool is_valid_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const size_t n = utf8_length(text, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

}  // namespace petal
