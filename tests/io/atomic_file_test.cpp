// AtomicFile and read_file: content, no leftover temporary files, old file kept on
// an interrupted write, and errors that name the path and the errno text.
#include "petal/io/atomic_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "io/io_test_util.h"
#include "petal/core/error.h"

namespace petal {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing_io::bytes_of;
using testing_io::TempDir;
using testing_io::text_of;

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(AtomicFile, WritesContentAndLeavesNoTempFile) {
  TempDir dir;
  write_file_atomically(dir / "a.bin", std::string_view("hello\0world", 11));
  EXPECT_EQ(slurp(dir / "a.bin"), std::string("hello\0world", 11));
  EXPECT_THAT(dir.entries(), ElementsAre("a.bin"));
}

TEST(AtomicFile, ReplacesAnExistingFile) {
  TempDir dir;
  write_file_atomically(dir / "a.txt", "old content that is longer");
  write_file_atomically(dir / "a.txt", "new");
  EXPECT_EQ(slurp(dir / "a.txt"), "new");
  EXPECT_THAT(dir.entries(), ElementsAre("a.txt"));
}

TEST(AtomicFile, StreamsInPiecesAndWritesEmptyFiles) {
  TempDir dir;
  {
    AtomicFile file(dir / "s.txt");
    file.write("ab");
    file.write(bytes_of("cd"));
    EXPECT_EQ(file.bytes_written(), 4u);
    EXPECT_FALSE(std::filesystem::exists(dir / "s.txt"));  // invisible until commit
    file.commit();
  }
  EXPECT_EQ(slurp(dir / "s.txt"), "abcd");
  write_file_atomically(dir / "empty", std::span<const std::byte>());
  EXPECT_EQ(std::filesystem::file_size(dir / "empty"), 0u);
}

TEST(AtomicFile, TempFileSitsNextToTargetWithPidInName) {
  TempDir dir;
  AtomicFile file(dir / "w.npz");
  const std::string prefix = "w.npz.tmp." + std::to_string(::getpid()) + ".";
  EXPECT_EQ(file.temp_path().parent_path(), dir.path());
  EXPECT_THAT(file.temp_path().filename().string(), StartsWith(prefix));
  EXPECT_TRUE(std::filesystem::exists(file.temp_path()));
}

TEST(AtomicFile, DestroyedWithoutCommitKeepsOldFileAndRemovesTemp) {
  TempDir dir;
  write_file_atomically(dir / "model.npz", "good old weights");
  std::filesystem::path temp;
  {
    AtomicFile file(dir / "model.npz");
    temp = file.temp_path();
    file.write("half-written new wei");
    EXPECT_TRUE(std::filesystem::exists(temp));
  }  // e.g. an exception unwound the writer
  EXPECT_FALSE(std::filesystem::exists(temp));
  EXPECT_EQ(slurp(dir / "model.npz"), "good old weights");
  EXPECT_THAT(dir.entries(), ElementsAre("model.npz"));
}

TEST(AtomicFile, WriteOrCommitAfterCommitIsAStateError) {
  TempDir dir;
  AtomicFile file(dir / "x");
  file.commit();
  EXPECT_THROW(file.write("late"), StateError);
  EXPECT_THROW(file.commit(), StateError);
}

TEST(AtomicFile, MissingDirectoryNamesPathErrnoAndHint) {
  TempDir dir;
  const auto path = dir / "no_such_dir" / "a.npy";
  try {
    write_file_atomically(path, "x");
    FAIL() << "expected IoError";
  } catch (const IoError& e) {
    EXPECT_THAT(e.what(), AllOf(HasSubstr("cannot write '" + path.string() + "'"),
                                HasSubstr("No such file or directory"),
                                HasSubstr("Hint: create the directory")));
  }
}

TEST(AtomicFile, ParentThatIsAFileIsReported) {
  TempDir dir;
  write_file_atomically(dir / "plain", "x");
  EXPECT_THAT([&] { write_file_atomically(dir / "plain" / "a.npy", "x"); },
              ::testing::ThrowsMessage<IoError>(HasSubstr("Not a directory")));
}

TEST(AtomicFile, UnwritableDirectoryIsReported) {
  if (::geteuid() == 0) GTEST_SKIP() << "root ignores directory permissions";
  TempDir dir;
  std::filesystem::create_directory(dir / "ro");
  std::filesystem::permissions(
      dir / "ro", std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
  EXPECT_THAT([&] { write_file_atomically(dir / "ro" / "a.npy", "x"); },
              ::testing::ThrowsMessage<IoError>(
                  AllOf(HasSubstr("ro/a.npy"), HasSubstr("Permission denied"))));
  std::filesystem::permissions(dir / "ro", std::filesystem::perms::owner_all);
}

TEST(ReadFile, ReturnsAllBytes) {
  TempDir dir;
  std::string big(100000, 'q');
  big[777] = '\0';
  write_file_atomically(dir / "big", big);
  EXPECT_EQ(text_of(read_file(dir / "big")), big);
}

TEST(ReadFile, MissingOrDirectoryNamesTheFile) {
  TempDir dir;
  const auto missing = dir / "missing.npy";
  EXPECT_THAT([&] { read_file(missing); }, ::testing::ThrowsMessage<IoError>(AllOf(
                                               HasSubstr("read_file('" + missing.string() + "')"),
                                               HasSubstr("No such file or directory"))));
  EXPECT_THAT([&] { read_file(dir.path()); },
              ::testing::ThrowsMessage<IoError>(HasSubstr("Is a directory")));
}

}  // namespace
}  // namespace petal
