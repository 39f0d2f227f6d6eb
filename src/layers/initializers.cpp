// Keras 2 initializers (keras/initializers.py VarianceScaling).
#include "petal/layers/initializers.h"

#include <cmath>

#include "petal/core/error.h"

namespace petal {

namespace {

struct Fans {
  double in, out;
};

Fans compute_fans(const Shape& s) {
  if (s.size() == 2) return {static_cast<double>(s[0]), static_cast<double>(s[1])};
  if (s.size() >= 3) {
    double receptive = 1;
    for (size_t i = 0; i + 2 < s.size(); ++i) receptive *= static_cast<double>(s[i]);
    return {receptive * static_cast<double>(s[s.size() - 2]), receptive * static_cast<double>(s.back())};
  }
  const double n = std::sqrt(static_cast<double>(num_elements(s)));
  return {n, n};
}

}  // namespace

Initializer initializer_from_string(std::string_view name) {
  if (name == "glorot_uniform") return Initializer::GlorotUniform;
  if (name == "glorot_normal") return Initializer::GlorotNormal;
  if (name == "he_normal") return Initializer::HeNormal;
  if (name == "he_uniform") return Initializer::HeUniform;
  if (name == "zeros") return Initializer::Zeros;
  if (name == "ones") return Initializer::Ones;
  throw ConfigError("unknown initializer '" + std::string(name) +
                    "'; expected one of glorot_uniform, glorot_normal, he_normal, he_uniform, zeros, ones.");
}

std::string to_string(Initializer init) {
  switch (init) {
    case Initializer::GlorotUniform: return "glorot_uniform";
    case Initializer::GlorotNormal: return "glorot_normal";
    case Initializer::HeNormal: return "he_normal";
    case Initializer::HeUniform: return "he_uniform";
    case Initializer::Zeros: return "zeros";
    case Initializer::Ones: return "ones";
  }
  return "?";
}

Tensor initialize(Initializer init, const Shape& shape, Rng& rng) {
  Tensor t(shape);
  if (init == Initializer::Zeros) return t;
  if (init == Initializer::Ones) {
    t.fill(1.0f);
    return t;
  }
  const Fans f = compute_fans(shape);
  const bool glorot = init == Initializer::GlorotUniform || init == Initializer::GlorotNormal;
  // Keras VarianceScaling: glorot = scale 1, fan_avg; he = scale 2, fan_in.
  const double n = glorot ? std::max(1.0, (f.in + f.out) / 2.0) : std::max(1.0, f.in);
  const double variance = (glorot ? 1.0 : 2.0) / n;
  const bool uniform = init == Initializer::GlorotUniform || init == Initializer::HeUniform;
  if (uniform) {
    const double limit = std::sqrt(3.0 * variance);
    for (float& v : t.values()) v = static_cast<float>(rng.uniform(-limit, limit));
  } else {
    const double stddev = std::sqrt(variance) / 0.87962566103423978;
    for (float& v : t.values()) v = static_cast<float>(rng.truncated_normal(stddev));
  }
  return t;
}

}  // namespace petal
