// NpyArray conversions and the .npy encoder/decoder (format versions 1.0, 2.0, 3.0).
#include "petal/io/npy.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <cstring>

#include "io/npy_header.h"
#include "petal/core/error.h"
#include "petal/io/atomic_file.h"

namespace petal {

static_assert(std::endian::native == std::endian::little, "petal assumes a little-endian host");

namespace {

struct DTypeInfo {
  DType dtype;
  std::string_view descr;
};
constexpr std::array<DTypeInfo, 12> kDTypes{{
    {DType::Bool, "|b1"},
    {DType::Int8, "|i1"},
    {DType::UInt8, "|u1"},
    {DType::Int16, "<i2"},
    {DType::UInt16, "<u2"},
    {DType::Int32, "<i4"},
    {DType::UInt32, "<u4"},
    {DType::Int64, "<i8"},
    {DType::UInt64, "<u8"},
    {DType::Float32, "<f4"},
    {DType::Float64, "<f8"},
    {DType::Float16, "<f2"},
}};

// IEEE 754 binary16, converted exactly (every half value is a float value).
struct Half {
  uint16_t bits;
  float value() const {
    const uint32_t sign = (bits & 0x8000u) << 16, exp = (bits >> 10) & 0x1Fu, mant = bits & 0x3FFu;
    float magnitude;
    if (exp == 0) {
      magnitude = std::ldexp(static_cast<float>(mant), -24);  // zero and subnormals
    } else if (exp == 31) {
      magnitude = mant == 0 ? std::numeric_limits<float>::infinity() : std::numeric_limits<float>::quiet_NaN();
    } else {
      magnitude = std::ldexp(static_cast<float>(mant | 0x400u), static_cast<int>(exp) - 25);
    }
    uint32_t out;
    std::memcpy(&out, &magnitude, sizeof out);
    out |= sign;
    float f;
    std::memcpy(&f, &out, sizeof f);
    return f;
  }
  explicit operator float() const { return value(); }
  explicit operator double() const { return value(); }
  explicit operator int64_t() const { return static_cast<int64_t>(value()); }
};
static_assert(sizeof(Half) == 2);
constexpr std::string_view kMagic = "\x93NUMPY";

std::string supported_descrs() {
  std::string s;
  for (const auto& info : kDTypes) s += (s.empty() ? "" : ", ") + std::string(info.descr);
  return s;
}

int64_t checked_elements(const Shape& shape, std::string_view what) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d > 0 && n > (int64_t{1} << 56) / d)) {  // keeps n * 8 far from overflow
      throw IoError(std::string(what) + ": shape " + to_string(shape) + " is too large.");
    }
    n *= d;
  }
  return n;
}

// Applies `fn` to every element of `array` read as its own C++ type.
template <typename Fn>
void for_each_value(const NpyArray& array, Fn fn) {
  const std::byte* p = array.data().data();
  auto visit = [&]<typename T>(T) {
    for (int64_t i = 0; i < array.size(); ++i) {
      T value;
      std::memcpy(&value, p + i * sizeof(T), sizeof(T));
      fn(value);
    }
  };
  switch (array.dtype()) {
    case DType::Bool:
      return visit(uint8_t{});  // stored as 0/1 bytes
    case DType::Int8:
      return visit(int8_t{});
    case DType::UInt8:
      return visit(uint8_t{});
    case DType::Int16:
      return visit(int16_t{});
    case DType::UInt16:
      return visit(uint16_t{});
    case DType::Int32:
      return visit(int32_t{});
    case DType::UInt32:
      return visit(uint32_t{});
    case DType::Int64:
      return visit(int64_t{});
    case DType::UInt64:
      return visit(uint64_t{});
    case DType::Float32:
      return visit(float{});
    case DType::Float64:
      return visit(double{});
    case DType::Float16:
      return visit(Half{});
  }
}

template <typename T>
std::vector<std::byte> to_bytes(std::span<const T> values) {
  std::vector<std::byte> bytes(values.size_bytes());
  if (!bytes.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
  return bytes;
}

// Reorders Fortran-order elements (first index fastest) into C order, in place.
void fortran_to_c_order(std::vector<std::byte>& data, const Shape& shape, size_t item) {
  const size_t rank = shape.size();
  const int64_t count = static_cast<int64_t>(data.size() / item);
  if (rank < 2 || count == 0) return;
  std::vector<int64_t> stride(rank, 1), index(rank, 0);
  for (size_t k = 1; k < rank; ++k) stride[k] = stride[k - 1] * shape[k - 1];
  std::vector<std::byte> out(data.size());
  int64_t src = 0;
  for (int64_t dst = 0; dst < count; ++dst) {
    std::memcpy(out.data() + dst * item, data.data() + src * item, item);
    for (size_t k = rank; k-- > 0;) {  // odometer over the C-order index, last fastest
      src += stride[k];
      if (++index[k] < shape[k]) break;
      src -= shape[k] * stride[k];
      index[k] = 0;
    }
  }
  data = std::move(out);
}

void byte_swap(std::vector<std::byte>& data, size_t item) {
  for (size_t i = 0; i + item <= data.size(); i += item) {
    std::reverse(data.begin() + static_cast<ptrdiff_t>(i),
                 data.begin() + static_cast<ptrdiff_t>(i + item));
  }
}

// The dtype for a descr such as "<f4" or ">i8"; sets `swap` for big-endian data.
DType resolve_descr(const std::string& descr, bool& swap, std::string_view what) {
  if (descr.size() >= 2 && std::string_view("<>|=").find(descr[0]) != std::string_view::npos) {
    for (const auto& info : kDTypes) {
      if (info.descr.substr(1) == std::string_view(descr).substr(1)) {
        swap = descr[0] == '>' && dtype_size(info.dtype) > 1;
        return info.dtype;
      }
    }
  }
  throw IoError(std::string(what) + ": unsupported dtype '" + descr + "'; expected one of " +
                supported_descrs() + ". Hint: convert the array in NumPy, e.g. a.astype('<f4').");
}

uint32_t read_le(std::span<const std::byte> bytes, size_t offset, size_t width) {
  uint32_t value = 0;
  for (size_t i = 0; i < width; ++i) {
    value |= static_cast<uint32_t>(bytes[offset + i]) << (8 * i);
  }
  return value;
}

}  // namespace

size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::Bool:
    case DType::Int8:
    case DType::UInt8:
      return 1;
    case DType::Int16:
    case DType::UInt16:
    case DType::Float16:
      return 2;
    case DType::Int32:
    case DType::UInt32:
    case DType::Float32:
      return 4;
    case DType::Int64:
    case DType::UInt64:
    case DType::Float64:
      return 8;
  }
  return 0;
}

std::string_view dtype_descr(DType dtype) { return kDTypes[static_cast<size_t>(dtype)].descr; }

NpyArray::NpyArray() : dtype_(DType::Float32), shape_{0}, size_(0) {}

NpyArray::NpyArray(DType dtype, Shape shape, std::vector<std::byte> data)
    : dtype_(dtype), shape_(std::move(shape)), size_(num_elements(shape_)), data_(std::move(data)) {
  if (data_.size() != static_cast<size_t>(size_) * dtype_size(dtype_)) {
    throw ShapeError("NpyArray: shape " + petal::to_string(shape_) + " of dtype '" +
                     std::string(dtype_descr(dtype_)) + "' needs " +
                     std::to_string(size_ * dtype_size(dtype_)) + " bytes; received " +
                     std::to_string(data_.size()) + ".");
  }
}

NpyArray NpyArray::from_tensor(const Tensor& tensor) {
  return NpyArray(DType::Float32, tensor.shape(), to_bytes(tensor.values()));
}

NpyArray NpyArray::from_float64(Shape shape, std::span<const double> values) {
  return NpyArray(DType::Float64, std::move(shape), to_bytes(values));
}

NpyArray NpyArray::from_int64(Shape shape, std::span<const int64_t> values) {
  return NpyArray(DType::Int64, std::move(shape), to_bytes(values));
}

NpyArray NpyArray::from_bytes(std::span<const std::byte> bytes) {
  const auto n = static_cast<int64_t>(bytes.size());
  return NpyArray(DType::UInt8, {n}, std::vector<std::byte>(bytes.begin(), bytes.end()));
}

NpyArray NpyArray::from_string(std::string_view text) {
  return from_bytes(std::as_bytes(std::span(text)));
}

Tensor NpyArray::to_tensor() const {
  std::vector<float> values;
  values.reserve(static_cast<size_t>(size_));
  for_each_value(*this, [&](auto v) { values.push_back(static_cast<float>(v)); });
  return Tensor(shape_, values);
}

std::vector<double> NpyArray::to_float64() const {
  std::vector<double> values;
  values.reserve(static_cast<size_t>(size_));
  for_each_value(*this, [&](auto v) { values.push_back(static_cast<double>(v)); });
  return values;
}

std::vector<int64_t> NpyArray::to_int64() const {
  if (dtype_ == DType::Float32 || dtype_ == DType::Float64 || dtype_ == DType::Float16) {
    throw IoError("NpyArray::to_int64: expected an integer or bool dtype; received '" +
                  std::string(dtype_descr(dtype_)) + "'.");
  }
  std::vector<int64_t> values;
  values.reserve(static_cast<size_t>(size_));
  for_each_value(*this, [&](auto v) { values.push_back(static_cast<int64_t>(v)); });
  return values;
}

std::string NpyArray::to_string() const {
  if (dtype_ != DType::UInt8 && dtype_ != DType::Int8) {
    throw IoError("NpyArray::to_string: expected dtype '|u1' or '|i1'; received '" +
                  std::string(dtype_descr(dtype_)) + "'.");
  }
  return std::string(reinterpret_cast<const char*>(data_.data()), data_.size());
}

std::vector<std::byte> encode_npy(const NpyArray& array) {
  std::string header = detail::format_npy_header(
      {.descr = std::string(dtype_descr(array.dtype())), .shape = array.shape()});
  // NumPy >= 1.24 leaves room for the first dimension to grow to 21 digits, then pads with
  // 1 to 64 spaces and '\n' so the data starts at a multiple of 64 bytes; we match np.save.
  if (!array.shape().empty()) header.append(21 - std::to_string(array.shape()[0]).size(), ' ');
  auto padding = [&](size_t prefix) { return 64 - (prefix + header.size() + 1) % 64; };
  const bool v2 = header.size() + padding(10) + 1 > 65535;  // 1.0 stores a 16-bit length
  const size_t prefix = v2 ? 12 : 10;
  header.append(padding(prefix), ' ');
  header += '\n';
  std::vector<std::byte> out;
  out.reserve(prefix + header.size() + array.data().size());
  auto put = [&](std::string_view s) {
    for (char c : s) out.push_back(static_cast<std::byte>(c));
  };
  put(kMagic);
  out.push_back(std::byte{static_cast<uint8_t>(v2 ? 2 : 1)});
  out.push_back(std::byte{0});
  for (size_t i = 0; i < prefix - 8; ++i) {
    out.push_back(static_cast<std::byte>((header.size() >> (8 * i)) & 0xff));
  }
  put(header);
  out.insert(out.end(), array.data().begin(), array.data().end());
  return out;
}

NpyArray decode_npy(std::span<const std::byte> bytes, std::string_view what) {
  const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  const std::string prefix(what);
  if (!text.starts_with(kMagic)) {
    throw IoError(prefix + ": expected magic '\\x93NUMPY'; received '" +
                  escape_bytes(text.substr(0, 6)) + "'. Hint: is this a .npy file?");
  }
  if (bytes.size() < 10) throw IoError(prefix + ": truncated .npy header (file is too short).");
  const auto major = static_cast<int>(bytes[6]), minor = static_cast<int>(bytes[7]);
  if (major < 1 || major > 3 || minor != 0) {
    throw IoError(prefix + ": unsupported .npy format version " + std::to_string(major) + "." +
                  std::to_string(minor) + "; expected 1.0, 2.0 or 3.0.");
  }
  const size_t width = major == 1 ? 2 : 4;
  if (bytes.size() < 8 + width) throw IoError(prefix + ": truncated .npy header length.");
  const size_t header_len = read_le(bytes, 8, width);
  const size_t data_start = 8 + width + header_len;
  if (bytes.size() < data_start) {
    throw IoError(prefix + ": truncated .npy header: expected " + std::to_string(header_len) +
                  " header bytes; received " + std::to_string(bytes.size() - 8 - width) + ".");
  }
  const detail::NpyHeader header =
      detail::parse_npy_header(text.substr(8 + width, header_len), what);
  bool swap = false;
  const DType dtype = resolve_descr(header.descr, swap, what);
  const size_t item = dtype_size(dtype);
  const auto expected = static_cast<size_t>(checked_elements(header.shape, what)) * item;
  if (bytes.size() - data_start != expected) {
    throw IoError(prefix + ": expected " + std::to_string(expected) + " data bytes for shape " +
                  to_string(header.shape) + " and dtype '" + header.descr + "'; received " +
                  std::to_string(bytes.size() - data_start) + ". Hint: the file may be truncated.");
  }
  std::vector<std::byte> data(bytes.begin() + static_cast<ptrdiff_t>(data_start), bytes.end());
  if (swap) byte_swap(data, item);
  if (header.fortran_order) fortran_to_c_order(data, header.shape, item);
  return NpyArray(dtype, header.shape, std::move(data));
}

void save_npy(const std::filesystem::path& path, const NpyArray& array) {
  write_file_atomically(path, encode_npy(array));
}

NpyArray load_npy(const std::filesystem::path& path) {
  return decode_npy(read_file(path), "load_npy('" + path.string() + "')");
}

}  // namespace petal
