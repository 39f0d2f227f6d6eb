// Shared helpers of the Keras interop tests: where the real Keras files are,
// the h5py reference dump, and value digests.
#pragma once

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "petal/core/tensor.h"
#include "testing/python.h"

namespace petal::testing {

// The folder of real Keras 2.x files (shared/data/keras-h5, not committed):
// $PETAL_KERAS_H5_DIR, else <source>/../shared/data/keras-h5; "" if absent.
inline std::string keras_h5_dir() {
  std::vector<std::string> candidates;
  if (const char* v = std::getenv("PETAL_KERAS_H5_DIR"); v && *v) candidates.emplace_back(v);
  candidates.push_back(std::string(PETAL_SOURCE_DIR) + "/../shared/data/keras-h5");
  for (const auto& c : candidates) {
    std::error_code ec;
    if (std::filesystem::exists(std::filesystem::path(c) / "seq_cnn_batchnorm_dl4j_k2.1.3.h5", ec)) return c;
  }
  return "";
}

inline constexpr const char* kNoKerasFiles =
    "real Keras files not found (set PETAL_KERAS_H5_DIR or provide shared/data/keras-h5)";

// Every .h5 / .hdf5 file of the folder, sorted by name.
inline std::vector<std::filesystem::path> keras_h5_files(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const auto ext = e.path().extension();
    if (ext == ".h5" || ext == ".hdf5") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// tests/reference/h5_dump.py <args>, parsed.
inline nlohmann::json h5_dump(const std::string& args) {
  std::string log;
  if (run_python("tests/reference/h5_dump.py", args, log) != 0) {
    throw std::runtime_error("h5_dump.py " + args + " failed: " + log);
  }
  return nlohmann::json::parse(log);
}

// What h5_dump.py reports for an array: float64 sum, min, max (null when empty).
inline nlohmann::json digest(const Tensor& t) {
  if (t.size() == 0) return {{"sum", 0.0}, {"min", nullptr}, {"max", nullptr}};
  double sum = 0, lo = t[0], hi = t[0];
  for (const float v : t.values()) {
    sum += v;
    lo = std::min(lo, static_cast<double>(v));
    hi = std::max(hi, static_cast<double>(v));
  }
  return {{"sum", sum}, {"min", lo}, {"max", hi}};
}

// Sums agree up to summation order (NumPy sums pairwise); min and max exactly.
inline bool same_digest(const nlohmann::json& ours, const nlohmann::json& ref, const Tensor& t) {
  double scale = 0;
  for (const float v : t.values()) scale += std::fabs(v);
  return std::fabs(ours["sum"].get<double>() - ref["sum"].get<double>()) <= 1e-9 * scale + 1e-12 &&
         ours["min"] == ref["min"] && ours["max"] == ref["max"];
}

}  // namespace petal::testing
