// Sequential::summary() in Keras 2's print_summary layout (line length 65,
// columns at 45% and 85%).
#include <sstream>

#include "model/sequential_impl.h"

namespace petal {

namespace {

constexpr size_t kLine = 65;
constexpr size_t kPositions[] = {29, 55, 65};  // int(65 * [.45, .85, 1])

// Keras's print_row: each field starts right after the previous one is cut
// (last character replaced by a space), padded to its column position.
std::string row(const std::string (&fields)[3]) {
  std::string line;
  for (int i = 0; i < 3; ++i) {
    if (i > 0 && !line.empty()) line.back() = ' ';
    line += fields[i];
    if (line.size() > kPositions[i]) line.resize(kPositions[i]);
    line.append(kPositions[i] - line.size(), ' ');
  }
  return line + "\n";
}

std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

}  // namespace

std::string Sequential::summary() const {
  const Impl& m = *impl_;
  std::ostringstream s;
  const std::string rule(kLine, '_'), double_rule(kLine, '=');
  s << rule << "\n" << row({"Layer (type)", "Output Shape", "Param #"}) << double_rule << "\n";
  int64_t total = 0, trainable = 0;
  for (size_t i = 0; i < m.layers.size(); ++i) {
    const Layer& l = *m.layers[i];
    const std::string shape = l.built() ? to_keras_string(l.output_shape()) : "multiple";
    s << row({l.name() + " (" + l.type() + ")", shape, std::to_string(l.count_params())});
    s << (i + 1 == m.layers.size() ? double_rule : rule) << "\n";
    total += l.count_params();
    trainable += l.count_trainable_params();
  }
  if (m.layers.empty()) s << double_rule << "\n";
  s << "Total params: " << with_commas(total) << "\n";
  s << "Trainable params: " << with_commas(trainable) << "\n";
  s << "Non-trainable params: " << with_commas(total - trainable) << "\n";
  s << rule << "\n";
  return s.str();
}

}  // namespace petal
