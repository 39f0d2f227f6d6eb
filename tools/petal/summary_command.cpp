// petal summary and petal export: a built-in model or a saved model file (petal's
// or a Keras .h5), shown as Keras's summary, or written as a Keras-named weight
// archive, a Keras HDF5 model file and/or ONNX.
#include <filesystem>
#include <iostream>

#include "args.h"
#include "commands.h"
#include "petal/app/memory_estimate.h"
#include "petal/core/error.h"
#include "petal/interop/keras.h"
#include "petal/interop/onnx.h"
#include "petal/io/path_status.h"
#include "petal/models/zoo.h"

namespace petal::cli {

std::string model_names() {
  std::string s;
  for (const auto& n : zoo_models()) s += (s.empty() ? "" : ", ") + n;
  return s;
}

bool is_model_path(const std::string& text) {
  std::error_code ec;
  return std::filesystem::exists(text, ec) || text.find('/') != std::string::npos ||
         (text.size() > 6 && text.substr(text.size() - 6) == ".petal") || is_keras_hdf5_path(text);
}

std::vector<long long> parse_shape(const std::string& text) {
  std::vector<long long> out;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = text.find(',', start);
    const std::string part = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(part, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != part.size() || part.empty() || v <= 0 || v > (1LL << 20)) {
      throw UsageError("--input-shape: expected integers in [1, 1048576] such as 64,64,3; received '" + text + "'");
    }
    out.push_back(v);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (out.size() != 3) throw UsageError("--input-shape: expected three values H,W,C; received '" + text + "'");
  return out;
}

namespace {

void add_model_options(ArgParser& p) {
  p.option("model", "built-in model (" + model_names() + ") or a model file (RUN_DIR/model.petal, Keras M.h5)", "",
           "NAME|FILE")
      .option("input-shape", "input image shape H,W,C (built-in models)", "64,64,3", "H,W,C")
      .option("classes", "number of classes (built-in models)", "17", "K")
      .option("alpha", "width multiplier (mobilenet_v2)", "1.0", "X")
      .option("seed", "weight initialisation seed (built-in models)", "0", "N");
}

Model model_from_args(const Args& args) {
  const std::string name = args.str("model");
  if (is_model_path(name)) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(name, ec)) {
      throw IoError("--model '" + name + "': expected a built-in model name (" + model_names() +
                    ") or a model file; " + path_problem(name) + ".");
    }
    return load_model(name);
  }
  const auto shape = parse_shape(args.str("input-shape"));
  const long long classes = args.integer("classes"), seed = args.integer("seed");
  if (classes < 2) throw UsageError("--classes: expected an integer >= 2; received " + std::to_string(classes));
  if (seed < 0) throw UsageError("--seed: expected an integer >= 0; received " + std::to_string(seed));
  const double alpha = args.number("alpha");
  if (!(alpha > 0)) throw UsageError("--alpha: expected a number > 0; received " + args.str("alpha"));
  ZooOptions o{.height = shape[0], .width = shape[1], .depth = shape[2], .classes = classes,
               .seed = static_cast<uint64_t>(seed), .alpha = alpha};
  const std::vector<std::string> known = zoo_models();
  if (std::find(known.begin(), known.end(), name) != known.end()) {
    // Weights and their gradients are allocated when the model is built.
    const MemoryEstimate e = estimate_zoo_memory(name, o, 1, false);
    check_memory(8.0 * static_cast<double>(e.parameters), "building " + name + " for input " + args.str("input-shape"),
                 describe(e), "a smaller --input-shape.");
  }
  return build_model(name, o);
}

}  // namespace

int summary_command(const std::vector<std::string>& argv) {
  ArgParser p("summary", "petal summary --model NAME|RUN_DIR/model.petal|M.h5 [--input-shape H,W,C] [--classes K] "
              "[--alpha X]",
              "Print a model's layers, output shapes and parameter counts in Keras's format.");
  add_model_options(p);
  auto args = p.parse(argv);
  if (!args) return 0;
  std::cout << model_from_args(*args).summary();
  return 0;
}

int export_command(const std::vector<std::string>& argv) {
  ArgParser p("export",
              "petal export --model NAME|RUN_DIR/model.petal|M.h5 [--weights W.npz] [--h5 M.h5] [--onnx M.onnx "
              "[--onnx-layout nhwc|nchw] [--fold-bn]]",
              "Write the model's weights as a NumPy .npz archive under Keras's variable names and shapes\n"
              "(conv2d_1/kernel:0 [3, 3, 3, 32], ...), in layer order, for loading into Keras; and/or the\n"
              "whole model as a Keras 2 HDF5 file (model.save's layout, which keras.models.load_model reads);\n"
              "and/or the model as an ONNX inference graph (opset 17, dynamic batch, Dropout removed) for\n"
              "OpenCV's dnn module and ONNX runtimes.");
  add_model_options(p);
  p.option("weights", "the .npz archive to write", "", "W.npz")
      .option("h5", "the Keras HDF5 model file to write", "", "M.h5")
      .option("onnx", "the ONNX file to write", "", "M.onnx")
      .option("onnx-layout", "input layout of the ONNX graph: nhwc (petal's) or nchw (cv::dnn::blobFromImage's)",
              "nhwc", "nhwc|nchw")
      .flag("fold-bn", "fold each BatchNormalization into the Conv2D or Dense right before it, where exact");
  auto args = p.parse(argv);
  if (!args) return 0;
  if (!args->has("weights") && !args->has("onnx") && !args->has("h5")) {
    throw UsageError("petal export: expected --weights W.npz, --h5 M.h5, --onnx M.onnx or several of them");
  }
  for (const auto& given : args->given()) {
    if ((given.first == "onnx-layout" || given.first == "fold-bn") && !args->has("onnx")) {
      throw UsageError("--" + given.first + ": applies to an ONNX export; expected --onnx M.onnx with it");
    }
  }
  const std::string layout = args->str("onnx-layout");
  if (layout != "nhwc" && layout != "nchw") {
    throw UsageError("--onnx-layout: expected nhwc or nchw; received '" + layout + "'");
  }
  Model model = model_from_args(*args);
  if (args->has("weights")) {
    const std::string out = args->str("weights");
    model.save_weights(out);
    std::cout << "wrote " << out << ": " << model.weight_names().size() << " arrays, " << model.count_params()
              << " parameters\n";
  }
  if (args->has("h5")) {
    const std::string out = args->str("h5");
    save_keras_model(model, out);
    std::cout << "wrote " << out << ": Keras " << (model.is_sequential() ? "Sequential" : "functional")
              << " model file, " << model.count_params() << " parameters\n";
  }
  if (args->has("onnx")) {
    const std::string out = args->str("onnx");
    const OnnxOptions options{.layout = onnx_layout_from_string(layout), .fold_batch_norm = args->flag("fold-bn")};
    save_onnx(model, out, options);
    std::string inputs, outputs;  // as save_onnx names them
    if (model.is_sequential()) inputs = model.layers().front()->name() + "_input";
    for (const auto& t : model.is_sequential() ? std::vector<KerasTensor>{} : model.inputs()) {
      inputs += (inputs.empty() ? "" : "', '") + t.layer().name();
    }
    for (const auto& name : model.output_names()) outputs += (outputs.empty() ? "" : "', '") + name;
    std::cout << "wrote " << out << ": ONNX opset " << options.opset << ", input '" << inputs << "' "
              << (layout == "nhwc" ? "[N, H, W, C]" : "[N, C, H, W]") << ", output '" << outputs << "'\n";
  }
  return 0;
}

}  // namespace petal::cli
