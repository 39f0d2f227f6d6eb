// Internal: the Python-dict header of a .npy file, parsed and formatted.
// Kept apart from npy.cpp so the parser can be tested on hand-written strings.
#pragma once

#include <string>
#include <string_view>

#include "petal/core/text_escape.h"  // escape_bytes for messages
#include "petal/core/shape.h"

namespace petal::detail {

struct NpyHeader {
  std::string descr;  // e.g. "<f4"
  bool fortran_order = false;
  Shape shape;
};

// Parses e.g. "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }" with the
// keys in any order, either quote style, trailing commas and trailing padding.
// IoError starting with `what_for_errors` when the text is not such a dict.
NpyHeader parse_npy_header(std::string_view text, std::string_view what_for_errors);

// The dict text NumPy writes, without padding or newline.
std::string format_npy_header(const NpyHeader& header);


}  // namespace petal::detail
