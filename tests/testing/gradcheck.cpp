// Finite-difference gradient checking through a one-layer network plan.
#include "testing/gradcheck.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "model/graph_plan.h"
#include "model/model_impl.h"
#include "petal/core/rng.h"

namespace petal::testing {

namespace {

// L = sum over outputs of sum(y * R) through a graph plan.
struct Harness {
  std::unique_ptr<detail::GraphPlan> plan;
  detail::StepContext step;
  std::vector<Tensor> xs, rs;  // inputs and the fixed random projections R of the outputs

  double loss() {
    std::vector<Tensor>& in = xs;
    plan->forward(TensorRefs(in), step);
    double l = 0;
    for (size_t o = 0; o < rs.size(); ++o) {
      const float* y = plan->output(o);
      for (int64_t i = 0; i < rs[o].size(); ++i) l += static_cast<double>(y[i]) * rs[o][i];
    }
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


// Checks every input and trainable parameter of the graph `nodes` (model inputs
// are the nodes without a layer) against central differences, after the add-into rule.
GradcheckResult gradcheck_nodes(const std::vector<detail::PlanNode>& nodes, const std::vector<int>& outputs,
                                const std::vector<Param*>& params, const GradcheckOptions& o, Rng& rng) {
  GradcheckResult res;
  // Non-trained state (batch-norm moving statistics) away from its 0/1 defaults.
  for (Param* p : params) {
    if (!p->trainable) {
      for (float& v : p->value.values()) v = static_cast<float>(rng.uniform(0.5, 1.5));
    }
  }
  dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  Harness h;
  h.plan = std::make_unique<detail::GraphPlan>(nodes, outputs, o.batch, o.phase, engine, /*input_grad=*/true,
                                               o.conv_algorithm);
  h.step.stream = dnnl::stream(engine);
  h.step.step = 7;
  for (const auto& n : nodes) {
    if (n.layer) continue;
    Tensor x(with_batch(o.batch, n.shape));
    if (o.distinct_inputs) {
      auto perm = rng.permutation(x.size());
      for (int64_t i = 0; i < x.size(); ++i) x[i] = o.input_scale * (static_cast<float>(perm[i]) / x.size() - 0.5f);
    } else {
      for (float& v : x.values()) v = o.input_scale * static_cast<float>(rng.uniform(-1, 1));
    }
    h.xs.push_back(std::move(x));
  }
  for (int out : outputs) {
    const Shape s = nodes[out].layer ? nodes[out].layer->output_shape() : nodes[out].shape;
    Tensor r({o.batch * num_elements(s)});
    for (float& v : r.values()) v = static_cast<float>(rng.uniform(-1, 1));
    h.rs.push_back(std::move(r));
  }
  const std::vector<char> pre(outputs.size(), 0);
  auto backward = [&](bool accumulate) {
    h.loss();
    for (size_t k = 0; k < h.rs.size(); ++k) std::copy(h.rs[k].data(), h.rs[k].data() + h.rs[k].size(), h.plan->output_grad(k));
    h.step.accumulate_grads = accumulate;
    h.plan->backward(h.step, pre);
  };
  backward(false);
  std::vector<Tensor> dxs;
  for (size_t i = 0; i < h.xs.size(); ++i) {
    dxs.emplace_back(h.xs[i].shape(), std::span<const float>(h.plan->input_grad(i), static_cast<size_t>(h.xs[i].size())));
  }
  std::vector<Tensor> grads;
  for (Param* p : params) grads.push_back(p->trainable ? p->grad : Tensor());

  // Add-into rule: grads pre-filled with G0 end as G0 + analytic.
  for (Param* p : params) {
    if (p->trainable) p->grad = Tensor(p->grad.shape(), 0.25f);
  }
  backward(true);
  for (size_t k = 0; k < params.size(); ++k) {
    if (!params[k]->trainable) continue;
    for (int64_t i = 0; i < params[k]->grad.size(); ++i) {
      if (std::fabs(params[k]->grad[i] - (0.25f + grads[k][i])) > 1e-4f * (1 + std::fabs(grads[k][i]))) {
        res.failure = "add-into rule broken for " + params[k]->name + "[" + std::to_string(i) + "]";
        return res;
      }
    }
  }
  for (size_t i = 0; i < h.xs.size(); ++i) {
    check_tensor(h, h.xs[i].data(), dxs[i].data(), h.xs[i].size(), "input " + std::to_string(i), o, rng, res);
  }
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

}  // namespace

GradcheckResult gradcheck(Layer& layer, const Shape& input_shape, const GradcheckOptions& o) {
  Rng rng(o.seed);
  layer.build(input_shape, rng);
  const std::vector<detail::PlanNode> nodes{{.layer = nullptr, .inputs = {}, .shape = input_shape, .layer_id = -1},
                                            {.layer = &layer, .inputs = {0}, .shape = {}, .layer_id = 0}};
  return gradcheck_nodes(nodes, {1}, layer.params(), o, rng);
}

GradcheckResult gradcheck_model(Model& model, const GradcheckOptions& o) {
  Rng rng(o.seed);
  const Model::Impl& m = model.impl();
  return gradcheck_nodes(m.nodes, m.output_nodes, model.params(), o, rng);
}

}  // namespace petal::testing
