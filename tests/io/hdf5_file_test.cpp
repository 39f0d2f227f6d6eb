// The HDF5 wrappers against h5py (tests/reference/h5_dump.py): petal reads what
// h5py writes (every dtype and string layout Keras files use), h5py reads what
// petal writes, long string lists split exactly as Keras 2.2.4 splits them.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "io/hdf5_file.h"
#include "petal/core/error.h"
#include "testing/error_of.h"
#include "testing/python.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using detail::h5::File;
using nlohmann::json;
using testing::TempDir;

json dump(const std::string& args) {
  std::string log;
  const int rc = testing::run_python("tests/reference/h5_dump.py", args, log);
  if (rc != 0) throw std::runtime_error("h5_dump.py " + args + " failed: " + log);
  return json::parse(log);
}

#define SKIP_WITHOUT_H5PY()                                                        \
  do {                                                                             \
    const std::string why = testing::python_unavailable("numpy h5py");            \
    if (!why.empty()) GTEST_SKIP() << why;                                         \
  } while (0)

using testing::error_of;

TEST(Hdf5File, ReadsWhatH5pyWrites) {
  SKIP_WITHOUT_H5PY();
  TempDir dir;
  dump("write " + dir.str());
  const File f = File::open_read(dir / "types.h5");

  const Tensor f16 = f.open_dataset("f16").read_float();
  EXPECT_EQ(f16.shape(), (Shape{2, 3}));
  const std::vector<float> f16_expected{0.5f, -1.25f, 3.0f, 65504.0f, -0.0f, 0.0010004043579101562f};
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(f16[static_cast<int64_t>(i)], f16_expected[i]) << i;
  const Tensor f64 = f.open_dataset("f64").read_float();
  EXPECT_EQ(f64.shape(), (Shape{4}));
  EXPECT_EQ(f64[0], 0.1f);
  EXPECT_EQ(f64[2], 1e10f);
  const Tensor i32 = f.open_dataset("i32").read_float();
  EXPECT_EQ(i32.shape(), (Shape{2, 2}));
  EXPECT_EQ(i32[1], 7.0f);
  EXPECT_TRUE(f.open_dataset("i32").is_integer());
  const auto iterations = f.open_dataset("iterations");
  EXPECT_EQ(iterations.shape(), Shape{});
  EXPECT_EQ(iterations.read_int64(), std::vector<int64_t>{123456789012});
  ASSERT_TRUE(f.has_dataset("deep/a/b/kernel:0"));
  EXPECT_TRUE(f.has_group("deep/a"));
  EXPECT_FALSE(f.has("deep/missing/kernel:0"));
  EXPECT_FALSE(f.has_dataset("deep/a"));
  const Tensor k = f.open_group("deep").open_dataset("a/b/kernel:0").read_float();
  EXPECT_EQ(k.shape(), (Shape{2, 3, 4}));
  EXPECT_FLOAT_EQ(k[23], 23.0f / 7.0f);

  EXPECT_EQ(f.open_attribute("scalar_vlen").read_string(), "tensorflow");
  EXPECT_EQ(f.open_attribute("scalar_fixed").read_string(), "2.2.4");
  EXPECT_EQ(f.open_attribute("names_fixed").read_strings(), (std::vector<std::string>{"conv2d_1", "dense_10"}));
  EXPECT_EQ(f.open_attribute("names_vlen").read_strings(),
            (std::vector<std::string>{"batch_normalization_1", "add"}));
  EXPECT_EQ(f.open_attribute("spacepad").read_strings(), (std::vector<std::string>{"ab", "cde"}));
  EXPECT_TRUE(f.open_attribute("empty").read_strings().empty());
  EXPECT_EQ(f.member_names(), (std::vector<std::string>{"deep", "f16", "f64", "i32", "iterations"}));
}

TEST(Hdf5File, WrongTypesAndMissingObjectsAreOneLineErrors) {
  SKIP_WITHOUT_H5PY();
  TempDir dir;
  dump("write " + dir.str());
  const File f = File::open_read(dir / "types.h5");
  const std::string file = "'" + (dir / "types.h5").string() + "'";
  EXPECT_EQ(error_of<IoError>([&] { f.open_attribute("number").read_strings(); }),
            file + ": attribute '/@number': expected strings (a scalar or a list); received integers.");
  EXPECT_EQ(error_of<IoError>([&] { f.open_attribute("matrix").read_strings(); }),
            file + ": attribute '/@matrix': expected strings (a scalar or a list); received a 2-D array.");
  EXPECT_EQ(error_of<IoError>([&] { f.open_attribute("names_fixed").read_string(); }),
            file + ": attribute '/@names_fixed': expected one string; received 2.");
  const std::string missing = error_of<IoError>([&] { f.open_group("deep").open_dataset("a/nothing:0"); });
  EXPECT_EQ(missing.rfind(file + ": cannot open dataset '/deep/a/nothing:0': ", 0), 0u) << missing;
  EXPECT_EQ(missing.find('\n'), std::string::npos) << missing;
  const std::string no_attr = error_of<IoError>([&] { f.open_attribute("nope"); });
  EXPECT_EQ(no_attr.rfind(file + ": cannot open attribute '/@nope': ", 0), 0u) << no_attr;
}

TEST(Hdf5File, UnreadableFilesAreOneLineErrors) {
  TempDir dir;
  EXPECT_EQ(error_of<IoError>([&] { File::open_read(dir / "absent.h5"); }), "'" + (dir / "absent.h5").string() + "': no such file.");
  EXPECT_EQ(error_of<IoError>([&] { File::open_read(dir.path()); }),
            "'" + dir.str() + "': is a directory, not an HDF5 file.");
  std::ofstream(dir / "text.h5") << "not an HDF5 file at all\n";
  EXPECT_EQ(error_of<IoError>([&] { File::open_read(dir / "text.h5"); }),
            "'" + (dir / "text.h5").string() + "': not an HDF5 file (no HDF5 signature found).");
}

TEST(Hdf5File, H5pyReadsWhatPetalWrites) {
  SKIP_WITHOUT_H5PY();
  TempDir dir;
  {
    File f = File::create(dir / "out.h5");
    f.write_string_attribute("backend", "tensorflow");
    f.write_string_array_attribute("layer_names", {"conv2d_1", "flatten_1", "d"});
    auto g = f.create_group("conv2d_1");
    g.write_string_array_attribute("weight_names", {});
    g.write_dataset("conv2d_1/kernel:0", Tensor({1, 2, 1, 2}, {1.5f, -2.0f, 0.25f, 4.0f}));
    g.write_dataset("scalar", Tensor(Shape{}, 3.0f));
    f.write_int64_scalar("opt/SGD/iterations:0", 9000000000);
    EXPECT_FALSE(std::filesystem::exists(dir / "out.h5"));  // nothing on disk before commit
    f.commit();
  }
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out.h5"});  // no temporary file left
  const json d = dump("raw " + (dir / "out.h5").string());
  EXPECT_EQ(d["attrs"]["/@backend"]["type"], "vlen-str");
  EXPECT_EQ(d["attrs"]["/@backend"]["value"], "tensorflow");
  EXPECT_EQ(d["attrs"]["/@layer_names"]["type"], "fixed-str");
  EXPECT_EQ(d["attrs"]["/@layer_names"]["itemsize"], 9);
  EXPECT_EQ(d["attrs"]["/@layer_names"]["value"], json({"conv2d_1", "flatten_1", "d"}));
  EXPECT_EQ(d["attrs"]["/conv2d_1@weight_names"]["type"], "float64");
  EXPECT_EQ(d["attrs"]["/conv2d_1@weight_names"]["shape"], json::array({0}));
  const json& k = d["datasets"]["/conv2d_1/conv2d_1/kernel:0"];
  EXPECT_EQ(k["shape"], json({1, 2, 1, 2}));
  EXPECT_EQ(k["dtype"], "float32");
  EXPECT_EQ(k["sum"], 3.75);
  EXPECT_EQ(k["min"], -2.0);
  EXPECT_EQ(d["datasets"]["/conv2d_1/scalar"]["shape"], json::array());
  EXPECT_EQ(d["datasets"]["/opt/SGD/iterations:0"]["dtype"], "int64");
  EXPECT_EQ(d["datasets"]["/opt/SGD/iterations:0"]["sum"], 9e9);
}

TEST(Hdf5File, UncommittedFileLeavesTheOldOneAlone) {
  TempDir dir;
  std::ofstream(dir / "keep.h5") << "old";
  { File::create(dir / "keep.h5").create_group("x"); }
  std::ifstream in(dir / "keep.h5");
  std::string content((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(content, "old");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"keep.h5"});
}

// Names long enough that 64512 bytes hold `per_chunk` of them.
std::vector<std::string> long_names(size_t n, size_t length) {
  std::vector<std::string> names;
  for (size_t i = 0; i < n; ++i) {
    std::string s = "layer_" + std::to_string(i) + "_";
    s.resize(length - (i % 3), 'x');  // mixed lengths: NumPy pads to the longest
    names.push_back(s);
  }
  return names;
}

TEST(Hdf5File, LongStringListsSplitAsKeras224) {
  SKIP_WITHOUT_H5PY();
  TempDir dir;
  for (const size_t n : {10ul, 2016ul, 2017ul, 7000ul}) {
    SCOPED_TRACE(n);
    const auto names = long_names(n, 32);  // 2016 * 32 = 64512: the largest unsplit list
    const auto path = dir / ("split" + std::to_string(n) + ".h5");
    {
      File f = File::create(path);
      auto g = f.create_group("model_weights");
      detail::h5::write_keras_string_list(g, "layer_names", names);
      f.commit();
    }
    const json d = dump("keras-attr " + path.string() + " model_weights layer_names");
    EXPECT_EQ(d["values"], json(names));
    EXPECT_EQ(d["unsplit"], n <= 2016);
    EXPECT_EQ(d["chunk_sizes"], d["keras_chunk_sizes"]);
    for (const auto& size : d["itemsizes"]) EXPECT_EQ(size, d["keras_itemsize"]);
    if (n > 2016) {
      EXPECT_GE(d["chunk_names"].size(), 2u);
    }
    const File back = File::open_read(path);
    EXPECT_EQ(detail::h5::read_keras_string_list(back.open_group("model_weights"), "layer_names"), names);
    EXPECT_FALSE(detail::h5::read_keras_string_list(back, "layer_names").has_value());
  }
}

TEST(Hdf5File, AStringOverTheHeaderLimitIsRefused) {
  TempDir dir;
  File f = File::create(dir / "big.h5");
  const std::string message =
      error_of<IoError>([&] { detail::h5::write_keras_string_list(f, "weight_names", {std::string(70000, 'w')}); });
  EXPECT_NE(message.find("longer than HDF5's 64512-byte attribute limit"), std::string::npos) << message;
}

}  // namespace
}  // namespace petal
