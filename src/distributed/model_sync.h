// Keeping replicas alike: a fingerprint of a model's parameter storage and the
// collective check that every rank holds the same kind of model.
#pragma once

#include <cstdint>

#include "petal/model/sequential.h"

namespace petal::detail {

// Hash of every parameter's name, size, trainable flag and storage layout.
int64_t model_fingerprint(Sequential& model);
// Collective: throws StateError (on every rank alike) when the ranks' fingerprints differ.
void check_same_model(Sequential& model, const char* what);

}  // namespace petal::detail
