// The generic layer tester's numeric half: central finite differences of
// L = sum(y * R) against the analytic backward, for the input and every
// trainable parameter, plus the add-into gradient rule.
#pragma once

#include <string>

#include "nn/layer_plan.h"
#include "petal/layers/layer.h"
#include "petal/model/model.h"

namespace petal::testing {

struct GradcheckOptions {
  int64_t batch = 2;
  detail::Phase phase = detail::Phase::Train;
  int max_coords = 16;   // coordinates checked per tensor (spread over it)
  double eps = 1e-2;     // finite-difference step
  double rtol = 2e-2, atol = 1e-3;
  uint64_t seed = 1;
  float input_scale = 1.0f;
  // Inputs with pairwise gaps > 2*eps (a shuffled ramp), to avoid pooling ties.
  bool distinct_inputs = false;
  // The convolutions' algorithm (convolution_winograd: petal's own, layer_plan.h).
  dnnl::algorithm conv_algorithm = dnnl::algorithm::convolution_direct;
};

struct GradcheckResult {
  int checked = 0;
  int skipped_kinks = 0;  // coordinates where one-sided differences disagree (ReLU kink)
  double worst = 0;       // worst |numeric - analytic| / (atol + rtol * |analytic|)
  std::string worst_where;
  std::string failure;    // non-empty when a check failed
};

// `layer` must be unbuilt; it is built for per-sample `input_shape`.
GradcheckResult gradcheck(Layer& layer, const Shape& input_shape, const GradcheckOptions& options = {});
// Every input and parameter of a built model's graph (merges, fan-out, shared
// layers, nested models): L = sum over outputs of sum(y * R).
GradcheckResult gradcheck_model(Model& model, const GradcheckOptions& options = {});

}  // namespace petal::testing
