// The post-ops a convolution or dense runs for the layers that follow it at
// inference (batch norm as a per-channel scale and shift, or folded into the
// weights when it comes first; activations; a residual sum), with the
// scale/shift buffers they read, refreshed from the weights every forward.
#pragma once

#include <optional>
#include <vector>

#include "nn/layer_plan.h"

namespace petal {
class Layer;
}

namespace petal::detail {

// How `layer` runs as a post-op at inference, if it can: batch norm over the
// channels, Activation (eltwise functions), ReLU without threshold (and not capped
// and leaky at once), LeakyReLU, ELU, Rescaling; and a 2x2 max pooling that
// halves its input (PostOpFollower::pool).
std::optional<PostOpFollower> post_op_form(const Layer& layer);

class PostOpChain {
 public:
  PostOpChain() = default;
  // followers: proposed in graph order; channels and rank: the primitive's output
  // (channels are its dim 1). Buffers for every proposed scale/shift are made here.
  // A pooling that ends the proposal is not among proposed(): see take_pool().
  PostOpChain(std::vector<PostOpFollower> followers, int64_t channels, int rank, const dnnl::engine& engine);

  size_t proposed() const { return followers_.size(); }
  bool pool_proposed() const { return pool_proposed_; }
  // Folds a batch norm that comes first into the primitive's weights and bias
  // instead of two binary post-ops (the plan scales the weights with
  // leading_scale() and makes the bias from leading_shift()); false if none comes first.
  bool fold_leading_affine();
  bool folded() const { return folded_; }
  // The fewest followers a primitive takes: a folded batch norm is always taken.
  size_t min_taken() const { return folded_ ? 1 : 0; }
  // The folded batch norm's scale and shift per channel (after prepare()).
  float* leading_scale() const { return scale_of(0); }
  float* leading_shift() const { return shift_of(0); }
  // The primitive's bias with the folded batch norm: b * s + t per channel
  // (b null: none), into out (after prepare()).
  void folded_bias(const float* b, float* out) const;
  // Those of batch norm follower i (after prepare(), when taken).
  float* scale_of(size_t i) const;
  float* shift_of(size_t i) const;
  // How many leading followers are eltwise functions, sums or the folded batch
  // norm (all that Winograd takes).
  size_t eltwise_prefix() const;
  // Of followers [0, count), how many a primitive whose output layout is dst_md
  // can take: a sum needs the layout of the buffer it adds into.
  size_t fitting(size_t count, const memory::desc& dst_md) const;
  // How many of followers [0, count) precede a sum among them (count if none).
  size_t before_sum(size_t count) const;
  // The output layout a sum among followers [0, count) needs (zero: any).
  memory::desc required_dst(size_t count) const;
  // Appends followers [0, count) to `ops` after the post-ops already there. The
  // last call is the one the primitive uses: it fixes taken() and the indices.
  void append(dnnl::post_ops& ops, size_t count);
  // Takes the pooling that ends the proposal too, when there is one and the last
  // append() took every other follower (petal's Winograd runs it); returns
  // whether it did. taken() then counts it.
  bool take_pool();
  size_t taken() const { return taken_ + (pool_taken_ ? 1 : 0); }
  // The binary post-ops' scale and shift arguments (call after the last append).
  void add_args(std::vector<std::pair<int, memory>>& args) const;
  // Per forward: scale and shift from the batch norms' current weights.
  void prepare() const;

 private:
  struct Affine {
    int mul_index = -1, add_index = -1;  // positions in the post-op list
    memory scale, shift;                 // [1, C, 1, 1] (rank of the output)
  };
  std::vector<PostOpFollower> followers_;
  std::vector<Affine> affine_;  // per follower (unused for eltwise ones)
  Buffer storage_;              // every scale and shift
  memory::desc channel_md_;
  size_t taken_ = 0;
  bool folded_ = false;
  bool pool_proposed_ = false, pool_taken_ = false;
};

}  // namespace petal::detail
