// Horizontal-flip test-time augmentation over the model's public API, and
// Model::predict with PredictOptions.
#include "petal/model/test_time_augmentation.h"

#include <algorithm>
#include <cstring>
#include <iostream>
#include <memory>
#include <span>

#include "petal/callbacks/progbar_logger.h"
#include "petal/core/error.h"
#include "petal/model/model.h"

namespace petal {

namespace {

void require_images(const Tensor& x, const char* what) {
  if (x.rank() != 4 || x.dim(0) < 1) {
    throw ShapeError(std::string(what) + ": test-time augmentation mirrors images and expects a batch [N, H, W, C]; "
                     "received " + to_string(x.shape()) + ".\nHint: turn tta off for inputs that are not images.");
  }
}

// The loss term of the weights' L2 penalties (what test_on_batch adds).
double l2_penalty(Model& model) {
  double total = 0;
  for (const Param* p : model.params()) {
    if (p->l2 == 0.0f) continue;
    double sq = 0;
    for (float w : p->value.values()) sq += static_cast<double>(w) * w;
    total += p->l2 * sq;
  }
  return total;
}

}  // namespace

Tensor flip_left_right(const Tensor& x) {
  require_images(x, "flip_left_right");
  Tensor out(x.shape());
  const int64_t rows = x.dim(0) * x.dim(1), w = x.dim(2), c = x.dim(3);
  for (int64_t r = 0; r < rows; ++r) {
    const float* src = x.data() + r * w * c;
    float* dst = out.data() + r * w * c;
    for (int64_t j = 0; j < w; ++j) {
      std::memcpy(dst + (w - 1 - j) * c, src + j * c, static_cast<size_t>(c) * sizeof(float));
    }
  }
  return out;
}

Tensor predict_on_batch_tta(Model& model, const Tensor& x) {
  require_images(x, "predict (tta)");
  Tensor out = model.predict_on_batch(x).only("a model with one output");
  const Tensor mirrored = model.predict_on_batch(flip_left_right(x)).only("a model with one output");
  for (int64_t i = 0; i < out.size(); ++i) out[i] = 0.5f * (out[i] + mirrored[i]);
  return out;
}

Logs test_on_batch_tta(Model& model, const Tensor& x, const Tensor& y, const Tensor& sample_weight) {
  if (!model.compiled()) {
    throw StateError(model.name() + ".evaluate (tta): the model is not compiled.\nHint: call compile(optimizer, loss, "
                     "metrics) first.");
  }
  const Tensor out = predict_on_batch_tta(model, x);
  const LossSpec spec = model.loss_spec();
  const Loss loss = model.loss();
  check_targets(loss, y, out.shape());
  const int64_t n = x.dim(0);
  if (!sample_weight.empty() && (sample_weight.rank() != 1 || sample_weight.dim(0) != n)) {
    throw ShapeError("sample_weight: expected shape [" + std::to_string(n) + "] (one weight per sample); received " +
                     to_string(sample_weight.shape()) + ".");
  }
  const std::span<const float> w = sample_weight.empty() ? std::span<const float>() : sample_weight.values();
  Logs logs{{"loss", weighted_loss(loss, y, out.data(), out.shape(), w, {}, GradWrt::Output, spec.label_smoothing) +
                         l2_penalty(model)}};
  for (const Metric& m : model.metrics()) logs.set(m.name, compute_metric(m, y, out.data(), out.shape()));
  return logs;
}

TensorList Model::predict(const TensorRefs& inputs, const PredictOptions& o) {
  if (!o.tta) return predict(inputs, o.batch_size, o.verbose);
  if (inputs.size() != 1) {
    throw ConfigError(name() + ".predict: test-time augmentation mirrors a single image input; this call has " +
                      std::to_string(inputs.size()) + " inputs.");
  }
  const Tensor& x = inputs[0];
  if (o.batch_size < 1) {
    throw ConfigError("predict: expected batch_size >= 1; received " + std::to_string(o.batch_size) + ".");
  }
  require_images(x, "predict");
  const int64_t n = x.dim(0);
  std::vector<Tensor> parts;
  std::unique_ptr<Progbar> bar;
  if (o.verbose) bar = std::make_unique<Progbar>(n, o.verbose, std::cout, false);
  for (int64_t start = 0; start < n; start += o.batch_size) {
    const int64_t end = std::min(n, start + o.batch_size);
    parts.push_back(predict_on_batch_tta(*this, x.slice(start, end)));
    if (bar) bar->update(end, {});
  }
  return TensorList(concatenate(parts));
}

}  // namespace petal
