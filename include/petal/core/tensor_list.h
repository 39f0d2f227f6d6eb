// A model's inputs, targets or outputs: one tensor per model input or output
// (Keras accepts an array or a list of arrays). A single tensor converts to and
// from a one-element list, so single-input code reads as before.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <utility>
#include <vector>

#include "petal/core/tensor.h"

namespace petal {

class TensorList {
 public:
  TensorList() = default;
  TensorList(Tensor tensor);  // NOLINT: implicit, a single array is a one-element list
  TensorList(std::initializer_list<Tensor> tensors) : tensors_(tensors) {}
  TensorList(std::vector<Tensor> tensors) : tensors_(std::move(tensors)) {}  // NOLINT

  size_t size() const { return tensors_.size(); }
  bool empty() const { return tensors_.empty(); }
  Tensor& operator[](size_t i) { return tensors_[i]; }
  const Tensor& operator[](size_t i) const { return tensors_[i]; }
  Tensor& front() { return tensors_.front(); }
  const Tensor& front() const { return tensors_.front(); }
  auto begin() { return tensors_.begin(); }
  auto end() { return tensors_.end(); }
  auto begin() const { return tensors_.begin(); }
  auto end() const { return tensors_.end(); }
  void push_back(Tensor t) { tensors_.push_back(std::move(t)); }
  const std::vector<Tensor>& tensors() const { return tensors_; }

  // The only tensor of a one-element list (ShapeError naming the count otherwise):
  // `Tensor p = model.predict(x);` for a single-output model.
  operator Tensor() const&;  // NOLINT
  operator Tensor() &&;      // NOLINT
  const Tensor& only(const char* what = "a single tensor") const;
  Tensor& only(const char* what = "a single tensor") { return const_cast<Tensor&>(std::as_const(*this).only(what)); }

  // Rows [begin, end) of every tensor.
  TensorList slice(int64_t begin, int64_t end) const;
  // Rows of the first tensor (0 when empty).
  int64_t rows() const { return tensors_.empty() || tensors_[0].rank() == 0 ? 0 : tensors_[0].dim(0); }

 private:
  std::vector<Tensor> tensors_;
};

}  // namespace petal
