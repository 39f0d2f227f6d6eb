// RAII wrappers over HDF5's C API for Keras model files: files, groups, float
// datasets of any rank and string attributes. Every HDF5 failure is one IoError.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "petal/core/shape.h"
#include "petal/core/tensor.h"

namespace petal::detail::h5 {

// HDF5's hid_t (int64_t in HDF5 1.10), so that this header needs no <hdf5.h>.
using Id = int64_t;

// Owns one HDF5 identifier (file, group, dataset, attribute, dataspace, type or
// property list) and releases it at scope exit.
class Handle {
 public:
  Handle() = default;
  explicit Handle(Id id) : id_(id) {}
  ~Handle();
  Handle(Handle&& other) noexcept : id_(other.release()) {}
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  Id get() const { return id_; }
  Id release() noexcept;

 private:
  Id id_ = -1;
};

// Where an HDF5 object lives, for error messages.
struct Location {
  std::string file;  // the path as the caller gave it
  std::string path;  // object path inside the file, e.g. "/model_weights/conv2d_1"
  // "/model_weights/conv2d_1" + "kernel:0" -> "/model_weights/conv2d_1/kernel:0"
  Location child(const std::string& name) const;
};

// One attribute of a group or dataset.
class Attribute {
 public:
  Attribute(Handle handle, Location where) : handle_(std::move(handle)), where_(std::move(where)) {}
  // Strings of a scalar or 1-D attribute, fixed-length (NUL/space padded, as
  // h5py writes NumPy 'S' arrays) or variable-length (h5py str). An attribute
  // with no elements of any type (h5py writes [] as float64 (0,)) gives {}.
  std::vector<std::string> read_strings() const;
  // The one string of a scalar string attribute (or of a 1-element array).
  std::string read_string() const;
  const Location& where() const { return where_; }

 private:
  Handle handle_;
  Location where_;
};

// A numeric dataset.
class Dataset {
 public:
  Dataset(Handle handle, Location where) : handle_(std::move(handle)), where_(std::move(where)) {}
  // [] for a scalar dataset.
  Shape shape() const;
  bool is_integer() const;
  // Values converted to float32 (float64, float16 and integer datasets too).
  Tensor read_float() const;
  // Values converted to int64 (for iteration counters).
  std::vector<int64_t> read_int64() const;
  const Location& where() const { return where_; }

 private:
  Handle handle_;
  Location where_;
};

// A group (File is the root group). Names may be paths relative to the group
// ("conv2d_1/kernel:0"); writing creates the intermediate groups, as h5py does.
class Group {
 public:
  Group(Handle handle, Location where) : handle_(std::move(handle)), where_(std::move(where)) {}
  const Location& where() const { return where_; }

  bool has(const std::string& name) const;  // a link of that name (every path component exists)
  bool has_group(const std::string& name) const;
  bool has_dataset(const std::string& name) const;
  Group open_group(const std::string& name) const;
  Dataset open_dataset(const std::string& name) const;
  std::vector<std::string> member_names() const;  // direct members, in name order

  bool has_attribute(const std::string& name) const;
  Attribute open_attribute(const std::string& name) const;
  std::vector<std::string> attribute_names() const;

  Group create_group(const std::string& name);
  // float32 little-endian dataset of the tensor's shape ([] -> scalar dataspace).
  void write_dataset(const std::string& name, const Tensor& values);
  // int64 little-endian scalar dataset (Keras's optimizer 'iterations').
  void write_int64_scalar(const std::string& name, int64_t value);
  // Scalar variable-length string attribute, as h5py writes Python bytes/str.
  void write_string_attribute(const std::string& name, const std::string& value);
  // 1-D array of fixed-length NUL-padded strings as h5py writes a NumPy 'S' array;
  // `item_size` bytes per string (0: the longest string, at least 1). An empty
  // list becomes a float64 array of shape (0,), which is what h5py writes for [].
  void write_string_array_attribute(const std::string& name, const std::vector<std::string>& values,
                                    size_t item_size = 0);

 protected:
  Id id() const { return handle_.get(); }

 private:
  Handle handle_;
  Location where_;
};

// An HDF5 file. Files opened for reading are read-only; files created for
// writing are built in memory and written atomically (temporary file in the same
// folder, then rename; see petal/io/atomic_file.h) by commit(). Destroying a
// created File without commit() leaves any existing file untouched.
class File : public Group {
 public:
  static File open_read(const std::filesystem::path& path);
  static File create(const std::filesystem::path& path);
  void commit();

 private:
  File(Handle handle, std::filesystem::path path, bool writable);
  std::filesystem::path path_;
  bool writable_ = false;
};

// HDF5's object header limit as Keras 2.2.4 uses it (HDF5_OBJECT_HEADER_LIMIT).
inline constexpr size_t kKerasAttributeLimit = 64512;

// Keras 2.2.4's save_attributes_to_hdf5_group: a list of strings as one
// fixed-length string array attribute `name`, or, when that would exceed
// 64512 bytes, as `name0`, `name1`, ... chunks split like numpy.array_split
// (the fewest chunks that each fit). A single string over the limit is an IoError.
void write_keras_string_list(Group& group, const std::string& name, const std::vector<std::string>& values);
// Keras's load_attributes_from_hdf5_group: `name`, else `name0`, `name1`, ...
// concatenated; nullopt when neither exists.
std::optional<std::vector<std::string>> read_keras_string_list(const Group& group, const std::string& name);

}  // namespace petal::detail::h5
