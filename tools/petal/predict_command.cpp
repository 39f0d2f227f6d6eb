// petal predict: class probabilities for image files, or for an .npy array.
#include <cstdio>
#include <iostream>

#include "args.h"
#include "commands.h"
#include "petal/app/run_model.h"
#include "petal/io/npy.h"

namespace petal::cli {

namespace {

int predict_arrays(RunModel& run, const Args& args) {
  const auto out = args.opt("out");
  if (!out) throw UsageError("petal predict: --npy needs --out P.npy for the probabilities");
  if (!args.positional().empty()) throw UsageError("petal predict: give either IMAGE files or --npy, not both");
  const std::string in = args.str("npy");
  Tensor x = load_npy(in).to_tensor();
  prepare_arrays(run, x, !args.flag("raw"), "--npy '" + in + "'");
  const Tensor p = run.model.predict(x, {.batch_size = args.integer("batch-size"), .tta = args.flag("tta")});
  save_npy(*out, NpyArray::from_tensor(p));
  std::cout << "wrote " << *out << ": probabilities " << to_string(p.shape()) << "\n";
  return 0;
}

}  // namespace

int predict_command(const std::vector<std::string>& argv) {
  ArgParser p("predict", "petal predict --model RUN_DIR/model.petal IMAGE... [--top K]\n"
                         "       petal predict --model RUN_DIR/model.petal --npy X.npy --out P.npy",
              "Print the most probable classes of each image, or write the class probabilities of an\n"
              "array of images (NHWC, pixel values as decoded) to a .npy file. Images are resized and\n"
              "rescaled as the run's config.json says.");
  p.positional("IMAGE", "image files", true)
      .option("model", "model file written by petal train (or a Keras .h5 model file)", "", "FILE")
      .option("top", "classes shown per image", "1", "K")
      .option("npy", "array of images [N, H, W, C] (any numeric dtype)", "", "X.npy")
      .option("out", "where --npy writes the probabilities [N, classes] (float32)", "", "P.npy")
      .option("batch-size", "images per prediction batch", "32", "N")
      .option("threads", "compute and decoding threads (0: all cores)", "0", "N")
      .flag("raw", "with --npy: feed the array as it is (skip the run's rescale)")
      .flag("tta", "test-time augmentation: average each image's and its mirror image's predictions");
  auto args = p.parse(argv);
  if (!args) return 0;
  const long long top = args->integer("top"), threads = args->integer("threads"), batch = args->integer("batch-size");
  if (top < 1) throw UsageError("--top: expected an integer >= 1; received " + std::to_string(top));
  if (threads < 0) throw UsageError("--threads: expected an integer >= 0; received " + std::to_string(threads));
  if (batch < 1) throw UsageError("--batch-size: expected an integer >= 1; received " + std::to_string(batch));
  if (!args->has("npy") && args->positional().empty()) {
    throw UsageError("petal predict: expected IMAGE files or --npy X.npy (see petal predict --help)");
  }
  set_num_threads(static_cast<int>(threads));
  RunModel run = load_run_model(args->str("model"));
  if (args->has("npy")) return predict_arrays(run, *args);
  if (args->has("out")) throw UsageError("petal predict: --out goes with --npy; image predictions are printed");
  const std::vector<std::string>& files = args->positional();
  const Tensor x = load_images_for(run, files, num_threads());
  const auto best = top_k(run.model.predict(x, {.batch_size = batch, .tta = args->flag("tta")}), static_cast<int>(top));
  for (size_t i = 0; i < files.size(); ++i) {
    std::cout << files[i] << ":";
    for (size_t j = 0; j < best[i].size(); ++j) {
      char prob[32];
      std::snprintf(prob, sizeof prob, "%.4f", best[i][j].second);
      std::cout << (j ? ", " : " ") << run.class_names[static_cast<size_t>(best[i][j].first)] << " " << prob;
    }
    std::cout << "\n";
  }
  return 0;
}

}  // namespace petal::cli
