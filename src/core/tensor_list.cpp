// TensorList: conversions and row slicing.
#include "petal/core/tensor_list.h"

#include "petal/core/error.h"

namespace petal {

TensorList::TensorList(Tensor tensor) { tensors_.push_back(std::move(tensor)); }

const Tensor& TensorList::only(const char* what) const {
  if (tensors_.size() != 1) {
    throw ShapeError(std::string("expected ") + what + "; received a list of " + std::to_string(tensors_.size()) +
                     " tensors.\nHint: a model with several inputs or outputs takes and returns lists; index them.");
  }
  return tensors_[0];
}

TensorList::operator Tensor() const& { return only(); }

TensorList::operator Tensor() && {
  only();
  return std::move(tensors_[0]);
}

TensorList TensorList::slice(int64_t begin, int64_t end) const {
  std::vector<Tensor> out;
  out.reserve(tensors_.size());
  for (const Tensor& t : tensors_) out.push_back(t.slice(begin, end));
  return TensorList(std::move(out));
}

}  // namespace petal
