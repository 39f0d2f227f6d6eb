// petal evaluate: the classification report of a trained model on a dataset.
#include <iostream>

#include "args.h"
#include "commands.h"
#include "petal/app/run_model.h"

namespace petal::cli {

int evaluate_command(const std::vector<std::string>& argv) {
  ArgParser p("evaluate", "petal evaluate --model RUN_DIR/model.petal --data DIR [--json]",
              "Print the classification report (precision, recall, F1, support per class) of a trained model.\n"
              "Images are prepared as the run's config.json (next to the model) says: size, decoding, rescale.");
  p.option("model", "model file written by petal train (or a Keras .h5 model file)", "", "FILE")
      .option("data", "dataset in any layout petal train reads", "", "DIR")
      .option("subset", "auto | test | train | all; auto: the run's test split when DIR is its data or has its own "
                        "test split, else all images", "auto", "NAME")
      .option("batch-size", "images per prediction batch", "32", "N")
      .option("threads", "compute and decoding threads (0: all cores)", "0", "N")
      .flag("json", "print one JSON object: accuracy, per_class, macro_avg, weighted_avg, confusion_matrix")
      .flag("tta", "test-time augmentation: average each image's and its mirror image's predictions");
  auto args = p.parse(argv);
  if (!args) return 0;
  const long long threads = args->integer("threads"), batch = args->integer("batch-size");
  if (threads < 0) throw UsageError("--threads: expected an integer >= 0; received " + std::to_string(threads));
  if (batch < 1) throw UsageError("--batch-size: expected an integer >= 1; received " + std::to_string(batch));
  set_num_threads(static_cast<int>(threads));
  RunModel run = load_run_model(args->str("model"));
  const RunEvaluation ev = evaluate_run_model(
      run, args->str("data"),
      {.subset = args->str("subset"), .batch_size = batch, .threads = num_threads(), .tta = args->flag("tta")});
  if (args->flag("json")) {
    std::cout << classification_report_json(ev.report) << "\n";
  } else {
    std::cout << "petal evaluate: " << ev.subset << " subset of " << args->str("data") << ", loss "
              << ev.loss << (args->flag("tta") ? " (test-time augmentation: mean over each image and its mirror)" : "")
              << "\n\n"
              << format_classification_report(ev.report);
    for (const auto& w : ev.report.warnings) std::cerr << "petal evaluate: warning: " << w << "\n";
  }
  return 0;
}

}  // namespace petal::cli
