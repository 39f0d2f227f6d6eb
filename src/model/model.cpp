// Model: compile, weights, accessors and the plan cache.
#include "petal/model/model.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>

#include "model/model_impl.h"
#include "petal/core/error.h"

namespace petal {

Model::Impl::Impl(ModelOptions o) : options(std::move(o)), rng(options.seed) {
  if (const char* env = std::getenv("PETAL_CONV_ALGORITHM")) {
    const std::string v = env;
    if (v == "direct") options.conv_algorithm = ConvAlgorithm::Direct;
    else if (v == "auto") options.conv_algorithm = ConvAlgorithm::Auto;
    else if (v == "winograd") options.conv_algorithm = ConvAlgorithm::Winograd;
    else throw ConfigError("PETAL_CONV_ALGORITHM: expected 'direct', 'auto' or 'winograd'; received '" + v + "'.");
  }
}

Model::Model(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Model::~Model() = default;
Model::Model(Model&&) noexcept = default;
Model& Model::operator=(Model&&) noexcept = default;

void Model::compile(const Optimizer& optimizer, const LossSpec& loss, const std::vector<std::string>& metrics,
                    const CompileOptions& options) {
  const size_t outputs = impl_->built ? impl_->output_nodes.size() : 1;
  compile(optimizer, std::vector<LossSpec>(outputs, loss), metrics, options);
}

void Model::compile(const Optimizer& optimizer, const std::vector<LossSpec>& losses,
                    const std::vector<std::string>& metrics, const CompileOptions& options) {
  Impl& m = *impl_;
  const size_t outputs = m.built ? m.output_nodes.size() : 1;
  if (losses.size() != outputs) {
    throw ConfigError(name() + ".compile: expected one loss per output (" + std::to_string(outputs) + "); received " +
                      std::to_string(losses.size()) + ".");
  }
  std::vector<double> weights = options.loss_weights.empty() ? std::vector<double>(outputs, 1.0) : options.loss_weights;
  if (weights.size() != outputs) {
    throw ConfigError(name() + ".compile: expected one loss weight per output (" + std::to_string(outputs) +
                      "); received " + std::to_string(weights.size()) + ".");
  }
  std::vector<Loss> resolved;
  std::vector<double> smoothing;
  for (const LossSpec& l : losses) {
    resolved.push_back(resolve_loss(l));
    smoothing.push_back(l.label_smoothing);
  }
  m.losses = std::move(resolved);
  m.label_smoothing = std::move(smoothing);
  m.loss_weights = std::move(weights);
  m.optimizer = optimizer.clone();
  m.metric_names = metrics;
  m.resolve_metrics();
  m.compiled = true;
}

void Model::Impl::resolve_metrics() {
  metrics.assign(losses.size(), {});
  for (size_t o = 0; o < losses.size(); ++o) {
    const int64_t units = built && !node_shape(output_nodes[o]).empty() ? node_shape(output_nodes[o]).back() : 0;
    for (const auto& name : metric_names) metrics[o].push_back(resolve_metric(name, losses[o], units));
  }
}

bool Model::compiled() const { return impl_->compiled; }

std::vector<std::string> Model::output_names() const {
  std::vector<std::string> out;
  for (int o : impl_->output_nodes) out.push_back(impl_->node_layers[o]->name());
  return out;
}

std::vector<std::string> Model::metrics_names() const {
  const Impl& m = *impl_;
  std::vector<std::string> names{"loss"};
  if (m.metrics.size() <= 1) {
    for (const auto& mt : m.metrics.empty() ? std::vector<Metric>{} : m.metrics[0]) names.push_back(mt.name);
    return names;
  }
  const auto outs = output_names();
  for (const auto& o : outs) names.push_back(o + "_loss");
  for (size_t o = 0; o < m.metrics.size(); ++o) {
    for (const auto& mt : m.metrics[o]) names.push_back(outs[o] + "_" + mt.name);
  }
  return names;
}

std::vector<Tensor> Model::get_weights() const {
  std::vector<Tensor> out;
  for (const auto& l : impl_->layers) {
    for (const Param* p : std::as_const(*l).params()) out.push_back(keras_value(*p));
  }
  return out;
}

std::vector<std::string> Model::weight_names() const {
  std::vector<std::string> out;
  for (const auto& l : impl_->layers) {
    for (const Param* p : std::as_const(*l).params()) out.push_back(l->name() + "/" + p->name + ":0");
  }
  return out;
}

void Model::set_weights(const std::vector<Tensor>& weights) {
  auto ps = params();
  if (weights.size() != ps.size()) {
    throw ShapeError(name() + ".set_weights: expected " + std::to_string(ps.size()) +
                     " arrays (one per weight, as get_weights()); received " + std::to_string(weights.size()) + ".");
  }
  const auto names = weight_names();
  for (size_t i = 0; i < ps.size(); ++i) {
    if (weights[i].shape() != ps[i]->keras_shape) {
      throw ShapeError(name() + ".set_weights: weight '" + names[i] + "' expected shape " +
                       to_string(ps[i]->keras_shape) + "; received " + to_string(weights[i].shape()) + ".");
    }
  }
  for (size_t i = 0; i < ps.size(); ++i) assign_keras_value(*ps[i], weights[i]);
}

const std::string& Model::name() const { return impl_->options.name; }
std::vector<Layer*> Model::layers() { return impl_->layer_ptrs(); }

std::vector<const Layer*> Model::layers() const {
  std::vector<const Layer*> out;
  for (const auto& l : impl_->layers) out.push_back(l.get());
  return out;
}

Layer& Model::layer(const std::string& name) {
  for (auto& l : impl_->layers) {
    if (l->name() == name) return *l;
  }
  throw ConfigError(impl_->options.name + ": no layer named '" + name + "'.");
}

std::vector<Param*> Model::params() { return impl_->param_list(); }

const std::vector<Param*>& Model::Impl::param_list() {
  if (params_dirty) {
    params_cache.clear();
    for (auto& l : layers) {
      for (Param* p : l->params()) params_cache.push_back(p);
    }
    params_dirty = false;
  }
  return params_cache;
}

bool Model::built() const { return impl_->built; }
bool Model::is_sequential() const { return impl_->sequential; }

Shape Model::Impl::node_shape(int node) const {
  return nodes[node].layer ? nodes[node].layer->output_shape() : nodes[node].shape;
}

const Shape& Model::input_shape() const {
  const Impl& m = *impl_;
  if (!m.built) return m.sequential_input_shape;
  return m.nodes[m.input_nodes[0]].shape;
}

const Shape& Model::output_shape() const {
  static const Shape none;
  const Impl& m = *impl_;
  if (!m.built) return none;
  const detail::PlanNode& n = m.nodes[m.output_nodes[0]];
  return n.layer ? n.layer->output_shape() : n.shape;
}

std::vector<Shape> Model::input_shapes() const {
  std::vector<Shape> out;
  for (int i : impl_->input_nodes) out.push_back(impl_->node_shape(i));
  return out;
}

std::vector<Shape> Model::output_shapes() const {
  std::vector<Shape> out;
  for (int o : impl_->output_nodes) out.push_back(impl_->node_shape(o));
  return out;
}

int64_t Model::count_params() const {
  int64_t n = 0;
  for (const auto& l : impl_->layers) n += l->count_params();
  return n;
}

Optimizer& Model::optimizer() {
  impl_->require_compiled("optimizer()");
  return *impl_->optimizer;
}
const Optimizer& Model::optimizer() const {
  impl_->require_compiled("optimizer()");
  return *impl_->optimizer;
}
Loss Model::loss() const { return impl_->losses.at(0); }
LossSpec Model::loss_spec() const { return LossSpec(to_string(impl_->losses.at(0)), impl_->label_smoothing.at(0)); }
std::vector<Loss> Model::losses() const { return impl_->losses; }
std::vector<double> Model::loss_weights() const { return impl_->loss_weights; }
const std::vector<Metric>& Model::metrics() const { return impl_->metrics.at(0); }
void Model::set_conv_algorithm(ConvAlgorithm algorithm) {
  impl_->options.conv_algorithm = algorithm;
  impl_->invalidate_plans();
}
ConvAlgorithm Model::conv_algorithm() const { return impl_->options.conv_algorithm; }
uint64_t Model::seed() const { return impl_->options.seed; }
int64_t Model::epochs_completed() const { return impl_->epochs_completed; }
void Model::set_epochs_completed(int64_t epochs) { impl_->epochs_completed = epochs; }
CallbackStates Model::callback_states() const {
  return impl_->callback_state_source ? impl_->callback_state_source() : impl_->callback_states;
}
void Model::set_callback_states(CallbackStates states) { impl_->callback_states = std::move(states); }

std::vector<Layer*> Model::Impl::layer_ptrs() const {
  std::vector<Layer*> out;
  for (const auto& l : layers) out.push_back(l.get());
  return out;
}

void Model::Impl::require_compiled(const char* what) const {
  if (!compiled) {
    throw StateError(options.name + "." + what + ": the model is not compiled.\nHint: call compile(optimizer, loss, "
                     "metrics) first.");
  }
}

double Model::Impl::regularization(bool add_grads) {
  double total = 0;
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
  return total;
}

void set_num_threads(int threads) { omp_set_num_threads(threads > 0 ? threads : omp_get_num_procs()); }
int num_threads() { return omp_get_max_threads(); }

}  // namespace petal
