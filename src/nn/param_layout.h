// A parameter kept in a oneDNN layout other than Keras's (see Param::layout):
// the two descriptors and the reorders between them.
#pragma once

#include "runtime/dnnl_utils.h"
#include "petal/core/tensor.h"

namespace petal::detail {

class ParamLayout {
 public:
  ParamLayout(memory::desc keras_md, memory::desc storage_md, dnnl::engine engine);
  const memory::desc& keras_md() const { return keras_md_; }
  const memory::desc& storage_md() const { return storage_md_; }
  Tensor to_keras(const Tensor& stored, const Shape& keras_shape) const;
  // 1-D storage tensor holding `keras` in the storage layout (padding zeroed).
  Tensor to_storage(const Tensor& keras) const;

 private:
  void reorder(const memory::desc& from_md, const float* from, const memory::desc& to_md, float* to) const;
  memory::desc keras_md_, storage_md_;
  dnnl::engine engine_;
};

}  // namespace petal::detail
