// evaluate / predict on arrays and generators, and the validation closure the
// training loops use.
#include <cstring>
#include <iostream>

#include "model/model_impl.h"
#include "train/train_loop.h"
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
Logs evaluate_source(Model& model, Source& src, const GeneratorRunOptions& o, const char* what) {
  const int64_t steps = generator_steps(what, &src, o.steps);
  CallbackList cbs(o.callbacks);
  cbs.set_model(&model);
  Logs logs;
  cbs.on_test_begin(logs);
  detail::WeightedMeans means;
  for_each_batch(src, o, steps, [&](const Batch& b, int64_t i) {
    Logs bl{{"batch", static_cast<double>(i)}, {"size", static_cast<double>(b.x.rows())}};
    cbs.on_test_batch_begin(i, bl);
    const Logs out = o.tta ? test_on_batch_tta(model, b.x.only("one input with tta"), b.y.only("one output with tta"),
                                               b.sample_weight)
                           : model.test_on_batch(b.x, b.y, b.sample_weight);
    means.add(out, b.x.rows());
    for (const auto& [k, v] : out) bl.set(k, v);
    cbs.on_test_batch_end(i, bl);
  });
  Logs result = means.means();
  cbs.on_test_end(result);
  return result;
}

// Stacks per-batch outputs: one tensor per model output.
TensorList stack_outputs(const std::vector<TensorList>& parts) {
  std::vector<Tensor> out;
  for (size_t o = 0; !parts.empty() && o < parts[0].size(); ++o) {
    std::vector<Tensor> column;
    for (const TensorList& p : parts) column.push_back(p[o]);
    out.push_back(concatenate(column));
  }
  return TensorList(std::move(out));
}

template <typename Source>
TensorList predict_source(Model& model, Source& src, const GeneratorRunOptions& o, const char* what) {
  const int64_t steps = generator_steps(what, &src, o.steps);
  std::vector<TensorList> parts;
  for_each_batch(src, o, steps, [&](const Batch& b, int64_t) {
    parts.push_back(o.tta ? TensorList(predict_on_batch_tta(model, b.x.only("one input with tta")))
                          : model.predict_on_batch(b.x));
  });
  return stack_outputs(parts);
}

}  // namespace

namespace detail {
void check_arrays(const std::string& where, const TensorRefs& x, const TensorRefs& y, const Tensor& w);
}

Logs Model::evaluate(const TensorRefs& x, const TensorRefs& y, const EvaluateOptions& o) {
  impl_->require_compiled("evaluate");
  check_batch_size("evaluate", o.batch_size);
  detail::check_arrays(name() + ".evaluate", x, y, o.sample_weight);
  const int64_t n = x.rows();
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
    const TensorList xb = x.slice(start, end), yb = y.slice(start, end);
    const Tensor wb = o.sample_weight.empty() ? Tensor() : o.sample_weight.slice(start, end);
    const Logs out = o.tta ? test_on_batch_tta(*this, xb.only("one input with tta"), yb.only("one output with tta"), wb)
                           : test_on_batch(xb, yb, wb);
    means.add(out, end - start);
    for (const auto& [k, v] : out) bl.set(k, v);
    cbs.on_test_batch_end(i, bl);
    if (bar) bar->update(end, {});
  }
  Logs result = means.means();
  cbs.on_test_end(result);
  return result;
}

TensorList Model::predict(const TensorRefs& x, int64_t batch_size, int verbose) {
  check_batch_size("predict", batch_size);
  if (x.empty() || x[0].rank() < 2 || x[0].dim(0) == 0) {
    throw ShapeError(name() + ".predict: expected x as a non-empty batch [N, ...]; received " +
                     (x.empty() ? std::string("no arrays") : to_string(x[0].shape())) + ".");
  }
  const int64_t n = x.rows();
  impl_->prepare_inputs(*this, x.slice(0, 1), "predict");
  std::vector<Tensor> out;
  for (const Shape& s : output_shapes()) out.emplace_back(with_batch(n, s));
  std::unique_ptr<Progbar> bar;
  if (verbose) bar = std::make_unique<Progbar>(n, verbose, std::cout, false);
  for (int64_t start = 0; start < n; start += batch_size) {
    const int64_t end = std::min(n, start + batch_size);
    const TensorList p = predict_on_batch(x.slice(start, end));
    for (size_t o = 0; o < out.size(); ++o) {
      std::memcpy(out[o].data() + start * out[o].row_size(), p[o].data(), p[o].size() * sizeof(float));
    }
    if (bar) bar->update(end, {});
  }
  return TensorList(std::move(out));
}

Logs Model::evaluate_generator(Generator& g, const GeneratorRunOptions& o) {
  impl_->require_compiled("evaluate_generator");
  return evaluate_source(*this, g, o, "evaluate_generator");
}
Logs Model::evaluate_generator(Sequence& s, const GeneratorRunOptions& o) {
  impl_->require_compiled("evaluate_generator");
  return evaluate_source(*this, s, o, "evaluate_generator");
}
TensorList Model::predict_generator(Generator& g, const GeneratorRunOptions& o) {
  return predict_source(*this, g, o, "predict_generator");
}
TensorList Model::predict_generator(Sequence& s, const GeneratorRunOptions& o) {
  return predict_source(*this, s, o, "predict_generator");
}

namespace detail {

// Keras: arrays are evaluated with the last training batch's size; generators
// run validation_steps batches on the calling thread (workers = 0).
std::function<Logs(int64_t)> local_validator(Model& model, const ValidationSource& source, int64_t steps) {
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

std::function<Logs(int64_t)> TrainStrategy::validator(Model& model, const ValidationSource& source, int64_t steps) const {
  return local_validator(model, source, steps);
}

std::pair<int64_t, int64_t> split_evenly(int64_t count, int rank, int size) {
  const int64_t q = count / size, r = count % size;
  return {rank * q + std::min<int64_t>(rank, r), q + (rank < r ? 1 : 0)};
}

}  // namespace detail

}  // namespace petal
