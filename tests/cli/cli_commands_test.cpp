// petal evaluate, predict, summary and export on a run trained on tiny data.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/cli_fixtures.h"
#include "interop/onnx_test_util.h"
#include "petal/models/zoo.h"
#include "petal/data/image_io.h"
#include "petal/io/npy.h"
#include "petal/io/npz.h"
#include "petal/model/sequential.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using cli_testing::run_petal;
using ::testing::HasSubstr;
using ::testing::StartsWith;
namespace fs = std::filesystem;

const std::vector<std::string> kClasses = {"blue", "green", "red"};

// One overfit toy run (all tests of this file share it): fit mode on 16x16
// noisy colours, 12 epochs, which separates the three classes.
class CliCommands : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    tmp_ = new testing::TempDir();
    cli_testing::write_class_folders(data(), kClasses, 12, 16);
    const auto r = run_petal({"train", "--data", data().string(), "--out", run().string(), "--model", "shallownet",
                              "--image-size", "16", "--epochs", "12", "--batch-size", "9", "--mode", "fit",
                              "--augment", "none", "--optimizer", "adam", "--lr", "0.003", "--seed", "5",
                              "--verbose", "0", "--threads", "1"});
    ASSERT_EQ(r.rc, 0) << r.err;
  }
  static void TearDownTestSuite() {
    delete tmp_;
    tmp_ = nullptr;
  }
  static fs::path data() { return tmp_->path() / "data"; }
  static fs::path run() { return tmp_->path() / "run"; }
  static fs::path model() { return run() / "model_last.petal"; }
  static testing::TempDir* tmp_;
};

testing::TempDir* CliCommands::tmp_ = nullptr;

TEST_F(CliCommands, EvaluateJsonIsOneObjectMatchingTheRunsReport) {
  const auto r = run_petal({"evaluate", "--model", model().string(), "--data", data().string(), "--json"});
  ASSERT_EQ(r.rc, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);  // the whole of stdout
  ASSERT_TRUE(j.contains("accuracy"));
  ASSERT_TRUE(j.contains("confusion_matrix"));
  for (const auto& name : kClasses) {
    ASSERT_TRUE(j["per_class"].contains(name)) << name;
    for (const char* key : {"precision", "recall", "f1", "support"}) EXPECT_TRUE(j["per_class"][name].contains(key));
  }
  // Evaluating the run's own data uses its test split: the report of the run.
  const auto report = nlohmann::json::parse(cli_testing::read_text(run() / "report.json"));
  EXPECT_EQ(j["confusion_matrix"], report["confusion_matrix"]);
  EXPECT_DOUBLE_EQ(j["accuracy"].get<double>(), report["accuracy"].get<double>());
  int64_t total = 0;
  for (const auto& row : j["confusion_matrix"]) {
    for (const auto& v : row) total += v.get<int64_t>();
  }
  EXPECT_EQ(total, 9);
}

TEST_F(CliCommands, EvaluateAllSubsetAndTextReport) {
  const auto r = run_petal({"evaluate", "--model", model().string(), "--data", data().string(), "--subset", "all"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("precision    recall  f1-score   support"));
  EXPECT_THAT(r.out, HasSubstr("accuracy                           1.00        36"));
}

TEST_F(CliCommands, PredictReturnsTheClassOfTrainingImages) {
  const std::string red = (data() / "red" / "img_10.png").string(), blue = (data() / "blue" / "img_11.png").string();
  const auto r = run_petal({"predict", "--model", model().string(), red, blue, "--top", "2"});
  ASSERT_EQ(r.rc, 0) << r.err;
  std::stringstream lines(r.out);
  std::string first, second;
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_THAT(first, StartsWith(red + ": red "));
  EXPECT_THAT(second, StartsWith(blue + ": blue "));
  EXPECT_THAT(first, HasSubstr(", "));  // two classes shown
}

TEST_F(CliCommands, PredictNpyWritesProbabilities) {
  const fs::path x = tmp_->path() / "x.npy", p = tmp_->path() / "p.npy";
  // Two training images as decoded pixels (0..255): the run's rescale applies.
  const std::vector<Tensor> rows = {to_tensor(decode_image((data() / "red" / "img_12.png").string())),
                                    to_tensor(decode_image((data() / "green" / "img_13.png").string()))};
  save_npy(x, NpyArray::from_tensor(concatenate(rows).reshaped({2, 16, 16, 3})));
  const auto r = run_petal({"predict", "--model", model().string(), "--npy", x.string(), "--out", p.string()});
  ASSERT_EQ(r.rc, 0) << r.err;
  const Tensor probs = load_npy(p).to_tensor();
  ASSERT_EQ(probs.shape(), (Shape{2, 3}));
  EXPECT_NEAR(probs[0] + probs[1] + probs[2], 1.0f, 1e-5f);
  EXPECT_GT(probs[2], 0.5f);  // red
  EXPECT_GT(probs[3 + 1], 0.5f);  // green
}

TEST_F(CliCommands, SummaryOfABuiltInModelAndOfAModelFile) {
  const auto a = run_petal({"summary", "--model", "minivggnet"});
  ASSERT_EQ(a.rc, 0) << a.err;
  EXPECT_THAT(a.out, HasSubstr("Total params: 8,466,225"));
  const auto b = run_petal({"summary", "--model", model().string()});
  ASSERT_EQ(b.rc, 0) << b.err;
  EXPECT_THAT(b.out, HasSubstr("conv2d_1 (Conv2D)"));
  EXPECT_THAT(b.out, HasSubstr("Total params: 25,475"));  // 3*3*3*32+32 + 16*16*32*3+3
  for (const char* m : {"shallownet", "lenet", "vgg_bn"}) {
    EXPECT_EQ(run_petal({"summary", "--model", m, "--input-shape", "32,32,3"}).rc, 0) << m;
  }
}

TEST_F(CliCommands, ExportWritesKerasNamedWeights) {
  const fs::path w = tmp_->path() / "w.npz";
  const auto r = run_petal({"export", "--model", model().string(), "--weights", w.string()});
  ASSERT_EQ(r.rc, 0) << r.err;
  const NamedArrays arrays = load_npz(w);
  ASSERT_EQ(arrays.size(), 4u);
  EXPECT_EQ(arrays[0].first, "conv2d_1/kernel:0");
  EXPECT_EQ(arrays[0].second.shape(), (Shape{3, 3, 3, 32}));
  EXPECT_EQ(arrays[3].first, "dense_1/bias:0");
  const auto weights = load_model(model()).get_weights();
  EXPECT_EQ(max_abs_diff(arrays[0].second.to_tensor(), weights[0]), 0.0f);
}

// The run's model file as ONNX, run by OpenCV's dnn: the same probabilities as petal.
TEST_F(CliCommands, ExportWritesOnnxThatOpenCvRunsLikePetal) {
  if (const std::string why = testing::onnx_tests_unavailable(); !why.empty()) GTEST_SKIP() << why;
#ifdef PETAL_TEST_OPENCV_DNN
  const fs::path onnx = tmp_->path() / "model.onnx";
  const auto r = run_petal({"export", "--model", model().string(), "--onnx", onnx.string()});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("input 'conv2d_1_input' [N, H, W, C], output 'activation_2'"));
  const Tensor x = testing::flower_images(4, 16, 16).x;
  EXPECT_LE(max_abs_diff(testing::opencv_predict(onnx, x, OnnxLayout::Nhwc), load_model(model()).predict(x)), 1e-4);
#endif
}

// A built-in model, NCHW and folded: the options reach the file.
TEST(CliExportOnnx, LayoutAndFoldingOptionsReachTheFile) {
  if (const std::string why = testing::onnx_tests_unavailable(); !why.empty()) GTEST_SKIP() << why;
#ifdef PETAL_TEST_OPENCV_DNN
  testing::TempDir tmp;
  const fs::path onnx = tmp / "vgg.onnx";
  const auto r = run_petal({"export", "--model", "vgg_bn", "--input-shape", "32,32,3", "--classes", "5", "--seed",
                            "4", "--onnx", onnx.string(), "--onnx-layout", "nchw", "--fold-bn"});
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("[N, C, H, W]"));
  Model model = build_model("vgg_bn", {.height = 32, .width = 32, .depth = 3, .classes = 5, .seed = 4});
  const Tensor x = testing::flower_images(3, 32, 32).x;
  const Tensor expected = model.predict(x);
  EXPECT_LE(max_abs_diff(testing::opencv_predict(onnx, x, OnnxLayout::Nchw), expected), 1e-4);
  testing::python_check(model, x, expected, {{onnx, {.layout = OnnxLayout::Nchw, .fold_batch_norm = true}, 0}},
                        tmp.path());
#endif
}

TEST(CliExportOnnx, UsageMistakesExitWithTwo) {
  testing::TempDir tmp;
  const std::string onnx = (tmp / "m.onnx").string();
  auto r = run_petal({"export", "--model", "lenet"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_THAT(r.err, HasSubstr("expected --weights W.npz, --h5 M.h5, --onnx M.onnx or several of them"));
  r = run_petal({"export", "--model", "lenet", "--onnx", onnx, "--onnx-layout", "nwhc"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_THAT(r.err, HasSubstr("--onnx-layout: expected nhwc or nchw; received 'nwhc'"));
  r = run_petal({"export", "--model", "lenet", "--weights", (tmp / "w.npz").string(), "--fold-bn"});
  EXPECT_EQ(r.rc, 2);
  EXPECT_THAT(r.err, HasSubstr("--fold-bn: applies to an ONNX export"));
  EXPECT_TRUE(tmp.entries().empty());
}

TEST(CliHelp, EveryCommandHasHelp) {
  for (const char* cmd : {"train", "evaluate", "predict", "summary", "export"}) {
    const auto r = run_petal({cmd, "--help"});
    EXPECT_EQ(r.rc, 0) << cmd;
    EXPECT_THAT(r.out, StartsWith(std::string("usage: petal ") + cmd)) << cmd;
  }
  const auto top = run_petal({"--help"});
  EXPECT_EQ(top.rc, 0);
  EXPECT_THAT(top.out, HasSubstr("train"));
  EXPECT_THAT(run_petal({"train", "--help"}).out, HasSubstr("--reduce-lr-on-plateau"));
}

}  // namespace
}  // namespace petal
