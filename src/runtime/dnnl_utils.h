// oneDNN helpers shared by the layer plans: memory descriptors for Keras shapes,
// owned buffers, and primitives bound once to their arguments (Op).
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <cstdint>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "petal/core/shape.h"

namespace petal::detail {

using dnnl::memory;
using Tag = dnnl::memory::format_tag;
using Dims = dnnl::memory::dims;

// The CPU engine, with oneDNN's heap buffers served by petal's pool
// (install_dnnl_allocator) so that warm steps allocate nothing.
dnnl::engine cpu_engine();

// Plain row-major descriptor of a Keras-ordered shape with batch: [N, F] -> nc,
// [N, T, C] -> nwc, [N, H, W, C] -> nhwc (oneDNN dims are N, C, [H,] W).
memory::desc plain_md(const Shape& keras_shape_with_batch);
// The same logical tensor with format `any`, letting a primitive pick the layout.
memory::desc any_md(const Shape& keras_shape_with_batch);
// Logical oneDNN dims of a Keras shape with batch.
Dims dnnl_dims(const Shape& keras_shape_with_batch);
// Bytes a descriptor needs (including blocked-layout padding).
size_t bytes_of(const memory::desc& md);
// Float count a descriptor needs (bytes / 4).
int64_t floats_of(const memory::desc& md);
std::string describe(const memory::desc& md);

// Frees what operator new[] allocated with this alignment.
struct AlignedFree {
  std::align_val_t align{64};
  void operator()(float* p) const;
};

// A 64-byte aligned float buffer (zero-initialised) with a oneDNN memory view;
// one of 2 MiB or more starts on a 2 MiB boundary, on huge pages where the
// system gives them.
class Buffer {
 public:
  Buffer() = default;
  Buffer(const memory::desc& md, const dnnl::engine& engine);
  const memory& mem() const { return mem_; }
  float* data() const { return data_.get(); }
  int64_t floats() const { return floats_; }
  explicit operator bool() const { return static_cast<bool>(data_); }

 private:
  std::unique_ptr<float[], AlignedFree> data_;
  int64_t floats_ = 0;
  memory mem_;
};

// A primitive with its arguments bound once, run without building argument maps.
class Op {
 public:
  Op() = default;
  Op(dnnl::primitive prim, std::vector<std::pair<int, memory>> args);
  void run(const dnnl::stream& stream) const;
  explicit operator bool() const { return static_cast<bool>(prim_); }

 private:
  dnnl::primitive prim_;
  std::vector<memory> keep_;
  std::vector<dnnl_exec_arg_t> c_args_;
};

// Reorder src -> dst; with accumulate, dst += reorder(src) (oneDNN's sum post-op).
Op make_reorder(const memory& src, const memory& dst, bool accumulate = false);
// dst += src in any two layouts: a binary add when they are the same, else the
// accumulating reorder.
Op make_accumulate(const memory& src, const memory& dst);

// One scratchpad buffer shared by every primitive of a plan (primitives run
// one at a time on one stream). Memories handed out get their handle on finalize().
class ScratchpadPool {
 public:
  explicit ScratchpadPool(dnnl::engine engine) : engine_(std::move(engine)) {}
  memory get(const memory::desc& md) { return get(md, 0); }
  // A region `offset` bytes (a multiple of 64) into the buffer, for a plan
  // that keeps several scratch tensors at once.
  memory get(const memory::desc& md, size_t offset);
  void finalize();
  size_t bytes() const { return bytes_; }

 private:
  dnnl::engine engine_;
  std::vector<std::pair<memory, size_t>> handed_out_;
  Buffer storage_;
  size_t bytes_ = 0;
};

// Primitive attributes with user-managed scratchpad.
dnnl::primitive_attr scratch_attr();

}  // namespace petal::detail

namespace petal::detail {

// Layout adaptation around a primitive: when a memory does not have the layout
// the primitive wants, stage it through a buffer with a reorder before (inputs)
// or after (outputs) the primitive. Buffers and reorders are created once.
class Staging {
 public:
  explicit Staging(dnnl::engine engine) : engine_(std::move(engine)) {}
  Staging() = default;
  // For a primitive input: returns m, or a buffer in `want` filled by a reorder
  // appended to `before`.
  memory input(const memory& m, const memory::desc& want, std::vector<Op>& before);
  // For a primitive output: returns target, or a buffer in `produced` whose
  // reorder into target is appended to `after`.
  memory output(const memory& target, const memory::desc& produced, std::vector<Op>& after);
  // A fresh buffer owned by this staging area.
  memory scratch(const memory::desc& md);

 private:
  dnnl::engine engine_;
  std::vector<Buffer> buffers_;
};

inline void run_all(const std::vector<Op>& ops, const dnnl::stream& s) {
  for (const Op& op : ops) op.run(s);
}

}  // namespace petal::detail
