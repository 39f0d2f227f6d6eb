// .npy encoding and decoding: round trips for every dtype and shape, hand-written
// headers in the variants NumPy and other writers produce, and malformed files.
#include "petal/io/npy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "io/io_test_util.h"
#include "petal/core/error.h"

namespace petal {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using ::testing::ThrowsMessage;
using testing_io::bytes_of;
using testing_io::TempDir;
using testing_io::text_of;

template <typename T>
NpyArray make(DType dtype, Shape shape, std::vector<T> values) {
  std::vector<std::byte> data(values.size() * sizeof(T));
  if (!data.empty()) std::memcpy(data.data(), values.data(), data.size());
  return NpyArray(dtype, std::move(shape), std::move(data));
}

// A .npy file written by hand: magic, version, little-endian header length, header, data.
std::string npy_file(const std::string& header, const std::string& data, int major = 1) {
  std::string out = "\x93NUMPY";
  out += static_cast<char>(major);
  out += '\0';
  const size_t n = header.size();
  for (int i = 0; i < (major == 1 ? 2 : 4); ++i) out += static_cast<char>((n >> (8 * i)) & 0xff);
  return out + header + data;
}

NpyArray decode(const std::string& file) { return decode_npy(bytes_of(file), "test.npy"); }

TEST(Npy, DescrAndSizeOfEveryDType) {
  EXPECT_EQ(dtype_descr(DType::Float32), "<f4");
  EXPECT_EQ(dtype_descr(DType::Float64), "<f8");
  EXPECT_EQ(dtype_descr(DType::UInt8), "|u1");
  EXPECT_EQ(dtype_descr(DType::Bool), "|b1");
  EXPECT_EQ(dtype_descr(DType::UInt16), "<u2");
  EXPECT_EQ(dtype_descr(DType::Int64), "<i8");
  EXPECT_EQ(dtype_size(DType::Int16), 2u);
  EXPECT_EQ(dtype_size(DType::UInt32), 4u);
  EXPECT_EQ(dtype_size(DType::Bool), 1u);
}

TEST(Npy, RoundTripsEveryDTypeAndShape) {
  const std::vector<Shape> shapes = {{}, {0}, {5}, {2, 3}, {2, 0, 4}, {1, 2, 3, 2}};
  for (const Shape& shape : shapes) {
    const auto n = static_cast<size_t>(num_elements(shape));
    std::vector<NpyArray> arrays;
    std::vector<double> f64(n);
    std::vector<int64_t> i64(n);
    std::vector<uint8_t> u8(n), b1(n);
    std::vector<int8_t> i8(n);
    std::vector<uint16_t> u16(n);
    std::vector<int32_t> i32(n);
    std::vector<float> f32(n);
    for (size_t i = 0; i < n; ++i) {
      f64[i] = 0.1 * static_cast<double>(i) - 1e300 * (i == 1);
      i64[i] = (int64_t{1} << 40) - static_cast<int64_t>(i);
      u8[i] = static_cast<uint8_t>(250 + i);
      b1[i] = i % 2;
      i8[i] = static_cast<int8_t>(-100 - static_cast<int>(i));
      u16[i] = static_cast<uint16_t>(65535 - i);
      i32[i] = -7 * static_cast<int32_t>(i);
      f32[i] = 1.5f / static_cast<float>(i + 1);
    }
    arrays = {make(DType::Float64, shape, f64), make(DType::Int64, shape, i64),
              make(DType::UInt8, shape, u8),    make(DType::Bool, shape, b1),
              make(DType::Int8, shape, i8),     make(DType::UInt16, shape, u16),
              make(DType::Int32, shape, i32),   make(DType::Float32, shape, f32)};
    for (const NpyArray& a : arrays) {
      const std::vector<std::byte> encoded = encode_npy(a);
      EXPECT_EQ(encoded.size() % 64, a.data().size() % 64) << "data must start 64-aligned";
      EXPECT_EQ(decode_npy(encoded, "round trip"), a)
          << dtype_descr(a.dtype()) << " " << to_string(shape);
    }
  }
}

TEST(Npy, EncodesTheExactBytesNumPyWrites) {
  // np.save(f, np.array([1, 2, 3], dtype='<f4')) with NumPy 1.24: the header is
  // padded to 118 bytes, 21 of them reserved for the first dimension to grow.
  const std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }";
  const std::string header = dict + std::string(118 - dict.size() - 1, ' ') + "\n";
  const std::string data("\x00\x00\x80\x3f\x00\x00\x00\x40\x00\x00\x40\x40", 12);
  const float values[] = {1, 2, 3};
  const NpyArray a(DType::Float32, {3}, bytes_of({reinterpret_cast<const char*>(values), 12}));
  EXPECT_EQ(text_of(encode_npy(a)), npy_file(header, data));
}

TEST(Npy, HugeHeaderSwitchesToVersionTwo) {
  const Shape shape(30000, 1);  // "1, " per dimension: a header over 65535 bytes
  const NpyArray a = make<float>(DType::Float32, shape, {4.0f});
  const std::vector<std::byte> encoded = encode_npy(a);
  EXPECT_EQ(static_cast<int>(encoded[6]), 2);
  EXPECT_EQ(decode_npy(encoded, "v2"), a);
}

TEST(Npy, ParsesHeaderVariants) {
  const std::string four("\x01\x00\x00\x00\x02\x00\x00\x00", 8);
  for (const std::string header : {
           "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }",  // NumPy's own
           "{'shape': (2,), 'descr': '<i4', 'fortran_order': False}",    // reordered, no comma
           "{\"descr\": \"<i4\", \"fortran_order\": False, \"shape\": (2,)}\n",
           "{ 'fortran_order' : False ,\n 'shape' : ( 2 , ) , 'descr' : '<i4' , }   \n",
           "{'descr': '<i4', 'fortran_order': False, 'shape': (2L,), }",  // Python 2 long
           "{'descr':'<i4','fortran_order':False,'shape':(2)}",           // lenient (2)
       }) {
    const NpyArray a = decode(npy_file(header, four));
    EXPECT_EQ(a.shape(), Shape{2}) << header;
    EXPECT_THAT(a.to_int64(), ElementsAre(1, 2)) << header;
  }
}

TEST(Npy, ParsesScalarEmptyAndMultiDimensionalShapes) {
  const NpyArray scalar = decode(npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (), }",
                                          std::string("\0\0\0\0\0\0\xf8\x3f", 8)));
  EXPECT_EQ(scalar.shape(), Shape{});
  EXPECT_THAT(scalar.to_float64(), ElementsAre(1.5));
  const NpyArray empty =
      decode(npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 3), }", ""));
  EXPECT_EQ(empty.shape(), (Shape{0, 3}));
  EXPECT_EQ(empty.to_tensor().size(), 0);
  const NpyArray cube =
      decode(npy_file("{'descr': '|u1', 'fortran_order': False, "
                      "'shape': (1,2,2,), }",
                      "\x01\x02\x03\x04"));
  EXPECT_EQ(cube.shape(), (Shape{1, 2, 2}));
}

TEST(Npy, ReadsFormatVersionsTwoAndThree) {
  const std::string header = "{'descr': '<u2', 'fortran_order': False, 'shape': (2,), }\n";
  const std::string data("\xff\xff\x07\x00", 4);
  for (int major : {2, 3}) {
    const NpyArray a = decode(npy_file(header, data, major));
    EXPECT_EQ(a.dtype(), DType::UInt16);
    EXPECT_THAT(a.to_int64(), ElementsAre(65535, 7)) << "version " << major;
  }
}

TEST(Npy, ByteSwapsBigEndianData) {
  const NpyArray f = decode(npy_file("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }",
                                     std::string("\x3f\x80\x00\x00\xc0\x00\x00\x00", 8)));
  EXPECT_EQ(f.dtype(), DType::Float32);
  EXPECT_THAT(f.to_float64(), ElementsAre(1.0, -2.0));
  const NpyArray i = decode(npy_file("{'descr': '>i8', 'fortran_order': False, 'shape': (1,), }",
                                     std::string("\x00\x00\x00\x00\x00\x00\x01\x02", 8)));
  EXPECT_THAT(i.to_int64(), ElementsAre(258));
  EXPECT_EQ(decode_npy(encode_npy(i), "re-encoded"), i);  // written back little-endian
}

TEST(Npy, TransposesFortranOrderToCOrder) {
  // a = [[0, 1, 2], [3, 4, 5]] stored column by column: 0 3 1 4 2 5.
  const NpyArray m = decode(npy_file("{'descr': '|i1', 'fortran_order': True, 'shape': (2, 3), }",
                                     std::string("\x00\x03\x01\x04\x02\x05", 6)));
  EXPECT_EQ(m.shape(), (Shape{2, 3}));
  EXPECT_THAT(m.to_int64(), ElementsAre(0, 1, 2, 3, 4, 5));
  // b[i][j][k] = 100 i + 10 j + k with shape (2, 2, 3), stored first index fastest.
  std::string column_major;
  for (int k = 0; k < 3; ++k)
    for (int j = 0; j < 2; ++j)
      for (int i = 0; i < 2; ++i) column_major += static_cast<char>(100 * i + 10 * j + k);
  const NpyArray b = decode(
      npy_file("{'descr': '|u1', 'fortran_order': True, 'shape': (2, 2, 3), }", column_major));
  EXPECT_THAT(b.to_int64(), ElementsAre(0, 1, 2, 10, 11, 12, 100, 101, 102, 110, 111, 112));
}

TEST(Npy, ConvertsEveryNumericDTypeToFloat32) {
  EXPECT_THAT(make<int8_t>(DType::Int8, {2}, {-5, 7}).to_tensor().values(), ElementsAre(-5, 7));
  EXPECT_THAT(make<uint16_t>(DType::UInt16, {1}, {65535}).to_tensor().values(),
              ElementsAre(65535.0f));
  EXPECT_THAT(make<uint8_t>(DType::Bool, {2}, {1, 0}).to_tensor().values(), ElementsAre(1, 0));
  EXPECT_THAT(make<double>(DType::Float64, {1}, {0.1}).to_tensor().values(), ElementsAre(0.1f));
  EXPECT_THAT(make<int64_t>(DType::Int64, {1}, {-3}).to_tensor().values(), ElementsAre(-3));
  const Tensor t = make<int32_t>(DType::Int32, {2, 1}, {4, -4}).to_tensor();
  EXPECT_EQ(t.shape(), (Shape{2, 1}));
  EXPECT_EQ(make<float>(DType::Float32, {}, {2.5f}).to_tensor().shape(), Shape{});
}

// float16 (NumPy's '<f2', e.g. a model's half-precision output) converts exactly;
// big-endian files are byte-swapped like the other dtypes.
TEST(Npy, ReadsFloat16ExactlyIncludingSubnormalsAndInfinities) {
  const std::vector<uint16_t> bits = {0x3C00, 0xC000, 0x3800, 0x7BFF, 0x0001, 0x7C00, 0x8000};
  std::string data(bits.size() * 2, '\0');
  std::memcpy(data.data(), bits.data(), data.size());
  const NpyArray a = decode(npy_file("{'descr': '<f2', 'fortran_order': False, 'shape': (7,), }", data));
  EXPECT_EQ(a.dtype(), DType::Float16);
  EXPECT_THAT(a.to_tensor().values(), ElementsAre(1.0f, -2.0f, 0.5f, 65504.0f, std::ldexp(1.0f, -24),
                                                  std::numeric_limits<float>::infinity(), -0.0f));
  EXPECT_TRUE(std::signbit(a.to_float64()[6]));
  EXPECT_THROW(a.to_int64(), IoError);
  const std::string big = {'\x3c', '\x00', '\xc0', '\x00'};
  EXPECT_THAT(decode(npy_file("{'descr': '>f2', 'fortran_order': False, 'shape': (2,), }", big)).to_tensor().values(),
              ElementsAre(1.0f, -2.0f));
}

TEST(Npy, BuildsFromTensorsIntsDoublesAndText) {
  const Tensor t({2, 2}, {1, 2, 3, 4.5f});
  const NpyArray a = NpyArray::from_tensor(t);
  EXPECT_EQ(a.dtype(), DType::Float32);
  EXPECT_EQ(max_abs_diff(a.to_tensor(), t), 0.0f);
  const std::vector<int64_t> ints = {-1, int64_t{1} << 62};
  EXPECT_EQ(NpyArray::from_int64({2}, ints).to_int64(), ints);
  const std::vector<double> doubles = {0.1, -1e-300};
  EXPECT_EQ(NpyArray::from_float64({2, 1}, doubles).to_float64(), doubles);
  const std::string json = "{\"layers\": [\"dense/kernel:0\"]}";
  const NpyArray text = NpyArray::from_string(json);
  EXPECT_EQ(text.dtype(), DType::UInt8);
  EXPECT_EQ(text.shape(), Shape{static_cast<int64_t>(json.size())});
  EXPECT_EQ(decode_npy(encode_npy(text), "json").to_string(), json);
}

TEST(Npy, ConversionErrorsSayWhatWasExpected) {
  EXPECT_THAT(
      [] { NpyArray(DType::Float64, {2}, std::vector<std::byte>(12)); },
      ThrowsMessage<ShapeError>(AllOf(HasSubstr("needs 16 bytes"), HasSubstr("received 12"))));
  EXPECT_THAT(
      [] {
        NpyArray::from_int64({3}, std::vector<int64_t>{1, 2});
      },
      ThrowsMessage<ShapeError>(HasSubstr("[3]")));
  EXPECT_THAT(
      [] { NpyArray::from_tensor(Tensor({1}, {1})).to_int64(); },
      ThrowsMessage<IoError>(HasSubstr("expected an integer or bool dtype; received '<f4'")));
  EXPECT_THAT([] { NpyArray::from_int64({}, std::vector<int64_t>{1}).to_string(); },
              ThrowsMessage<IoError>(HasSubstr("received '<i8'")));
}

TEST(Npy, SavesAtomicallyAndLoads) {
  TempDir dir;
  const NpyArray a = NpyArray::from_float64({3}, std::vector<double>{1, 2, 3});
  save_npy(dir / "a.npy", a);
  EXPECT_EQ(load_npy(dir / "a.npy"), a);
  EXPECT_THAT(dir.entries(), ElementsAre("a.npy"));
  EXPECT_THAT([&] { load_npy(dir / "b.npy"); },
              ThrowsMessage<IoError>(HasSubstr("No such file or directory")));
}

// Each malformed input and the part of the message that explains it.
struct Malformed {
  std::string name;
  std::string file;
  std::string message;
};

TEST(Npy, RejectsMalformedFilesWithClearMessages) {
  const std::string ok_dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }";
  const std::string eight(8, '\0');
  const std::vector<Malformed> cases = {
      {"zip magic", "PK\x03\x04rest", "expected magic '\\x93NUMPY'; received 'PK\\x03\\x04re'"},
      {"empty", "", "expected magic '\\x93NUMPY'; received ''"},
      {"no version", "\x93NUMPY\x01", "truncated .npy header"},
      {"version 4", npy_file(ok_dict, eight, 4), "unsupported .npy format version 4.0"},
      {"short header", npy_file(ok_dict, "").substr(0, 40),
       "truncated .npy header: expected 57 header bytes; received 30"},
      {"complex", npy_file("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", eight),
       "unsupported dtype '<c8'; expected one of |b1, |i1, |u1"},
      {"object", npy_file("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", eight),
       "unsupported dtype '|O'"},
      {"structured",
       npy_file("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", ""),
       "structured dtypes are not supported"},
      {"no shape", npy_file("{'descr': '<f4', 'fortran_order': False}", eight),
       "missing key 'shape'"},
      {"extra key", npy_file(ok_dict.substr(0, ok_dict.size() - 1) + "'x': 1}", eight),
       "found key 'x'"},
      {"bad bool", npy_file("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,)}", eight),
       "expected True or False for 'fortran_order' at offset 34"},
      {"negative", npy_file("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,)}", eight),
       "non-negative integer dimension"},
      {"not a dict", npy_file("['<f4']", eight), "malformed .npy header: expected '{'"},
      {"junk after", npy_file(ok_dict + " x", eight), "the end of the header after '}'"},
      {"too little data", npy_file(ok_dict, "\x01\x02\x03"),
       "expected 8 data bytes for shape [2] and dtype '<f4'; received 3"},
      {"too much data", npy_file(ok_dict, eight + "\x01"), "received 9"},
      {"overflow",
       npy_file("{'descr': '<f8', 'fortran_order': False, "
                "'shape': (100000000000, 100000000)}",
                ""),
       "too large"},
  };
  for (const Malformed& c : cases) {
    EXPECT_THAT(
        [&] { decode_npy(bytes_of(c.file), "load_npy('bad.npy')"); },
        ThrowsMessage<IoError>(AllOf(StartsWith("load_npy('bad.npy'): "), HasSubstr(c.message))))
        << c.name;
  }
}

}  // namespace
}  // namespace petal
