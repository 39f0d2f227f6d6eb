// HDF5 numeric datasets: read any float or integer type (HDF5 converts to
// float32 or int64), write float32 tensors and int64 scalars.
#include "io/hdf5_error.h"
#include "io/hdf5_file.h"
#include "petal/core/error.h"

namespace petal::detail::h5 {

namespace {

H5T_class_t type_class(hid_t dataset, const Location& at) {
  Handle type(check(H5Dget_type(dataset), at, "read dataset"));
  return H5Tget_class(type.get());
}

void require_numeric(hid_t dataset, const Location& at) {
  const H5T_class_t c = type_class(dataset, at);
  if (c != H5T_FLOAT && c != H5T_INTEGER) {
    throw IoError("'" + at.file + "': dataset '" + at.path + "': expected numbers (float or integer); received HDF5 type class " +
                  std::to_string(static_cast<int>(c)) + ".");
  }
}

// Element counts a damaged file may claim are checked before anything is
// allocated: at most 2^32 (16 GiB of float32), and no overflow.
int64_t checked_count(const Shape& shape, const Location& at) {
  constexpr int64_t kMax = int64_t{1} << 32;
  int64_t n = 1;
  for (const int64_t d : shape) {
    if (d < 0 || (d > 0 && n > kMax / d)) {
      throw IoError("'" + at.file + "': dataset '" + at.path + "' claims shape " + to_string(shape) +
                    ", too large to be a weight (damaged file?).");
    }
    n *= d;
  }
  return n;
}

}  // namespace

Shape Dataset::shape() const {
  silence_errors();
  Handle space(check(H5Dget_space(handle_.get()), where_, "read dataset"));
  const int rank = H5Sget_simple_extent_ndims(space.get());
  if (rank < 0) fail(where_, "read dataset");
  std::vector<hsize_t> dims(static_cast<size_t>(rank));
  if (rank > 0) check_status(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), where_, "read dataset");
  return Shape(dims.begin(), dims.end());
}

bool Dataset::is_integer() const {
  silence_errors();
  return type_class(handle_.get(), where_) == H5T_INTEGER;
}

Tensor Dataset::read_float() const {
  require_numeric(handle_.get(), where_);
  const Shape s = shape();
  checked_count(s, where_);
  Tensor out(s);
  if (out.size() > 0) {
    check_status(H5Dread(handle_.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), where_,
                 "read dataset");
  }
  return out;
}

std::vector<int64_t> Dataset::read_int64() const {
  require_numeric(handle_.get(), where_);
  std::vector<int64_t> out(static_cast<size_t>(checked_count(shape(), where_)));
  if (!out.empty()) {
    check_status(H5Dread(handle_.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), where_,
                 "read dataset");
  }
  return out;
}

namespace {

Handle dataspace(const Shape& shape, const Location& at) {
  if (shape.empty()) return Handle(check(H5Screate(H5S_SCALAR), at, "create dataset"));
  const std::vector<hsize_t> dims(shape.begin(), shape.end());
  return Handle(check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), at, "create dataset"));
}

// Creates the dataset and any missing groups on its path (h5py's behaviour).
Handle create_dataset(hid_t group, const std::string& name, hid_t type, hid_t space, const Location& at) {
  Handle lcpl(check(H5Pcreate(H5P_LINK_CREATE), at, "create dataset"));
  check_status(H5Pset_create_intermediate_group(lcpl.get(), 1), at, "create dataset");
  return Handle(
      check(H5Dcreate2(group, name.c_str(), type, space, lcpl.get(), H5P_DEFAULT, H5P_DEFAULT), at, "create dataset"));
}

}  // namespace

void Group::write_dataset(const std::string& name, const Tensor& values) {
  silence_errors();
  const Location at = where_.child(name);
  // Tensor() is shape [0]: an empty 1-D dataset.
  Handle space = dataspace(values.shape(), at);
  Handle dataset = create_dataset(id(), name, H5T_IEEE_F32LE, space.get(), at);
  if (values.size() > 0) {
    check_status(H5Dwrite(dataset.get(), H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()), at,
                 "write dataset");
  }
}

void Group::write_int64_scalar(const std::string& name, int64_t value) {
  silence_errors();
  const Location at = where_.child(name);
  Handle space = dataspace({}, at);
  Handle dataset = create_dataset(id(), name, H5T_STD_I64LE, space.get(), at);
  check_status(H5Dwrite(dataset.get(), H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, &value), at, "write dataset");
}

}  // namespace petal::detail::h5
