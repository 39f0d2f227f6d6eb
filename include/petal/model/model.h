// Model: a graph of layers with Keras's model API (compile, fit, evaluate,
// predict, the batch methods, weights, saving, summary). Built with the
// functional API from Input() tensors (petal/model/keras_tensor.h) or as a
// Sequential chain (petal/model/sequential.h). The training loops live in
// src/train; these members are their public entry points.
#pragma once

#include <concepts>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "petal/callbacks/history.h"
#include "petal/core/tensor.h"
#include "petal/core/tensor_list.h"
#include "petal/core/tensor_refs.h"
#include "petal/data/sequence.h"
#include "petal/interop/onnx_options.h"
#include "petal/layers/layer.h"
#include "petal/losses/loss.h"
#include "petal/metrics/metric.h"
#include "petal/model/fit_options.h"
#include "petal/model/keras_tensor.h"
#include "petal/model/logs.h"
#include "petal/optimizers/optimizer.h"

namespace petal {

// How convolutions are computed. Auto (the default) runs the 3x3 stride-1
// convolutions with 16+ channels by Winograd F(4x4, 3x3) in FP32: oneDNN's
// kernel where it has one (CPUs with AVX-512; petal's own for outputs of 16x16
// px or less, where oneDNN's is slower), else petal's own (channels in
// multiples of 8, pads up to 2, no activation or relu/relu6; others direct).
// Winograd is about 1.6-2x faster than direct with ~1e-5 relative error per
// output (sums that cancel, like bias gradients right behind batch norm, show
// ~1e-3). Direct computes the plain sums, as PyTorch's CPU convolutions do, to
// float32 rounding. Winograd asks for petal's own Winograd on every CPU
// (oneDNN's choice for the convolutions it does not fit). PETAL_CONV_ALGORITHM=
// direct|auto|winograd in the environment overrides the model's choice.
enum class ConvAlgorithm { Auto, Direct, Winograd };

struct ModelOptions {
  // Initial weights of the layers this model is the first to own, and dropout masks.
  uint64_t seed = 0;
  std::string name = "model_1";
  ConvAlgorithm conv_algorithm = ConvAlgorithm::Auto;
};

struct CompileOptions {
  // Weight of each output's loss in the total loss (Keras's loss_weights); default 1 each.
  std::vector<double> loss_weights = {};
};

class Model {
 public:
  // Functional API: the graph from Input() tensors to output tensors. Throws
  // ConfigError naming the layer for a disconnected graph (an input that no
  // output uses, an output that needs an Input not given here), inputs that
  // are not Input() tensors, or two different layers with one name.
  Model(const KerasTensor& input, const KerasTensor& output, ModelOptions options = {});
  Model(const std::vector<KerasTensor>& inputs, const std::vector<KerasTensor>& outputs, ModelOptions options = {});
  virtual ~Model();
  Model(Model&&) noexcept;
  Model& operator=(Model&&) noexcept;

  // A model called on tensors, as a layer inside another model: its layers are
  // called in turn (their weights are shared with this model).
  KerasTensor operator()(const KerasTensor& input);
  std::vector<KerasTensor> operator()(const std::vector<KerasTensor>& inputs);
  // The model's own input and output tensors (to build a larger model on it).
  const std::vector<KerasTensor>& inputs() const;
  const std::vector<KerasTensor>& outputs() const;

  // One loss for every output, or one per output; metrics apply to every output.
  void compile(const Optimizer& optimizer, const LossSpec& loss, const std::vector<std::string>& metrics = {},
               const CompileOptions& options = {});
  void compile(const Optimizer& optimizer, const std::vector<LossSpec>& losses,
               const std::vector<std::string>& metrics = {}, const CompileOptions& options = {});
  bool compiled() const;

  // Keras's summary() table (line length 65, or 98 with the "Connected to"
  // column for a functional model) ending with the parameter totals.
  std::string summary() const;

  // One gradient update on the batch; returns loss and metrics by name, computed
  // before the update (as Keras). x and y hold one tensor per model input and
  // output. sample_weight: [N] or empty (applies to every output). As in Keras
  // 2.2.4, a given sample_weight is used and class_weight ignored (with a
  // warning), and a class_weight must hold every class in y (ConfigError otherwise).
  Logs train_on_batch(const TensorRefs& x, const TensorRefs& y, const Tensor& sample_weight = {},
                      const ClassWeights& class_weight = {});
  // Loss and metrics in inference mode (dropout off, moving BN statistics).
  Logs test_on_batch(const TensorRefs& x, const TensorRefs& y, const Tensor& sample_weight = {});
  // Model outputs in inference mode, one tensor per output.
  TensorList predict_on_batch(const TensorRefs& x);

  // Keras's fit: batches from arrays in RAM (x [N, ...] per input, y [N, ...] per output).
  History fit(const TensorRefs& x, const TensorRefs& y, const FitOptions& options = {});
  // Keras's fit_generator: batches streamed from an endless generator
  // (steps_per_epoch required) or a Sequence, through a bounded prefetch queue.
  History fit_generator(Generator& generator, const FitGeneratorOptions& options);
  History fit_generator(Sequence& sequence, const FitGeneratorOptions& options = {});
  // A source that is both (ImageDataGenerator's iterators) is used as a Sequence.
  template <typename S>
    requires std::derived_from<S, Sequence> && std::derived_from<S, Generator>
  History fit_generator(S& source, const FitGeneratorOptions& options = {}) {
    return fit_generator(static_cast<Sequence&>(source), options);
  }
  // Loss and metrics over the data in inference mode (sample-weighted means of batches).
  Logs evaluate(const TensorRefs& x, const TensorRefs& y, const EvaluateOptions& options = {});
  Logs evaluate_generator(Generator& generator, const GeneratorRunOptions& options);
  Logs evaluate_generator(Sequence& sequence, const GeneratorRunOptions& options = {});
  template <typename S>
    requires std::derived_from<S, Sequence> && std::derived_from<S, Generator>
  Logs evaluate_generator(S& source, const GeneratorRunOptions& options = {}) {
    return evaluate_generator(static_cast<Sequence&>(source), options);
  }
  // Outputs for every input row, in inference mode; the last batch may be partial.
  TensorList predict(const TensorRefs& x, int64_t batch_size = 32, int verbose = 0);
  // With options (tta: horizontal-flip averaging, src/model/test_time_augmentation.cpp).
  TensorList predict(const TensorRefs& x, const PredictOptions& options);
  TensorList predict_generator(Generator& generator, const GeneratorRunOptions& options);
  TensorList predict_generator(Sequence& sequence, const GeneratorRunOptions& options = {});
  template <typename S>
    requires std::derived_from<S, Sequence> && std::derived_from<S, Generator>
  TensorList predict_generator(S& source, const GeneratorRunOptions& options = {}) {
    return predict_generator(static_cast<Sequence&>(source), options);
  }

  // One file with the architecture (the graph), weights, optimizer state and
  // training position, written atomically; read back with load_model(). As in
  // Keras, the extension picks the format: .h5 / .hdf5 write Keras 2.2.4's
  // model file (save_keras_model, petal/interop/keras.h), others petal's.
  void save(const std::filesystem::path& path) const;
  // The model as an ONNX inference graph: save_onnx(*this, path, options) (petal/interop/onnx.h).
  void save_onnx(const std::filesystem::path& path, const OnnxOptions& options = {}) const;

  // ["loss", then per output "<output>_loss" when there are several, then the
  // metrics ("<output>_<metric>" with several outputs)]
  std::vector<std::string> metrics_names() const;

  // Every parameter (trainable and not) in layer order, Keras shapes.
  std::vector<Tensor> get_weights() const;
  void set_weights(const std::vector<Tensor>& weights);
  // Keras variable names, parallel to get_weights(): "conv2d_1/kernel:0", ...
  std::vector<std::string> weight_names() const;
  // .npz archive of get_weights() under weight_names() (atomic write); with
  // .h5 / .hdf5, Keras's save_weights file (save_keras_weights).
  void save_weights(const std::filesystem::path& path) const;
  // Reads either; a Keras file (.h5 / .hdf5) by layer order, or by layer name
  // with by_name (Keras's load_weights; .npz archives always match by name).
  void load_weights(const std::filesystem::path& path, bool by_name = false);

  const std::string& name() const;
  // Layers in Keras's order (a functional model lists its InputLayers too).
  std::vector<Layer*> layers();
  std::vector<const Layer*> layers() const;
  Layer& layer(const std::string& name);
  std::vector<Param*> params();
  bool built() const;
  // Builds for per-sample inputs of `input_shape` (a Sequential without an
  // input shape; a functional model only checks the shape).
  void build(const Shape& input_shape);
  // First input's and first output's per-sample shapes; and all of them.
  const Shape& input_shape() const;
  const Shape& output_shape() const;
  std::vector<Shape> input_shapes() const;
  std::vector<Shape> output_shapes() const;
  // Names of the output layers (Keras's output_names).
  std::vector<std::string> output_names() const;
  int64_t count_params() const;
  // Whether this model is a Sequential chain (saved and summarised as one).
  bool is_sequential() const;

  Optimizer& optimizer();
  const Optimizer& optimizer() const;
  // The first output's loss; losses() has one per output.
  Loss loss() const;
  // The first output's loss with its options (label smoothing).
  LossSpec loss_spec() const;
  std::vector<Loss> losses() const;
  std::vector<double> loss_weights() const;
  // The first output's metrics.
  const std::vector<Metric>& metrics() const;
  uint64_t seed() const;

  // Set by callbacks (EarlyStopping, TerminateOnNaN); training loops stop after
  // the current batch/epoch when true.
  bool stop_training = false;

  // Where a training step's time goes: per layer (forward, backward), the loss
  // and the optimizer update, averaged over the train_on_batch calls made while
  // profiling was on. Layers fused into the previous one report 0.
  struct LayerTiming {
    std::string layer;
    double forward_ms = 0, backward_ms = 0;
  };
  struct StepProfile {
    int64_t steps = 0;
    std::vector<LayerTiming> layers;
    double loss_ms = 0, optimizer_ms = 0, total_ms = 0;
  };
  void set_profiling(bool on);
  StepProfile profile() const;

  void set_conv_algorithm(ConvAlgorithm algorithm);
  ConvAlgorithm conv_algorithm() const;

  // Training position saved with the model (epochs completed), for resuming.
  int64_t epochs_completed() const;
  void set_epochs_completed(int64_t epochs);
  // The callbacks' states (Callback::state) saved with the model: while a training
  // loop runs, its callbacks' current ones; otherwise those load_model read.
  CallbackStates callback_states() const;
  void set_callback_states(CallbackStates states);

  struct Impl;
  Impl& impl() { return *impl_; }
  const Impl& impl() const { return *impl_; }

 protected:
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Restores a model written by Model::save (compiled when it was saved): a
// Sequential file gives a model that is_sequential(). A .h5 / .hdf5 file is read
// as a Keras model file (load_keras_model). Throws IoError for a missing,
// truncated, corrupt or wrong-version file.
Model load_model(const std::filesystem::path& path);

// Sets the number of threads oneDNN and petal's own loops use (0 = all cores).
void set_num_threads(int threads);
int num_threads();

}  // namespace petal
