// evaluate / predict on arrays and generators, and the validation closure the
// training loops use.
#include <cstring>
#include <iostream>

#include "model/sequential_impl.h"
#include "model/train_loop.h"
#include "petal/callbacks/progbar_logger.h"
#include "petal/core/error.h"
#include "petal/data/prefetcher.h"
#include "petal/model/test_time_augmentation.h"

namespace petal {

namespace {

void check_batch_size(const char* what, int64_t batch_size) {
  if (batch_size < 1) {
    throw ConfigError(std::string(what) + ": expected batch_size >= 1; received " + std::to_string(batch_size) + ".");
  }
}

int64_t generator_steps(const char* what, Generator*, int64_t steps) {
  if (steps < 1) {
    throw ConfigError(std::string(what) + ": steps is required with a generator, which never ends; received " +
                      std::to_string(steps) + ".");
  }
  return steps;
}

int64_t generator_steps(const char*, Sequence* seq, int64_t steps) { return steps > 0 ? steps : seq->size(); }

// Runs `steps` batches from a prefetcher through `fn(batch, index)`.
template <typename Source, typename Fn>
void for_each_batch(Source& src, const GeneratorRunOptions& o, int64_t steps, Fn fn) {
  Prefetcher p(src, {.workers = o.workers, .max_queue_size = o.max_queue_size, .total = steps});
  for (int64_t i = 0; i < steps; ++i) fn(p.next(), i);
}

template <typename Source>
Logs evaluate_source(Sequential& model, Source& src, const GeneratorRunOptions& o, const char* what) {
  const int64_t steps = generator_steps(what, &src, o.steps);
  CallbackList cbs(o.callbacks);
  cbs.set_model(&model);
  Logs logs;
  cbs.on_test_begin(logs);
  detail::WeightedMeans means;
  for_each_batch(src, o, steps, [&](const Batch& b, int64_t i) {
    Logs bl{{"batch", static_cast<double>(i)}, {"size", static_cast<double>(b.x.dim(0))}};
    cbs.on_test_batch_begin(i, bl);
    const Logs out = o.tta ? test_on_batch_tta(model, b.x, b.y, b.sample_weight)
                           : model.test_on_batch(b.x, b.y, b.sample_weight);
    means.add(out, b.x.dim(0));
    for (const auto& [k, v] : out) bl.set(k, v);
    cbs.on_test_batch_end(i, bl);
  });
  Logs result = means.means();
  cbs.on_test_end(result);
  return result;
}

template <typename Source>
Tensor predict_source(Sequential& model, Source& src, const GeneratorRunOptions& o, const char* what) {
  const int64_t steps = generator_steps(what, &src, o.steps);
  std::vector<Tensor> parts;
  for_each_batch(src, o, steps, [&](const Batch& b, int64_t) {
    parts.push_back(o.tta ? predict_on_batch_tta(model, b.x) : model.predict_on_batch(b.x));
  });
  return concatenate(parts);
}

}  // namespace

Logs Sequential::evaluate(const Tensor& x, const Tensor& y, const EvaluateOptions& o) {
  impl_->require_compiled("evaluate");
  check_batch_size("evaluate", o.batch_size);
  if (x.rank() < 2 || y.rank() < 1 || x.dim(0) != y.dim(0) || x.dim(0) == 0) {
    throw ShapeError(name() + ".evaluate: expected x [N, ...] and y [N, ...] with the same N >= 1; received " +
                     to_string(x.shape()) + " and " + to_string(y.shape()) + ".");
  }
  const int64_t n = x.dim(0);
  CallbackList cbs(o.callbacks);
  cbs.set_model(this);
  Logs logs;
  cbs.on_test_begin(logs);
  std::unique_ptr<Progbar> bar;
  if (o.verbose) bar = std::make_unique<Progbar>(n, o.verbose, std::cout, false);
  detail::WeightedMeans means;
  for (int64_t start = 0, i = 0; start < n; start += o.batch_size, ++i) {
    const int64_t end = std::min(n, start + o.batch_size);
    Logs bl{{"batch", static_cast<double>(i)}, {"size", static_cast<double>(end - start)}};
    cbs.on_test_batch_begin(i, bl);
    const Tensor xb = x.slice(start, end), yb = y.slice(start, end);
    const Tensor wb = o.sample_weight.empty() ? Tensor() : o.sample_weight.slice(start, end);
    const Logs out = o.tta ? test_on_batch_tta(*this, xb, yb, wb) : test_on_batch(xb, yb, wb);
    means.add(out, end - start);
    for (const auto& [k, v] : out) bl.set(k, v);
    cbs.on_test_batch_end(i, bl);
    if (bar) bar->update(end, {});
  }
  Logs result = means.means();
  cbs.on_test_end(result);
  return result;
}

Tensor Sequential::predict(const Tensor& x, int64_t batch_size, int verbose) {
  check_batch_size("predict", batch_size);
  if (x.rank() < 2 || x.dim(0) == 0) {
    throw ShapeError(name() + ".predict: expected x as a non-empty batch [N, ...]; received " + to_string(x.shape()) + ".");
  }
  const int64_t n = x.dim(0);
  impl_->prepare_input(*this, x.slice(0, 1), "predict");
  Tensor out(with_batch(n, output_shape()));
  const int64_t row = out.row_size();
  std::unique_ptr<Progbar> bar;
  if (verbose) bar = std::make_unique<Progbar>(n, verbose, std::cout, false);
  for (int64_t start = 0; start < n; start += batch_size) {
    const int64_t end = std::min(n, start + batch_size);
    const Tensor p = predict_on_batch(x.slice(start, end));
    std::memcpy(out.data() + start * row, p.data(), p.size() * sizeof(float));
    if (bar) bar->update(end, {});
  }
  return out;
}

Logs Sequential::evaluate_generator(Generator& g, const GeneratorRunOptions& o) {
  impl_->require_compiled("evaluate_generator");
  return evaluate_source(*this, g, o, "evaluate_generator");
}
Logs Sequential::evaluate_generator(Sequence& s, const GeneratorRunOptions& o) {
  impl_->require_compiled("evaluate_generator");
  return evaluate_source(*this, s, o, "evaluate_generator");
}
Tensor Sequential::predict_generator(Generator& g, const GeneratorRunOptions& o) {
  return predict_source(*this, g, o, "predict_generator");
}
Tensor Sequential::predict_generator(Sequence& s, const GeneratorRunOptions& o) {
  return predict_source(*this, s, o, "predict_generator");
}

// Keras: arrays are evaluated with the last training batch's size; generators
// run validation_steps batches on the calling thread (workers = 0).
std::function<Logs(int64_t)> make_validator(Sequential& model, const ValidationSource& source, int64_t steps) {
  if (const auto* v = std::get_if<ValidationData>(&source)) {
    return [&model, v](int64_t last_batch) {
      return model.evaluate(v->x, v->y, {.batch_size = std::max<int64_t>(last_batch, 1), .sample_weight = v->sample_weight});
    };
  }
  if (auto* const* g = std::get_if<Generator*>(&source)) {
    if (steps < 1) {
      throw ConfigError("fit: validation_steps is required when validation_data is a generator; received " +
                        std::to_string(steps) + ".");
    }
    Generator* gen = *g;
    return [&model, gen, steps](int64_t) { return model.evaluate_generator(*gen, {.steps = steps, .workers = 0}); };
  }
  Sequence* seq = std::get<Sequence*>(source);
  return [&model, seq, steps](int64_t) { return model.evaluate_generator(*seq, {.steps = steps, .workers = 0}); };
}

}  // namespace petal
