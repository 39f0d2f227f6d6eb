// Callback states inside model files: "callbacks/<key>/<name>" float64 [1] arrays
// for the numbers and "callbacks/<key>/@<i>" float32 arrays for the tensors.
#pragma once

#include <string>

#include "petal/callbacks/callback.h"
#include "petal/io/npz.h"

namespace petal::detail {

void append_callback_states(const CallbackStates& states, NamedArrays& arrays);
// The states in `arrays` (none: empty); IoError naming `what` and the array for a malformed one.
CallbackStates read_callback_states(const NamedArrays& arrays, const std::string& what);

}  // namespace petal::detail
