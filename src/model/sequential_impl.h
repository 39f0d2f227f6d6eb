// Sequential's private state, shared by the files that implement its methods
// (model, batch steps, training loops, saving).
#pragma once

#include <map>
#include <memory>
#include <vector>

#include "model/gradient_hook.h"
#include "model/net_plan.h"
#include "petal/model/sequential.h"

namespace petal {

struct Sequential::Impl {
  SequentialOptions options;
  std::vector<std::unique_ptr<Layer>> layers;
  std::map<std::string, int> name_counts;
  Rng rng;
  Shape input_shape, output_shape;
  bool built = false;

  std::unique_ptr<Optimizer> optimizer;
  Loss loss = Loss::CategoricalCrossentropy;
  double label_smoothing = 0.0;  // LossSpec::label_smoothing
  std::vector<Metric> metrics;
  bool compiled = false;
  int64_t epochs_completed = 0;
  // Data-parallel training: averages gradients over ranks (null: one process).
  std::shared_ptr<detail::GradientHook> grad_hook;

  bool profiling = false;
  Sequential::StepProfile profile;  // sums; divided by steps when read

  dnnl::engine engine = detail::cpu_engine();
  dnnl::stream stream{engine};

  // Plans by (batch, phase), least recently used evicted beyond kMaxPlans.
  struct CachedPlan {
    int64_t batch;
    detail::Phase phase;
    uint64_t last_used;
    std::unique_ptr<detail::NetPlan> plan;
  };
  static constexpr size_t kMaxPlans = 4;
  std::vector<CachedPlan> plans;
  uint64_t plan_clock = 0;

  explicit Impl(SequentialOptions o) : options(std::move(o)), rng(options.seed) {}

  detail::NetPlan& plan(int64_t batch, detail::Phase phase);
  void invalidate_plans() { plans.clear(); }
  std::vector<Layer*> layer_ptrs() const;
  // Every parameter in layer order, cached: the training step must not allocate.
  const std::vector<Param*>& param_list();
  std::vector<Param*> params_cache;
  bool params_dirty = true;
  // Throws StateError naming `what` when compile() has not been called.
  void require_compiled(const char* what) const;
  // Builds from x's per-sample shape when needed; checks x's shape otherwise.
  void prepare_input(Sequential& model, const Tensor& x, const char* what);
  // Regularisation: adds l2 terms into grads (when add_grads) and returns the loss term.
  double regularization(bool add_grads);
};

// Per-sample weights from sample_weight [N] and class_weight (empty = none).
std::vector<float> combine_weights(const Tensor& y, Loss loss, const Tensor& sample_weight,
                                   const ClassWeights& class_weight, int64_t n);

}  // namespace petal
