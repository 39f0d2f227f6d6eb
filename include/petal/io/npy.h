// NumPy .npy arrays: an NpyArray value (dtype, shape, little-endian C-order bytes)
// and its encoding, decoding, atomic saving and loading, without a third-party library.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "petal/core/shape.h"
#include "petal/core/tensor.h"

namespace petal {

// Element types petal reads; any of them can also be written.
enum class DType : uint8_t {
  Bool,
  Int8,
  UInt8,
  Int16,
  UInt16,
  Int32,
  UInt32,
  Int64,
  UInt64,
  Float32,
  Float64,
  Float16  // read (converted exactly to float32 / double); written only as stored
};

// Bytes per element (1 for Bool).
size_t dtype_size(DType dtype);
// NumPy's little-endian descr: "<f4", "|u1", "|b1", ...
std::string_view dtype_descr(DType dtype);

// A dense array as stored in a .npy file. Data is always little-endian and in C
// (row-major) order: decode_npy byte-swaps big-endian files and transposes
// Fortran-order files on reading, so no fortran_order flag is kept.
// Invariant: data().size() == size() * dtype_size(dtype()).
class NpyArray {
 public:
  // float32, shape [0], no data.
  NpyArray();
  // ShapeError if `data` does not hold exactly num_elements(shape) elements.
  NpyArray(DType dtype, Shape shape, std::vector<std::byte> data);

  static NpyArray from_tensor(const Tensor& tensor);
  static NpyArray from_float64(Shape shape, std::span<const double> values);
  static NpyArray from_int64(Shape shape, std::span<const int64_t> values);
  // 1-D uint8 arrays, e.g. a JSON document stored inside an .npz archive.
  static NpyArray from_bytes(std::span<const std::byte> bytes);
  static NpyArray from_string(std::string_view text);

  DType dtype() const { return dtype_; }
  const Shape& shape() const { return shape_; }
  int rank() const { return static_cast<int>(shape_.size()); }
  int64_t size() const { return size_; }
  std::span<const std::byte> data() const { return data_; }

  // Every numeric dtype converted to float32 (bool -> 0/1), same shape.
  Tensor to_tensor() const;
  // Every numeric dtype converted to double (exact for all but 64-bit ints above 2^53).
  std::vector<double> to_float64() const;
  // Integer and bool dtypes only; IoError for floating-point data.
  std::vector<int64_t> to_int64() const;
  // The bytes of a uint8/int8 array as text; IoError for other dtypes.
  std::string to_string() const;

  bool operator==(const NpyArray& other) const = default;

 private:
  DType dtype_;
  Shape shape_;
  int64_t size_;
  std::vector<std::byte> data_;
};

// Format 1.0 (2.0 when the header exceeds 65535 bytes), header padded to 64 bytes.
std::vector<std::byte> encode_npy(const NpyArray& array);

// Reads format 1.0, 2.0 and 3.0. Throws IoError whose message starts with
// `what_for_errors` (e.g. "load_npy('a.npy')") for a bad magic, a truncated or
// malformed header, an unknown dtype or a data size that does not match the shape.
NpyArray decode_npy(std::span<const std::byte> bytes, std::string_view what_for_errors);

// Written atomically (see AtomicFile).
void save_npy(const std::filesystem::path& path, const NpyArray& array);
NpyArray load_npy(const std::filesystem::path& path);

}  // namespace petal
