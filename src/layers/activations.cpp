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
  if (name == "relu6") return ActivationFn::Relu6;
  if (name == "swish" || name == "silu") return ActivationFn::Swish;
  if (name == "hard_sigmoid") return ActivationFn::HardSigmoid;
  if (name == "gelu") return ActivationFn::Gelu;
  throw ConfigError("unknown activation '" + std::string(name) +
                    "'; expected one of linear, relu, softmax, sigmoid, tanh, elu, leaky_relu, relu6, swish, silu, "
                    "hard_sigmoid, gelu.");
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
    case ActivationFn::Relu6: return "relu6";
    case ActivationFn::Swish: return "swish";
    case ActivationFn::HardSigmoid: return "hard_sigmoid";
    case ActivationFn::Gelu: return "gelu";
  }
  return "?";
}

}  // namespace petal
