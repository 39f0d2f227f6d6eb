// Shared by the ONNX tests of graph models: train a few steps so that batch-norm
// statistics and weights move, export in several option sets, and compare
// OpenCV's dnn and the Python checker with petal's predictions.
#pragma once

#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "interop/onnx_test_util.h"
#include "petal/optimizers/adam.h"
#include "testing/temp_dir.h"

namespace petal::testing {

// Targets: class (sample + output) mod width, one-hot, per model output.
inline TensorList cycling_targets(const Model& model, int64_t n) {
  std::vector<Tensor> ys;
  const auto shapes = model.output_shapes();
  for (size_t o = 0; o < shapes.size(); ++o) {
    Tensor y(with_batch(n, shapes[o]));
    const int64_t k = shapes[o].back(), rows = y.size() / k;
    for (int64_t r = 0; r < rows; ++r) y[r * k + (r + static_cast<int64_t>(o)) % k] = 1.0f;
    ys.push_back(y);
  }
  return TensorList(std::move(ys));
}

inline void train_steps(Model& model, const TensorList& xs, int steps, double learning_rate = 0.002) {
  std::vector<LossSpec> losses(model.output_shapes().size(), LossSpec("categorical_crossentropy"));
  model.compile(Adam({.learning_rate = learning_rate}), losses);
  const TensorList ys = cycling_targets(model, xs.rows());
  for (int s = 0; s < steps; ++s) model.train_on_batch(xs, ys);
}

struct ExportReport {
  float opencv_diff = 0;   // largest |petal - OpenCV| over the option sets OpenCV ran
  std::string python_log;  // onnx_check.py's lines (max_abs_diff per case)
};

// Exports `model` with each option set into `dir`, runs OpenCV's dnn on each
// (unless `opencv` is false: a graph OpenCV 4.6 cannot load) and the Python
// checker on all; expects both within `tolerance` of petal's predictions.
inline ExportReport check_export(const Model& model, const TensorList& xs, const std::string& name,
                                 const std::vector<OnnxOptions>& variants, const TempDir& dir, bool opencv = true,
                                 double tolerance = 1e-4) {
  ExportReport report;
  const TensorList expected = const_cast<Model&>(model).predict(xs);
  std::vector<OnnxCase> cases;
  for (const auto& options : variants) {
    const auto path = dir / (name + "_" + to_string(options.layout) + (options.fold_batch_norm ? "_folded" : "") +
                             "_opset" + std::to_string(options.opset) + ".onnx");
    model.save_onnx(path, options);
    cases.push_back({path, options});
#ifdef PETAL_TEST_OPENCV_DNN
    if (!opencv) continue;
    const auto got = opencv_predict(path, xs.tensors(), onnx_input_names(model), onnx_output_names(model),
                                    options.layout);
    EXPECT_EQ(got.size(), expected.size()) << path;
    for (size_t o = 0; o < got.size() && o < expected.size(); ++o) {
      EXPECT_EQ(got[o].shape(), expected[o].shape()) << path << " output " << o;
      if (got[o].shape() != expected[o].shape()) continue;
      const float diff = max_abs_diff(got[o], expected[o]);
      EXPECT_LE(diff, tolerance) << path << " output " << o;
      report.opencv_diff = std::max(report.opencv_diff, diff);
    }
#endif
  }
  report.python_log = python_check(model, xs.tensors(), expected.tensors(), cases, dir.path(), tolerance);
  std::ostringstream diff;
  diff << report.opencv_diff;
  std::cout << name << ": max |petal - OpenCV| = " << (opencv ? diff.str() : "(not loaded by OpenCV 4.6)") << "\n"
            << report.python_log;
  return report;
}

// Every layout, folded or not, at opsets 17 and 13.
inline std::vector<OnnxOptions> all_variants() {
  std::vector<OnnxOptions> v;
  for (OnnxLayout layout : {OnnxLayout::Nhwc, OnnxLayout::Nchw}) {
    for (bool fold : {false, true}) v.push_back({.layout = layout, .fold_batch_norm = fold, .opset = fold ? 13 : 17});
  }
  return v;
}

}  // namespace petal::testing
