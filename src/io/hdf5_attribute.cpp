// HDF5 string attributes as h5py reads and writes them, and Keras 2.2.4's
// splitting of long string lists into name0, name1, ... attributes.
#include <algorithm>
#include <cstring>

#include "io/hdf5_error.h"
#include "io/hdf5_file.h"
#include "petal/core/error.h"

namespace petal::detail::h5 {

namespace {

std::string class_name(H5T_class_t c) {
  switch (c) {
    case H5T_INTEGER: return "integers";
    case H5T_FLOAT: return "floats";
    case H5T_COMPOUND: return "a compound type";
    case H5T_REFERENCE: return "references";
    default: return "HDF5 type class " + std::to_string(static_cast<int>(c));
  }
}

// A fixed-length string without its padding: cut at the first NUL (NULLPAD and
// NULLTERM), or drop trailing spaces (SPACEPAD).
std::string unpad(const char* p, size_t size, H5T_str_t pad) {
  std::string s(p, strnlen(p, size));
  if (pad == H5T_STR_SPACEPAD) s.erase(s.find_last_not_of(' ') + 1);
  return s;
}

std::vector<std::string> read_variable(hid_t attr, hid_t type, hid_t space, size_t n, const Location& at) {
  Handle mem(check(H5Tcopy(H5T_C_S1), at, "read attribute"));
  check_status(H5Tset_size(mem.get(), H5T_VARIABLE), at, "read attribute");
  check_status(H5Tset_cset(mem.get(), H5Tget_cset(type)), at, "read attribute");
  std::vector<char*> ptrs(n, nullptr);
  check_status(H5Aread(attr, mem.get(), ptrs.data()), at, "read attribute");
  std::vector<std::string> out;
  for (const char* p : ptrs) out.emplace_back(p ? p : "");
  H5Dvlen_reclaim(mem.get(), space, H5P_DEFAULT, ptrs.data());
  return out;
}

std::vector<std::string> read_fixed(hid_t attr, hid_t type, size_t n, const Location& at) {
  const size_t size = H5Tget_size(type);
  if (size == 0) fail(at, "read attribute");
  std::vector<char> buffer(size * n);
  check_status(H5Aread(attr, type, buffer.data()), at, "read attribute");
  const H5T_str_t pad = H5Tget_strpad(type);
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) out.push_back(unpad(buffer.data() + i * size, size, pad));
  return out;
}

}  // namespace

std::vector<std::string> Attribute::read_strings() const {
  silence_errors();
  const hid_t attr = handle_.get();
  Handle type(check(H5Aget_type(attr), where_, "read attribute"));
  Handle space(check(H5Aget_space(attr), where_, "read attribute"));
  const int rank = H5Sget_simple_extent_ndims(space.get());
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (rank < 0 || n < 0) fail(where_, "read attribute");
  const H5T_class_t cls = H5Tget_class(type.get());
  if (n == 0 && cls != H5T_STRING) return {};
  if (cls != H5T_STRING || rank > 1) {
    throw IoError("'" + where_.file + "': attribute '" + where_.path + "': expected strings (a scalar or a list); received " +
                  (cls != H5T_STRING ? class_name(cls) : "a " + std::to_string(rank) + "-D array") + ".");
  }
  if (n == 0) return {};
  // A damaged header may claim any size: Keras's attributes stay far below 1 GiB.
  if (static_cast<double>(n) * static_cast<double>(std::max<size_t>(H5Tget_size(type.get()), sizeof(char*))) > 1073741824.0) {
    throw IoError("'" + where_.file + "': attribute '" + where_.path + "' claims " + std::to_string(n) +
                  " strings, too many for a Keras attribute (damaged file?).");
  }
  if (H5Tis_variable_str(type.get()) > 0) {
    return read_variable(attr, type.get(), space.get(), static_cast<size_t>(n), where_);
  }
  return read_fixed(attr, type.get(), static_cast<size_t>(n), where_);
}

std::string Attribute::read_string() const {
  const auto all = read_strings();
  if (all.size() != 1) {
    throw IoError("'" + where_.file + "': attribute '" + where_.path + "': expected one string; received " +
                  std::to_string(all.size()) + ".");
  }
  return all[0];
}

bool Group::has_attribute(const std::string& name) const {
  silence_errors();
  const htri_t exists = H5Aexists(id(), name.c_str());
  if (exists < 0) fail(where_.child("@" + name), "look up attribute");
  return exists > 0;
}

Attribute Group::open_attribute(const std::string& name) const {
  silence_errors();
  const Location at{where_.file, where_.path + "@" + name};
  return Attribute(Handle(check(H5Aopen(id(), name.c_str(), H5P_DEFAULT), at, "open attribute")), at);
}

namespace {

herr_t collect_attribute(hid_t, const char* name, const H5A_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->emplace_back(name);
  return 0;
}

}  // namespace

std::vector<std::string> Group::attribute_names() const {
  silence_errors();
  std::vector<std::string> names;
  hsize_t index = 0;
  check_status(H5Aiterate2(id(), H5_INDEX_NAME, H5_ITER_INC, &index, collect_attribute, &names), where_,
               "list attributes of");
  return names;
}

namespace {

// Creates attribute `name` (replacing one of that name) with `type` and `space`.
Handle create_attribute(hid_t group, const std::string& name, hid_t type, hid_t space, const Location& at) {
  if (H5Aexists(group, name.c_str()) > 0) check_status(H5Adelete(group, name.c_str()), at, "replace attribute");
  return Handle(check(H5Acreate2(group, name.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), at, "create attribute"));
}

}  // namespace

void Group::write_string_attribute(const std::string& name, const std::string& value) {
  silence_errors();
  const Location at{where_.file, where_.path + "@" + name};
  Handle type(check(H5Tcopy(H5T_C_S1), at, "create attribute"));
  check_status(H5Tset_size(type.get(), H5T_VARIABLE), at, "create attribute");
  check_status(H5Tset_cset(type.get(), H5T_CSET_ASCII), at, "create attribute");
  Handle space(check(H5Screate(H5S_SCALAR), at, "create attribute"));
  Handle attr = create_attribute(id(), name, type.get(), space.get(), at);
  const char* p = value.c_str();
  check_status(H5Awrite(attr.get(), type.get(), &p), at, "write attribute");
}

void Group::write_string_array_attribute(const std::string& name, const std::vector<std::string>& values,
                                         size_t item_size) {
  silence_errors();
  const Location at{where_.file, where_.path + "@" + name};
  const hsize_t n = values.size();
  Handle space(check(H5Screate_simple(1, &n, nullptr), at, "create attribute"));
  if (values.empty()) {  // h5py stores [] as float64 (0,)
    create_attribute(id(), name, H5T_IEEE_F64LE, space.get(), at);
    return;
  }
  size_t longest = 1;
  for (const auto& v : values) longest = std::max(longest, v.size());
  if (item_size == 0) item_size = longest;
  if (item_size < longest) throw IoError("'" + where_.file + "': attribute '" + at.path + "': a string is too long.");
  Handle type(check(H5Tcopy(H5T_C_S1), at, "create attribute"));
  check_status(H5Tset_size(type.get(), item_size), at, "create attribute");
  check_status(H5Tset_strpad(type.get(), H5T_STR_NULLPAD), at, "create attribute");
  check_status(H5Tset_cset(type.get(), H5T_CSET_ASCII), at, "create attribute");
  std::vector<char> buffer(item_size * values.size(), '\0');
  for (size_t i = 0; i < values.size(); ++i) std::memcpy(buffer.data() + i * item_size, values[i].data(), values[i].size());
  Handle attr = create_attribute(id(), name, type.get(), space.get(), at);
  check_status(H5Awrite(attr.get(), type.get(), buffer.data()), at, "write attribute");
}

void write_keras_string_list(Group& group, const std::string& name, const std::vector<std::string>& values) {
  size_t item_size = 1;  // NumPy's 'S' itemsize for the whole list (at least 1)
  for (const auto& v : values) {
    if (v.size() > kKerasAttributeLimit) {
      throw IoError("'" + group.where().file + "': attribute '" + group.where().path + "@" + name + "': the string '" +
                    v.substr(0, 40) + "...' is longer than HDF5's " + std::to_string(kKerasAttributeLimit) +
                    "-byte attribute limit.");
    }
    item_size = std::max(item_size, v.size());
  }
  const size_t n = values.size();
  // numpy.array_split into k chunks: the largest holds ceil(n / k) strings.
  size_t chunks = 1;
  while (n > 0 && (n + chunks - 1) / chunks * item_size > kKerasAttributeLimit) ++chunks;
  if (chunks == 1) {
    group.write_string_array_attribute(name, values);
    return;
  }
  size_t begin = 0;
  for (size_t c = 0; c < chunks; ++c) {
    const size_t count = n / chunks + (c < n % chunks ? 1 : 0);
    const std::vector<std::string> part(values.begin() + static_cast<std::ptrdiff_t>(begin),
                                        values.begin() + static_cast<std::ptrdiff_t>(begin + count));
    group.write_string_array_attribute(name + std::to_string(c), part, item_size);
    begin += count;
  }
}

std::optional<std::vector<std::string>> read_keras_string_list(const Group& group, const std::string& name) {
  if (group.has_attribute(name)) return group.open_attribute(name).read_strings();
  std::optional<std::vector<std::string>> out;
  for (int chunk = 0; group.has_attribute(name + std::to_string(chunk)); ++chunk) {
    if (!out) out.emplace();
    for (auto& s : group.open_attribute(name + std::to_string(chunk)).read_strings()) out->push_back(std::move(s));
  }
  return out;
}

}  // namespace petal::detail::h5
