// estimate_memory: per-layer output shapes and parameter counts from configs
// (no layer is built) or from a built graph's nodes, and this machine's memory
// from sysconf, cgroups and meminfo.
#include "petal/app/memory_estimate.h"

#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "model/graph_node.h"
#include "layers/layer_factory.h"
#include "petal/core/error.h"

namespace petal {

namespace {

using nlohmann::json;

// Elements as a double: a hostile shape must not overflow int64.
double elements(const Shape& shape) {
  double n = 1;
  for (int64_t d : shape) n *= static_cast<double>(d);
  return n;
}

double read_number_file(const char* path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text == "max") return 0;
  return std::strtod(text.c_str(), nullptr);
}

// The formula in memory_estimate.h.
double total_bytes(double params, double activations, int64_t batch, bool training) {
  return 4.0 * (params * (training ? 4.0 : 1.0) + static_cast<double>(batch) * activations * (training ? 3.0 : 1.0));
}

}  // namespace

MemoryEstimate estimate_memory(const std::vector<LayerSpec>& layers, const Shape& input_shape, int64_t batch,
                               bool training) {
  MemoryEstimate e;
  Shape shape = input_shape;
  double params = 0, activations = elements(input_shape), largest = -1;
  for (const LayerSpec& l : layers) {
    const json config = json::parse(l.config_json);
    const Shape in = shape;
    shape = detail::walk_layer(l.type, config, in, params).value_or(in);
    if (shape.empty()) {
      throw ConfigError(l.type + "(name='" + config.value("name", std::string("?")) + "'): cannot take input " +
                        to_string(in) + ".");
    }
    const double n = elements(shape);
    activations += n;
    if (n > largest) {
      largest = n;
      e.largest_layer = config.value("name", l.type);
      e.largest_output = shape;
    }
  }
  e.parameters = static_cast<int64_t>(std::min(params, 9e18));
  e.activations = static_cast<int64_t>(std::min(activations, 9e18));
  e.bytes = total_bytes(params, activations, batch, training);
  return e;
}

// A built graph: its parameters and every node's output, each node once.
MemoryEstimate estimate_memory(const Model& built, int64_t batch, bool training) {
  MemoryEstimate e;
  double activations = 0, largest = -1;
  std::set<const detail::GraphNode*> seen;
  std::vector<KerasTensor> todo = built.outputs();
  while (!todo.empty()) {
    const KerasTensor t = todo.back();
    todo.pop_back();
    if (!seen.insert(t.node().get()).second) continue;
    const double n = elements(t.shape());
    activations += n;
    if (n > largest) {
      largest = n;
      e.largest_layer = t.layer().name();
      e.largest_output = t.shape();
    }
    todo.insert(todo.end(), t.node()->inputs.begin(), t.node()->inputs.end());
  }
  const double params = static_cast<double>(built.count_params());
  e.parameters = built.count_params();
  e.activations = static_cast<int64_t>(std::min(activations, 9e18));
  e.bytes = total_bytes(params, activations, batch, training);
  return e;
}

double machine_memory_bytes() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page = ::sysconf(_SC_PAGESIZE);
  double bytes = pages > 0 && page > 0 ? static_cast<double>(pages) * static_cast<double>(page) : 0;
  const double cgroup = read_number_file("/sys/fs/cgroup/memory.max");
  if (cgroup > 0 && (bytes == 0 || cgroup < bytes)) bytes = cgroup;
  return bytes;
}

double available_memory_bytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  double kib = 0;
  std::string unit;
  while (in >> key >> kib >> unit) {
    if (key == "MemAvailable:") return kib * 1024.0;
  }
  return 0;
}

std::string describe(const MemoryEstimate& e) {
  return std::to_string(e.parameters) + " parameters; largest layer output " + to_string(e.largest_output) + " (" +
         e.largest_layer + ") per image";
}

std::string format_bytes(double bytes) {
  const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (bytes >= 1024.0 && u < 6) {
    bytes /= 1024.0;
    ++u;
  }
  char buf[64];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return buf;
}

void check_memory(double bytes, const std::string& what, const std::string& detail, const std::string& hint) {
  const double have = machine_memory_bytes();
  if (have <= 0 || bytes <= have) return;
  const double available = available_memory_bytes();
  throw ConfigError(what + " needs about " + format_bytes(bytes) + " (" + detail + "); this machine has " +
                    format_bytes(have) + (available > 0 ? " (" + format_bytes(available) + " available)" : "") +
                    ".\nHint: " + hint);
}

}  // namespace petal
