// Test-time augmentation by horizontal flip: a model's outputs for a batch of
// NHWC images averaged with its outputs for their mirror images (left-right).
// Built on the model's public API (predict_on_batch, the compiled loss and
// metrics); EvaluateOptions::tta, GeneratorRunOptions::tta and
// PredictOptions::tta select it in evaluate, *_generator and predict.
#pragma once

#include "petal/core/tensor.h"
#include "petal/model/logs.h"

namespace petal {

class Model;

// x [N, H, W, C] with every row of pixels reversed; ShapeError for another rank.
Tensor flip_left_right(const Tensor& x_nhwc);

// (predict_on_batch(x) + predict_on_batch(flip_left_right(x))) / 2.
Tensor predict_on_batch_tta(Model& model, const Tensor& x_nhwc);

// test_on_batch on the averaged outputs: the compiled loss (with its label
// smoothing) and metrics, Keras's sample weighting, plus the L2 penalty.
Logs test_on_batch_tta(Model& model, const Tensor& x_nhwc, const Tensor& y, const Tensor& sample_weight = {});

}  // namespace petal
