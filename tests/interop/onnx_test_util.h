// Shared by the ONNX export tests: real (or synthetic) images, OpenCV's dnn as an
// independent runtime, and the committed Python checker (tests/reference/onnx_check.py).
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "petal/core/error.h"
#include "petal/data/flowers17.h"
#include "petal/data/image_loader.h"
#include "petal/interop/onnx.h"
#include "petal/io/npy.h"
#include "petal/model/sequential.h"
#include "testing/python.h"

#ifdef PETAL_TEST_OPENCV_DNN
#include <opencv2/dnn.hpp>
#endif

namespace petal::testing {

// [N, H, W, C] <-> [N, C, H, W].
inline Tensor to_nchw(const Tensor& x) {
  const int64_t n = x.dim(0), h = x.dim(1), w = x.dim(2), c = x.dim(3);
  Tensor out({n, c, h, w});
  for (int64_t i = 0; i < x.size(); ++i) {
    const int64_t ch = i % c, col = (i / c) % w, row = (i / (c * w)) % h, b = i / (c * w * h);
    out[((b * c + ch) * h + row) * w + col] = x[i];
  }
  return out;
}

inline Tensor to_nhwc(const Tensor& x) {
  const int64_t n = x.dim(0), c = x.dim(1), h = x.dim(2), w = x.dim(3);
  Tensor out({n, h, w, c});
  for (int64_t i = 0; i < x.size(); ++i) {
    const int64_t col = i % w, row = (i / w) % h, ch = (i / (w * h)) % c, b = i / (w * h * c);
    out[((b * h + row) * w + col) * c + ch] = x[i];
  }
  return out;
}

struct ImageBatch {
  Tensor x;                     // [n, h, w, 3] in [0, 1]
  std::vector<int64_t> labels;  // Flowers-17 archive classes
  std::string source;           // where the pixels came from
};

// n Flowers-17 images spread over the classes, resized to h x w and scaled by
// 1/255; synthetic images (smooth colour gradients) when the archive is absent.
inline ImageBatch flower_images(int64_t n, int64_t h, int64_t w) {
  ImageBatch batch;
  if (auto dir = find_flowers17(PETAL_SOURCE_DIR)) {
    std::vector<std::string> paths;
    for (int64_t i = 0; i < n; ++i) {
      const int64_t number = 1 + (i * 80 * 17 / n + i * 7) % kFlowers17NumImages;
      char name[32];
      std::snprintf(name, sizeof(name), "jpg/image_%04ld.jpg", static_cast<long>(number));
      paths.push_back((std::filesystem::path(*dir) / name).string());
      batch.labels.push_back(flowers17_archive_label(number));
    }
    batch.x = load_images(paths, LoaderOptions{.decode = {.target_size = ImageSize{h, w}}}).x;
    batch.source = "Flowers-17 images from " + *dir;
  } else {
    batch.x = Tensor({n, h, w, 3});
    for (int64_t i = 0; i < batch.x.size(); ++i) {
      const int64_t c = i % 3, col = (i / 3) % w, row = (i / (3 * w)) % h, b = i / (3 * w * h);
      batch.x[i] = static_cast<float>((row * (c + 1) + col * (3 - c) + b * 37) % 256);
    }
    for (int64_t b = 0; b < n; ++b) batch.labels.push_back(b % kFlowers17NumClasses);
    batch.source = "synthetic images (no Flowers-17 archive found)";
  }
  for (float& v : batch.x.values()) v /= 255.0f;
  return batch;
}

inline Tensor one_hot(const std::vector<int64_t>& labels, int64_t classes) {
  Tensor y({static_cast<int64_t>(labels.size()), classes});
  for (size_t i = 0; i < labels.size(); ++i) y.at({static_cast<int64_t>(i), labels[i] % classes}) = 1.0f;
  return y;
}

// Why the ONNX tests cannot run here, or empty.
inline std::string onnx_tests_unavailable() {
  if (!onnx_export_available()) return "petal was built without ONNX export (libonnx-dev, libprotobuf-dev)";
#ifndef PETAL_TEST_OPENCV_DNN
  return "OpenCV's dnn module (libopencv-dnn-dev) was not found when the tests were configured";
#endif
  return python_unavailable("numpy torch onnx");
}

#ifdef PETAL_TEST_OPENCV_DNN
// The ONNX file's output for x (petal's layout; transposed to NCHW for an NCHW
// graph), by OpenCV's dnn module; a 4-D output comes back in the graph's layout.
inline Tensor opencv_predict(cv::dnn::Net& net, const Tensor& x, OnnxLayout layout) {
  Tensor in = (layout == OnnxLayout::Nchw && x.rank() == 4) ? to_nchw(x) : x;
  try {
    const std::vector<int> dims(in.shape().begin(), in.shape().end());
    net.setInput(cv::Mat(static_cast<int>(dims.size()), dims.data(), CV_32F, in.data()));
    cv::Mat out = net.forward();
    Shape shape;
    for (int i = 0; i < out.dims; ++i) shape.push_back(out.size[i]);
    if (!out.isContinuous()) out = out.clone();
    return Tensor(shape, std::span<const float>(out.ptr<float>(), out.total()));
  } catch (const cv::Exception& e) {
    throw IoError(std::string("OpenCV dnn could not run the network: ") + e.what());
  }
}

inline cv::dnn::Net opencv_load(const std::filesystem::path& onnx) {
  try {
    return cv::dnn::readNetFromONNX(onnx.string());
  } catch (const cv::Exception& e) {
    throw IoError("OpenCV dnn could not load '" + onnx.string() + "': " + e.what());
  }
}

inline Tensor opencv_predict(const std::filesystem::path& onnx, const Tensor& x, OnnxLayout layout) {
  cv::dnn::Net net = opencv_load(onnx);
  return opencv_predict(net, x, layout);
}

// Several inputs (by the ONNX input names) and outputs (by the ONNX output
// names), each in petal's layout (4-D values transposed to and from NCHW).
inline std::vector<Tensor> opencv_predict(const std::filesystem::path& onnx, const std::vector<Tensor>& xs,
                                          const std::vector<std::string>& input_names,
                                          const std::vector<std::string>& output_names, OnnxLayout layout) {
  cv::dnn::Net net = opencv_load(onnx);
  std::vector<Tensor> ins;
  try {
    for (size_t i = 0; i < xs.size(); ++i) {
      ins.push_back(layout == OnnxLayout::Nchw && xs[i].rank() == 4 ? to_nchw(xs[i]) : xs[i]);
      const std::vector<int> dims(ins[i].shape().begin(), ins[i].shape().end());
      net.setInput(cv::Mat(static_cast<int>(dims.size()), dims.data(), CV_32F, ins[i].data()), input_names[i]);
    }
    std::vector<cv::Mat> outs;
    const std::vector<cv::String> names(output_names.begin(), output_names.end());
    net.forward(outs, names);
    std::vector<Tensor> result;
    for (cv::Mat& out : outs) {
      Shape shape;
      for (int i = 0; i < out.dims; ++i) shape.push_back(out.size[i]);
      if (!out.isContinuous()) out = out.clone();
      Tensor t(shape, std::span<const float>(out.ptr<float>(), out.total()));
      result.push_back(layout == OnnxLayout::Nchw && t.rank() == 4 ? to_nhwc(t) : t);
    }
    return result;
  } catch (const cv::Exception& e) {
    throw IoError(std::string("OpenCV dnn could not run the network: ") + e.what());
  }
}
#endif

// The names save_onnx gives the model's inputs and outputs.
inline std::vector<std::string> onnx_input_names(const Model& model) {
  if (model.is_sequential()) return {model.layers().front()->name() + "_input"};
  std::vector<std::string> names;
  for (const auto& t : model.inputs()) names.push_back(t.layer().name());
  return names;
}

inline std::vector<std::string> onnx_output_names(const Model& model) { return model.output_names(); }

// One exported file for onnx_check.py.
struct OnnxCase {
  std::filesystem::path onnx;
  OnnxOptions options;
  std::optional<int> batch_norm_nodes = std::nullopt;  // expected count, when known
};

// Runs tests/reference/onnx_check.py on every case (all exported from `model`,
// which predicted `expected` for `xs`, one tensor per model input and output);
// returns its output, failing the test unless it exits 0. The largest
// difference per case is in the output.
inline std::string python_check(const Model& model, const std::vector<Tensor>& xs, const std::vector<Tensor>& expected,
                                const std::vector<OnnxCase>& cases, const std::filesystem::path& dir,
                                double tolerance = 1e-4) {
  nlohmann::json inputs = nlohmann::json::array(), outputs = nlohmann::json::array();
  for (size_t i = 0; i < xs.size(); ++i) {
    const auto path = dir / ("x" + std::to_string(i) + ".npy");
    save_npy(path, NpyArray::from_tensor(xs[i]));
    inputs.push_back(path.string());
  }
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto path = dir / ("expected" + std::to_string(i) + ".npy");
    save_npy(path, NpyArray::from_tensor(expected[i]));
    outputs.push_back(path.string());
  }
  nlohmann::json layers = nlohmann::json::array();
  for (const Layer* l : model.layers()) {
    layers.push_back({{"name", l->name()}, {"type", l->type()}, {"shape", l->output_shape()}});
  }
  nlohmann::json spec{{"tolerance", tolerance}, {"cases", nlohmann::json::array()}};
  for (const auto& c : cases) {
    nlohmann::json j{{"onnx", c.onnx.string()},
                     {"inputs", inputs},
                     {"expected", outputs},
                     {"layout", to_string(c.options.layout)},
                     {"fold", c.options.fold_batch_norm},
                     {"opset", c.options.opset},
                     {"input_names", onnx_input_names(model)},
                     {"input_shapes", model.input_shapes()},
                     {"output_names", onnx_output_names(model)},
                     {"weights", model.weight_names()},
                     {"layers", layers}};
    if (c.batch_norm_nodes) j["batch_norm_nodes"] = *c.batch_norm_nodes;
    spec["cases"].push_back(j);
  }
  std::ofstream(dir / "spec.json") << spec.dump(1);
  std::string log;
  const int rc = run_python("tests/reference/onnx_check.py", (dir / "spec.json").string(), log);
  EXPECT_EQ(rc, 0) << log;
  return log;
}

inline std::string python_check(const Model& model, const Tensor& x, const Tensor& expected,
                                const std::vector<OnnxCase>& cases, const std::filesystem::path& dir,
                                double tolerance = 1e-4) {
  return python_check(model, std::vector<Tensor>{x}, std::vector<Tensor>{expected}, cases, dir, tolerance);
}

}  // namespace petal::testing
