// The Keras 2 HDF5 layouts: every real Keras 2.0-2.13 file in shared/data/keras-h5
// reads as h5py reads it (layer names, weight names, shapes, value digests), and
// what petal writes back reads identically with h5py.
#include <gtest/gtest.h>

#include "interop/keras_fixtures.h"
#include "interop/keras_h5.h"
#include "petal/core/error.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using detail::KerasFile;
using nlohmann::json;

#define SKIP_WITHOUT_H5PY()                                             \
  do {                                                                  \
    const std::string why = testing::python_unavailable("numpy h5py"); \
    if (!why.empty()) GTEST_SKIP() << why;                              \
  } while (0)

// Compares petal's reading of a file with h5_dump.py's Keras view of it.
void expect_same_as_h5py(const KerasFile& ours, const json& ref, const std::string& file) {
  SCOPED_TRACE(file);
  EXPECT_EQ(ref["kind"], ours.full_model() ? "full" : "weights");
  EXPECT_EQ(ref["keras_version"], ours.weights.keras_version);
  EXPECT_EQ(ref["backend"], ours.weights.backend);
  if (ours.full_model()) {
    EXPECT_EQ(ref["model_config_class"], json::parse(ours.model_config)["class_name"]);
  }
  EXPECT_EQ(ref["training_config"].is_null(), ours.training_config.empty());
  ASSERT_EQ(ref["layers"].size(), ours.weights.layers.size());
  for (size_t i = 0; i < ours.weights.layers.size(); ++i) {
    const auto& layer = ours.weights.layers[i];
    const json& r = ref["layers"][i];
    EXPECT_EQ(r["name"], layer.layer);
    ASSERT_EQ(r["weights"].size(), layer.weights.size()) << layer.layer;
    for (size_t k = 0; k < layer.weights.size(); ++k) {
      const auto& [name, value] = layer.weights[k];
      EXPECT_EQ(r["weights"][k]["name"], name);
      EXPECT_EQ(r["weights"][k]["shape"], json(value.shape())) << name;
      EXPECT_TRUE(testing::same_digest(testing::digest(value), r["weights"][k], value))
          << name << ": ours " << testing::digest(value) << " h5py " << r["weights"][k];
    }
  }
  const auto& opt = ours.optimizer_weights;
  ASSERT_EQ(ref["optimizer_weights"].size(), opt.names.size());
  for (size_t i = 0; i < opt.names.size(); ++i) {
    const json& r = ref["optimizer_weights"][i];
    EXPECT_EQ(r["name"], opt.names[i]);
    EXPECT_EQ(r["shape"], json(opt.values[i].shape())) << opt.names[i];
    EXPECT_TRUE(testing::same_digest(testing::digest(opt.values[i]), r, opt.values[i])) << opt.names[i];
  }
  if (opt.iterations) {
    EXPECT_EQ(ref["optimizer_weights"][0]["sum"], static_cast<double>(*opt.iterations));
  }
}

TEST(KerasH5Files, EveryRealFileReadsAsH5pyReadsIt) {
  SKIP_WITHOUT_H5PY();
  const std::string dir = testing::keras_h5_dir();
  if (dir.empty()) GTEST_SKIP() << testing::kNoKerasFiles;
  const auto files = testing::keras_h5_files(dir);
  ASSERT_GE(files.size(), 19u);
  std::string args = "keras";
  for (const auto& path : files) args += " '" + path.string() + "'";
  const json refs = testing::h5_dump(args);  // one interpreter for every file
  ASSERT_EQ(refs.size(), files.size());
  int full = 0, with_optimizer = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    const KerasFile ours = detail::read_keras_file(files[i]);
    expect_same_as_h5py(ours, refs[i], files[i].filename().string());
    full += ours.full_model();
    with_optimizer += !ours.optimizer_weights.empty();
  }
  EXPECT_EQ(full, 13);  // SOURCE.md: 13 model.save files, 6 save_weights files
  EXPECT_EQ(with_optimizer, 10);
}

TEST(KerasH5Files, RealFilesWrittenBackReadTheSameWithH5py) {
  SKIP_WITHOUT_H5PY();
  const std::string dir = testing::keras_h5_dir();
  if (dir.empty()) GTEST_SKIP() << testing::kNoKerasFiles;
  testing::TempDir out;
  for (const char* name : {"func_resnet_cifar10_add_bn_k2.13.1.h5", "seq_shallownet_animals_k2.2.2.hdf5",
                           "weights_hls4ml_jettagger_conv2d_bn_k2.0.6.h5"}) {
    const auto source = std::filesystem::path(dir) / name;
    const KerasFile file = detail::read_keras_file(source);
    const auto copy = out / name;
    if (file.full_model()) {
      detail::write_keras_model_file(copy, file);
    } else {
      detail::write_keras_weights_file(copy, file.weights);
    }
    json a = testing::h5_dump("keras " + source.string());
    json b = testing::h5_dump("keras " + copy.string());
    EXPECT_EQ(a, b) << name;
    expect_same_as_h5py(detail::read_keras_file(copy), b, name);
  }
}

// Nested models store their weights under deeper paths; weight_names lead there.
TEST(KerasH5, NestedWeightPathsFollowWeightNames) {
  SKIP_WITHOUT_H5PY();
  testing::TempDir dir;
  testing::h5_dump("write " + dir.str());
  const KerasFile f = detail::read_keras_file(dir / "nested.h5");
  expect_same_as_h5py(f, testing::h5_dump("keras " + (dir / "nested.h5").string()), "nested.h5");
  ASSERT_EQ(f.weights.layers.size(), 3u);
  const auto& nested = f.weights.layers[1].weights;
  ASSERT_EQ(nested.size(), 3u);
  EXPECT_EQ(nested[2].first, "model_1/block/conv/kernel:0");
  EXPECT_EQ(nested[2].second.shape(), (Shape{1, 1, 3, 2}));
  EXPECT_FLOAT_EQ(nested[2].second[0], 1.0f / 3.0f);
  EXPECT_EQ(f.weights.layers[2].weights[0].second[1], 2.0f);  // float16 in the file
  // Written back by petal, the same paths hold the same values.
  detail::write_keras_weights_file(dir / "copy.h5", f.weights);
  json copy = testing::h5_dump("keras " + (dir / "copy.h5").string())["layers"];
  json original = testing::h5_dump("keras " + (dir / "nested.h5").string())["layers"];
  for (json* layers : {&copy, &original}) {
    for (auto& l : *layers) {
      for (auto& w : l["weights"]) w.erase("dtype");  // petal writes float32 whatever it read
    }
  }
  EXPECT_EQ(copy, original);
}

TEST(KerasH5, ThousandsOfLayersSplitLayerNamesAndReadBack) {
  SKIP_WITHOUT_H5PY();
  testing::TempDir dir;
  detail::KerasWeights w{"2.2.4", "tensorflow", {}};
  for (int i = 0; i < 3000; ++i) {
    w.layers.push_back({"dense_with_a_long_name_" + std::to_string(i), {}});
    if (i % 1000 == 0) w.layers.back().weights.emplace_back(w.layers.back().layer + "/bias:0", Tensor({2}, float(i)));
  }
  detail::write_keras_weights_file(dir / "w.h5", w);
  const json attr = testing::h5_dump("keras-attr " + (dir / "w.h5").string() + " / layer_names");
  EXPECT_FALSE(attr["unsplit"].get<bool>());
  EXPECT_EQ(attr["chunk_sizes"], attr["keras_chunk_sizes"]);
  const KerasFile back = detail::read_keras_file(dir / "w.h5");
  expect_same_as_h5py(back, testing::h5_dump("keras " + (dir / "w.h5").string()), "w.h5");
  ASSERT_EQ(back.weights.layers.size(), 3000u);
  EXPECT_EQ(back.weights.layers[2000].weights.at(0).second[1], 2000.0f);
}

}  // namespace
}  // namespace petal
