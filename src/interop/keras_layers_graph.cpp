// Keras table rows of the merge layers (Add ... Concatenate), the activation
// layers (ReLU, Softmax, LeakyReLU, PReLU, ELU), LayerNormalization, Rescaling,
// Reshape, Permute and the noise layers. Keys are Keras 2.2.4's; the classes
// Keras 2.2.4 lacks (LayerNormalization, Rescaling) take tf.keras 2.x's.
#include "interop/keras_config_values.h"
#include "interop/keras_layer_rows.h"
#include "petal/core/error.h"
#include "petal/layers/activation_layers.h"
#include "petal/layers/layer_normalization.h"
#include "petal/layers/merge.h"
#include "petal/layers/noise_layers.h"
#include "petal/layers/rescaling.h"
#include "petal/layers/reshaping.h"

namespace petal::detail {

using nlohmann::json;

namespace {

std::unique_ptr<Layer> merge_from_keras(KerasConfigReader& r, MergeOp op) {
  return std::make_unique<Merge>(op, MergeOptions{r.name()});
}

// A list of ints, or one int as a one-element list.
std::vector<int> int_list(KerasConfigReader& r, const char* key, std::vector<int> fallback) {
  if (!r.has(key) || r.get<json>(key).is_null()) return fallback;
  const json v = r.get<json>(key);
  if (v.is_number_integer()) return {v.get<int>()};
  try {
    return v.get<std::vector<int>>();
  } catch (const json::exception&) {
    r.fail(key, "an integer or a list of integers", v);
  }
}

std::optional<uint64_t> seed(KerasConfigReader& r) {
  if (!r.has("seed") || r.get<json>("seed").is_null()) return std::nullopt;
  return r.get<uint64_t>("seed");
}

}  // namespace

std::unique_ptr<Layer> add_from_keras(KerasConfigReader& r) { return merge_from_keras(r, MergeOp::Add); }
std::unique_ptr<Layer> subtract_from_keras(KerasConfigReader& r) { return merge_from_keras(r, MergeOp::Subtract); }
std::unique_ptr<Layer> multiply_from_keras(KerasConfigReader& r) { return merge_from_keras(r, MergeOp::Multiply); }
std::unique_ptr<Layer> average_from_keras(KerasConfigReader& r) { return merge_from_keras(r, MergeOp::Average); }
std::unique_ptr<Layer> maximum_from_keras(KerasConfigReader& r) { return merge_from_keras(r, MergeOp::Maximum); }
std::unique_ptr<Layer> minimum_from_keras(KerasConfigReader& r) { return merge_from_keras(r, MergeOp::Minimum); }
json add_to_keras(const Layer& layer) { return keras_base_config(layer); }
json subtract_to_keras(const Layer& layer) { return keras_base_config(layer); }
json multiply_to_keras(const Layer& layer) { return keras_base_config(layer); }
json average_to_keras(const Layer& layer) { return keras_base_config(layer); }
json maximum_to_keras(const Layer& layer) { return keras_base_config(layer); }
json minimum_to_keras(const Layer& layer) { return keras_base_config(layer); }

std::unique_ptr<Layer> concatenate_from_keras(KerasConfigReader& r) {
  return std::make_unique<Concatenate>(ConcatenateOptions{r.get_or<int>("axis", -1), r.name()});
}

json concatenate_to_keras(const Layer& layer) {
  json j = keras_base_config(layer);
  j["axis"] = static_cast<const Concatenate&>(layer).options().axis;
  return j;
}

std::unique_ptr<Layer> relu_from_keras(KerasConfigReader& r) {
  ReLUOptions o;
  o.name = r.name();
  if (r.has("max_value") && !r.get<json>("max_value").is_null()) o.max_value = r.get<float>("max_value");
  r.ignore("max_value");
  o.negative_slope = r.get_or<float>("negative_slope", 0.0f);
  o.threshold = r.get_or<float>("threshold", 0.0f);
  o.input_shape = r.declared_input_shape();
  return std::make_unique<ReLU>(o);
}

json relu_to_keras(const Layer& layer) {
  const auto& o = static_cast<const ReLU&>(layer).options();
  json j = keras_base_config(layer);
  j["max_value"] = o.max_value ? json(keras_float(*o.max_value)) : json(nullptr);
  j["negative_slope"] = keras_float(o.negative_slope);
  j["threshold"] = keras_float(o.threshold);
  return j;
}

std::unique_ptr<Layer> softmax_from_keras(KerasConfigReader& r) {
  const std::vector<int> axis = int_list(r, "axis", {-1});
  if (axis.size() != 1) r.fail("axis", "one axis", r.get<json>("axis"));
  return std::make_unique<Softmax>(SoftmaxOptions{axis[0], r.declared_input_shape(), r.name()});
}

json softmax_to_keras(const Layer& layer) {
  json j = keras_base_config(layer);
  j["axis"] = static_cast<const Softmax&>(layer).axis();
  return j;
}

std::unique_ptr<Layer> leaky_relu_from_keras(KerasConfigReader& r) {
  // Keras 2 calls the slope alpha; Keras 2.13+ also accepts negative_slope.
  const float alpha = r.has("negative_slope") ? r.get<float>("negative_slope") : r.get_or<float>("alpha", 0.3f);
  r.ignore("alpha");
  return std::make_unique<LeakyReLU>(LeakyReLUOptions{alpha, r.declared_input_shape(), r.name()});
}

json leaky_relu_to_keras(const Layer& layer) {
  json j = keras_base_config(layer);
  j["alpha"] = keras_float(static_cast<const LeakyReLU&>(layer).alpha());
  return j;
}

std::unique_ptr<Layer> prelu_from_keras(KerasConfigReader& r) {
  PReLUOptions o;
  o.name = r.name();
  o.alpha_initializer = r.initializer("alpha_initializer", "zeros");
  r.require_null("alpha_regularizer");
  r.require_null("alpha_constraint");
  o.shared_axes = int_list(r, "shared_axes", {});
  o.input_shape = r.declared_input_shape();
  return std::make_unique<PReLU>(o);
}

json prelu_to_keras(const Layer& layer) {
  const auto& o = static_cast<const PReLU&>(layer).options();
  json j = keras_base_config(layer);
  j["alpha_initializer"] = keras_initializer_json(o.alpha_initializer);
  j["alpha_regularizer"] = nullptr;
  j["alpha_constraint"] = nullptr;
  j["shared_axes"] = o.shared_axes.empty() ? json(nullptr) : json(o.shared_axes);
  return j;
}

std::unique_ptr<Layer> elu_from_keras(KerasConfigReader& r) {
  return std::make_unique<ELU>(ELUOptions{r.get_or<float>("alpha", 1.0f), r.declared_input_shape(), r.name()});
}

json elu_to_keras(const Layer& layer) {
  json j = keras_base_config(layer);
  j["alpha"] = keras_float(static_cast<const ELU&>(layer).alpha());
  return j;
}

std::unique_ptr<Layer> layer_normalization_from_keras(KerasConfigReader& r) {
  LayerNormalizationOptions o;
  o.name = r.name();
  o.axis = int_list(r, "axis", {-1});
  o.epsilon = r.get_or<float>("epsilon", 1e-3f);
  o.center = r.get_or<bool>("center", true);
  o.scale = r.get_or<bool>("scale", true);
  for (const auto& [key, fallback] : {std::pair{"beta_initializer", "zeros"}, std::pair{"gamma_initializer", "ones"}}) {
    if (r.initializer(key, fallback) != fallback) r.fail(key, std::string("the ") + fallback + " initializer", r.get<json>(key));
  }
  for (const char* key : {"beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint"}) r.require_null(key);
  o.input_shape = r.declared_input_shape();
  return std::make_unique<LayerNormalization>(o);
}

json layer_normalization_to_keras(const Layer& layer) {
  const auto& o = static_cast<const LayerNormalization&>(layer).options();
  json j = keras_base_config(layer);
  j["axis"] = o.axis;
  j["epsilon"] = keras_float(o.epsilon);
  j["center"] = o.center;
  j["scale"] = o.scale;
  j["beta_initializer"] = keras_initializer_json("zeros");
  j["gamma_initializer"] = keras_initializer_json("ones");
  for (const char* key : {"beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint"}) j[key] = nullptr;
  return j;
}

std::unique_ptr<Layer> rescaling_from_keras(KerasConfigReader& r) {
  return std::make_unique<Rescaling>(RescalingOptions{r.get<float>("scale"), r.get_or<float>("offset", 0.0f),
                                                      r.declared_input_shape(), r.name()});
}

json rescaling_to_keras(const Layer& layer) {
  const auto& o = static_cast<const Rescaling&>(layer).options();
  json j = keras_base_config(layer);
  j["scale"] = keras_float(o.scale);
  j["offset"] = keras_float(o.offset);
  return j;
}

std::unique_ptr<Layer> reshape_from_keras(KerasConfigReader& r) {
  const std::vector<int> target = int_list(r, "target_shape", {});
  return std::make_unique<Reshape>(
      ReshapeOptions{Shape(target.begin(), target.end()), r.declared_input_shape(), r.name()});
}

json reshape_to_keras(const Layer& layer) {
  json j = keras_base_config(layer);
  j["target_shape"] = static_cast<const Reshape&>(layer).options().target_shape;
  return j;
}

std::unique_ptr<Layer> permute_from_keras(KerasConfigReader& r) {
  return std::make_unique<Permute>(PermuteOptions{int_list(r, "dims", {}), r.declared_input_shape(), r.name()});
}

json permute_to_keras(const Layer& layer) {
  json j = keras_base_config(layer);
  j["dims"] = static_cast<const Permute&>(layer).options().dims;
  return j;
}

std::unique_ptr<Layer> spatial_dropout2d_from_keras(KerasConfigReader& r) {
  SpatialDropout2DOptions o;
  o.name = r.name();
  o.rate = r.get<float>("rate");
  r.require_null("noise_shape");
  o.seed = seed(r);
  require_channels_last(r);
  o.input_shape = r.declared_input_shape();
  return std::make_unique<SpatialDropout2D>(o);
}

json spatial_dropout2d_to_keras(const Layer& layer) {
  json j = keras_base_config(layer);
  j["rate"] = keras_float(static_cast<const SpatialDropout2D&>(layer).rate());
  j["noise_shape"] = nullptr;
  j["seed"] = nullptr;
  return j;
}

std::unique_ptr<Layer> gaussian_noise_from_keras(KerasConfigReader& r) {
  return std::make_unique<GaussianNoise>(
      GaussianNoiseOptions{r.get<float>("stddev"), seed(r), r.declared_input_shape(), r.name()});
}

json gaussian_noise_to_keras(const Layer& layer) {
  json j = keras_base_config(layer);
  j["stddev"] = keras_float(static_cast<const GaussianNoise&>(layer).stddev());
  return j;
}

std::unique_ptr<Layer> gaussian_dropout_from_keras(KerasConfigReader& r) {
  return std::make_unique<GaussianDropout>(
      GaussianDropoutOptions{r.get<float>("rate"), seed(r), r.declared_input_shape(), r.name()});
}

json gaussian_dropout_to_keras(const Layer& layer) {
  json j = keras_base_config(layer);
  j["rate"] = keras_float(static_cast<const GaussianDropout&>(layer).rate());
  return j;
}

}  // namespace petal::detail
