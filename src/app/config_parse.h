// Text-to-value parsing for the trainer's options, with the "expected ...;
// received '...'" messages every option shares.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace petal::detail {

// How an option is named in messages: "--batch-size" on the command line,
// "config 'x.json': batch_size" in a file.
std::string option_label(const std::string& origin, const std::string& key);

[[noreturn]] void bad_value(const std::string& label, const std::string& expected, const std::string& value);

int64_t parse_int(const std::string& label, const std::string& value, int64_t min, int64_t max);
// A finite number in [min, max] (max_open: below max).
double parse_number(const std::string& label, const std::string& value, double min, double max,
                    bool max_open = false);
bool parse_bool(const std::string& label, const std::string& value);
std::string parse_choice(const std::string& label, const std::string& value, const std::vector<std::string>& choices);
// "64" (square) or "64x48" (height x width), each in [1, 4096].
std::pair<int64_t, int64_t> parse_image_size(const std::string& label, const std::string& value);
// "0", "none", "1/255" or a number >= 0.
double parse_rescale(const std::string& label, const std::string& value);
// "A,B" with finite A <= B; `allow_none`: "" or "none" give {}.
std::vector<double> parse_range(const std::string& label, const std::string& value, bool allow_none);

// Shortest text that reads back as the same double.
std::string format_number(double v);

}  // namespace petal::detail
