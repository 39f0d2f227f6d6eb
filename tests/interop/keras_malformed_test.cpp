// Malformed Keras HDF5 input: truncated files, files that are not HDF5, HDF5
// files that are not Keras files, Keras files with layers or options petal
// lacks. Each is one clear error naming the file, never a crash.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "interop/keras_fixtures.h"
#include "interop/keras_h5.h"
#include "io/hdf5_file.h"
#include "petal/core/error.h"
#include "petal/interop/keras.h"
#include "petal/layers/conv2d.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/optimizers/adam.h"
#include "testing/error_of.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::TempDir;

Sequential tiny_model() {
  Sequential m({.seed = 1, .input_shape = {5, 5, 2}});
  m.add(Conv2D({.filters = 2, .kernel_size = {3, 3}}));
  m.add(Flatten());
  m.add(Dense({.units = 3, .activation = "softmax"}));
  m.compile(Adam(), "categorical_crossentropy", {"accuracy"});
  Tensor x({2, 5, 5, 2}, 0.5f), y({2, 3});
  y.at({0, 1}) = y.at({1, 2}) = 1;
  m.train_on_batch(x, y);
  return m;
}

// The message of the petal::Error `f` throws; fails the test on anything else.
using testing::error_of;

void write_bytes(const std::filesystem::path& p, const std::string& bytes) {
  std::ofstream(p, std::ios::binary) << bytes;
}

TEST(KerasMalformed, TruncatedFilesAreOneLineErrors) {
  TempDir dir;
  save_keras_model(tiny_model(), dir / "whole.h5");
  std::ifstream in(dir / "whole.h5", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  ASSERT_GT(bytes.size(), 4000u);
  const auto cut = dir / "cut.h5";
  Sequential target = tiny_model();
  int checked = 0;
  for (size_t n = 0; n < bytes.size(); n += (n < 1024 ? 61 : 397)) {
    SCOPED_TRACE(n);
    write_bytes(cut, bytes.substr(0, n));
    const std::string model_error = error_of<Error>([&] { load_keras_model(cut); });
    const std::string weights_error = error_of<Error>([&] { load_keras_weights(target, cut); });
    EXPECT_THAT(model_error, StartsWith("'" + cut.string() + "': "));
    EXPECT_EQ(model_error.find('\n'), std::string::npos) << model_error;
    EXPECT_EQ(weights_error, model_error);
    if (n >= 8) {
      EXPECT_THAT(model_error, HasSubstr("cannot open as HDF5 (damaged or truncated?): truncated file: eof = "));
    }
    ++checked;
  }
  EXPECT_GT(checked, 20);
}

TEST(KerasMalformed, FilesThatAreNotHdf5) {
  TempDir dir;
  write_bytes(dir / "text.h5", "model weights, honest\n");
  write_bytes(dir / "empty.h5", "");
  tiny_model().save(dir / "petal_model.petal");  // petal's own format (an .npz archive) renamed .h5
  std::filesystem::rename(dir / "petal_model.petal", dir / "petal_model.h5");
  for (const char* name : {"text.h5", "empty.h5", "petal_model.h5"}) {
    const auto p = dir / name;
    EXPECT_EQ(error_of<Error>([&] { load_keras_model(p); }), "'" + p.string() + "': not an HDF5 file (no HDF5 signature found).");
  }
  EXPECT_EQ(error_of<Error>([&] { load_keras_model(dir / "absent.h5"); }), "'" + (dir / "absent.h5").string() + "': no such file.");
}

TEST(KerasMalformed, Hdf5FilesThatAreNotKerasFiles) {
  TempDir dir;
  const auto p = dir / "data.h5";
  {
    auto f = detail::h5::File::create(p);
    f.create_group("images").write_dataset("x", Tensor({2, 3}, 1.0f));
    f.write_string_attribute("title", "not a model");
    f.commit();
  }
  Sequential m = tiny_model();
  const std::string expected = "'" + p.string() +
                               "': not a Keras file: expected a 'layer_names' attribute at the root (save_weights) or a "
                               "'model_weights' group (model.save); found neither.";
  EXPECT_EQ(error_of<Error>([&] { load_keras_model(p); }), expected);
  EXPECT_EQ(error_of<Error>([&] { load_keras_weights(m, p); }), expected);
}

// Writes a Keras-looking file through the raw HDF5 wrappers, broken by `edit`.
template <typename Edit>
std::filesystem::path broken(const TempDir& dir, const char* name, Edit edit) {
  const auto p = dir / name;
  auto f = detail::h5::File::create(p);
  edit(f);
  f.commit();
  return p;
}

TEST(KerasMalformed, KerasFilesWithBrokenStructure) {
  TempDir dir;
  Sequential m = tiny_model();
  const auto missing_group = broken(dir, "g.h5", [](auto& f) { f.write_string_array_attribute("layer_names", {"conv"}); });
  EXPECT_EQ(error_of<Error>([&] { load_keras_weights(m, missing_group); }),
            "'" + missing_group.string() + "': layer 'conv' is listed in '/@layer_names' but '/conv' is not a group.");
  const auto missing_weight = broken(dir, "w.h5", [](auto& f) {
    f.write_string_array_attribute("layer_names", {"conv"});
    f.create_group("conv").write_string_array_attribute("weight_names", {"conv/kernel:0"});
  });
  EXPECT_EQ(error_of<Error>([&] { load_keras_weights(m, missing_weight); }),
            "'" + missing_weight.string() +
                "': layer 'conv': weight 'conv/kernel:0' is listed in weight_names but '/conv/conv/kernel:0' is not a dataset.");
  const auto numbers = broken(dir, "n.h5", [](auto& f) {
    f.write_string_array_attribute("layer_names", {});
    f.create_group("model_weights").write_dataset("x", Tensor({1}));
  });
  EXPECT_THAT(error_of<Error>([&] { load_keras_weights(m, numbers); }), HasSubstr("file holds weights for 0 layer(s)"));
  const auto bad_json = broken(dir, "j.h5", [](auto& f) {
    f.write_string_attribute("model_config", "{\"class_name\": \"Sequential\", ");
    f.create_group("model_weights").write_string_array_attribute("layer_names", {});
  });
  EXPECT_THAT(error_of<Error>([&] { load_keras_model(bad_json); }),
              StartsWith("'" + bad_json.string() + "': model_config is not valid JSON ("));
  const auto odd_class = broken(dir, "c.h5", [](auto& f) {
    f.write_string_attribute("model_config", R"({"class_name": "Graph", "config": {}})");
    f.create_group("model_weights").write_string_array_attribute("layer_names", {});
  });
  EXPECT_EQ(error_of<Error>([&] { load_keras_model(odd_class); }),
            "'" + odd_class.string() + "': model_config: expected class_name 'Sequential', 'Model' or 'Functional'; "
            "received 'Graph'.");
}

// A Sequential model file whose second layer is `layer` (a Keras layer entry).
std::filesystem::path sequential_with(const TempDir& dir, const json& layer) {
  json config = json::array({json::parse(R"({"class_name": "Dense", "config": {"name": "dense_1", "units": 4,
                                             "batch_input_shape": [null, 3]}})"),
                             layer});
  detail::KerasFile file;
  file.keras_version = "2.2.4";
  file.backend = "tensorflow";
  file.model_config = json{{"class_name", "Sequential"}, {"config", config}}.dump();
  file.weights.layers = {{"dense_1", {}}, {layer["config"]["name"], {}}};
  const auto p = dir / "seq.h5";
  detail::write_keras_model_file(p, file);
  return p;
}

TEST(KerasMalformed, LayersPetalLacksNameLayerAndClass) {
  TempDir dir;
  const auto lambda = sequential_with(dir, json::parse(R"({"class_name": "Lambda", "config": {"name": "lambda_1",
      "function": ["4wEAAAAA", null, null], "function_type": "lambda", "arguments": {}}})"));
  EXPECT_THAT(error_of<Error>([&] { load_keras_model(lambda); }),
              StartsWith("'" + lambda.string() + "': Keras layer 'lambda_1' has class Lambda, which petal does not support; "));
  const auto lstm = sequential_with(dir, json::parse(R"({"class_name": "LSTM", "config": {"name": "lstm_1", "units": 8}})"));
  EXPECT_THAT(error_of<Error>([&] { load_keras_model(lstm); }),
              StartsWith("'" + lstm.string() + "': Keras layer 'lstm_1' has class LSTM, which petal does not support; "));
  const std::string dir_k = testing::keras_h5_dir();
  if (dir_k.empty()) GTEST_SKIP() << testing::kNoKerasFiles;
  const auto densenet = std::filesystem::path(dir_k) / "func_densenet_mnist_concat_lambda_k2.2.4.h5";
  // A functional file: the first Lambda in call order is named, with its class.
  EXPECT_THAT(error_of<Error>([&] { load_keras_model(densenet); }),
              StartsWith("'" + densenet.string() + "': Keras layer 'lambda_1' has class Lambda, which petal does not "
                         "support; "));
}

TEST(KerasMalformed, OptionsPetalLacksNameLayerAndField) {
  TempDir dir;
  const auto dilated = sequential_with(dir, json::parse(R"({"class_name": "Dense", "config": {"name": "dense_2",
      "units": 2, "activity_regularizer": {"class_name": "L1L2", "config": {"l1": 0.01, "l2": 0.0}}}})"));
  EXPECT_EQ(error_of<Error>([&] { load_keras_model(dilated); }),
            "'" + dilated.string() + "': Dense(name='dense_2'): Keras field 'activity_regularizer': expected null; received "
            "{\"class_name\":\"L1L2\",\"config\":{\"l1\":0.01,\"l2\":0.0}}. Hint: petal has no such option.");
  const std::string dir_k = testing::keras_h5_dir();
  if (dir_k.empty()) GTEST_SKIP() << testing::kNoKerasFiles;
  const auto mixed = std::filesystem::path(dir_k) / "seq_simpleconv2d_mixed_data_format_dl4j_k2.3.1.hdf5";
  EXPECT_EQ(error_of<Error>([&] { load_keras_model(mixed); }),
            "'" + mixed.string() + "': Conv2D(name='conv2d_1'): Keras field 'data_format': expected \"channels_last\"; "
            "received \"channels_first\".");
}

TEST(KerasMalformed, ArchitectureJsonErrors) {
  EXPECT_THAT(error_of<Error>([] { sequential_from_keras_json("{\"class_name\": "); }),
              StartsWith("Keras model JSON: not valid JSON ("));
  EXPECT_EQ(error_of<Error>([] { sequential_from_keras_json("[1, 2]"); }),
            "Keras model JSON: expected class_name 'Sequential'; received null.");
  EXPECT_EQ(error_of<Error>([] { sequential_from_keras_json(R"({"class_name": "Sequential", "config": [3]})"); }),
            "Keras Sequential config: layer #0 has no class_name.");
  EXPECT_EQ(error_of<Error>([] {
              sequential_from_keras_json(R"({"class_name": "Sequential", "config": {"layers": [{"class_name": "Dense",
                  "config": {"name": "d", "units": "many", "batch_input_shape": [null, 3]}}]}})");
            }),
            "Dense(name='d'): Keras field 'units': expected an integer; received \"many\".");
  EXPECT_EQ(error_of<Error>([] {
              sequential_from_keras_json(R"({"class_name": "Sequential", "config": {"name": "s", "layers": [
                  {"class_name": "Dense", "config": {"name": "d", "units": 2}}]}})");
            }),
            "Keras Sequential config 's': no input shape (batch_input_shape of the first layer).");
}

}  // namespace
}  // namespace petal
