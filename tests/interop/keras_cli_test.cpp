// Keras .h5 files on the command line: every command that takes --model
// (train, evaluate, predict, summary, export) accepts one, and `petal export --h5`
// writes one (from a built-in model, a .petal file or another .h5).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/cli_fixtures.h"
#include "interop/keras_h5.h"
#include "petal/interop/keras.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/layers/merge.h"
#include "petal/layers/pooling.h"
#include "petal/optimizers/adam.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using cli_testing::run_petal;
using ::testing::HasSubstr;
namespace fs = std::filesystem;

const std::vector<std::string> kClasses = {"blue", "green", "red"};

// A functional model for 16x16 images of 3 classes, saved as Keras's model file.
fs::path keras_model(const fs::path& dir) {
  KerasTensor in = Input({16, 16, 3});
  KerasTensor x = MaxPooling2D({.pool_size = {4, 4}})(Conv2D({.filters = 4, .padding = Padding::Same})(in));
  KerasTensor y = Conv2D({.filters = 4, .padding = Padding::Same, .activation = "relu"})(x);
  Model m(in, Dense({.units = 3, .activation = "softmax"})(Flatten()(Add()({x, y}))), {.seed = 2});
  m.compile(Adam({.learning_rate = 0.01}), "categorical_crossentropy", {"accuracy"});
  m.save(dir / "model.h5");
  return dir / "model.h5";
}

class KerasCli : public ::testing::Test {
 protected:
  void SetUp() override {
    cli_testing::write_class_folders(tmp_.path() / "data", kClasses, 6, 16);
    h5_ = keras_model(tmp_.path());
  }
  testing::TempDir tmp_;
  fs::path h5_;
};

TEST_F(KerasCli, SummaryAndExportTakeAKerasFile) {
  const auto s = run_petal({"summary", "--model", h5_.string()});
  ASSERT_EQ(s.rc, 0) << s.err;
  EXPECT_THAT(s.out, HasSubstr("add_1 (Add)"));
  const fs::path onnx = tmp_ / "m.onnx", again = tmp_ / "again.hdf5";
  const auto e = run_petal({"export", "--model", h5_.string(), "--onnx", onnx.string(), "--h5", again.string()});
  ASSERT_EQ(e.rc, 0) << e.err;
  EXPECT_TRUE(fs::exists(onnx));
  EXPECT_THAT(e.out, HasSubstr("input 'input_1' [N, H, W, C], output 'dense_1'"));
  Model back = load_keras_model(again);
  Tensor x({2, 16, 16, 3});
  x.fill(0.3f);
  EXPECT_EQ(max_abs_diff(load_model(h5_).predict(x), back.predict(x)), 0.0f);
}

TEST_F(KerasCli, ExportH5FromABuiltInModel) {
  const fs::path out = tmp_ / "lenet.h5";
  const auto r = run_petal({"export", "--model", "lenet", "--input-shape", "28,28,1", "--classes", "10", "--h5",
                            out.string()});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Keras Sequential model file"));
  const auto file = detail::read_keras_file(out);
  EXPECT_EQ(file.keras_version, "2.2.4");
  EXPECT_THAT(file.model_config, HasSubstr("\"class_name\":\"Sequential\""));
  EXPECT_TRUE(load_keras_model(out).is_sequential());
  const auto bad = run_petal({"export", "--model", "lenet"});
  EXPECT_EQ(bad.rc, 2);
  EXPECT_THAT(bad.err, HasSubstr("--h5 M.h5"));
}

TEST_F(KerasCli, EvaluatePredictAndTrainTakeAKerasFile) {
  const auto ev = run_petal({"evaluate", "--model", h5_.string(), "--data", (tmp_ / "data").string(), "--json"});
  ASSERT_EQ(ev.rc, 0) << ev.err;
  EXPECT_NO_THROW(nlohmann::json::parse(ev.out)) << ev.out;
  const auto pr = run_petal({"predict", "--model", h5_.string(), (tmp_ / "data" / "red" / "img_10.png").string()});
  ASSERT_EQ(pr.rc, 0) << pr.err;
  EXPECT_THAT(pr.out, HasSubstr("img_10.png"));
  // Training continues from the file's weights (compiled with this run's settings).
  const fs::path run = tmp_ / "run";
  const auto tr = run_petal({"train", "--model", h5_.string(), "--data", (tmp_ / "data").string(), "--out",
                             run.string(), "--image-size", "16", "--epochs", "2", "--batch-size", "6", "--mode", "fit",
                             "--augment", "none", "--optimizer", "adam", "--lr", "0.003", "--verbose", "0",
                             "--threads", "1"});
  ASSERT_EQ(tr.rc, 0) << tr.err;
  EXPECT_TRUE(fs::exists(run / "model.petal"));
  EXPECT_FALSE(load_model(run / "model_last.petal").is_sequential());
  const auto wrong = run_petal({"train", "--model", h5_.string(), "--data", (tmp_ / "data").string(), "--out",
                                (tmp_ / "run2").string(), "--image-size", "32", "--epochs", "1", "--verbose", "0"});
  EXPECT_NE(wrong.rc, 0);
  EXPECT_THAT(wrong.err, HasSubstr("the model takes [16, 16, 3]"));
}

}  // namespace
}  // namespace petal
