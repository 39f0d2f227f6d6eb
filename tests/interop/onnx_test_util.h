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

inline Tensor opencv_predict(const std::filesystem::path& onnx, const Tensor& x, OnnxLayout layout) {
  cv::dnn::Net net;
  try {
    net = cv::dnn::readNetFromONNX(onnx.string());
  } catch (const cv::Exception& e) {
    throw IoError("OpenCV dnn could not load '" + onnx.string() + "': " + e.what());
  }
  return opencv_predict(net, x, layout);
}
#endif

// One exported file for onnx_check.py.
struct OnnxCase {
  std::filesystem::path onnx;
  OnnxOptions options;
  std::optional<int> batch_norm_nodes = std::nullopt;  // expected count, when known
};

// Runs tests/reference/onnx_check.py on every case (all exported from `model`,
// which predicted `expected` for `x`); returns its output, failing the test
// unless it exits 0. The largest difference per case is in the output.
inline std::string python_check(const Model& model, const Tensor& x, const Tensor& expected,
                                const std::vector<OnnxCase>& cases, const std::filesystem::path& dir,
                                double tolerance = 1e-4) {
  save_npy(dir / "x.npy", NpyArray::from_tensor(x));
  save_npy(dir / "expected.npy", NpyArray::from_tensor(expected));
  nlohmann::json layers = nlohmann::json::array();
  for (const Layer* l : model.layers()) {
    layers.push_back({{"name", l->name()}, {"type", l->type()}, {"shape", l->output_shape()}});
  }
  nlohmann::json spec{{"tolerance", tolerance}, {"cases", nlohmann::json::array()}};
  for (const auto& c : cases) {
    nlohmann::json j{{"onnx", c.onnx.string()},
                     {"input", (dir / "x.npy").string()},
                     {"expected", (dir / "expected.npy").string()},
                     {"layout", to_string(c.options.layout)},
                     {"fold", c.options.fold_batch_norm},
                     {"opset", c.options.opset},
                     {"input_name", model.layers().front()->name() + "_input"},
                     {"input_shape", model.input_shape()},
                     {"output_name", model.layers().back()->name()},
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

}  // namespace petal::testing
