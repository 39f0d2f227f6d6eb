// A float32 tensor with value semantics, 64-byte aligned storage and a shape.
// The public layout is dense row-major; images are NHWC (Keras channels_last).
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <span>
#include <vector>

#include "petal/core/shape.h"

namespace petal {

class Tensor {
 public:
  // An empty tensor: shape [0], no storage.
  Tensor();
  // Zero-filled tensor of the given shape.
  explicit Tensor(Shape shape);
  Tensor(Shape shape, float fill);
  // Copies `values`; their count must equal the shape's element count.
  Tensor(Shape shape, std::span<const float> values);
  Tensor(Shape shape, std::initializer_list<float> values);

  Tensor(const Tensor& other);
  Tensor& operator=(const Tensor& other);
  Tensor(Tensor&& other) noexcept;
  Tensor& operator=(Tensor&& other) noexcept;
  ~Tensor() = default;

  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  // Dimension i; negative i counts from the end (dim(-1) is the last).
  int64_t dim(int i) const;
  int64_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  float* data() { return data_.get(); }
  const float* data() const { return data_.get(); }
  std::span<float> values() { return {data_.get(), static_cast<size_t>(size_)}; }
  std::span<const float> values() const { return {data_.get(), static_cast<size_t>(size_)}; }
  float& operator[](int64_t i) { return data_[i]; }
  float operator[](int64_t i) const { return data_[i]; }
  // Bounds-checked element access by multi-index.
  float& at(std::initializer_list<int64_t> index);
  float at(std::initializer_list<int64_t> index) const;

  void fill(float value);
  // Same data, new shape with the same element count.
  Tensor reshaped(Shape shape) const&;
  Tensor reshaped(Shape shape) &&;
  // Rows [begin, end) along axis 0, copied.
  Tensor slice(int64_t begin, int64_t end) const;
  // Rows picked by index along axis 0, copied (for shuffled batches).
  Tensor gather(std::span<const int64_t> rows) const;
  // Elements per row along axis 0 (size / dim(0)).
  int64_t row_size() const;

 private:
  struct Free {
    void operator()(float* p) const;
  };
  static std::unique_ptr<float[], Free> allocate(int64_t n);
  int64_t offset_of(std::initializer_list<int64_t> index) const;

  Shape shape_;
  int64_t size_ = 0;
  std::unique_ptr<float[], Free> data_;
};

// Rows of `parts` stacked along axis 0; all must share the trailing shape.
Tensor concatenate(std::span<const Tensor> parts);

// Largest absolute elementwise difference; shapes must match.
float max_abs_diff(const Tensor& a, const Tensor& b);

}  // namespace petal
