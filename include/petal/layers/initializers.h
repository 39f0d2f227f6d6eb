// Weight initializers with Keras names and Keras 2 formulas (VarianceScaling family).
#pragma once

#include <string>
#include <string_view>

#include "petal/core/rng.h"
#include "petal/core/shape.h"
#include "petal/core/tensor.h"

namespace petal {

enum class Initializer { GlorotUniform, GlorotNormal, HeNormal, HeUniform, Zeros, Ones };

Initializer initializer_from_string(std::string_view name);
std::string to_string(Initializer init);

// Fills a tensor of Keras-shaped weights: [kh, kw, in, out] for convolutions,
// [in, out] for dense kernels, [n] for vectors. fan_in/fan_out follow Keras:
// receptive field times input / output channels. Normal variants are truncated
// at two standard deviations with Keras's 0.87962566 correction.
Tensor initialize(Initializer init, const Shape& shape, Rng& rng);

}  // namespace petal
