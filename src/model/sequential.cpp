// Sequential: layer stack, build, compile, weights and plan cache.
#include "petal/model/sequential.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>

#include "model/sequential_impl.h"
#include "petal/core/error.h"

namespace petal {

Sequential::Sequential(SequentialOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {
  if (!impl_->options.input_shape.empty()) impl_->input_shape = impl_->options.input_shape;
  if (const char* env = std::getenv("PETAL_CONV_ALGORITHM")) {
    const std::string v = env;
    if (v == "direct") impl_->options.conv_algorithm = ConvAlgorithm::Direct;
    else if (v == "auto") impl_->options.conv_algorithm = ConvAlgorithm::Auto;
    else throw ConfigError("PETAL_CONV_ALGORITHM: expected 'direct' or 'auto'; received '" + v + "'.");
  }
}
Sequential::~Sequential() = default;
Sequential::Sequential(Sequential&&) noexcept = default;
Sequential& Sequential::operator=(Sequential&&) noexcept = default;

Layer& Sequential::add(std::unique_ptr<Layer> layer) {
  Impl& m = *impl_;
  if (!layer) throw ConfigError(m.options.name + ".add: received a null layer.");
  if (layer->name().empty()) {
    layer->set_name(layer->name_prefix() + "_" + std::to_string(++m.name_counts[layer->name_prefix()]));
  }
  for (const auto& l : m.layers) {
    if (l->name() == layer->name()) {
      throw ConfigError(m.options.name + ".add: a layer named '" + layer->name() +
                        "' already exists; layer names must be unique.");
    }
  }
  if (m.layers.empty() && m.input_shape.empty()) m.input_shape = layer->declared_input_shape();
  Layer& added = *layer;
  if (m.built || (m.layers.empty() && !m.input_shape.empty())) {
    const Shape in = m.layers.empty() ? m.input_shape : m.output_shape;
    m.output_shape = added.build(in, m.rng);
    m.built = true;
  }
  m.layers.push_back(std::move(layer));
  m.invalidate_plans();
  m.params_dirty = true;
  return added;
}

void Sequential::build(const Shape& input_shape) {
  Impl& m = *impl_;
  if (m.built) {
    if (input_shape != m.input_shape) {
      throw ShapeError(m.options.name + ": expected inputs of shape " + to_keras_string(m.input_shape) +
                       "; received " + to_keras_string(input_shape) + ".");
    }
    return;
  }
  if (m.layers.empty()) throw StateError(m.options.name + ": cannot build a model without layers.");
  Shape s = input_shape;
  for (auto& l : m.layers) s = l->build(s, m.rng);
  m.params_dirty = true;
  m.input_shape = input_shape;
  m.output_shape = s;
  m.built = true;
}

void Sequential::compile(const Optimizer& optimizer, const std::string& loss, const std::vector<std::string>& metrics) {
  compile(optimizer, LossSpec{.name = loss}, metrics);
}

void Sequential::compile(const Optimizer& optimizer, const LossSpec& loss, const std::vector<std::string>& metrics) {
  Impl& m = *impl_;
  m.loss = resolve_loss(loss);
  m.label_smoothing = loss.label_smoothing;
  m.optimizer = optimizer.clone();
  m.metrics.clear();
  for (const auto& name : metrics) {
    const int64_t units = m.built && !m.output_shape.empty() ? m.output_shape.back() : 0;
    m.metrics.push_back(resolve_metric(name, m.loss, units));
  }
  m.compiled = true;
}

bool Sequential::compiled() const { return impl_->compiled; }

std::vector<std::string> Sequential::metrics_names() const {
  std::vector<std::string> names{"loss"};
  for (const auto& mt : impl_->metrics) names.push_back(mt.name);
  return names;
}

std::vector<Tensor> Sequential::get_weights() const {
  std::vector<Tensor> out;
  for (const auto& l : impl_->layers) {
    for (const Param* p : std::as_const(*l).params()) out.push_back(keras_value(*p));
  }
  return out;
}

std::vector<std::string> Sequential::weight_names() const {
  std::vector<std::string> out;
  for (const auto& l : impl_->layers) {
    for (const Param* p : std::as_const(*l).params()) out.push_back(l->name() + "/" + p->name + ":0");
  }
  return out;
}

void Sequential::set_weights(const std::vector<Tensor>& weights) {
  auto ps = params();
  if (weights.size() != ps.size()) {
    throw ShapeError(impl_->options.name + ".set_weights: expected " + std::to_string(ps.size()) +
                     " arrays (one per weight, as get_weights()); received " + std::to_string(weights.size()) + ".");
  }
  const auto names = weight_names();
  for (size_t i = 0; i < ps.size(); ++i) {
    if (weights[i].shape() != ps[i]->keras_shape) {
      throw ShapeError(impl_->options.name + ".set_weights: weight '" + names[i] + "' expected shape " +
                       to_string(ps[i]->keras_shape) + "; received " + to_string(weights[i].shape()) + ".");
    }
  }
  for (size_t i = 0; i < ps.size(); ++i) assign_keras_value(*ps[i], weights[i]);
}

const std::string& Sequential::name() const { return impl_->options.name; }

std::vector<Layer*> Sequential::layers() { return impl_->layer_ptrs(); }

std::vector<const Layer*> Sequential::layers() const {
  std::vector<const Layer*> out;
  for (const auto& l : impl_->layers) out.push_back(l.get());
  return out;
}

Layer& Sequential::layer(const std::string& name) {
  for (auto& l : impl_->layers) {
    if (l->name() == name) return *l;
  }
  throw ConfigError(impl_->options.name + ": no layer named '" + name + "'.");
}

std::vector<Param*> Sequential::params() { return impl_->param_list(); }

const std::vector<Param*>& Sequential::Impl::param_list() {
  if (params_dirty) {
    params_cache.clear();
    for (auto& l : layers) {
      for (Param* p : l->params()) params_cache.push_back(p);
    }
    params_dirty = false;
  }
  return params_cache;
}

bool Sequential::built() const { return impl_->built; }
const Shape& Sequential::input_shape() const { return impl_->input_shape; }
const Shape& Sequential::output_shape() const { return impl_->output_shape; }

int64_t Sequential::count_params() const {
  int64_t n = 0;
  for (const auto& l : impl_->layers) n += l->count_params();
  return n;
}

Optimizer& Sequential::optimizer() {
  impl_->require_compiled("optimizer()");
  return *impl_->optimizer;
}
const Optimizer& Sequential::optimizer() const {
  impl_->require_compiled("optimizer()");
  return *impl_->optimizer;
}
Loss Sequential::loss() const { return impl_->loss; }
LossSpec Sequential::loss_spec() const { return {to_string(impl_->loss), impl_->label_smoothing}; }
const std::vector<Metric>& Sequential::metrics() const { return impl_->metrics; }
void Sequential::set_conv_algorithm(ConvAlgorithm algorithm) {
  impl_->options.conv_algorithm = algorithm;
  impl_->invalidate_plans();
}
ConvAlgorithm Sequential::conv_algorithm() const { return impl_->options.conv_algorithm; }
uint64_t Sequential::seed() const { return impl_->options.seed; }
int64_t Sequential::epochs_completed() const { return impl_->epochs_completed; }
void Sequential::set_epochs_completed(int64_t epochs) { impl_->epochs_completed = epochs; }

std::vector<Layer*> Sequential::Impl::layer_ptrs() const {
  std::vector<Layer*> out;
  for (const auto& l : layers) out.push_back(l.get());
  return out;
}

void Sequential::Impl::require_compiled(const char* what) const {
  if (!compiled) {
    throw StateError(options.name + "." + what + ": the model is not compiled.\nHint: call compile(optimizer, loss, "
                     "metrics) first.");
  }
}

void Sequential::Impl::prepare_input(Sequential& model, const Tensor& x, const char* what) {
  if (x.rank() < 2 || x.dim(0) == 0) {
    throw ShapeError(options.name + "." + what + ": expected a non-empty batch [N, ...]; received " +
                     to_string(x.shape()) + ".");
  }
  const Shape per_sample(x.shape().begin() + 1, x.shape().end());
  if (!built) {
    model.build(per_sample);
    for (auto& mt : metrics) mt = resolve_metric(mt.name, loss, output_shape.back());
    return;
  }
  if (per_sample != input_shape) {
    throw ShapeError(options.name + "." + what + ": expected inputs " + to_keras_string(input_shape) +
                     "; received " + to_string(x.shape()) + ".");
  }
}

detail::NetPlan& Sequential::Impl::plan(int64_t batch, detail::Phase phase) {
  ++plan_clock;
  for (auto& c : plans) {
    if (c.batch == batch && c.phase == phase) {
      c.last_used = plan_clock;
      return *c.plan;
    }
  }
  if (plans.size() >= kMaxPlans) {
    auto lru = std::min_element(plans.begin(), plans.end(),
                                [](const CachedPlan& a, const CachedPlan& b) { return a.last_used < b.last_used; });
    plans.erase(lru);
  }
  // Planning may move a parameter into a blocked storage layout: bring any
  // optimizer state it already has (e.g. loaded from a model file) along.
  std::vector<std::pair<Param*, const detail::ParamLayout*>> before;
  for (auto& l : layers) {
    for (Param* p : l->params()) before.emplace_back(p, p->layout.get());
  }
  const auto algorithm = options.conv_algorithm == ConvAlgorithm::Direct ? dnnl::algorithm::convolution_direct
                                                                         : dnnl::algorithm::convolution_auto;
  auto p = std::make_unique<detail::NetPlan>(layer_ptrs(), input_shape, batch, phase, engine, false, algorithm);
  for (auto [param, old_layout] : before) {
    if (param->layout.get() == old_layout || !optimizer || !optimizer->has_slots(*param)) continue;
    for (Tensor& slot : optimizer->slots(*param)) slot = from_keras_layout(*param, slot);
  }
  plans.push_back({batch, phase, plan_clock, std::move(p)});
  return *plans.back().plan;
}

double Sequential::Impl::regularization(bool add_grads) {
  double total = 0;
  {
    for (Param* p : param_list()) {
      if (p->l2 == 0.0f) continue;
      double sq = 0;
      const float* w = p->value.data();
      for (int64_t i = 0; i < p->value.size(); ++i) sq += static_cast<double>(w[i]) * w[i];
      total += p->l2 * sq;
      if (add_grads) {
        float* g = p->grad.data();
        for (int64_t i = 0; i < p->value.size(); ++i) g[i] += 2.0f * p->l2 * w[i];
      }
    }
  }
  return total;
}

void set_num_threads(int threads) { omp_set_num_threads(threads > 0 ? threads : omp_get_num_procs()); }
int num_threads() { return omp_get_max_threads(); }

}  // namespace petal
