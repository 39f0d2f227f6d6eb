// Parsing and formatting of the .npy header dict (a small subset of Python literals).
#include "io/npy_header.h"

#include <cctype>
#include <cstdio>
#include <optional>

#include "petal/core/error.h"

namespace petal::detail {

namespace {

// A recursive-descent reader over the header text; every error names the offset.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::string_view what) : text_(text), what_(what) {}

  NpyHeader parse() {
    NpyHeader header;
    bool has_descr = false, has_order = false, has_shape = false;
    expect('{');
    while (!peek_is('}')) {
      const std::string key = parse_string("a quoted key");
      expect(':');
      if (key == "descr") {
        if (peek_is('[')) fail("a dtype string; structured dtypes are not supported");
        header.descr = parse_string("a dtype string such as '<f4'");
        has_descr = true;
      } else if (key == "fortran_order") {
        header.fortran_order = parse_bool();
        has_order = true;
      } else if (key == "shape") {
        header.shape = parse_tuple();
        has_shape = true;
      } else {
        fail("only the keys 'descr', 'fortran_order' and 'shape' (found key '" + key + "')");
      }
      if (!peek_is(',')) break;
      ++pos_;
    }
    expect('}');
    skip_space();
    if (pos_ != text_.size()) fail("the end of the header after '}'");
    if (!has_descr) fail_missing("descr");
    if (!has_order) fail_missing("fortran_order");
    if (!has_shape) fail_missing("shape");
    return header;
  }

 private:
  [[noreturn]] void fail(const std::string& expected) const {
    throw IoError(std::string(what_) + ": malformed .npy header: expected " + expected +
                  " at offset " + std::to_string(pos_) + "; received '" + escape_bytes(text_, 200) +
                  "'.");
  }
  [[noreturn]] void fail_missing(const std::string& key) const {
    throw IoError(std::string(what_) + ": malformed .npy header: missing key '" + key +
                  "'; received '" + escape_bytes(text_, 200) + "'.");
  }

  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  bool peek_is(char c) {
    skip_space();
    return pos_ < text_.size() && text_[pos_] == c;
  }
  void expect(char c) {
    if (!peek_is(c)) fail(std::string("'") + c + "'");
    ++pos_;
  }

  std::string parse_string(const std::string& expected) {
    skip_space();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) fail(expected);
    const char quote = text_[pos_];
    const size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) fail("a closing quote");
    std::string value(text_.substr(pos_ + 1, end - pos_ - 1));
    if (value.find('\\') != std::string::npos) fail(expected + " without escapes");
    pos_ = end + 1;
    return value;
  }

  bool parse_bool() {
    skip_space();
    for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      if (text_.substr(pos_).starts_with(word)) {
        pos_ += std::string_view(word).size();
        return value;
      }
    }
    fail("True or False for 'fortran_order'");
  }

  // "()", "(3,)", "(2, 3)" and, leniently, "(3)"; Python 2 longs ("3L") too.
  Shape parse_tuple() {
    Shape shape;
    expect('(');
    while (!peek_is(')')) {
      shape.push_back(parse_dimension());
      if (peek_is('L')) ++pos_;
      if (!peek_is(',')) break;
      ++pos_;
    }
    expect(')');
    return shape;
  }

  int64_t parse_dimension() {
    skip_space();
    if (pos_ >= text_.size() || !std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
      fail("a non-negative integer dimension");
    }
    int64_t value = 0;
    while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
      if (value > (int64_t{1} << 58)) fail("a dimension below 2^62");
      value = value * 10 + (text_[pos_++] - '0');
    }
    return value;
  }

  std::string_view text_;
  std::string_view what_;
  size_t pos_ = 0;
};

}  // namespace

NpyHeader parse_npy_header(std::string_view text, std::string_view what_for_errors) {
  return HeaderParser(text, what_for_errors).parse();
}

std::string format_npy_header(const NpyHeader& header) {
  std::string shape = "(";
  for (size_t i = 0; i < header.shape.size(); ++i) {
    if (i) shape += ", ";
    shape += std::to_string(header.shape[i]);
  }
  shape += header.shape.size() == 1 ? ",)" : ")";
  return "{'descr': '" + header.descr +
         "', 'fortran_order': " + (header.fortran_order ? "True" : "False") +
         ", 'shape': " + shape + ", }";
}

}  // namespace petal::detail
