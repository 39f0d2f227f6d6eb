// The plan of a plain chain of layers (each feeding the next): a graph plan
// with a single-input, single-output interface, for layer tests and tools.
#pragma once

#include <functional>
#include <vector>

#include "model/graph_plan.h"

namespace petal::detail {

class NetPlan {
 public:
  NetPlan(const std::vector<Layer*>& layers, const Shape& input_shape, int64_t batch, Phase phase,
          const dnnl::engine& engine, bool input_grad = false,
          dnnl::algorithm conv_algorithm = dnnl::algorithm::convolution_direct);

  int64_t batch() const { return graph_.batch(); }
  Phase phase() const { return graph_.phase(); }
  // Runs the chain on x [batch, ...input_shape]; the plain output, valid until the next call.
  const float* forward(const Tensor& x, StepContext& step);
  float* output_grad() { return graph_.output_grad(0); }
  // Backward from output_grad() (step.pre_activation_grad applies to the last
  // layer); layer_done(i) once layer i's parameter gradients are final.
  void backward(StepContext& step, const std::function<void(size_t)>& layer_done = {});
  const float* input_grad() const { return graph_.input_grad(0); }
  bool ends_in_softmax() const { return graph_.ends_in_softmax(0); }
  bool ends_in_sigmoid() const { return graph_.ends_in_sigmoid(0); }
  GraphPlan& graph() { return graph_; }

 private:
  GraphPlan graph_;
};

}  // namespace petal::detail
