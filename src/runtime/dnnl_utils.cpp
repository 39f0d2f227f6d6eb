// oneDNN helpers: descriptors, buffers, bound primitives, shared scratchpad.
#include "runtime/dnnl_utils.h"

#include <algorithm>
#include <cstring>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "petal/core/error.h"
#include "runtime/dnnl_allocator.h"

namespace petal::detail {

dnnl::engine cpu_engine() {
  install_dnnl_allocator();
  return dnnl::engine(dnnl::engine::kind::cpu, 0);
}

Dims dnnl_dims(const Shape& s) {
  if (s.size() == 2) return {s[0], s[1]};
  if (s.size() == 3) return {s[0], s[2], s[1]};
  if (s.size() == 4) return {s[0], s[3], s[1], s[2]};
  throw ShapeError("petal supports 2-D [N, F], 3-D [N, T, C] and 4-D [N, H, W, C] activations; received " +
                   to_string(s) + ".");
}

memory::desc plain_md(const Shape& s) {
  const Tag tag = s.size() == 2 ? Tag::nc : s.size() == 3 ? Tag::nwc : Tag::nhwc;
  return memory::desc(dnnl_dims(s), memory::data_type::f32, tag);
}

memory::desc any_md(const Shape& s) {
  return memory::desc(dnnl_dims(s), memory::data_type::f32, Tag::any);
}

size_t bytes_of(const memory::desc& md) { return md.get_size(); }
int64_t floats_of(const memory::desc& md) { return static_cast<int64_t>(md.get_size() / sizeof(float)); }

std::string describe(const memory::desc& md) {
  std::string s = "dims";
  auto add = [&s](const char* sep, int64_t v) {
    s += sep;
    s += std::to_string(v);
  };
  for (auto d : md.dims()) add(" ", d);
  if (md.data.format_kind != dnnl_blocked) return s + " (format any)";
  const auto& blk = md.data.format_desc.blocking;
  s += " strides";
  for (int i = 0; i < md.data.ndims; ++i) add(" ", blk.strides[i]);
  for (int i = 0; i < blk.inner_nblks; ++i) {
    add(" block", blk.inner_idxs[i]);
    add(":", blk.inner_blks[i]);
  }
  return s;
}

void AlignedFree::operator()(float* p) const { ::operator delete[](p, align); }

namespace {

constexpr size_t kHugePage = size_t{2} << 20;

void advise_huge_pages([[maybe_unused]] void* p, [[maybe_unused]] size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  // Whole pages only; a refusal (THP disabled) leaves ordinary pages.
  ::madvise(p, bytes / kHugePage * kHugePage, MADV_HUGEPAGE);
#endif
}

}  // namespace

Buffer::Buffer(const memory::desc& md, const dnnl::engine& engine) : floats_(floats_of(md)) {
  const size_t n = std::max<int64_t>(floats_, 1);
  const size_t bytes = n * sizeof(float);
  // Arenas and other large buffers on 2 MiB pages (Linux: transparent huge pages,
  // asked for per region): the memory-bound loops over cold activations read
  // them faster (MobileNetV2's training step 3-4% shorter) and the TLB covers them.
  const bool huge = bytes >= kHugePage;
  const std::align_val_t align{huge ? kHugePage : 64};
  auto* p = static_cast<float*>(::operator new[](bytes, align));
  data_ = std::unique_ptr<float[], AlignedFree>(p, AlignedFree{align});
  if (huge) advise_huge_pages(data_.get(), bytes);
  std::memset(data_.get(), 0, bytes);
  mem_ = memory(md, engine, data_.get());
}

Op::Op(dnnl::primitive prim, std::vector<std::pair<int, memory>> args) : prim_(std::move(prim)) {
  keep_.reserve(args.size());
  c_args_.reserve(args.size());
  for (auto& [arg, mem] : args) {
    keep_.push_back(mem);
    c_args_.push_back({arg, mem.get()});
  }
}

void Op::run(const dnnl::stream& stream) const {
  const dnnl_status_t st = dnnl_primitive_execute(prim_.get(), stream.get(),
                                                  static_cast<int>(c_args_.size()), c_args_.data());
  if (st != dnnl_success) {
    throw Error("oneDNN primitive execution failed (primitive kind " +
                std::to_string(static_cast<int>(prim_.get_kind())) + ", status " + std::to_string(st) + ").");
  }
}

Op make_reorder(const memory& src, const memory& dst, bool accumulate) {
  dnnl::primitive_attr attr;
  if (accumulate) {
    dnnl::post_ops po;
    po.append_sum(1.0f);
    attr.set_post_ops(po);
  }
  dnnl::reorder::primitive_desc pd(src, dst, attr);
  return Op(dnnl::reorder(pd), {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}});
}

Op make_accumulate(const memory& src, const memory& dst) {
  if (src.get_desc() != dst.get_desc()) return make_reorder(src, dst, /*accumulate=*/true);
  // oneDNN's jit binary add, 2-2.5x faster than a reorder with a sum post-op (its
  // "simple" kernel) on MobileNetV2's blocked gradients. It adds the blocked
  // padding too: petal's loops write zeros there, like oneDNN's primitives
  // (ChannelWalk::zero_padding).
  const memory::desc& md = dst.get_desc();
  dnnl::binary::primitive_desc pd({dnnl::algorithm::binary_add, md, md, md}, dst.get_engine());
  return Op(dnnl::binary(pd), {{DNNL_ARG_SRC_0, dst}, {DNNL_ARG_SRC_1, src}, {DNNL_ARG_DST, dst}});
}

memory ScratchpadPool::get(const memory::desc& md, size_t offset) {
  bytes_ = std::max(bytes_, offset + md.get_size());
  memory m(md, engine_, DNNL_MEMORY_NONE);
  handed_out_.emplace_back(m, offset);
  return m;
}

void ScratchpadPool::finalize() {
  const auto floats = static_cast<int64_t>((std::max<size_t>(bytes_, 64) + 3) / 4);
  storage_ = Buffer(memory::desc({floats}, memory::data_type::f32, memory::format_tag::x), engine_);
  auto* base = reinterpret_cast<std::byte*>(storage_.data());
  for (auto& [m, offset] : handed_out_) m.set_data_handle(base + offset);
}

dnnl::primitive_attr scratch_attr() {
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  return attr;
}

}  // namespace petal::detail

namespace petal::detail {

memory Staging::input(const memory& m, const memory::desc& want, std::vector<Op>& before) {
  if (m.get_desc() == want) return m;
  memory b = scratch(want);
  before.push_back(make_reorder(m, b));
  return b;
}

memory Staging::output(const memory& target, const memory::desc& produced, std::vector<Op>& after) {
  if (target.get_desc() == produced) return target;
  memory b = scratch(produced);
  after.push_back(make_reorder(b, target));
  return b;
}

memory Staging::scratch(const memory::desc& md) {
  buffers_.emplace_back(md, engine_);
  return buffers_.back().mem();
}

}  // namespace petal::detail
