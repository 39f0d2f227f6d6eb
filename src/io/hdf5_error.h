// HDF5 failures as petal IoErrors: one line naming the file, the object path and
// HDF5's own innermost message, with HDF5's stack printing switched off.
#pragma once

#include <hdf5.h>

#include <string>

#include "io/hdf5_file.h"

namespace petal::detail::h5 {

static_assert(sizeof(hid_t) == sizeof(Id), "h5::Id must hold an hid_t");

// Stops HDF5 printing its error stack on this thread (H5Eset_auto; the Debian
// build is thread-safe, so the setting is per thread).
void silence_errors();
// HDF5's innermost message on this thread's error stack (then cleared).
std::string take_error_detail();
// Throws IoError: "'<file>': cannot <action> '<path>': <HDF5's innermost message>."
[[noreturn]] void fail(const Location& where, const std::string& action);
// `id` when it is valid; fail(where, action) otherwise.
Id check(hid_t id, const Location& where, const std::string& action);
// `rc` when it is not negative; fail(where, action) otherwise.
herr_t check_status(herr_t rc, const Location& where, const std::string& action);

}  // namespace petal::detail::h5
