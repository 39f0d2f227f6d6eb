// NumPy .npz archives: a ZIP of `<name>.npy` members, as np.savez and
// np.savez_compressed write them; petal writes them atomically.
#pragma once

#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "petal/io/npy.h"

namespace petal {

namespace detail {
class ZipWriter;
}

// Arrays by name in archive order. Names may contain '/' and ':' (Keras weight
// names such as "conv2d_1/kernel:0"); the member is the name plus ".npy".
using NamedArrays = std::vector<std::pair<std::string, NpyArray>>;

// Streams arrays into `path` one at a time; nothing appears at `path` until
// commit(). Without commit the partial archive is removed on destruction.
// ZIP "stored" members (np.savez), or deflated ones when `compress` is true
// (np.savez_compressed). No ZIP64: IoError when the archive would exceed 4 GiB.
class NpzWriter {
 public:
  explicit NpzWriter(std::filesystem::path path, bool compress = false);
  ~NpzWriter();
  NpzWriter(const NpzWriter&) = delete;
  NpzWriter& operator=(const NpzWriter&) = delete;

  // ConfigError for an empty or repeated name.
  void add(const std::string& name, const NpyArray& array);
  void commit();

 private:
  std::filesystem::path path_;
  bool compress_;
  std::vector<std::string> names_;
  std::unique_ptr<detail::ZipWriter> zip_;
};

void save_npz(const std::filesystem::path& path, const NamedArrays& arrays, bool compress = false);

// Every member, with ".npy" stripped from its name. Reads stored and deflated
// members and checks their CRC-32. IoError naming the file for a non-zip or
// truncated archive, a CRC mismatch, or a member that is not a valid .npy.
NamedArrays load_npz(const std::filesystem::path& path);
NamedArrays decode_npz(std::span<const std::byte> bytes, std::string_view what_for_errors);

// The array called `name`; IoError listing the available names if it is absent.
const NpyArray& find_array(const NamedArrays& arrays, std::string_view name,
                           std::string_view what_for_errors);

}  // namespace petal
