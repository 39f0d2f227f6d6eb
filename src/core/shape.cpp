// Shape helpers.
#include "petal/core/shape.h"

#include "petal/core/error.h"

namespace petal {

int64_t num_elements(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0) throw ShapeError("num_elements: negative dimension in " + to_string(shape));
    n *= d;
  }
  return n;
}

std::string to_string(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

std::string to_keras_string(const Shape& shape) {
  std::string s = "(None";
  for (int64_t d : shape) s += ", " + std::to_string(d);
  return s + ")";
}

Shape with_batch(int64_t batch, const Shape& shape) {
  Shape out;
  out.reserve(shape.size() + 1);
  out.push_back(batch);
  out.insert(out.end(), shape.begin(), shape.end());
  return out;
}

}  // namespace petal
