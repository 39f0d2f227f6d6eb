// ASCII case folding for option values, file names and extensions (bytes
// outside ASCII are left as they are, whatever the locale).
#pragma once

#include <string>

namespace petal::detail {

inline std::string ascii_lower(std::string s) {
  for (char& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return s;
}

}  // namespace petal::detail
