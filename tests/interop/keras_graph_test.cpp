// Functional Keras configs as a neutral graph: every real functional file and
// published architecture parses, and each inbound_nodes format Keras 2.0-2.13
// wrote (lists, 3-element entries, dict inputs/outputs, tf.keras's
// preserved-structure nodes and constants) gives the same references.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "interop/keras_fixtures.h"
#include "interop/keras_graph.h"
#include "interop/keras_h5.h"
#include "petal/core/error.h"

namespace petal {
namespace {

using detail::KerasGraph;
using detail::parse_keras_graph;
using nlohmann::json;

std::string ref_text(const detail::KerasTensorRef& r) {
  return (r.key.empty() ? "" : r.key + "=") + r.layer + "[" + std::to_string(r.node_index) + "," +
         std::to_string(r.tensor_index) + "]";
}

std::string refs_text(const std::vector<detail::KerasTensorRef>& refs) {
  std::string s;
  for (const auto& r : refs) s += (s.empty() ? "" : " ") + ref_text(r);
  return s;
}

// Each call comes after the calls producing its inputs, and all calls appear once.
void expect_valid_order(const KerasGraph& g) {
  const auto order = detail::keras_call_order(g);
  std::map<std::pair<std::string, int64_t>, size_t> position;
  int64_t calls = 0;
  for (const auto& l : g.layers) calls += l.node_count();
  ASSERT_EQ(static_cast<int64_t>(order.size()), calls);
  for (size_t i = 0; i < order.size(); ++i) position[{g.layers[order[i].layer].name, order[i].node}] = i;
  for (size_t i = 0; i < order.size(); ++i) {
    const auto& layer = g.layers[order[i].layer];
    if (layer.class_name == "InputLayer") continue;
    for (const auto& ref : layer.inbound_nodes[static_cast<size_t>(order[i].node)].inputs) {
      EXPECT_LT(position.at({ref.layer, ref.node_index}), i) << layer.name << " before " << ref.layer;
    }
  }
}

struct Expected {
  const char* file;
  size_t layers;
  const char* inputs;
  const char* outputs;
};

TEST(KerasGraph, EveryRealFunctionalModelParses) {
  const std::string dir = testing::keras_h5_dir();
  if (dir.empty()) GTEST_SKIP() << testing::kNoKerasFiles;
  const Expected expected[] = {
      {"func_densenet_mnist_concat_lambda_k2.2.4.h5", 51, "input_1[0,0]", "softmax_1[0,0]"},
      {"func_inception_mnist_concat_k2.1.6-tf.h5", 16, "input_2[0,0]", "dense_4[0,0]"},
      {"func_mlp_residual_add_bn_k2.2.4-tf.h5", 45, "input_1[0,0]", "dense_12[0,0]"},
      {"func_resnet20v1_cifar10_add_k2.2.4.h5", 72, "input_1[0,0]", "dense_1[0,0]"},
      {"func_resnet_bottleneck_shapes_add_k2.3.0-tf.h5", 96, "data_in=input_5[0,0]", "data_out=dense_4[0,0]"},
      {"func_resnet_cifar10_add_bn_k2.13.1.h5", 29, "input_4[0,0]", "dense_3[0,0]"},
      {"func_resnet_cifar10_add_k2.10.0.h5", 31, "input_1[0,0]", "softmax_4[0,0]"},
      {"func_shared_dense_concat_2in2out_k2.2.0.h5", 8, "input_3[0,0] aux_input[0,0]", "dense_3[0,0] dense_4[0,0]"},
  };
  for (const auto& e : expected) {
    SCOPED_TRACE(e.file);
    const auto file = detail::read_keras_file(std::filesystem::path(dir) / e.file);
    const KerasGraph g = parse_keras_graph(json::parse(file.model_config));
    EXPECT_EQ(g.layers.size(), e.layers);
    EXPECT_EQ(refs_text(g.inputs), e.inputs);
    EXPECT_EQ(refs_text(g.outputs), e.outputs);
    expect_valid_order(g);
  }
  // The shared layer: two calls, and the concatenation takes both.
  const auto shared = parse_keras_graph(json::parse(
      detail::read_keras_file(std::filesystem::path(dir) / "func_shared_dense_concat_2in2out_k2.2.0.h5").model_config));
  ASSERT_EQ(shared.find("share")->inbound_nodes.size(), 2u);
  EXPECT_EQ(refs_text(shared.find("share")->inbound_nodes[1].inputs), "aux_input[0,0]");
  EXPECT_EQ(refs_text(shared.find("concatenate_1")->inbound_nodes[0].inputs), "share[0,0] share[1,0]");
  // The published architectures of the weights-only hls4ml files (Keras 2.0).
  for (const char* name : {"weights_hls4ml_3layer_mlp_k2.0.0.json", "weights_hls4ml_jettagger_conv2d_bn_k2.0.6.json"}) {
    std::ifstream in(std::filesystem::path(dir) / name);
    const KerasGraph g = parse_keras_graph(json::parse(in));
    EXPECT_EQ(refs_text(g.inputs), "input_1[0,0]") << name;
    expect_valid_order(g);
  }
}

json model(const json& layers, const json& inputs, const json& outputs) {
  return {{"class_name", "Functional"}, {"config", {{"name", "m"}, {"layers", layers}, {"input_layers", inputs},
                                                   {"output_layers", outputs}}}};
}

json input(const char* name) {
  return {{"class_name", "InputLayer"}, {"name", name}, {"config", {{"name", name}}}, {"inbound_nodes", json::array()}};
}

json layer(const char* cls, const char* name, const json& nodes) {
  return {{"class_name", cls}, {"name", name}, {"config", {{"name", name}}}, {"inbound_nodes", nodes}};
}

TEST(KerasGraph, EveryInboundNodeFormat) {
  const json layers = json::array({
      input("b"), input("a"),
      // Keras 1-style 3-element entries.
      layer("Dense", "d", json::parse(R"([[["a", 0, 0]], [["b", 0, 0]]])")),
      // Keras 2 entries with per-call kwargs.
      layer("Add", "add", json::parse(R"([[["d", 0, 0, {}], ["d", 1, 0, {}]]])")),
      // tf.keras: a layer called on a dict (sorted keys), and kwargs on the call.
      layer("Custom", "dict_call", json::parse(R"([{"z": ["add", 0, 0, {"training": false}], "y": ["a", 0, 0, {"training": false}]}])")),
      // tf.keras TFOpLambda: one entry per node (structure preserved), and a constant.
      layer("TFOpLambda", "tf.math.add", json::parse(R"([["dict_call", 0, 0, {"y": 2.0}]])")),
      layer("TFOpLambda", "tf.concat", json::parse(R"([[["tf.math.add", 0, 0, {}], ["_CONSTANT_VALUE", -1, [1.5, 2.5], {}]]])")),
  });
  // The model is listed out of order on purpose: Keras defers such nodes.
  json shuffled = json::array({layers[6], layers[0], layers[3], layers[1], layers[2], layers[4], layers[5]});
  const KerasGraph g = parse_keras_graph(model(shuffled, json::parse(R"({"x": ["a", 0, 0], "w": ["b", 0, 0]})"),
                                               json::parse(R"([["tf.concat", 0, 0]])")));
  EXPECT_EQ(g.class_name, "Functional");
  EXPECT_EQ(refs_text(g.inputs), "w=b[0,0] x=a[0,0]");
  EXPECT_EQ(refs_text(g.find("d")->inbound_nodes[1].inputs), "b[0,0]");
  EXPECT_EQ(refs_text(g.find("add")->inbound_nodes[0].inputs), "d[0,0] d[1,0]");
  const auto& dict_call = g.find("dict_call")->inbound_nodes.at(0);
  EXPECT_EQ(refs_text(dict_call.inputs), "y=a[0,0] z=add[0,0]");
  EXPECT_EQ(dict_call.kwargs, json::parse(R"({"training": false})"));
  EXPECT_EQ(refs_text(g.find("tf.math.add")->inbound_nodes.at(0).inputs), "dict_call[0,0]");
  EXPECT_EQ(g.find("tf.math.add")->inbound_nodes[0].kwargs, json::parse(R"({"y": 2.0})"));
  const auto& concat = g.find("tf.concat")->inbound_nodes.at(0).inputs;
  ASSERT_EQ(concat.size(), 2u);
  EXPECT_EQ(concat[1].constant, json::parse("[1.5, 2.5]"));
  const auto order = detail::keras_call_order(g);
  std::vector<std::string> names;
  for (const auto& c : order) names.push_back(g.layers[c.layer].name + "#" + std::to_string(c.node));
  EXPECT_EQ(names, (std::vector<std::string>{"b#0", "a#0", "d#0", "d#1", "add#0", "dict_call#0", "tf.math.add#0",
                                             "tf.concat#0"}));
}

std::string parse_error(const json& m) {
  try {
    const auto g = parse_keras_graph(m);
    detail::keras_call_order(g);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no ConfigError)";
}

TEST(KerasGraph, BrokenGraphsAreOneLineErrors) {
  const json out = json::parse(R"([["d", 0, 0]])");
  const json in = json::parse(R"([["a", 0, 0]])");
  EXPECT_EQ(parse_error(model({input("a"), layer("Dense", "d", json::parse(R"([[["nope", 0, 0, {}]]])"))}, in, out)),
            "layer 'd' call 0 refers to layer 'nope', which the model does not have.");
  EXPECT_EQ(parse_error(model({input("a"), layer("Dense", "d", json::parse(R"([[["a", 1, 0, {}]]])"))}, in, out)),
            "layer 'd' call 0 refers to call 1 (output 0) of layer 'a', which has 1 call(s).");
  EXPECT_EQ(parse_error(model({input("a"), input("a")}, in, in)), "Keras model config: two layers are named 'a'.");
  EXPECT_EQ(parse_error(model({input("a"), layer("Dense", "d", json::parse(R"([[["e", 0, 0, {}]]])")),
                               layer("Dense", "e", json::parse(R"([[["d", 0, 0, {}]]])"))},
                              in, out)),
            "Keras model config: the calls of layer 'd' wait on each other in a cycle.");
  EXPECT_EQ(parse_error(model({input("a"), layer("Dense", "d", json::parse(R"([[17]])"))}, in, out)),
            "layer 'd' inbound node 0: expected [layer, node_index, tensor_index(, kwargs)] entries; received 17.");
  EXPECT_EQ(parse_error(model(json::array({input("a")}), in, json::parse(R"([["zz", 0, 0]])"))),
            "Keras model output refers to layer 'zz', which the model does not have.");
  EXPECT_EQ(parse_error(json::parse(R"({"class_name": "Model", "config": {"layers": 3}})")),
            "Keras Model config: expected an object with 'layers', 'input_layers' and 'output_layers'; received "
            "{\"layers\":3}.");
}

}  // namespace
}  // namespace petal
