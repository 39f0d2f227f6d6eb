// A non-owning list of tensors for arguments: a model's inputs or targets, one
// tensor per model input or output. A single tensor binds without a copy, so
// the single-input training step stays allocation-free.
#pragma once

#include <array>
#include <cstddef>
#include <functional>
#include <initializer_list>
#include <vector>

#include "petal/core/tensor.h"
#include "petal/core/tensor_list.h"

namespace petal {

class TensorRefs {
 public:
  TensorRefs() = default;
  TensorRefs(const Tensor& tensor) { push(&tensor); }  // NOLINT: implicit, one array
  TensorRefs(const TensorList& list) {                 // NOLINT
    for (const Tensor& t : list) push(&t);
  }
  TensorRefs(const std::vector<Tensor>& tensors) {  // NOLINT
    for (const Tensor& t : tensors) push(&t);
  }
  TensorRefs(std::initializer_list<std::reference_wrapper<const Tensor>> tensors) {
    for (const Tensor& t : tensors) push(&t);
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const Tensor& operator[](size_t i) const { return i < kInline ? *inline_[i] : *more_[i - kInline]; }
  // Rows of the first tensor (0 when empty).
  int64_t rows() const { return size_ == 0 || (*this)[0].rank() == 0 ? 0 : (*this)[0].dim(0); }
  // Copies rows [begin, end) of every tensor.
  TensorList slice(int64_t begin, int64_t end) const {
    std::vector<Tensor> out;
    for (size_t i = 0; i < size_; ++i) out.push_back((*this)[i].slice(begin, end));
    return TensorList(std::move(out));
  }

 private:
  static constexpr size_t kInline = 4;
  void push(const Tensor* t) {
    if (size_ < kInline) {
      inline_[size_] = t;
    } else {
      more_.push_back(t);
    }
    ++size_;
  }
  std::array<const Tensor*, kInline> inline_{};
  std::vector<const Tensor*> more_;
  size_t size_ = 0;
};

}  // namespace petal
