// Tensor storage and element access.
#include "petal/core/tensor.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>

#include "petal/core/error.h"

namespace petal {

namespace {
constexpr std::align_val_t kAlign{64};
}

void Tensor::Free::operator()(float* p) const { ::operator delete[](p, kAlign); }

std::unique_ptr<float[], Tensor::Free> Tensor::allocate(int64_t n) {
  if (n == 0) return nullptr;
  auto* p = static_cast<float*>(::operator new[](static_cast<size_t>(n) * sizeof(float), kAlign));
  return std::unique_ptr<float[], Free>(p);
}

Tensor::Tensor() : shape_{0} {}

Tensor::Tensor(Shape shape) : Tensor(std::move(shape), 0.0f) {}

Tensor::Tensor(Shape shape, float fill)
    : shape_(std::move(shape)), size_(num_elements(shape_)), data_(allocate(size_)) {
  std::fill_n(data_.get(), size_, fill);
}

Tensor::Tensor(Shape shape, std::span<const float> values)
    : shape_(std::move(shape)), size_(num_elements(shape_)), data_(allocate(size_)) {
  if (static_cast<int64_t>(values.size()) != size_) {
    throw ShapeError("Tensor: shape " + to_string(shape_) + " needs " + std::to_string(size_) +
                     " values; received " + std::to_string(values.size()) + ".");
  }
  if (size_) std::memcpy(data_.get(), values.data(), size_ * sizeof(float));
}

Tensor::Tensor(Shape shape, std::initializer_list<float> values)
    : Tensor(std::move(shape), std::span<const float>(values.begin(), values.size())) {}

Tensor::Tensor(const Tensor& other)
    : shape_(other.shape_), size_(other.size_), data_(allocate(other.size_)) {
  if (size_) std::memcpy(data_.get(), other.data_.get(), size_ * sizeof(float));
}

Tensor& Tensor::operator=(const Tensor& other) {
  if (this == &other) return *this;
  if (size_ != other.size_) data_ = allocate(other.size_);
  shape_ = other.shape_;
  size_ = other.size_;
  if (size_) std::memcpy(data_.get(), other.data_.get(), size_ * sizeof(float));
  return *this;
}

Tensor::Tensor(Tensor&& other) noexcept
    : shape_(std::move(other.shape_)), size_(other.size_), data_(std::move(other.data_)) {
  other.shape_ = {0};
  other.size_ = 0;
}

Tensor& Tensor::operator=(Tensor&& other) noexcept {
  shape_ = std::move(other.shape_);
  size_ = other.size_;
  data_ = std::move(other.data_);
  other.shape_ = {0};
  other.size_ = 0;
  return *this;
}

int64_t Tensor::dim(int i) const {
  const int r = rank();
  const int j = i < 0 ? i + r : i;
  if (j < 0 || j >= r) {
    throw ShapeError("Tensor::dim(" + std::to_string(i) + "): out of range for shape " +
                     to_string(shape_) + ".");
  }
  return shape_[j];
}

int64_t Tensor::offset_of(std::initializer_list<int64_t> index) const {
  if (static_cast<int>(index.size()) != rank()) {
    throw ShapeError("Tensor::at: expected " + std::to_string(rank()) + " indices for shape " +
                     to_string(shape_) + "; received " + std::to_string(index.size()) + ".");
  }
  int64_t off = 0;
  int d = 0;
  for (int64_t i : index) {
    if (i < 0 || i >= shape_[d]) {
      throw ShapeError("Tensor::at: index " + std::to_string(i) + " out of range for axis " +
                       std::to_string(d) + " of shape " + to_string(shape_) + ".");
    }
    off = off * shape_[d] + i;
    ++d;
  }
  return off;
}

float& Tensor::at(std::initializer_list<int64_t> index) { return data_[offset_of(index)]; }
float Tensor::at(std::initializer_list<int64_t> index) const { return data_[offset_of(index)]; }

void Tensor::fill(float value) { std::fill_n(data_.get(), size_, value); }

Tensor Tensor::reshaped(Shape shape) const& {
  Tensor copy(*this);
  return std::move(copy).reshaped(std::move(shape));
}

Tensor Tensor::reshaped(Shape shape) && {
  if (num_elements(shape) != size_) {
    throw ShapeError("Tensor::reshaped: cannot reshape " + to_string(shape_) + " (" +
                     std::to_string(size_) + " elements) to " + to_string(shape) + ".");
  }
  shape_ = std::move(shape);
  return std::move(*this);
}

int64_t Tensor::row_size() const {
  if (rank() == 0) throw ShapeError("Tensor::row_size: a scalar has no rows.");
  return shape_[0] == 0 ? num_elements(Shape(shape_.begin() + 1, shape_.end())) : size_ / shape_[0];
}

Tensor Tensor::slice(int64_t begin, int64_t end) const {
  if (rank() == 0 || begin < 0 || end < begin || end > shape_[0]) {
    throw ShapeError("Tensor::slice: rows [" + std::to_string(begin) + ", " + std::to_string(end) +
                     ") out of range for shape " + to_string(shape_) + ".");
  }
  Shape s = shape_;
  s[0] = end - begin;
  const int64_t row = row_size();
  return Tensor(std::move(s), std::span<const float>(data_.get() + begin * row, (end - begin) * row));
}

Tensor Tensor::gather(std::span<const int64_t> rows) const {
  Shape s = shape_;
  s[0] = static_cast<int64_t>(rows.size());
  Tensor out(std::move(s));
  const int64_t row = row_size();
  for (size_t i = 0; i < rows.size(); ++i) {
    if (rows[i] < 0 || rows[i] >= shape_[0]) {
      throw ShapeError("Tensor::gather: row " + std::to_string(rows[i]) + " out of range for shape " +
                       to_string(shape_) + ".");
    }
    std::memcpy(out.data() + i * row, data_.get() + rows[i] * row, row * sizeof(float));
  }
  return out;
}

Tensor concatenate(std::span<const Tensor> parts) {
  if (parts.empty()) return Tensor();
  Shape s = parts[0].shape();
  int64_t rows = 0;
  for (const Tensor& p : parts) {
    if (p.rank() != static_cast<int>(s.size()) ||
        !std::equal(s.begin() + 1, s.end(), p.shape().begin() + 1)) {
      throw ShapeError("concatenate: trailing shapes differ: " + to_string(s) + " vs " +
                       to_string(p.shape()) + ".");
    }
    rows += p.dim(0);
  }
  s[0] = rows;
  Tensor out(std::move(s));
  float* dst = out.data();
  for (const Tensor& p : parts) {
    if (p.size()) std::memcpy(dst, p.data(), p.size() * sizeof(float));
    dst += p.size();
  }
  return out;
}

float max_abs_diff(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) {
    throw ShapeError("max_abs_diff: shapes differ: " + to_string(a.shape()) + " vs " +
                     to_string(b.shape()) + ".");
  }
  float m = 0;
  for (int64_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

}  // namespace petal
