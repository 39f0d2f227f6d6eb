// Optimizer state <-> Keras's optimizer_weights: Keras 2.2.4's order and names
// on writing; Keras 2.x and tf.keras layouts (slot-major groups) on reading.
#include <cmath>

#include "interop/keras_training.h"
#include "petal/core/error.h"

namespace petal::detail {

namespace {

bool ends_with(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// Slot `j` of a parameter in Keras layout, zeros when the optimizer has none.
Tensor slot_or_zeros(Optimizer& opt, const Param& p, size_t j, const Shape& zeros_shape) {
  if (opt.has_slots(p) && j < opt.slot_names().size()) return to_keras_layout(p, opt.slots(p)[j]);
  return Tensor(zeros_shape, 0.0f);
}

}  // namespace

KerasOptimizerWeights keras_optimizer_weights(Optimizer& opt, const std::vector<Param*>& trainable) {
  bool trained = opt.iterations() > 0;
  for (const Param* p : trainable) trained = trained || opt.has_slots(*p);
  KerasOptimizerWeights w;
  if (!trained) return w;
  const std::string cls = opt.name();
  if (cls == "SGD" || cls == "Adam") {  // Keras 2.2.4 saves iterations for these two only
    w.names.push_back(cls + "/iterations:0");
    w.values.push_back(Tensor(Shape{}, static_cast<float>(opt.iterations())));
    w.iterations = opt.iterations();
  }
  // Keras names each slot variable of the training function in creation order.
  size_t k = 0;
  auto add = [&](Tensor value) {
    w.names.push_back("training/" + cls + "/Variable" + (k ? "_" + std::to_string(k) : "") + ":0");
    w.values.push_back(std::move(value));
    ++k;
  };
  const size_t groups = cls == "Adam" ? 3 : 1;  // Adam: m, v, vhat; the others: one per weight
  for (size_t g = 0; g < groups; ++g) {
    for (const Param* p : trainable) {
      // Without amsgrad Keras 2.2.4 keeps a (1,) placeholder for vhat.
      const bool placeholder = cls == "Adam" && g == 2 && opt.slot_names().size() < 3;
      add(slot_or_zeros(opt, *p, g, placeholder ? Shape{1} : p->keras_shape));
    }
  }
  return w;
}

std::string set_keras_optimizer_weights(Optimizer& opt, const std::vector<Param*>& trainable,
                                        const KerasOptimizerWeights& w) {
  size_t start = 0;
  std::optional<int64_t> iterations;
  if (!w.names.empty()) {
    const bool counter = w.iterations.has_value() || ((ends_with(w.names[0], "iterations:0") ||
                                                       ends_with(w.names[0], "/iter:0")) && w.values[0].shape().empty());
    if (counter) {
      iterations = w.iterations ? *w.iterations : std::llround(w.values[0][0]);
      start = 1;
    }
  }
  const size_t m = w.names.size() - start, n = trainable.size(), s = opt.slot_names().size();
  if (n == 0 ? m != 0 : m % n != 0) {
    return "the file holds " + std::to_string(m) + " optimizer slot values for " + std::to_string(n) +
           " trainable weights";
  }
  const size_t groups = n ? m / n : 0;
  if (groups > 0 && groups < s) {
    return "the file holds " + std::to_string(groups) + " slot(s) per weight; petal's " + opt.name() + " needs " +
           std::to_string(s);
  }
  // Groups beyond petal's slots are state petal does not use (Keras's vhat
  // placeholders without amsgrad, SGD moments without momentum).
  const size_t used = groups > 0 ? s : 0;
  for (size_t j = 0; j < used; ++j) {
    for (size_t i = 0; i < n; ++i) {
      const Tensor& v = w.values[start + j * n + i];
      if (v.shape() != trainable[i]->keras_shape) {
        return "'" + w.names[start + j * n + i] + "' has shape " + to_string(v.shape()) + "; the weight it belongs to (" +
               trainable[i]->name + ") has shape " + to_string(trainable[i]->keras_shape);
      }
    }
  }
  for (size_t i = 0; i < n && used > 0; ++i) {
    auto& slots = opt.slots(*trainable[i]);
    for (size_t j = 0; j < used; ++j) slots[j] = from_keras_layout(*trainable[i], w.values[start + j * n + i]);
  }
  if (iterations) opt.set_iterations(*iterations);
  return "";
}

}  // namespace petal::detail
