// RunModel: a model file with its run's class names and preprocessing.
#include "petal/app/run_model.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <numeric>

#include "petal/app/dataset.h"
#include "petal/app/train_sources.h"
#include "petal/core/error.h"
#include "petal/core/text_escape.h"
#include "petal/io/path_status.h"
#include "petal/data/image_loader.h"

namespace petal {

namespace fs = std::filesystem;

namespace {

std::optional<fs::path> find_run_config(const fs::path& model_file) {
  const fs::path dir = model_file.parent_path();
  std::error_code ec;
  for (const fs::path& candidate : {dir / "config.json", dir.parent_path() / "config.json"}) {
    if (fs::is_regular_file(candidate, ec)) return candidate;
    if (dir.filename() != "checkpoints") break;
  }
  return std::nullopt;
}

void read_run_config(RunModel& r, const fs::path& path) {
  const ConfigFile file = read_config_file(path.string());
  r.config = resolve_train_config({.preset = file.preset.value_or("recipe"), .config_file = path.string()});
  r.config_path = path;
  r.rescale = r.config->rescale;
  r.fast_decode = r.config->fast_decode;
  if (!file.run_json.empty()) {
    const auto run = nlohmann::json::parse(file.run_json);
    if (run.contains("class_names") && run["class_names"].is_array()) {
      for (const auto& n : run["class_names"]) {
        if (!n.is_string()) {
          throw IoError("'" + path.string() + "': run.class_names: expected strings; received a " +
                        std::string(n.type_name()) + ".");
        }
        r.class_names.push_back(unescape_text(n.get<std::string>()));
      }
    }
  }
}

}  // namespace

RunModel load_run_model(const fs::path& model_file) {
  std::error_code ec;
  if (!fs::is_regular_file(model_file, ec)) {
    throw IoError("--model '" + model_file.string() + "': expected a model file such as RUN_DIR/model.petal; " +
                  (fs::exists(model_file, ec) ? "the path is not a file." : path_problem(model_file) + "."));
  }
  RunModel r{.model = load_model(model_file), .class_names = {}};
  if (r.model.input_shape().size() != 3) {
    throw ConfigError("--model '" + model_file.string() + "': expected a model taking images [H, W, C]; it takes " +
                      to_string(r.model.input_shape()) + ".");
  }
  if (const auto cfg = find_run_config(model_file)) read_run_config(r, *cfg);
  const int64_t k = r.model.output_shape().back();
  if (r.class_names.empty()) {
    for (int64_t i = 0; i < k; ++i) r.class_names.push_back(std::to_string(i));
  } else if (static_cast<int64_t>(r.class_names.size()) != k) {
    throw ConfigError("'" + r.config_path.string() + "' names " + std::to_string(r.class_names.size()) +
                      " classes, but the model '" + model_file.string() + "' has " + std::to_string(k) + " outputs.");
  }
  return r;
}

Tensor load_images_for(const RunModel& r, const std::vector<std::string>& paths, int threads) {
  const int64_t c = r.channels();
  if (c != 3 && c != 1) {
    throw ConfigError("load_images_for: expected a model taking 1 or 3 channels; it takes " + std::to_string(c) + ".");
  }
  LoaderOptions lo;
  lo.decode = DecodeOptions{.target_size = ImageSize{r.height(), r.width()},
                            .color_mode = c == 3 ? ColorMode::Rgb : ColorMode::Grayscale,
                            .reduced_decode = r.fast_decode};
  LoadedImages li = load_images(paths, lo, std::max(1, threads));
  apply_rescale(li.x, r.rescale);
  return std::move(li.x);
}

void prepare_arrays(const RunModel& r, Tensor& x, bool preprocess, const std::string& what) {
  const Shape& in = r.model.input_shape();
  if (x.rank() != 4 || x.dim(0) < 1 || x.dim(1) != in[0] || x.dim(2) != in[1] || x.dim(3) != in[2]) {
    throw ShapeError(what + ": expected images [N, " + std::to_string(in[0]) + ", " + std::to_string(in[1]) + ", " +
                     std::to_string(in[2]) + "] (NHWC, N >= 1) for this model; received " + to_string(x.shape()) +
                     ".");
  }
  if (preprocess) apply_rescale(x, r.rescale);
}

std::vector<std::vector<std::pair<int, float>>> top_k(const Tensor& p, int k) {
  std::vector<std::vector<std::pair<int, float>>> out;
  if (p.empty()) return out;
  const int64_t n = p.dim(0), classes = p.row_size();
  const int kk = static_cast<int>(std::min<int64_t>(std::max(k, 1), classes));
  for (int64_t i = 0; i < n; ++i) {
    const float* row = p.data() + i * classes;
    std::vector<int> idx(static_cast<size_t>(classes));
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.end(), [&](int a, int b) { return row[a] > row[b]; });
    std::vector<std::pair<int, float>> best;
    for (int j = 0; j < kk; ++j) best.emplace_back(idx[static_cast<size_t>(j)], row[idx[static_cast<size_t>(j)]]);
    out.push_back(std::move(best));
  }
  return out;
}

RunEvaluation evaluate_run_model(RunModel& r, const std::string& data, const RunEvaluateOptions& o) {
  const std::string& subset = o.subset;
  if (subset != "auto" && subset != "test" && subset != "train" && subset != "all") {
    throw ConfigError("--subset: expected one of auto | test | train | all; received '" + subset + "'.");
  }
  DatasetOptions d{.path = data, .height = r.height(), .width = r.width(), .fast_decode = r.fast_decode,
                   .threads = std::max(1, o.threads)};
  bool same_data = false;
  if (r.config) {
    const TrainConfig& c = *r.config;
    d.csv_order = c.csv_channels == "bgr" ? ChannelOrder::Bgr : ChannelOrder::Rgb;
    d.test_split = c.test_split;
    d.stratified = c.split == "stratified";
    d.seed = c.seed.value_or(0);
    d.class_names = r.class_names;
    std::error_code ec;
    same_data = fs::equivalent(c.data, data, ec);
  }
  Dataset ds = load_dataset(d);
  RunEvaluation out;
  out.subset = subset == "auto" ? (same_data || ds.predefined_split ? "test" : "all") : subset;
  Tensor x, y;
  if (out.subset == "test") {
    x = std::move(ds.test_x), y = std::move(ds.test_y);
  } else if (out.subset == "train") {
    x = std::move(ds.train_x), y = std::move(ds.train_y);
  } else {
    const std::vector<Tensor> xs = {ds.train_x, ds.test_x}, ys = {ds.train_y, ds.test_y};
    x = ds.test_x.empty() ? ds.train_x : concatenate(xs);
    y = ds.test_y.empty() ? ds.train_y : concatenate(ys);
  }
  if (x.empty()) throw DataError("evaluate: the " + out.subset + " subset of '" + data + "' holds no images.");
  if (r.class_names.size() != ds.class_names.size()) {
    throw DataError("evaluate: the data has " + std::to_string(ds.class_names.size()) + " classes; the model has " +
                    std::to_string(r.class_names.size()) + " outputs.");
  }
  if (!r.config) r.class_names = ds.class_names;
  apply_rescale(x, r.rescale);
  const Tensor p = r.model.predict(x, {.batch_size = o.batch_size, .tta = o.tta});
  out.report = classification_report(argmax_rows(y), argmax_rows(p), r.class_names);
  if (r.model.compiled()) out.loss = r.model.evaluate(x, y, {.batch_size = o.batch_size, .tta = o.tta}).at("loss");
  return out;
}

}  // namespace petal
