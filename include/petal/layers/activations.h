// Activation functions by Keras name, shared by Activation, Conv2D and Dense.
#pragma once

#include <string>
#include <string_view>

namespace petal {

enum class ActivationFn { Linear, Relu, Softmax, Sigmoid, Tanh, Elu, LeakyRelu };

// "relu" -> ActivationFn::Relu; throws ConfigError listing the known names.
ActivationFn activation_from_string(std::string_view name);
std::string to_string(ActivationFn a);

// Slope for negative inputs of leaky_relu (Keras 3's keras.activations.leaky_relu default).
inline constexpr float kLeakyReluSlope = 0.2f;

}  // namespace petal
