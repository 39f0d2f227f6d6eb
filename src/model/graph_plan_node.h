// A graph plan's per-node state, shared by the files that build and run it.
#pragma once

#include "model/graph_plan.h"

namespace petal::detail {

struct GraphPlan::Node {
  Layer* layer = nullptr;
  std::vector<int> inputs;
  std::unique_ptr<LayerPlan> plan;  // null for model inputs and identity nodes
  int root = -1;                    // the node whose memory holds this node's output
  memory out;                       // output (the root's memory)
  memory::desc md;
  bool needs_grad = false;          // whether d loss / d output is computed
  bool is_output = false;
  int output_index = -1;            // on the root node of a model output
  std::vector<int> readers;         // non-identity nodes reading this (root) tensor
  int in_place_of = -1;             // inference: writes over this root's buffer (a fused residual sum)
  memory diff;                      // d loss / d output (root nodes)
  int diff_read_by = -1;            // an earlier node whose backward reads diff too (a deferred gradient)
  std::vector<Op> accumulate;       // after backward: private input gradients added in
  bool accumulate_params = false;   // a later call of a shared layer adds into its grads
  int done_layer = -1;              // layer id final once this node's backward ran
};

}  // namespace petal::detail
