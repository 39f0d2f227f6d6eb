// Rescaling: options, config and its plan (one oneDNN eltwise_linear).
#include "petal/layers/rescaling.h"

#include <cmath>

#include "layers/config_fields.h"
#include "layers/config_json.h"
#include "layers/layer_factory.h"
#include "nn/eltwise_plan.h"
#include "petal/core/error.h"

namespace petal {

Rescaling::Rescaling(RescalingOptions options) : Layer(options.name, options.input_shape), options_(std::move(options)) {
  if (!std::isfinite(options_.scale) || !std::isfinite(options_.offset)) {
    throw ConfigError("Rescaling(name='" + options_.name + "'): expected finite scale and offset; received scale=" +
                      std::to_string(options_.scale) + ", offset=" + std::to_string(options_.offset) + ".");
  }
}

Shape Rescaling::do_build(const Shape& in, Rng&) {
  if (in.empty() || in.size() > 3) fail("input per sample of rank 1 to 3 ((F), (T, C) or (H, W, C))", to_keras_string(in));
  return in;
}

std::string Rescaling::config_json() const {
  nlohmann::json j = detail::base_config(*this);
  j["scale"] = options_.scale;
  j["offset"] = options_.offset;
  return j.dump();
}

std::unique_ptr<Layer> detail::rescaling_from_config(const nlohmann::json& j) {
  return std::make_unique<Rescaling>(RescalingOptions{j.at("scale").get<float>(), config_or(j, "offset", 0.0f),
                                                      config_input_shape(j), config_name(j)});
}

std::unique_ptr<detail::LayerPlan> Rescaling::make_plan(const detail::PlanContext& ctx) {
  if (options_.scale == 1.0f && options_.offset == 0.0f) return std::make_unique<detail::IdentityPlan>(ctx.src_md);
  return detail::make_eltwise_plan(ctx, detail::linear_spec(options_.scale, options_.offset));
}

}  // namespace petal
