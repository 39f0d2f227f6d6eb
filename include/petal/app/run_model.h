// A trained model together with what feeding it needs: the class names and the
// preprocessing (image size, decoding, rescale) its run recorded in config.json.
// Used by `petal evaluate` and `petal predict`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "petal/app/train_config.h"
#include "petal/model/model.h"
#include "petal/report/classification_report.h"

namespace petal {

struct RunModel {
  Model model;
  std::vector<std::string> class_names;  // the run's; "0".."K-1" without a config.json
  double rescale = 0.0;
  bool fast_decode = true;
  std::optional<TrainConfig> config = std::nullopt;  // the run's, when config.json was found
  std::filesystem::path config_path = {};
  int64_t height() const { return model.input_shape()[0]; }
  int64_t width() const { return model.input_shape()[1]; }
  int64_t channels() const { return model.input_shape()[2]; }
};

// load_model(model_file), plus the run's config.json from the model's folder (or
// the folder above, for checkpoints/epoch_NNN.petal) when there is one.
// IoError for a missing or unreadable model file; ConfigError when config.json's
// class names do not match the model's outputs or the model does not take images.
RunModel load_run_model(const std::filesystem::path& model_file);

// Image files decoded as the run's training data was (resized to the model's
// input, then rescaled): [N, H, W, C]. DataError naming an unreadable file.
Tensor load_images_for(const RunModel& run, const std::vector<std::string>& paths, int threads = 1);

// Checks that x is [N, H, W, C] for the model (ShapeError naming `what`
// otherwise) and, when `preprocess`, applies the run's rescale.
void prepare_arrays(const RunModel& run, Tensor& x, bool preprocess, const std::string& what);

// The k most probable classes of each row, most probable first.
std::vector<std::vector<std::pair<int, float>>> top_k(const Tensor& probabilities, int k);

struct RunEvaluateOptions {
  // test: the test split the run used (its seed, --test-split and --split, or
  // the data's own test folder or CSV); train: the rest; all: every image;
  // auto: test when the data is the run's own or has its own split, else all.
  std::string subset = "auto";
  int64_t batch_size = 32;
  int threads = 1;
  bool tta = false;  // average each image's and its mirror image's predictions
};

struct RunEvaluation {
  ClassificationReport report;
  std::string subset;  // the subset used
  double loss = 0.0;   // categorical cross-entropy over those images
};

RunEvaluation evaluate_run_model(RunModel& run, const std::string& data, const RunEvaluateOptions& options = {});

}  // namespace petal
