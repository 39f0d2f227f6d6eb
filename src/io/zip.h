// Internal: a minimal ZIP archive writer and reader (stored and deflated members,
// CRC-32 checked, no ZIP64) used by the .npz format; zlib does CRC-32 and deflate.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "petal/io/atomic_file.h"

namespace petal::detail {

uint32_t crc32_of(std::span<const std::byte> data);
// Raw deflate streams (no zlib header), as ZIP method 8 stores them.
std::vector<std::byte> deflate_raw(std::span<const std::byte> data);
// IoError starting with `what` unless `data` inflates to exactly `expected_size` bytes.
std::vector<std::byte> inflate_raw(std::span<const std::byte> data, size_t expected_size,
                                   std::string_view what);

// Writes members one after another into an AtomicFile; commit() appends the
// central directory and renames the archive into place. Dates are fixed at
// 1980-01-01 so equal inputs give byte-identical archives.
class ZipWriter {
 public:
  explicit ZipWriter(std::filesystem::path path) : file_(std::move(path)) {}
  void add(const std::string& name, std::span<const std::byte> data, bool compress);
  void commit();

 private:
  struct Entry {
    std::string name;
    uint16_t method;
    uint32_t crc;
    uint32_t compressed_size;
    uint32_t size;
    uint32_t offset;
  };
  [[noreturn]] void too_large(const std::string& what) const;

  AtomicFile file_;
  std::vector<Entry> entries_;
};

struct ZipMember {
  std::string name;
  std::vector<std::byte> data;
};

// Every member of an in-memory archive, in central-directory order, decompressed
// and CRC-checked. IoError starting with `what` for a non-zip or truncated file,
// ZIP64 or encrypted archives, unknown methods and CRC mismatches.
std::vector<ZipMember> read_zip(std::span<const std::byte> archive, std::string_view what);

}  // namespace petal::detail
