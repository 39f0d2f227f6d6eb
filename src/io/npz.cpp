// .npz archives: NpyArrays as "<name>.npy" members of a ZIP file.
#include "petal/io/npz.h"

#include <algorithm>

#include "io/zip.h"
#include "petal/core/error.h"

namespace petal {

namespace {
constexpr std::string_view kSuffix = ".npy";
}

NpzWriter::NpzWriter(std::filesystem::path path, bool compress)
    : path_(std::move(path)),
      compress_(compress),
      zip_(std::make_unique<detail::ZipWriter>(path_)) {}

NpzWriter::~NpzWriter() = default;

void NpzWriter::add(const std::string& name, const NpyArray& array) {
  const std::string where = "save_npz('" + path_.string() + "')";
  if (name.empty()) throw ConfigError(where + ": expected a non-empty array name.");
  if (std::find(names_.begin(), names_.end(), name) != names_.end()) {
    throw ConfigError(where + ": array name '" + name + "' appears twice; names must be unique.");
  }
  zip_->add(name + std::string(kSuffix), encode_npy(array), compress_);
  names_.push_back(name);
}

void NpzWriter::commit() { zip_->commit(); }

void save_npz(const std::filesystem::path& path, const NamedArrays& arrays, bool compress) {
  NpzWriter writer(path, compress);
  for (const auto& [name, array] : arrays) writer.add(name, array);
  writer.commit();
}

NamedArrays decode_npz(std::span<const std::byte> bytes, std::string_view what) {
  NamedArrays arrays;
  for (auto& member : detail::read_zip(bytes, what)) {
    const std::string where = std::string(what) + ": member '" + member.name + "'";
    if (!member.name.ends_with(kSuffix)) {
      throw IoError(where +
                    ": expected a '.npy' member as np.savez writes; received another file.");
    }
    std::string name = member.name.substr(0, member.name.size() - kSuffix.size());
    arrays.emplace_back(std::move(name), decode_npy(member.data, where));
  }
  return arrays;
}

NamedArrays load_npz(const std::filesystem::path& path) {
  return decode_npz(read_file(path), "load_npz('" + path.string() + "')");
}

const NpyArray& find_array(const NamedArrays& arrays, std::string_view name,
                           std::string_view what) {
  for (const auto& [key, array] : arrays) {
    if (key == name) return array;
  }
  std::string available;
  for (const auto& entry : arrays)
    available += (available.empty() ? "'" : ", '") + entry.first + "'";
  throw IoError(std::string(what) + ": expected an array named '" + std::string(name) +
                "'; received " + (available.empty() ? "an empty archive" : available) + ".");
}

}  // namespace petal
