// PyTorch parity helpers: reference runs and the per-tensor checks.
#include "testing/parity.h"

#include <gtest/gtest.h>

#include <cmath>

#include "testing/python.h"

namespace petal::testing {

double rel_error(const Tensor& a, const Tensor& b) {
  double diff = 0, scale = 0;
  for (int64_t i = 0; i < a.size(); ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    diff += d * d;
    scale += static_cast<double>(b[i]) * b[i];
  }
  return scale > 0 ? std::sqrt(diff / scale) : std::sqrt(diff);
}

NamedArrays run_reference(Model& model, const Tensor& x, const Tensor& y, double lr, double momentum, bool nesterov,
                          const std::string& script, const std::string& dir, NamedArrays extra) {
  NamedArrays in{{"x", NpyArray::from_tensor(x)}, {"y", NpyArray::from_tensor(y)}};
  const double settings[] = {lr, momentum, nesterov ? 1.0 : 0.0};
  const char* names[] = {"lr", "momentum", "nesterov"};
  for (int i = 0; i < 3; ++i) in.emplace_back(names[i], NpyArray::from_float64({1}, std::span<const double>(&settings[i], 1)));
  const auto weight_names = model.weight_names();
  const auto before = model.get_weights();
  for (size_t i = 0; i < before.size(); ++i) in.emplace_back(weight_names[i], NpyArray::from_tensor(before[i]));
  for (auto& e : extra) in.push_back(std::move(e));
  save_npz(dir + "/in.npz", in);
  std::string log;
  if (run_python(script, dir + "/in.npz " + dir + "/out.npz", log) != 0) {
    ADD_FAILURE() << script << " failed:\n" << log;
    return {};
  }
  return load_npz(dir + "/out.npz");
}

void check_step(Model& model, const Tensor& x, const Tensor& y, const NamedArrays& reference,
                const std::function<void(const Tensor&, const std::string&)>& check) {
  auto get = [&](const std::string& name) { return find_array(reference, "f64/" + name, "torch reference").to_tensor(); };
  const auto weight_names = model.weight_names();
  const Logs logs = model.train_on_batch(x, y);
  EXPECT_NEAR(logs.at("loss"), get("loss")[0], 1e-4 * std::fabs(get("loss")[0]));
  const auto params = model.params();
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i]->trainable) check(to_keras_layout(*params[i], params[i]->grad), "grad/" + weight_names[i]);
  }
  const auto after = model.get_weights();
  for (size_t i = 0; i < after.size(); ++i) check(after[i], "after/" + weight_names[i]);
  const Logs eval = model.test_on_batch(x, y);
  EXPECT_NEAR(eval.at("loss"), get("eval_loss")[0], 1e-4 * std::fabs(get("eval_loss")[0]));
  check(model.predict_on_batch(x), "eval_probs");
}

std::function<void(const Tensor&, const std::string&)> relative_check(const NamedArrays& reference, double floor,
                                                                       double factor, double* worst_petal,
                                                                       double* worst_torch) {
  return [&reference, floor, factor, worst_petal, worst_torch](const Tensor& got, const std::string& name) {
    const Tensor want = find_array(reference, "f64/" + name, "torch reference").to_tensor();
    const Tensor want32 = find_array(reference, "f32/" + name, "torch reference").to_tensor();
    const double err = rel_error(got, want), torch32 = rel_error(want32, want);
    EXPECT_LT(err, std::max(floor, factor * torch32)) << name << ": petal " << err << ", PyTorch float32 " << torch32;
    if (worst_petal) *worst_petal = std::max(*worst_petal, err);
    if (worst_torch) *worst_torch = std::max(*worst_torch, torch32);
  };
}

}  // namespace petal::testing
