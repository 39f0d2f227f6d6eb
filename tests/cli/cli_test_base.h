// The base of the command-line tests that train on a dataset of their own: a
// temporary folder with class folders of noisy images in data(), the run folder
// out() beside it, and the arguments of a quick `petal train` on them.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "cli/cli_fixtures.h"
#include "testing/temp_dir.h"

namespace petal::cli_testing {

struct TinyDataset {
  std::vector<std::string> classes = {"a", "b"};
  int per_class = 4;
  int64_t size = 8;  // pixels, also the --image-size of train_args
  uint64_t seed = 1;  // --seed of train_args
};

class CliTest : public ::testing::Test {
 protected:
  explicit CliTest(TinyDataset dataset = {}) : dataset_(std::move(dataset)) {}
  void SetUp() override { write_class_folders(data(), dataset_.classes, dataset_.per_class, dataset_.size); }
  fs::path data() const { return tmp.path() / "data"; }
  fs::path out() const { return tmp.path() / "run"; }

  // `petal train --data FROM --out TO` (data() and out() when empty) of shallownet
  // at the dataset's size and seed, quiet, on one thread; then `more`.
  std::vector<std::string> train_args(std::vector<std::string> more = {}, const fs::path& from = {},
                                      const fs::path& to = {}) const {
    std::vector<std::string> a = {"train", "--data", (from.empty() ? data() : from).string(),
                                  "--out", (to.empty() ? out() : to).string(), "--model", "shallownet",
                                  "--image-size", std::to_string(dataset_.size), "--seed",
                                  std::to_string(dataset_.seed), "--verbose", "0", "--threads", "1"};
    a.insert(a.end(), more.begin(), more.end());
    return a;
  }

  testing::TempDir tmp;

 private:
  TinyDataset dataset_;
};

}  // namespace petal::cli_testing
