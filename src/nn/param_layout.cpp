// Conversions between a parameter's Keras layout and its storage layout.
#include "nn/param_layout.h"

#include "petal/core/error.h"

namespace petal::detail {

ParamLayout::ParamLayout(memory::desc keras_md, memory::desc storage_md, dnnl::engine engine)
    : keras_md_(std::move(keras_md)), storage_md_(std::move(storage_md)), engine_(std::move(engine)) {}

void ParamLayout::reorder(const memory::desc& from_md, const float* from, const memory::desc& to_md, float* to) const {
  dnnl::stream s(engine_);
  memory src(from_md, engine_, const_cast<float*>(from)), dst(to_md, engine_, to);
  dnnl::reorder(src, dst).execute(s, src, dst);
  s.wait();
}

Tensor ParamLayout::to_keras(const Tensor& stored, const Shape& keras_shape) const {
  if (stored.size() != floats_of(storage_md_)) {
    throw ShapeError("parameter storage: expected " + std::to_string(floats_of(storage_md_)) + " values; received " +
                     std::to_string(stored.size()) + ".");
  }
  Tensor out(keras_shape);
  reorder(storage_md_, stored.data(), keras_md_, out.data());
  return out;
}

Tensor ParamLayout::to_storage(const Tensor& keras) const {
  Tensor out({floats_of(storage_md_)});
  reorder(keras_md_, keras.data(), storage_md_, out.data());
  return out;
}

}  // namespace petal::detail
