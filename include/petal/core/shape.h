// Shapes of tensors: a list of dimensions, outermost first (NHWC for images).
// Helpers format shapes the way error messages and summary() print them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace petal {

using Shape = std::vector<int64_t>;

// Product of the dimensions (1 for a scalar shape []).
int64_t num_elements(const Shape& shape);

// "[32, 64, 64, 3]"
std::string to_string(const Shape& shape);

// Keras's summary form with an unknown batch: "(None, 64, 64, 3)".
std::string to_keras_string(const Shape& shape_without_batch);

// Shape with a batch dimension prepended.
Shape with_batch(int64_t batch, const Shape& shape);

}  // namespace petal
