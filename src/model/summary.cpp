// Model::summary() in Keras 2's print_summary layouts: a chain in three
// columns (line length 65), a graph with a fourth "Connected to" column (98).
#include <sstream>

#include "model/model_impl.h"

namespace petal {

namespace {

// Keras's print_row: each field starts right after the previous one is cut
// (last character replaced by a space), padded to its column position.
std::string row(const std::vector<std::string>& fields, const std::vector<size_t>& positions) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0 && !line.empty()) line.back() = ' ';
    line += fields[i];
    if (line.size() > positions[i]) line.resize(positions[i]);
    line.append(positions[i] - line.size(), ' ');
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

// Keras's sequential_like: no node reads several tensors and no tensor feeds several nodes.
bool chain_like(const Model::Impl& m) {
  std::vector<int> readers(m.nodes.size(), 0);
  for (const auto& n : m.nodes) {
    if (n.inputs.size() > 1) return false;
    for (int i : n.inputs) {
      if (++readers[i] > 1) return false;
    }
  }
  return true;
}

// "conv2d_1[0][0]" for every tensor the calls of `layer` read.
std::vector<std::string> connections(const Model::Impl& m, const Layer* layer) {
  std::vector<std::string> out;
  for (size_t k = 0; k < m.nodes.size(); ++k) {
    if (m.node_layers[k] != layer) continue;
    for (int i : m.nodes[k].inputs) {
      out.push_back(m.node_layers[i]->name() + "[" + std::to_string(m.node_calls[i]) + "][0]");
    }
  }
  return out;
}

}  // namespace

std::string Model::summary() const {
  const Impl& m = *impl_;
  const bool graph = !m.sequential && !chain_like(m);
  const size_t line = graph ? 98 : 65;
  const std::vector<size_t> positions = graph ? std::vector<size_t>{32, 53, 65, 98} : std::vector<size_t>{29, 55, 65};
  std::vector<std::string> header{"Layer (type)", "Output Shape", "Param #"};
  if (graph) header.push_back("Connected to");
  std::ostringstream s;
  const std::string rule(line, '_'), double_rule(line, '=');
  s << rule << "\n" << row(header, positions) << double_rule << "\n";
  int64_t total = 0, trainable = 0;
  for (size_t i = 0; i < m.layers.size(); ++i) {
    const Layer& l = *m.layers[i];
    std::vector<std::string> fields{l.name() + " (" + l.type() + ")",
                                    l.built() ? to_keras_string(l.output_shape()) : "multiple",
                                    std::to_string(l.count_params())};
    if (graph) {
      const std::vector<std::string> from = connections(m, &l);
      fields.push_back(from.empty() ? "" : from[0]);
      s << row(fields, positions);
      for (size_t c = 1; c < from.size(); ++c) s << row({"", "", "", from[c]}, positions);
    } else {
      s << row(fields, positions);
    }
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
