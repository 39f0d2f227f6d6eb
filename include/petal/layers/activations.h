// Activation functions by Keras name, shared by Activation, Conv2D and Dense.
#pragma once

#include <string>
#include <string_view>

namespace petal {

enum class ActivationFn { Linear, Relu, Softmax, Sigmoid, Tanh, Elu, LeakyRelu, Relu6, Swish, HardSigmoid, Gelu };

// "relu" -> ActivationFn::Relu; throws ConfigError listing the known names.
// "silu" is a synonym of "swish" (x * sigmoid(x)); "hard_sigmoid" is Keras 2's
// clip(0.2 x + 0.5, 0, 1) (Keras 3, hence tf.keras from TF 2.16, changed it to
// relu6(x + 3) / 6); "gelu" is the exact erf form (tf.keras's approximate=False).
ActivationFn activation_from_string(std::string_view name);
std::string to_string(ActivationFn a);

// relu and relu6: the activations that clamp to [0, upper] (upper infinite or
// 6), which a batch norm or an Add can run inside its own loop.
inline bool is_clamp(ActivationFn a) { return a == ActivationFn::Relu || a == ActivationFn::Relu6; }

// Slope for negative inputs of leaky_relu (Keras 3's keras.activations.leaky_relu default).
inline constexpr float kLeakyReluSlope = 0.2f;

}  // namespace petal
