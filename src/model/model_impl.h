// Model's private state, shared by the files that implement its methods (graph,
// batch steps, training loops, saving, summary).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "model/gradient_hook.h"
#include "model/graph_plan.h"
#include "petal/model/model.h"

namespace petal {

struct Model::Impl {
  ModelOptions options;
  bool sequential = false;
  Rng rng;

  // The graph. layers: every distinct layer in Keras's order (InputLayers of a
  // functional model included); nodes: every call in topological order, a
  // model input being a node without layer (node_layers has its InputLayer).
  std::vector<std::shared_ptr<Layer>> layers;
  std::vector<detail::PlanNode> nodes;
  std::vector<Layer*> node_layers;
  std::vector<int> node_calls;  // which call of its layer each node is (0, 1, ...)
  std::vector<int> input_nodes, output_nodes;
  std::vector<KerasTensor> input_tensors, output_tensors;  // functional models
  bool built = false;

  // Sequential only: its layers before the input shape is known, and naming.
  Shape sequential_input_shape;
  std::map<std::string, int> name_counts;

  std::unique_ptr<Optimizer> optimizer;
  std::vector<Loss> losses{Loss::CategoricalCrossentropy};
  std::vector<double> loss_weights{1.0};
  std::vector<double> label_smoothing{0.0};  // per output (LossSpec::label_smoothing)
  std::vector<std::string> metric_names;  // as compile() received them
  std::vector<std::vector<Metric>> metrics{{}};  // resolved per output
  bool compiled = false;
  int64_t epochs_completed = 0;
  // Callback states: a running training loop's source (save() asks it), else
  // those read from the model file (src/train/callback_resume.*).
  std::function<CallbackStates()> callback_state_source;
  CallbackStates callback_states;
  // Data-parallel training: averages gradients over ranks (null: one process).
  std::shared_ptr<detail::GradientHook> grad_hook;

  bool profiling = false;
  Model::StepProfile profile;  // sums; divided by steps when read

  dnnl::engine engine = detail::cpu_engine();
  dnnl::stream stream{engine};

  // Plans by (batch, phase), least recently used evicted beyond kMaxPlans.
  struct CachedPlan {
    int64_t batch;
    detail::Phase phase;
    uint64_t last_used;
    std::unique_ptr<detail::GraphPlan> plan;
  };
  static constexpr size_t kMaxPlans = 4;
  std::vector<CachedPlan> plans;
  uint64_t plan_clock = 0;
  std::vector<char> pre_activation;  // per output, reused by every step

  explicit Impl(ModelOptions o);

  detail::GraphPlan& plan(int64_t batch, detail::Phase phase);
  void invalidate_plans() { plans.clear(); }
  std::vector<Layer*> layer_ptrs() const;
  // Every parameter in layer order, cached: the training step must not allocate.
  const std::vector<Param*>& param_list();
  std::vector<Param*> params_cache;
  bool params_dirty = true;
  // Throws StateError naming `what` when compile() has not been called.
  void require_compiled(const char* what) const;
  // Builds a Sequential from x's per-sample shape when needed; checks every
  // input's shape and count otherwise.
  void prepare_inputs(Model& model, const TensorRefs& x, const char* what);
  // Resolves the metrics per output once output widths are known.
  void resolve_metrics();
  // Regularisation: adds l2 terms into grads (when add_grads) and returns the loss term.
  double regularization(bool add_grads);
  // The graph of a Sequential chain once its input shape is known.
  void build_chain(const Shape& input_shape);
  Shape node_shape(int node) const;
};

// Per-sample weights from sample_weight [N] and class_weight (empty = none).
std::vector<float> combine_weights(const Tensor& y, Loss loss, const Tensor& sample_weight,
                                   const ClassWeights& class_weight, int64_t n);

}  // namespace petal
