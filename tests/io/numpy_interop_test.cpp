// Cross-checks with real NumPy (tests/io/npy_reference.py): petal reads what np.save,
// np.savez and np.savez_compressed write, and NumPy reads what petal writes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>

#include "io/io_test_util.h"
#include "petal/io/npy.h"
#include "petal/io/npz.h"

namespace petal {
namespace {

using ::testing::ElementsAre;
using testing_io::TempDir;

bool numpy_available() {
  return std::system(PETAL_PYTHON " -c 'import numpy' >/dev/null 2>&1") == 0;
}

// Runs the reference script; returns its exit status and appends its output to `log`.
int run_reference(const std::string& mode, const TempDir& dir, std::string& log) {
  const std::string log_path = (dir / "python.log").string();
  const std::string command = std::string(PETAL_PYTHON) + " '" + PETAL_SOURCE_DIR +
                              "/tests/io/npy_reference.py' " + mode + " '" + dir.path().string() +
                              "' >'" + log_path + "' 2>&1";
  const int status = std::system(command.c_str());
  std::ifstream in(log_path);
  log.assign(std::istreambuf_iterator<char>(in), {});
  std::filesystem::remove(log_path);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// The formulas npy_reference.py uses, computed here independently.
Tensor kernel() {  // np.arange(24, dtype='<f4').reshape(2, 3, 4) / np.float32(7)
  Tensor t({2, 3, 4});
  for (int64_t i = 0; i < t.size(); ++i) t[i] = static_cast<float>(i) / 7.0f;
  return t;
}
std::vector<double> dense() {  // np.arange(6, dtype='<f8').reshape(2, 3) * 0.1
  std::vector<double> v(6);
  for (int i = 0; i < 6; ++i) v[i] = i * 0.1;
  return v;
}

void expect_array(const NpyArray& a, DType dtype, const Shape& shape,
                  const std::vector<double>& values, const std::string& what) {
  EXPECT_EQ(a.dtype(), dtype) << what;
  EXPECT_EQ(a.shape(), shape) << what;
  EXPECT_EQ(a.to_float64(), values) << what;
}

void expect_keras_weights(const NamedArrays& arrays, const std::string& what) {
  ASSERT_EQ(arrays.size(), 3u) << what;
  EXPECT_EQ(arrays[0].first, "conv2d_1/kernel:0");
  EXPECT_EQ(arrays[0].second, NpyArray::from_tensor(kernel())) << what;
  EXPECT_EQ(arrays[1].first, "conv2d_1/bias:0");
  EXPECT_EQ(arrays[1].second, NpyArray::from_tensor(Tensor({2}, {0.5f, -0.5f}))) << what;
  EXPECT_EQ(arrays[2].first, "dense/kernel:0");
  EXPECT_EQ(arrays[2].second, NpyArray::from_float64({2, 3}, dense())) << what;
}

TEST(NumpyInterop, PetalReadsWhatNumpyWrites) {
  if (!numpy_available()) GTEST_SKIP() << PETAL_PYTHON " cannot import numpy";
  TempDir dir;
  std::string log;
  ASSERT_EQ(run_reference("write", dir, log), 0) << log;

  EXPECT_EQ(load_npy(dir / "f4.npy"), NpyArray::from_tensor(kernel()));
  EXPECT_EQ(load_npy(dir / "f8.npy"), NpyArray::from_float64({2, 3}, dense()));
  const double big = static_cast<double>(int64_t{1} << 62);
  expect_array(load_npy(dir / "i8.npy"), DType::Int64, {3}, {-1099511627776.0, 0, big}, "i8");
  EXPECT_THAT(load_npy(dir / "i8.npy").to_int64(),
              ElementsAre(-(int64_t{1} << 40), 0, int64_t{1} << 62));
  expect_array(load_npy(dir / "i4.npy"), DType::Int32, {3, 2}, {-3, -2, -1, 0, 1, 2}, "i4");
  expect_array(load_npy(dir / "u1.npy"), DType::UInt8, {6}, {250, 251, 252, 253, 254, 255}, "u1");
  expect_array(load_npy(dir / "i1.npy"), DType::Int8, {4}, {-128, -1, 0, 127}, "i1");
  expect_array(load_npy(dir / "u2.npy"), DType::UInt16, {3}, {0, 1, 65535}, "u2");
  expect_array(load_npy(dir / "b1.npy"), DType::Bool, {3}, {1, 0, 1}, "b1");
  expect_array(load_npy(dir / "scalar.npy"), DType::Float32, {}, {3.5}, "scalar");
  expect_array(load_npy(dir / "empty.npy"), DType::Float32, {0, 3}, {}, "empty");

  std::vector<double> counting(24);
  for (int i = 0; i < 24; ++i) counting[i] = i;
  expect_array(load_npy(dir / "fortran.npy"), DType::Float64, {2, 3, 4}, counting, "fortran");
  std::vector<double> thirds(5);
  for (int i = 0; i < 5; ++i) thirds[i] = i / 3.0;
  expect_array(load_npy(dir / "bigendian_f8.npy"), DType::Float64, {5}, thirds, ">f8");
  expect_array(load_npy(dir / "bigendian_i4.npy"), DType::Int32, {4}, {-2, -1, 0, 1}, ">i4");

  expect_keras_weights(load_npz(dir / "weights.npz"), "np.savez");
  expect_keras_weights(load_npz(dir / "compressed.npz"), "np.savez_compressed");
  const NamedArrays positional = load_npz(dir / "positional.npz");
  ASSERT_EQ(positional.size(), 2u);
  EXPECT_EQ(positional[0].first, "arr_0");
  expect_array(positional[0].second, DType::Int64, {3}, {0, 1, 2}, "arr_0");
  EXPECT_EQ(positional[1].first, "arr_1");
  expect_array(positional[1].second, DType::Float32, {2, 2}, {1, 1, 1, 1}, "arr_1");
}

template <typename T>
NpyArray typed(DType dtype, Shape shape, std::vector<T> values) {
  std::vector<std::byte> data(values.size() * sizeof(T));
  if (!data.empty()) std::memcpy(data.data(), values.data(), data.size());
  return NpyArray(dtype, std::move(shape), std::move(data));
}

TEST(NumpyInterop, NumpyReadsWhatPetalWrites) {
  if (!numpy_available()) GTEST_SKIP() << PETAL_PYTHON " cannot import numpy";
  TempDir dir;
  save_npy(dir / "f4.npy", NpyArray::from_tensor(kernel()));
  save_npy(dir / "f8.npy", NpyArray::from_float64({2, 3}, dense()));
  save_npy(dir / "i8.npy", NpyArray::from_int64({3}, std::vector<int64_t>{-(int64_t{1} << 40), 0,
                                                                          int64_t{1} << 62}));
  save_npy(dir / "i4.npy", typed<int32_t>(DType::Int32, {3, 2}, {-3, -2, -1, 0, 1, 2}));
  save_npy(dir / "u1.npy", typed<uint8_t>(DType::UInt8, {6}, {250, 251, 252, 253, 254, 255}));
  save_npy(dir / "i1.npy", typed<int8_t>(DType::Int8, {4}, {-128, -1, 0, 127}));
  save_npy(dir / "u2.npy", typed<uint16_t>(DType::UInt16, {3}, {0, 1, 65535}));
  save_npy(dir / "b1.npy", typed<uint8_t>(DType::Bool, {3}, {1, 0, 1}));
  save_npy(dir / "scalar.npy", NpyArray::from_tensor(Tensor(Shape{}, {3.5f})));
  save_npy(dir / "empty.npy", NpyArray::from_tensor(Tensor({0, 3})));
  const NamedArrays weights = {
      {"conv2d_1/kernel:0", NpyArray::from_tensor(kernel())},
      {"conv2d_1/bias:0", NpyArray::from_tensor(Tensor({2}, {0.5f, -0.5f}))},
      {"step", NpyArray::from_int64({}, std::vector<int64_t>{1234})},
      {"config", NpyArray::from_string(R"({"name": "model", "layers": ["conv2d_1"]})")}};
  save_npz(dir / "petal.npz", weights);
  save_npz(dir / "petal_compressed.npz", weights, /*compress=*/true);
  std::string log;
  EXPECT_EQ(run_reference("check", dir, log), 0) << log;
}

}  // namespace
}  // namespace petal
