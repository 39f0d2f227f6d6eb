// Cross-entropy and squared-error losses, their Keras weighting and gradients.
#include "petal/losses/loss.h"

#include <algorithm>
#include <cmath>

#include "petal/core/error.h"

namespace petal {

namespace {

constexpr double kEps = kLossEpsilon;

double clip(double p) { return std::clamp(p, kEps, 1.0 - kEps); }

// One sample's loss and (optionally) its gradient over `positions` rows of K values.
struct SampleView {
  const float* p;      // [positions, K]
  const float* y;      // [positions, K] (dense targets) or nullptr
  const float* label;  // [positions] class indices (sparse) or nullptr
  int64_t positions, k;
};

int64_t sparse_label(float v, int64_t k) {
  const auto c = static_cast<int64_t>(v);
  if (static_cast<float>(c) != v || c < 0 || c >= k) {
    throw DataError("sparse_categorical_crossentropy: expected integer class indices in [0, " + std::to_string(k) +
                    "); received " + std::to_string(v) + ".");
  }
  return c;
}

// Returns the loss; writes d loss / d (p or logits) scaled by `scale` into g.
// ls: label smoothing (Keras: y * (1 - ls) + ls / K, binary ls / 2).
double sample_loss(Loss loss, const SampleView& s, float* g, double scale, GradWrt wrt, double ls) {
  const int64_t k = s.k;
  const double keep = 1.0 - ls, spread = loss == Loss::BinaryCrossentropy ? 0.5 * ls : ls / static_cast<double>(k);
  double total = 0;
  for (int64_t r = 0; r < s.positions; ++r) {
    const float* p = s.p + r * k;
    const float* y = s.y ? s.y + r * k : nullptr;
    float* gr = g ? g + r * k : nullptr;
    const int64_t label = s.label ? sparse_label(s.label[r], k) : -1;
    auto target = [&](int64_t j) {
      const double t = y ? static_cast<double>(y[j]) : (j == label ? 1.0 : 0.0);
      return ls == 0 ? t : t * keep + spread;
    };
    if (loss == Loss::MeanSquaredError) {
      for (int64_t j = 0; j < k; ++j) {
        const double d = p[j] - target(j);
        total += d * d / k;
        if (gr) gr[j] = static_cast<float>(scale * 2.0 * d / k);
      }
    } else if (loss == Loss::BinaryCrossentropy) {
      for (int64_t j = 0; j < k; ++j) {
        const double t = target(j), q = clip(p[j]);
        total -= (t * std::log(q) + (1 - t) * std::log(1 - q)) / k;
        if (!gr) continue;
        if (wrt == GradWrt::SigmoidLogits) {
          gr[j] = static_cast<float>(scale * (p[j] - t) / k);
        } else {
          const bool inside = p[j] > kEps && p[j] < 1 - kEps;
          gr[j] = inside ? static_cast<float>(scale * (-(t / q) + (1 - t) / (1 - q)) / k) : 0.0f;
        }
      }
    } else {  // categorical (dense or sparse): normalise rows, clip, -sum(y log q)
      double sum = 0, ysum = 0;
      for (int64_t j = 0; j < k; ++j) sum += p[j], ysum += target(j);
      double dot = 0;  // sum_j dL/dq_j * q_j, for the normalisation's gradient
      for (int64_t j = 0; j < k; ++j) {
        const double t = target(j), q = p[j] / sum;
        if (t != 0) total -= t * std::log(clip(q));
        const bool inside = q > kEps && q < 1 - kEps;
        if (inside && t != 0) dot += -t;  // (-t / q) * q
      }
      if (!gr) continue;
      for (int64_t j = 0; j < k; ++j) {
        const double t = target(j);
        if (wrt == GradWrt::SoftmaxLogits) {
          gr[j] = static_cast<float>(scale * (p[j] * ysum - t));
        } else {
          const double q = p[j] / sum;
          const bool inside = q > kEps && q < 1 - kEps;
          const double dq = inside && t != 0 ? -t / q : 0.0;
          gr[j] = static_cast<float>(scale * (dq - dot) / sum);
        }
      }
    }
  }
  if (s.positions > 1 && g) {
    for (int64_t i = 0; i < s.positions * k; ++i) g[i] = static_cast<float>(g[i] / s.positions);
  }
  return total / static_cast<double>(s.positions);
}

SampleView view(Loss loss, const Tensor& y_true, const float* y_pred, const Shape& shape, int64_t i) {
  const int64_t k = shape.back();
  const int64_t per_sample = num_elements(shape) / shape[0];
  const int64_t positions = per_sample / k;
  SampleView s{y_pred + i * per_sample, nullptr, nullptr, positions, k};
  if (loss == Loss::SparseCategoricalCrossentropy) {
    s.label = y_true.data() + i * positions;
  } else {
    s.y = y_true.data() + i * per_sample;
  }
  return s;
}

}  // namespace

Loss loss_from_string(std::string_view name) {
  if (name == "categorical_crossentropy") return Loss::CategoricalCrossentropy;
  if (name == "sparse_categorical_crossentropy") return Loss::SparseCategoricalCrossentropy;
  if (name == "binary_crossentropy") return Loss::BinaryCrossentropy;
  if (name == "mean_squared_error" || name == "mse") return Loss::MeanSquaredError;
  throw ConfigError("unknown loss '" + std::string(name) +
                    "'; expected one of categorical_crossentropy, sparse_categorical_crossentropy, "
                    "binary_crossentropy, mean_squared_error.");
}

Loss resolve_loss(const LossSpec& spec) {
  const Loss loss = loss_from_string(spec.name);
  const double ls = spec.label_smoothing;
  if (!(ls >= 0.0 && ls <= 1.0)) {
    throw ConfigError(spec.name + ": expected label_smoothing in [0, 1]; received " + std::to_string(ls) + ".");
  }
  if (ls != 0.0 && loss == Loss::MeanSquaredError) {
    throw ConfigError(spec.name + ": label_smoothing applies to the cross-entropy losses; received label_smoothing=" +
                      std::to_string(ls) + " for mean_squared_error.\nHint: smooth the targets yourself, or use "
                      "label_smoothing=0.");
  }
  return loss;
}

std::string to_string(Loss loss) {
  switch (loss) {
    case Loss::CategoricalCrossentropy: return "categorical_crossentropy";
    case Loss::SparseCategoricalCrossentropy: return "sparse_categorical_crossentropy";
    case Loss::BinaryCrossentropy: return "binary_crossentropy";
    case Loss::MeanSquaredError: return "mean_squared_error";
  }
  return "?";
}

void check_targets(Loss loss, const Tensor& y_true, const Shape& pred) {
  if (loss == Loss::SparseCategoricalCrossentropy) {
    const int64_t positions = num_elements(pred) / pred[0] / pred.back();
    if (y_true.rank() < 1 || y_true.dim(0) != pred[0] || y_true.size() != pred[0] * positions) {
      throw ShapeError("sparse_categorical_crossentropy: expected targets of shape [" + std::to_string(pred[0]) +
                       "] (class indices) for predictions " + to_string(pred) + "; received " +
                       to_string(y_true.shape()) + ".");
    }
    return;
  }
  if (y_true.shape() != pred) {
    std::string hint;
    if (loss == Loss::CategoricalCrossentropy && y_true.rank() == 1) {
      hint = "\nHint: targets look like class indices; one-hot encode them or use "
             "sparse_categorical_crossentropy.";
    }
    throw ShapeError(to_string(loss) + ": expected targets of shape " + to_string(pred) + " (as the model's output); received " +
                     to_string(y_true.shape()) + "." + hint);
  }
}

bool supports(Loss loss, GradWrt wrt) {
  switch (wrt) {
    case GradWrt::Output: return true;
    case GradWrt::SoftmaxLogits:
      return loss == Loss::CategoricalCrossentropy || loss == Loss::SparseCategoricalCrossentropy;
    case GradWrt::SigmoidLogits: return loss == Loss::BinaryCrossentropy;
  }
  return false;
}

Tensor per_sample_loss(Loss loss, const Tensor& y_true, const Tensor& y_pred, double label_smoothing) {
  check_targets(loss, y_true, y_pred.shape());
  Tensor out({y_pred.dim(0)});
  for (int64_t i = 0; i < y_pred.dim(0); ++i) {
    out[i] = static_cast<float>(sample_loss(loss, view(loss, y_true, y_pred.data(), y_pred.shape(), i), nullptr, 0,
                                            GradWrt::Output, label_smoothing));
  }
  return out;
}

double weighted_loss(Loss loss, const Tensor& y_true, const float* y_pred, const Shape& shape,
                     std::span<const float> weights, std::span<float> grad, GradWrt wrt, double label_smoothing) {
  check_targets(loss, y_true, shape);
  const int64_t n = shape[0];
  const int64_t per_sample = num_elements(shape) / n;
  double nonzero = static_cast<double>(n);
  if (!weights.empty()) {
    nonzero = static_cast<double>(std::count_if(weights.begin(), weights.end(), [](float w) { return w != 0; }));
  }
  double total = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double w = weights.empty() ? 1.0 : weights[i];
    float* g = grad.empty() ? nullptr : grad.data() + i * per_sample;
    const double scale = nonzero > 0 ? w / nonzero : 0.0;
    const double l = sample_loss(loss, view(loss, y_true, y_pred, shape, i), g, scale, wrt, label_smoothing);
    total += l * w;
  }
  return nonzero > 0 ? total / nonzero : 0.0;
}

}  // namespace petal
