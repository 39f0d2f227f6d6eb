// Activation names.
#include "petal/layers/activations.h"

#include "petal/core/error.h"

namespace petal {

ActivationFn activation_from_string(std::string_view name) {
  if (name == "linear" || name.empty() || name == "none") return ActivationFn::Linear;
  if (name == "relu") return ActivationFn::Relu;
  if (name == "softmax") return ActivationFn::Softmax;
  if (name == "sigmoid") return ActivationFn::Sigmoid;
  if (name == "tanh") return ActivationFn::Tanh;
  if (name == "elu") return ActivationFn::Elu;
  if (name == "leaky_relu") return ActivationFn::LeakyRelu;
  throw ConfigError("unknown activation '" + std::string(name) +
                    "'; expected one of linear, relu, softmax, sigmoid, tanh, elu, leaky_relu.");
}

std::string to_string(ActivationFn a) {
  switch (a) {
    case ActivationFn::Linear: return "linear";
    case ActivationFn::Relu: return "relu";
    case ActivationFn::Softmax: return "softmax";
    case ActivationFn::Sigmoid: return "sigmoid";
    case ActivationFn::Tanh: return "tanh";
    case ActivationFn::Elu: return "elu";
    case ActivationFn::LeakyRelu: return "leaky_relu";
  }
  return "?";
}

}  // namespace petal
