// Keeping replicas alike: a fingerprint of a model's parameter storage and the
// collective check that every rank holds the same kind of model.
#pragma once

#include <cstdint>

#include "petal/model/model.h"

namespace petal::detail {

// Hash of every parameter's name, size, trainable flag and storage layout.
int64_t model_fingerprint(Model& model);
// Collective: throws StateError (on every rank alike) when the ranks' fingerprints differ.
void check_same_model(Model& model, const char* what);

}  // namespace petal::detail
