// Helpers shared by the image and CSV halves of load_dataset.
#pragma once

#include <string>
#include <vector>

#include "petal/app/dataset.h"
#include "petal/data/split.h"

namespace petal::detail {

// Labels over `data_names` re-expressed over `wanted` (unchanged when `wanted` is
// empty); DataError naming `where` for a class that `wanted` lacks.
std::vector<int64_t> labels_for_names(const std::vector<std::string>& data_names, const std::vector<int64_t>& labels,
                                      const std::vector<std::string>& wanted, const std::string& where);
// The split options ask for (shuffled, or stratified then shuffled).
SplitIndices split_indices(const std::vector<int64_t>& labels, const DatasetOptions& options);

Dataset load_csv_dataset(const DatasetOptions& options);

}  // namespace petal::detail
