// HDF5 handles, errors, files and group navigation (attributes and datasets are
// in hdf5_attribute.cpp and hdf5_dataset.cpp).
#include "io/hdf5_file.h"

#include <system_error>

#include "io/hdf5_error.h"
#include "petal/core/error.h"
#include "petal/io/atomic_file.h"

namespace petal::detail::h5 {

namespace fs = std::filesystem;

Handle::~Handle() {
  if (id_ >= 0) H5Idec_ref(id_);
}

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    if (id_ >= 0) H5Idec_ref(id_);
    id_ = other.release();
  }
  return *this;
}

Id Handle::release() noexcept {
  const Id id = id_;
  id_ = -1;
  return id;
}

Location Location::child(const std::string& name) const {
  if (path.empty() || path == "/") return {file, "/" + name};
  return {file, path + "/" + name};
}

void silence_errors() {
  thread_local bool silenced = false;
  if (!silenced) silenced = H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr) >= 0;
}

namespace {

herr_t innermost(unsigned n, const H5E_error2_t* e, void* out) {
  if (n == 0 && e->desc != nullptr) *static_cast<std::string*>(out) = e->desc;
  return 0;
}

}  // namespace

std::string take_error_detail() {
  std::string detail;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, innermost, &detail);
  H5Eclear2(H5E_DEFAULT);
  return detail.empty() ? "HDF5 reported no reason" : detail;
}

void fail(const Location& where, const std::string& action) {
  const std::string detail = take_error_detail();
  throw IoError("'" + where.file + "': cannot " + action + " '" + where.path + "': " + detail + ".");
}

Id check(hid_t id, const Location& where, const std::string& action) {
  if (id < 0) fail(where, action);
  return id;
}

herr_t check_status(herr_t rc, const Location& where, const std::string& action) {
  if (rc < 0) fail(where, action);
  return rc;
}

bool Group::has(const std::string& name) const {
  // H5Lexists fails (rather than answering false) when an intermediate group is
  // missing, so each path component is checked in turn.
  std::string prefix;
  for (size_t start = 0; start <= name.size();) {
    size_t end = name.find('/', start);
    if (end == std::string::npos) end = name.size();
    prefix += (prefix.empty() ? "" : "/") + name.substr(start, end - start);
    const htri_t exists = H5Lexists(id(), prefix.c_str(), H5P_DEFAULT);
    if (exists <= 0) {
      H5Eclear2(H5E_DEFAULT);
      return false;
    }
    start = end + 1;
  }
  return !name.empty();
}

namespace {

H5I_type_t object_type(Id group, const std::string& name) {
  const hid_t obj = H5Oopen(group, name.c_str(), H5P_DEFAULT);
  if (obj < 0) {
    H5Eclear2(H5E_DEFAULT);
    return H5I_BADID;
  }
  const H5I_type_t type = H5Iget_type(obj);
  H5Oclose(obj);
  return type;
}

}  // namespace

bool Group::has_group(const std::string& name) const { return has(name) && object_type(id(), name) == H5I_GROUP; }

bool Group::has_dataset(const std::string& name) const { return has(name) && object_type(id(), name) == H5I_DATASET; }

Group Group::open_group(const std::string& name) const {
  const Location at = where_.child(name);
  silence_errors();
  return Group(Handle(check(H5Gopen2(id(), name.c_str(), H5P_DEFAULT), at, "open group")), at);
}

Dataset Group::open_dataset(const std::string& name) const {
  const Location at = where_.child(name);
  silence_errors();
  return Dataset(Handle(check(H5Dopen2(id(), name.c_str(), H5P_DEFAULT), at, "open dataset")), at);
}

namespace {

herr_t collect_name(hid_t, const char* name, const H5L_info_t*, void* out) {
  static_cast<std::vector<std::string>*>(out)->emplace_back(name);
  return 0;
}

}  // namespace

std::vector<std::string> Group::member_names() const {
  std::vector<std::string> names;
  hsize_t index = 0;
  check_status(H5Literate(id(), H5_INDEX_NAME, H5_ITER_INC, &index, collect_name, &names), where_, "list group");
  return names;
}

Group Group::create_group(const std::string& name) {
  const Location at = where_.child(name);
  Handle lcpl(check(H5Pcreate(H5P_LINK_CREATE), at, "create group"));
  check_status(H5Pset_create_intermediate_group(lcpl.get(), 1), at, "create group");
  return Group(Handle(check(H5Gcreate2(id(), name.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT), at, "create group")),
               at);
}

File::File(Handle handle, fs::path path, bool writable)
    : Group(std::move(handle), Location{path.string(), "/"}), path_(std::move(path)), writable_(writable) {}

File File::open_read(const fs::path& path) {
  silence_errors();
  const Location at{path.string(), "/"};
  std::error_code ec;
  if (!fs::exists(path, ec)) throw IoError("'" + path.string() + "': no such file.");
  if (fs::is_directory(path, ec)) throw IoError("'" + path.string() + "': is a directory, not an HDF5 file.");
  Handle fapl(check(H5Pcreate(H5P_FILE_ACCESS), at, "open file"));
  // Read-only opens need no lock; file systems without locking are fine too.
  check_status(H5Pset_file_locking(fapl.get(), 0, 1), at, "open file");
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get());
  if (file < 0) {
    const std::string detail = take_error_detail();
    if (H5Fis_hdf5(path.c_str()) <= 0) {
      H5Eclear2(H5E_DEFAULT);
      throw IoError("'" + path.string() + "': not an HDF5 file (no HDF5 signature found).");
    }
    throw IoError("'" + path.string() + "': cannot open as HDF5 (damaged or truncated?): " + detail + ".");
  }
  return File(Handle(file), path, false);
}

File File::create(const fs::path& path) {
  silence_errors();
  const Location at{path.string(), "/"};
  Handle fapl(check(H5Pcreate(H5P_FILE_ACCESS), at, "create file"));
  // The core driver without a backing store keeps the whole file in memory;
  // commit() writes its image atomically.
  check_status(H5Pset_fapl_core(fapl.get(), size_t{1} << 20, 0), at, "create file");
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get());
  return File(Handle(check(file, at, "create file")), path, true);
}

void File::commit() {
  const Location& at = where();
  if (!writable_) throw IoError("'" + path_.string() + "': opened read-only; cannot commit.");
  check_status(H5Fflush(id(), H5F_SCOPE_GLOBAL), at, "write file");
  const ssize_t size = H5Fget_file_image(id(), nullptr, 0);
  if (size < 0) fail(at, "write file");
  std::vector<std::byte> image(static_cast<size_t>(size));
  if (H5Fget_file_image(id(), image.data(), image.size()) != size) fail(at, "write file");
  write_file_atomically(path_, image);
  writable_ = false;
}

}  // namespace petal::detail::h5
