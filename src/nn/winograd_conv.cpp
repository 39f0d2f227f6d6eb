// WinogradConv: chunks of tiles through transform, 36 oneDNN matmuls, and back,
// one chunk per thread at a time.
#include "nn/winograd_conv.h"

#include <omp.h>

#include <algorithm>

#include "nn/layer_plan.h"

namespace petal::detail {

namespace {

// Bytes of transformed tiles (in and out) a chunk aims at: small enough to stay
// in a core's cache from the transform to the product and back, while a
// product still reuses each kernel point over at least kMinChunk tiles.
constexpr int64_t kChunkBytes = int64_t{1} << 20;
constexpr int64_t kMinChunk = 64;

int64_t chunk_tiles(int64_t in, int64_t out) {
  return std::max(kMinChunk, kChunkBytes / (kWinoPoints * 4 * (in + out)));
}

int64_t tiles_over(int64_t size) { return (size + kWinoTile - 1) / kWinoTile; }

memory::desc floats(int64_t n) { return memory::desc({n}, memory::data_type::f32, Tag::a); }

size_t round_up(size_t bytes) { return (bytes + 63) / 64 * 64; }

// fn(part) on each thread for its share of r: split by channel vectors
// (by_vectors: each thread then sees every tile in order) or by tiles.
template <typename Fn>
void split(const TileRange& r, bool by_vectors, const Fn& fn) {
#pragma omp parallel
  {
    const int64_t nt = omp_get_num_threads(), id = omp_get_thread_num();
    const auto part = [&](int64_t a, int64_t b, int64_t i) { return a + (b - a) * i / nt; };
    if (by_vectors) {
      fn(TileRange{r.t0, r.t1, part(r.v0, r.v1, id), part(r.v0, r.v1, id + 1)});
    } else {
      fn(TileRange{part(r.t0, r.t1, id), part(r.t0, r.t1, id + 1), r.v0, r.v1});
    }
  }
}

// fn(k0, k1) on each thread for its share of the output channels [0, out), whole vectors.
template <typename Fn>
void split_channels(int64_t out, const Fn& fn) {
  split({0, 0, 0, out / 8}, true, [&](const TileRange& r) { fn(8 * r.v0, 8 * r.v1); });
}

}  // namespace

std::optional<ActivationView> activation_view(const memory::desc& md) {
  const dnnl_memory_desc_t& d = md.data;
  if (d.ndims != 4 || d.format_kind != dnnl_blocked || d.data_type != dnnl_f32 || d.offset0 != 0) return std::nullopt;
  const auto& blk = d.format_desc.blocking;
  ActivationView v;
  v.channels = d.dims[1];
  v.height = d.dims[2];
  v.width = d.dims[3];
  v.n_stride = blk.strides[0];
  v.block_stride = blk.strides[1];
  v.row_stride = blk.strides[2];
  v.col_stride = blk.strides[3];
  if (blk.inner_nblks == 0 && blk.strides[1] == 1) {
    v.block = v.channels;  // channels-last: one block of all channels
  } else if (blk.inner_nblks == 1 && blk.inner_idxs[0] == 1 && blk.inner_blks[0] % 8 == 0 &&
             d.padded_dims[1] == v.channels) {
    v.block = blk.inner_blks[0];
  } else {
    return std::nullopt;
  }
  if (v.channels % 8 != 0) return std::nullopt;
  return v;
}

WinogradConv::WinogradConv(const WinogradShape& shape, const ActivationView& src, const ActivationView& dst,
                           const dnnl::engine& engine, bool backward, ScratchpadPool& pool, CpuLevel level)
    : shape_(shape), src_(src), dst_(dst), engine_(engine), pool_(pool), tiles_(level),
      fwd_grid_{shape.batch, tiles_over(shape.out_h), tiles_over(shape.out_w), shape.pad_top, shape.pad_left},
      bwd_grid_{shape.batch, tiles_over(shape.in_h), tiles_over(shape.in_w), 2 - shape.pad_top, 2 - shape.pad_left},
      chunk_(chunk_tiles(shape.in, shape.out)) {
  const int64_t in = shape.in, out = shape.out, points = kWinoPoints * in * out;
  const int64_t most = std::max(fwd_grid_.count(), backward ? bwd_grid_.count() : 0);
  const int lanes = omp_get_max_threads();
  // Few tiles (deep layers): one chunk of all, so that the product reads each
  // kernel point once and backward-weights needs no per-thread dU (measured:
  // 512 channels at 8x8 px, backward-weights 43 -> 23 ms; at 16x16 px and
  // more, the lanes are as fast or faster).
  shared_ = most <= chunk_ * lanes;
  if (shared_) chunk_ = most;
  const int64_t tiles = std::min(chunk_, most);
  const size_t tile_bytes = round_up(4 * kWinoPoints * point_stride(tiles, std::max(in, out)));
  const size_t points_bytes = round_up(4 * points);
  // The scratchpad: U, then per thread its tiles, its dU and its matmuls' scratchpad.
  u_ = pool.get(floats(points), 0);
  size_t offset = points_bytes;
  const auto last = [&](int64_t count) { return count % chunk_ == 0 ? std::min(chunk_, count) : count % chunk_; };
  const int64_t fwd_n[2] = {std::min(chunk_, fwd_grid_.count()), last(fwd_grid_.count())};
  const int64_t bwd_n[2] = {std::min(chunk_, bwd_grid_.count()), last(bwd_grid_.count())};
  // Tiles of n rows and c channels; kernel points.
  const auto tiles_of = [](size_t at, int64_t n, int64_t c, bool t = false) {
    return Matrices{at, point_stride(n, c), t};
  };
  const auto points_of = [&](size_t at, bool t = false) { return Matrices{at, in * out, t}; };
  lanes_.resize(shared_ ? 1 : static_cast<size_t>(lanes));
  for (Lane& lane : lanes_) {
    lane.stream = dnnl::stream(engine);
    const size_t a = offset, b = offset + tile_bytes, du = offset + 2 * tile_bytes;
    lane.a = pool.get(floats(tile_bytes / 4), a);
    lane.b = pool.get(floats(tile_bytes / 4), b);
    offset += 2 * tile_bytes;
    if (backward) {
      lane.du = pool.get(floats(points), du);
      offset += points_bytes;
    }
    size_t scratch = 0;
    for (int i = 0; i < 2; ++i) {
      const int64_t n = fwd_n[i], nb = bwd_n[i];
      lane.fwd[i] =
          product(n, in, out, tiles_of(a, n, in), points_of(0), tiles_of(b, n, out), false, offset, scratch);
      if (!backward) continue;
      lane.bwd_data[i] = product(nb, out, in, tiles_of(a, nb, out), points_of(0, true), tiles_of(b, nb, in), false,
                                 offset, scratch);
      for (int add = 0; add < 2; ++add) {
        lane.bwd_w[i][add] = product(in, n, out, tiles_of(a, n, in, true), tiles_of(b, n, out), points_of(du),
                                     add == 1, offset, scratch);
      }
    }
    offset = round_up(offset + scratch);
    lane.bias_sums.assign(static_cast<size_t>(out), 0.0);
  }
}

Op WinogradConv::product(int64_t m, int64_t k, int64_t n, const Matrices& a, const Matrices& b, const Matrices& c,
                         bool accumulate, size_t scratch_offset, size_t& scratch_bytes) const {
  const auto md = [](int64_t rows, int64_t cols, const Matrices& x) {
    return memory::desc({kWinoPoints, rows, cols}, memory::data_type::f32,
                        x.transposed ? Dims{x.batch, 1, rows} : Dims{x.batch, cols, 1});
  };
  dnnl::primitive_attr attr = scratch_attr();
  if (accumulate) {
    dnnl::post_ops po;
    po.append_sum(1.0f);
    attr.set_post_ops(po);
  }
  const dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(md(m, k, a), md(k, n, b), md(m, n, c)), attr, engine_);
  std::vector<std::pair<int, memory>> args{{DNNL_ARG_SRC, pool_.get(pd.src_desc(), a.offset)},
                                           {DNNL_ARG_WEIGHTS, pool_.get(pd.weights_desc(), b.offset)},
                                           {DNNL_ARG_DST, pool_.get(pd.dst_desc(), c.offset)}};
  const memory::desc scratch = pd.scratchpad_desc();
  if (scratch.get_size() > 0) {
    args.push_back({DNNL_ARG_SCRATCHPAD, pool_.get(scratch, scratch_offset)});
    scratch_bytes = std::max(scratch_bytes, scratch.get_size());
  }
  return Op(dnnl::matmul(pd), std::move(args));
}

template <typename Fn>
void WinogradConv::for_chunks(int64_t count, Fn&& fn) {
  if (shared_) return fn(lanes_[0], 0, count);
  const auto lanes = static_cast<int64_t>(lanes_.size());
#pragma omp parallel num_threads(lanes)
  {
    const int64_t nt = omp_get_num_threads(), id = omp_get_thread_num();
    for (int64_t t0 = id * chunk_; t0 < count; t0 += nt * chunk_) {
      fn(lanes_[static_cast<size_t>(id)], t0, std::min(count, t0 + chunk_));
    }
  }
}

template <typename Fn>
void WinogradConv::each(const TileRange& r, bool by_vectors, const Fn& fn) const {
  if (shared_) return split(r, by_vectors, fn);
  fn(r);
}

void WinogradConv::transform_kernel(const float* hwio, const float* scale, bool flip) {
  split_channels(shape_.out, [&](int64_t k0, int64_t k1) {
    tiles_.kernel(hwio, scale, shape_.in, shape_.out, flip, data(u_), k0, k1);
  });
}

void WinogradConv::forward(const float* src, const float* hwio, const float* kernel_scale, float* dst,
                           const TileOutput& how) {
  const int64_t in = shape_.in, out = shape_.out;
  transform_kernel(hwio, kernel_scale, false);
  for_chunks(fwd_grid_.count(), [&](Lane& lane, int64_t t0, int64_t t1) {
    const TileChunk v{data(lane.a), t0, t1, in}, m{data(lane.b), t0, t1, out};
    each({t0, t1, 0, in / 8}, false, [&](const TileRange& r) { tiles_.input(src, src_, fwd_grid_, v, r); });
    lane.fwd[t1 - t0 == chunk_ ? 0 : 1].run(lane.stream);
    each({t0, t1, 0, out / 8}, false, [&](const TileRange& r) { tiles_.output(m, fwd_grid_, how, dst, dst_, r); });
  });
}

void WinogradConv::backward_data(const float* dy, const float* hwio, float* dx) {
  const int64_t in = shape_.in, out = shape_.out;
  transform_kernel(hwio, nullptr, true);
  const TileOutput plain;
  for_chunks(bwd_grid_.count(), [&](Lane& lane, int64_t t0, int64_t t1) {
    const TileChunk v{data(lane.a), t0, t1, out}, m{data(lane.b), t0, t1, in};
    each({t0, t1, 0, out / 8}, false, [&](const TileRange& r) { tiles_.input(dy, dst_, bwd_grid_, v, r); });
    lane.bwd_data[t1 - t0 == chunk_ ? 0 : 1].run(lane.stream);
    each({t0, t1, 0, in / 8}, false, [&](const TileRange& r) { tiles_.output(m, bwd_grid_, plain, dx, src_, r); });
  });
}

void WinogradConv::backward_weights(const float* src, const float* dy, float* hwio_grad, float* bias_grad) {
  const int64_t in = shape_.in, out = shape_.out;
  for (Lane& lane : lanes_) {
    std::fill(lane.bias_sums.begin(), lane.bias_sums.end(), 0.0);
    lane.wrote_du = false;
  }
  for_chunks(fwd_grid_.count(), [&](Lane& lane, int64_t t0, int64_t t1) {
    const TileChunk v{data(lane.a), t0, t1, in}, z{data(lane.b), t0, t1, out};
    each({t0, t1, 0, in / 8}, false, [&](const TileRange& r) { tiles_.input(src, src_, fwd_grid_, v, r); });
    // By channel vectors when shared: each bias sum adds its tiles in one order.
    each({t0, t1, 0, out / 8}, true, [&](const TileRange& r) {
      tiles_.gradient(dy, dst_, fwd_grid_, z, bias_grad ? lane.bias_sums.data() : nullptr, r);
    });
    lane.bwd_w[t1 - t0 == chunk_ ? 0 : 1][lane.wrote_du ? 1 : 0].run(lane.stream);
    lane.wrote_du = true;
  });
  // dU: the lanes' sums added in lane order, then transformed back.
  float* du = data(lanes_[0].du);
  const int64_t points = kWinoPoints * in * out;
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < points; ++i) {
    for (size_t l = 1; l < lanes_.size() && lanes_[l].wrote_du; ++l) du[i] += data(lanes_[l].du)[i];
  }
  split_channels(out, [&](int64_t k0, int64_t k1) { tiles_.kernel_grad(du, in, out, hwio_grad, k0, k1); });
  if (!bias_grad) return;
  for (int64_t k = 0; k < out; ++k) {
    double sum = 0;
    for (const Lane& lane : lanes_) sum += lane.bias_sums[static_cast<size_t>(k)];
    bias_grad[k] = static_cast<float>(sum);
  }
}

}  // namespace petal::detail
