// .npz archives: round trips (stored and deflated), the member-name mapping for
// Keras-style names, the ZIP structure, and errors for damaged archives.
#include "petal/io/npz.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "io/io_test_util.h"
#include "io/zip.h"
#include "petal/core/rng.h"
#include "petal/core/error.h"

namespace petal {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;
using testing_io::bytes_of;
using testing_io::TempDir;
using testing_io::text_of;

NamedArrays keras_like_arrays() {
  Tensor kernel({3, 3, 1, 2});
  for (int64_t i = 0; i < kernel.size(); ++i) kernel[i] = 0.25f * static_cast<float>(i) - 2;
  return {{"conv2d_1/kernel:0", NpyArray::from_tensor(kernel)},
          {"conv2d_1/bias:0", NpyArray::from_tensor(Tensor({2}, {0.5f, -0.5f}))},
          {"step", NpyArray::from_int64({}, std::vector<int64_t>{1234})},
          {"empty", NpyArray::from_float64({0, 4}, {})},
          {"config", NpyArray::from_string("{\"name\": \"model\"}")}};
}

std::string load_text(const std::filesystem::path& path) { return text_of(read_file(path)); }

// Offset of the first occurrence of `needle` in `haystack`, which must exist.
size_t find(const std::string& haystack, const std::string& needle) {
  const size_t at = haystack.find(needle);
  EXPECT_NE(at, std::string::npos) << "pattern not found";
  return at;
}

TEST(Npz, RoundTripsStoredAndCompressedInOrder) {
  TempDir dir;
  const NamedArrays arrays = keras_like_arrays();
  for (bool compress : {false, true}) {
    const auto path = dir / (compress ? "c.npz" : "s.npz");
    save_npz(path, arrays, compress);
    EXPECT_EQ(load_npz(path), arrays) << "compress=" << compress;
  }
  EXPECT_THAT(dir.entries(), ElementsAre("c.npz", "s.npz"));  // no temp files left
}

TEST(Npz, MembersAreNamePlusNpyAsNumPyWritesThem) {
  TempDir dir;
  save_npz(dir / "w.npz", keras_like_arrays());
  std::vector<std::string> names;
  for (const auto& member : detail::read_zip(read_file(dir / "w.npz"), "w.npz")) {
    names.push_back(member.name);
  }
  EXPECT_THAT(names, ElementsAre("conv2d_1/kernel:0.npy", "conv2d_1/bias:0.npy", "step.npy",
                                 "empty.npy", "config.npy"));
}

TEST(Npz, LocalHeadersSayStoredOrDeflate) {
  TempDir dir;
  const NamedArrays zeros = {{"z", NpyArray::from_tensor(Tensor({100, 100}))}};
  save_npz(dir / "s.npz", zeros, false);
  save_npz(dir / "c.npz", zeros, true);
  const std::string stored = load_text(dir / "s.npz"), packed = load_text(dir / "c.npz");
  ASSERT_EQ(stored.substr(0, 4), "PK\x03\x04");
  EXPECT_EQ(stored[8], 0);  // compression method, offset 8 of the local header
  EXPECT_EQ(packed[8], 8);
  EXPECT_EQ(stored.substr(30, 5), "z.npy");
  EXPECT_GT(stored.size(), 40000u);
  EXPECT_LT(packed.size(), 1000u);
}

TEST(Npz, SameArraysGiveIdenticalBytes) {
  TempDir dir;
  save_npz(dir / "a.npz", keras_like_arrays(), true);
  save_npz(dir / "b.npz", keras_like_arrays(), true);
  EXPECT_EQ(load_text(dir / "a.npz"), load_text(dir / "b.npz"));
}

TEST(Npz, EmptyArchiveRoundTrips) {
  TempDir dir;
  save_npz(dir / "e.npz", {});
  EXPECT_TRUE(load_npz(dir / "e.npz").empty());
  EXPECT_EQ(std::filesystem::file_size(dir / "e.npz"), 22u);  // just the end record
}

TEST(Npz, WriterWithoutCommitLeavesNothingBehind) {
  TempDir dir;
  {
    NpzWriter writer(dir / "partial.npz");
    writer.add("a", NpyArray::from_string("x"));
  }
  EXPECT_TRUE(dir.entries().empty());
}

TEST(Npz, RejectsEmptyAndRepeatedNames) {
  TempDir dir;
  NpzWriter writer(dir / "n.npz");
  writer.add("a", NpyArray::from_string("x"));
  EXPECT_THAT([&] { writer.add("a", NpyArray::from_string("y")); },
              ThrowsMessage<ConfigError>(HasSubstr("array name 'a' appears twice")));
  EXPECT_THAT([&] { writer.add("", NpyArray::from_string("y")); },
              ThrowsMessage<ConfigError>(HasSubstr("expected a non-empty array name")));
}

TEST(Npz, FindArrayListsWhatIsThere) {
  const NamedArrays arrays = keras_like_arrays();
  EXPECT_EQ(find_array(arrays, "step", "w.npz").to_int64(), std::vector<int64_t>{1234});
  EXPECT_THAT([&] { find_array(arrays, "dense/kernel:0", "load_weights('w.npz')"); },
              ThrowsMessage<IoError>(AllOf(
                  HasSubstr("load_weights('w.npz'): expected an array named 'dense/kernel:0'"),
                  HasSubstr("received 'conv2d_1/kernel:0', 'conv2d_1/bias:0', 'step'"))));
}

TEST(Npz, ReportsFilesThatAreNotZipArchives) {
  TempDir dir;
  save_npy(dir / "a.npy", NpyArray::from_string("x"));
  EXPECT_THAT([&] { load_npz(dir / "a.npy"); },
              ThrowsMessage<IoError>(AllOf(
                  HasSubstr("load_npz('" + (dir / "a.npy").string() + "'): not a zip archive"),
                  HasSubstr("received '\\x93NUMPY'"), HasSubstr("Hint: this is a .npy file"))));
  EXPECT_THAT([] { decode_npz(bytes_of("hi"), "load_npz('t.npz')"); },
              ThrowsMessage<IoError>(HasSubstr("not a zip archive: expected 'PK\\x03\\x04'")));
}

TEST(Npz, ReportsTruncatedArchives) {
  TempDir dir;
  save_npz(dir / "w.npz", keras_like_arrays());
  const std::string full = load_text(dir / "w.npz");
  EXPECT_THAT([&] { decode_npz(bytes_of(full.substr(0, full.size() - 30)), "w.npz"); },
              ThrowsMessage<IoError>(
                  HasSubstr("w.npz: truncated archive: no end-of-central-directory record")));
  EXPECT_THAT([&] { decode_npz(bytes_of(full.substr(100)), "w.npz"); },
              ThrowsMessage<IoError>(HasSubstr("the central directory extends past the end")));
}

TEST(Npz, ReportsCrcMismatch) {
  const NamedArrays arrays = {{"w", NpyArray::from_string("PAYLOAD-0123456789")}};
  TempDir dir;
  save_npz(dir / "w.npz", arrays);
  std::string damaged = load_text(dir / "w.npz");
  damaged[find(damaged, "PAYLOAD") + 3] ^= 0x20;  // still a valid .npy, different bytes
  EXPECT_THAT([&] { decode_npz(bytes_of(damaged), "load_npz('w.npz')"); },
              ThrowsMessage<IoError>(AllOf(HasSubstr("load_npz('w.npz'): member 'w.npy'"),
                                           HasSubstr("CRC-32 mismatch"))));
}

TEST(Npz, ReportsCorruptDeflateDataAndUnknownMethods) {
  const NamedArrays arrays = {{"w", NpyArray::from_tensor(Tensor({64}, 3.0f))}};
  TempDir dir;
  save_npz(dir / "c.npz", arrays, true);
  std::string damaged = load_text(dir / "c.npz");
  damaged[35] = static_cast<char>(0xff);  // first byte of the deflate stream after "w.npy"
  EXPECT_THAT([&] { decode_npz(bytes_of(damaged), "c.npz"); },
              ThrowsMessage<IoError>(HasSubstr("c.npz: member 'w.npy'")));
  std::string bomb = load_text(dir / "c.npz");
  bomb.replace(find(bomb, "PK\x01\x02") + 24, 4, "\xff\xff\xff\x7f");  // uncompressed size
  EXPECT_THAT([&] { decode_npz(bytes_of(bomb), "c.npz"); },
              ThrowsMessage<IoError>(HasSubstr("declared size 2147483647 is impossible")));
  std::string bzip2 = load_text(dir / "c.npz");
  bzip2[find(bzip2, "PK\x01\x02") + 10] = 12;  // central directory: compression method
  EXPECT_THAT([&] { decode_npz(bytes_of(bzip2), "c.npz"); },
              ThrowsMessage<IoError>(HasSubstr("unsupported compression method 12")));
}

TEST(Npz, ReportsMembersThatAreNotNpyArrays) {
  TempDir dir;
  {
    detail::ZipWriter zip(dir / "bad.npz");
    zip.add("bad.npy", bytes_of("not an array"), false);
    zip.commit();
  }
  EXPECT_THAT([&] { load_npz(dir / "bad.npz"); },
              ThrowsMessage<IoError>(
                  AllOf(HasSubstr("member 'bad.npy'"), HasSubstr("expected magic '\\x93NUMPY'"))));
  {
    detail::ZipWriter zip(dir / "txt.npz");
    zip.add("readme.txt", bytes_of("hello"), true);
    zip.commit();
  }
  EXPECT_THAT([&] { load_npz(dir / "txt.npz"); },
              ThrowsMessage<IoError>(HasSubstr("member 'readme.txt': expected a '.npy' member")));
}

// Random truncations and byte flips must end in a petal::Error or a successful
// decode, never a crash or an out-of-bounds read (run under the sanitizer build).
TEST(Npz, DamagedArchivesFailCleanly) {
  TempDir dir;
  Rng rng(42);
  for (bool compress : {false, true}) {
    save_npz(dir / "w.npz", keras_like_arrays(), compress);
    const std::vector<std::byte> good = read_file(dir / "w.npz");
    for (int trial = 0; trial < 300; ++trial) {
      std::vector<std::byte> bad = good;
      if (trial % 3 == 0) bad.resize(rng.below(bad.size()));
      for (int flips = 1 + static_cast<int>(rng.below(3)); flips > 0 && !bad.empty(); --flips) {
        bad[rng.below(bad.size())] ^= static_cast<std::byte>(1 + rng.below(255));
      }
      try {
        decode_npz(bad, "fuzz");
      } catch (const Error&) {
      }
    }
  }
}

TEST(Zip, DeflateRoundTripsAndInflateChecksTheSize) {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "row " + std::to_string(i % 17) + ";";
  const std::vector<std::byte> packed = detail::deflate_raw(bytes_of(text));
  EXPECT_LT(packed.size(), text.size() / 4);
  EXPECT_EQ(text_of(detail::inflate_raw(packed, text.size(), "t")), text);
  EXPECT_THAT([&] { detail::inflate_raw(packed, text.size() - 1, "t"); },
              ThrowsMessage<IoError>(HasSubstr("corrupt deflate data")));
  EXPECT_THAT([&] { detail::inflate_raw(packed, text.size() + 1, "t"); },
              ThrowsMessage<IoError>(HasSubstr("corrupt deflate data")));
}

TEST(Zip, Crc32MatchesTheStandardCheckValue) {
  EXPECT_EQ(detail::crc32_of(bytes_of("123456789")), 0xCBF43926u);  // CRC-32/ISO-HDLC check
  EXPECT_EQ(detail::crc32_of({}), 0u);
}

}  // namespace
}  // namespace petal
