// A petal-written Keras model file passes tests/reference/keras_load_check.py,
// which checks it the way Keras 2.2.4's load_model reads it (h5py + json), and
// the check fails on the faults Keras would trip over.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "interop/keras_fixtures.h"
#include "interop/keras_h5.h"
#include "petal/interop/keras.h"
#include "petal/models/zoo.h"
#include "petal/optimizers/adam.h"
#include "petal/optimizers/sgd.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

json run_check(const std::filesystem::path& file, int& status) {
  std::string log;
  status = testing::run_python("tests/reference/keras_load_check.py", "'" + file.string() + "'", log);
  return json::parse(log);
}

Sequential trained_minivggnet(const Optimizer& optimizer) {
  Sequential m = minivggnet({.height = 16, .width = 16, .depth = 3, .classes = 5, .seed = 2});
  m.compile(optimizer, "categorical_crossentropy", {"accuracy"});
  Tensor x({4, 16, 16, 3}), y({4, 5});
  Rng rng(3);
  for (float& v : x.values()) v = static_cast<float>(rng.uniform());
  for (int64_t i = 0; i < 4; ++i) y.at({i, i % 5}) = 1;
  m.train_on_batch(x, y);
  m.train_on_batch(x, y);
  return m;
}

TEST(KerasLoadCheck, PetalMiniVGGNetFileLoadsAsKeras224ReadsIt) {
  const std::string why = testing::python_unavailable("numpy h5py");
  if (!why.empty()) GTEST_SKIP() << why;
  testing::TempDir dir;
  for (const auto& optimizer : {std::shared_ptr<Optimizer>(new SGD({.learning_rate = 0.01, .momentum = 0.9})),
                                std::shared_ptr<Optimizer>(new Adam({.learning_rate = 0.001}))}) {
    SCOPED_TRACE(optimizer->name());
    const Sequential m = trained_minivggnet(*optimizer);
    save_keras_model(m, dir / "minivggnet.h5");
    int status = -1;
    const json report = run_check(dir / "minivggnet.h5", status);
    EXPECT_EQ(status, 0) << report.dump(1);
    EXPECT_TRUE(report["ok"].get<bool>()) << report["errors"];
    EXPECT_EQ(report["keras_version"], "2.2.4");
    EXPECT_EQ(report["output_shape"], json({5}));
    EXPECT_EQ(report["layers"].size(), m.layers().size());
    // Trainable weights: 4 convs and 2 dense (kernel, bias), 5 batch norms (gamma, beta).
    EXPECT_EQ(report["trainable_weights"], 22);
    EXPECT_EQ(report["optimizer"]["class_name"], optimizer->name());
    EXPECT_EQ(report["optimizer"]["iterations"], 2);
    EXPECT_EQ(report["optimizer"]["names"].size(), optimizer->name() == "SGD" ? 23u : 67u);
    const auto names = m.weight_names();
    const auto values = m.get_weights();
    for (size_t i = 0; i < names.size(); ++i) {
      double sum = 0;
      for (const float v : values[i].values()) sum += v;
      EXPECT_NEAR(report["weight_sums"][names[i]].get<double>(), sum, 1e-6 * (1 + std::fabs(sum))) << names[i];
    }
  }
}

// The check is not a rubber stamp: the faults Keras 2.2.4 would reject show.
TEST(KerasLoadCheck, FlagsWhatKeras224WouldReject) {
  const std::string why = testing::python_unavailable("numpy h5py");
  if (!why.empty()) GTEST_SKIP() << why;
  testing::TempDir dir;
  save_keras_model(trained_minivggnet(Adam()), dir / "good.h5");
  detail::KerasFile file = detail::read_keras_file(dir / "good.h5");
  json config = json::parse(file.model_config);
  config["config"][0]["config"]["groups"] = 1;                      // a key Keras 2.2.4's Conv2D does not take
  config["config"][1]["config"]["activation"] = "leaky_relu";       // no such 2.2.4 activation
  file.model_config = config.dump();
  file.weights.layers[2].weights[0].second = Tensor({31});          // gamma of the wrong size
  file.optimizer_weights.values.back() = Tensor({2});               // a vhat placeholder of the wrong shape
  detail::write_keras_model_file(dir / "bad.h5", file);
  int status = -1;
  const json report = run_check(dir / "bad.h5", status);
  EXPECT_EQ(status, 1);
  EXPECT_FALSE(report["ok"].get<bool>());
  const std::string errors = report["errors"].dump();
  EXPECT_THAT(errors, HasSubstr("extra ['groups']"));
  EXPECT_THAT(errors, HasSubstr("activation 'leaky_relu'"));
  // Configs are checked first; weights once the configs are right.
  config["config"][0]["config"].erase("groups");
  config["config"][1]["config"]["activation"] = "relu";
  file.model_config = config.dump();
  detail::write_keras_model_file(dir / "bad.h5", file);
  const json second = run_check(dir / "bad.h5", status);
  EXPECT_EQ(status, 1);
  EXPECT_THAT(second["errors"].dump(), HasSubstr("batch_normalization_1/gamma:0 has shape (31,), Keras builds (32,)"));
  EXPECT_THAT(second["errors"].dump(), HasSubstr("optimizer weight shapes"));
}

}  // namespace
}  // namespace petal
