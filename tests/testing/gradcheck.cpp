// Finite-difference gradient checking through a one-layer network plan.
#include "testing/gradcheck.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "model/net_plan.h"
#include "petal/core/rng.h"

namespace petal::testing {

namespace {

struct Harness {
  std::unique_ptr<detail::NetPlan> plan;
  detail::StepContext step;
  Tensor x, r;  // input and the fixed random projection R of the output
  int64_t out_size = 0;

  double loss() {
    const float* y = plan->forward(x, step);
    double l = 0;
    for (int64_t i = 0; i < out_size; ++i) l += static_cast<double>(y[i]) * r[i];
    return l;
  }
};

std::vector<int64_t> coords(int64_t n, int max, Rng& rng) {
  std::vector<int64_t> c;
  if (n <= max) {
    for (int64_t i = 0; i < n; ++i) c.push_back(i);
  } else {
    for (int i = 0; i < max; ++i) c.push_back(static_cast<int64_t>(rng.below(static_cast<uint64_t>(n))));
  }
  return c;
}

// Checks analytic[i] against central differences of h.loss() in `values`.
void check_tensor(Harness& h, float* values, const float* analytic, int64_t n, const std::string& what,
                  const GradcheckOptions& o, Rng& rng, GradcheckResult& res) {
  for (int64_t i : coords(n, o.max_coords, rng)) {
    const float saved = values[i];
    const double l0 = h.loss();
    values[i] = saved + static_cast<float>(o.eps);
    const double lp = h.loss();
    values[i] = saved - static_cast<float>(o.eps);
    const double lm = h.loss();
    values[i] = saved;
    const double e = (static_cast<double>(saved + static_cast<float>(o.eps)) - saved);
    const double fwd = (lp - l0) / e, bwd = (l0 - lm) / e;
    if (std::fabs(fwd - bwd) > 0.1 * std::max(std::fabs(fwd), std::fabs(bwd)) + 10 * o.atol) {
      ++res.skipped_kinks;
      continue;
    }
    const double numeric = (lp - lm) / (2 * e);
    const double a = analytic[i];
    const double ratio = std::fabs(numeric - a) / (o.atol + o.rtol * std::fabs(a));
    ++res.checked;
    if (ratio > res.worst) {
      res.worst = ratio;
      std::ostringstream s;
      s << what << "[" << i << "]: numeric " << numeric << " vs analytic " << a;
      res.worst_where = s.str();
    }
  }
}

}  // namespace

GradcheckResult gradcheck(Layer& layer, const Shape& input_shape, const GradcheckOptions& o) {
  GradcheckResult res;
  Rng rng(o.seed);
  layer.build(input_shape, rng);
  // Non-trained state (batch-norm moving statistics) away from its 0/1 defaults.
  for (Param* p : layer.params()) {
    if (!p->trainable) {
      for (float& v : p->value.values()) v = static_cast<float>(rng.uniform(0.5, 1.5));
    }
  }
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  Harness h;
  h.plan = std::make_unique<detail::NetPlan>(std::vector<Layer*>{&layer}, input_shape, o.batch, o.phase, engine,
                                             /*input_grad=*/true);
  h.step.stream = dnnl::stream(engine);
  h.step.step = 7;
  h.x = Tensor(with_batch(o.batch, input_shape));
  if (o.distinct_inputs) {
    auto perm = rng.permutation(h.x.size());
    for (int64_t i = 0; i < h.x.size(); ++i) h.x[i] = o.input_scale * (static_cast<float>(perm[i]) / h.x.size() - 0.5f);
  } else {
    for (float& v : h.x.values()) v = o.input_scale * static_cast<float>(rng.uniform(-1, 1));
  }
  h.out_size = o.batch * num_elements(layer.output_shape());
  h.r = Tensor({h.out_size});
  for (float& v : h.r.values()) v = static_cast<float>(rng.uniform(-1, 1));

  // Analytic gradients, overwrite mode.
  auto backward = [&](bool accumulate) {
    h.loss();
    std::copy(h.r.data(), h.r.data() + h.out_size, h.plan->output_grad());
    h.step.accumulate_grads = accumulate;
    h.plan->backward(h.step);
  };
  backward(false);
  const Tensor dx(h.x.shape(), std::span<const float>(h.plan->input_grad(), static_cast<size_t>(h.x.size())));
  std::vector<Tensor> grads;
  for (Param* p : layer.params()) grads.push_back(p->trainable ? p->grad : Tensor());

  // Add-into rule: grads pre-filled with G0 end as G0 + analytic.
  std::vector<Tensor> g0;
  for (Param* p : layer.params()) {
    g0.push_back(p->trainable ? Tensor(p->grad.shape(), 0.25f) : Tensor());
    if (p->trainable) p->grad = g0.back();
  }
  backward(true);
  auto params = layer.params();
  for (size_t k = 0; k < params.size(); ++k) {
    if (!params[k]->trainable) continue;
    for (int64_t i = 0; i < params[k]->grad.size(); ++i) {
      if (std::fabs(params[k]->grad[i] - (0.25f + grads[k][i])) > 1e-4f * (1 + std::fabs(grads[k][i]))) {
        res.failure = "add-into rule broken for " + params[k]->name + "[" + std::to_string(i) + "]";
        return res;
      }
    }
  }

  check_tensor(h, h.x.data(), dx.data(), h.x.size(), "input", o, rng, res);
  for (size_t k = 0; k < params.size(); ++k) {
    if (params[k]->trainable) {
      check_tensor(h, params[k]->value.data(), grads[k].data(), params[k]->value.size(), params[k]->name, o, rng, res);
    }
  }
  if (res.worst > 1.0) res.failure = "gradient mismatch at " + res.worst_where;
  if (res.checked == 0) res.failure = "no coordinate could be checked";
  if (res.skipped_kinks > res.checked) res.failure = "too many kinks skipped (" + std::to_string(res.skipped_kinks) + ")";
  return res;
}

}  // namespace petal::testing
